"""Microsoft Entra ID (token credential) authentication of the resource APIs, through the official
SDKs and azure-identity, unmodified, with Parley's organization side as the authority.

What a user does (docs/api.md, "Microsoft Entra ID"):

- registers an app in a tenant (`POST /admin/tenants/<id>/apps`: client id and secret) and grants it
  a role on the resource (`POST /admin/resources/<name>/role-assignments`, `parley resources grant`);
- builds a credential with Parley as its authority and instance discovery off (offline there is no
  Entra to ask whether the authority is known):
  `ClientSecretCredential(tenant, client_id, secret, authority="https://<parley>", disable_instance_discovery=True)`,
  or `DefaultAzureCredential(disable_instance_discovery=True)` with `AZURE_AUTHORITY_HOST`,
  `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` set (its EnvironmentCredential);
- hands it to `CommunicationIdentityClient(endpoint, credential)`, `CommunicationRelayClient`,
  `CallAutomationClient`. The SDKs ask the credential for `https://communication.azure.com//.default`.

TLS trust comes from REQUESTS_CA_BUNDLE / SSL_CERT_FILE only, as everywhere in this suite; the
environment variables of DefaultAzureCredential are set inside each test (monkeypatch).
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import time
import uuid

import jwt  # PyJWT
import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.communication.identity import CommunicationIdentityClient, CommunicationUserIdentifier
from azure.communication.networktraversal import CommunicationRelayClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential, DefaultAzureCredential
from cryptography.hazmat.primitives.asymmetric import ec

import support
from conftest import Http
# The calling helpers of the recording tests: real-time sockets that register and connect a call.
from test_call_recording import CallSocket, connect_call, hang_up, marks, recording_seen
from test_network_traversal import check as check_relay

ENTRA_VARIABLES = (
    "AZURE_AUTHORITY_HOST", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_USERNAME", "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS", "AZURE_REGIONAL_AUTHORITY_NAME",
)


# ---- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def app(org):
    """An app registration of a fresh tenant with the Contributor role on the default resource."""
    registered = org.add_app("Contoso back end")
    org.grant(registered)
    return registered


@pytest.fixture
def credential(org, app):
    cred = org.credential(app)
    yield cred
    cred.close()


@pytest.fixture(params=["shared endpoint", "resource endpoint"])
def endpoint(request, ready):
    """Where the client points: the connection string's endpoint (the app holds a role on this one
    resource only), or the resource's own `…/resources/default/`, as the admin API names it."""
    resource = ready["resource"]
    return resource["endpoint"] if request.param == "shared endpoint" else resource["resourceEndpoint"]


@pytest.fixture
def entra_environment(monkeypatch, base_url, org, app):
    """The variables DefaultAzureCredential's EnvironmentCredential reads, for `app`; every other
    AZURE_* variable a developer's shell might have is removed for the test."""
    for name in ENTRA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", base_url)
    monkeypatch.setenv("AZURE_TENANT_ID", org.domain)
    monkeypatch.setenv("AZURE_CLIENT_ID", app["appId"])
    monkeypatch.setenv("AZURE_CLIENT_SECRET", app["clientSecret"])
    return monkeypatch


def claims(token: str) -> dict:
    return support.jwt_parts(token)[1]


def acs_error(exc: HttpResponseError, status: int, code: str) -> None:
    assert exc.status_code == status, f"expected HTTP {status}: {exc}"
    assert exc.error is not None, f"no ACS error envelope: {exc}"
    assert exc.error.code == code, f"expected {code!r}, got {exc.error.code!r}: {exc}"


# ---- the token ----------------------------------------------------------------------------------

def test_client_secret_credential_gets_a_token_for_communication_services(org, app, credential, http):
    token = credential.get_token(support.COMMUNICATION_SCOPE)
    assert token.expires_on > time.time() + 3000, token.expires_on
    keys = http.get(f"/{org.id}/discovery/v2.0/keys").json()
    payload = support.verify_jwt(token.token, keys, audience=support.COMMUNICATION_AUDIENCE, issuer=org.issuer)
    assert (payload["tid"], payload["appid"], payload["idtyp"]) == (org.id, app["appId"], "app"), payload
    assert "roles" not in payload and "scp" not in payload, payload  # access is the role assignment's
    # The single-slash form names the same API.
    single = credential.get_token("https://communication.azure.com/.default")
    assert claims(single.token)["aud"] == support.COMMUNICATION_AUDIENCE
    # Graph stays what an app gets for Graph.
    assert claims(credential.get_token(support.GRAPH_DEFAULT_SCOPE).token)["aud"] == support.GRAPH_AUDIENCE


@pytest.mark.parametrize("scope, error, code", [
    ("https://storage.azure.com/.default", "invalid_resource", "AADSTS500011"),
    ("https://communication.azure.com/Identity.Manage", "invalid_scope", "AADSTS1002012"),
])
def test_unknown_apis_get_the_oauth_error_not_a_token(org, app, scope, error, code):
    body = support.oauth_error(org.client_credentials(app, scope=scope), 400, error)
    assert body["error_description"].startswith(code), body
    # azure-identity reports it as an authentication failure carrying Entra's text.
    with pytest.raises(ClientAuthenticationError, match=code):
        org.credential(app).get_token(scope)


# ---- Identity ---------------------------------------------------------------------------------------

def test_identity_with_client_secret_credential(credential, endpoint, immutable_id, http):
    client = CommunicationIdentityClient(endpoint, credential)
    user = client.create_user()
    raw_id = user.properties["id"]
    assert raw_id.startswith(f"8:acs:{immutable_id}_"), raw_id

    # Tokens for every combination of scopes, at creation and for the existing user.
    combinations = [list(c) for n in range(1, 6) for c in itertools.combinations(support.ALL_SCOPES, n)]
    assert len(combinations) == 31
    for scopes in combinations:
        token = client.get_token(user, scopes)
        assert sorted(claims(token.token)["acsScope"].split(",")) == sorted(scopes), scopes
        support.parse_expires_on(token.expires_on)
    for scopes in (["chat"], ["voip", "chat.join"], support.ALL_SCOPES):
        other, token = client.create_user_and_token(scopes)
        me = http.me(token.token)
        assert me.status_code == 200, support.describe(me)
        assert me.json()["communicationUser"]["rawId"] == other.properties["id"]
        assert sorted(me.json()["scopes"]) == sorted(scopes)
        client.delete_user(other)

    # Revocation: the earlier token fails at once, a new one works.
    old = client.get_token(user, ["chat"])
    assert http.me(old.token).status_code == 200
    assert client.revoke_tokens(user) is None
    assert http.me(old.token).status_code == 401
    assert http.me(client.get_token(user, ["chat"]).token).status_code == 200

    # Deletion.
    assert client.delete_user(user) is None
    with pytest.raises(HttpResponseError) as info:
        client.get_token(user, ["chat"])
    assert info.value.status_code == 404, info.value


@pytest.mark.parametrize("token_credentials", [None, "EnvironmentCredential"])
def test_identity_with_default_azure_credential(entra_environment, endpoint, immutable_id, http, token_credentials):
    """EnvironmentCredential, the first of DefaultAzureCredential's chain, with the variables of the
    app. `AZURE_TOKEN_CREDENTIALS=EnvironmentCredential` (optional) keeps the chain to it."""
    if token_credentials:
        entra_environment.setenv("AZURE_TOKEN_CREDENTIALS", token_credentials)
    credential = DefaultAzureCredential(disable_instance_discovery=True)
    try:
        client = CommunicationIdentityClient(endpoint, credential)
        user, token = client.create_user_and_token(["chat", "voip"])
        assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")
        assert http.me(token.token).status_code == 200
        again = client.get_token(user, ["voip.join"])
        assert claims(again.token)["acsScope"] == "voip.join"
        client.revoke_tokens(user)
        assert http.me(token.token).status_code == 401
        client.delete_user(user)
    finally:
        credential.close()


async def test_async_identity_with_the_async_credential(org, app, ready, immutable_id):
    from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient
    from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential

    async with AsyncClientSecretCredential(
        org.id, app["appId"], app["clientSecret"], authority=org.http.base_url, disable_instance_discovery=True
    ) as credential:
        async with AsyncIdentityClient(ready["resource"]["resourceEndpoint"], credential) as client:
            user, token = await client.create_user_and_token(["chat"])
            assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")
            await client.delete_user(user)


def test_teams_token_exchange_through_a_token_credential(org, app, credential, endpoint, http):
    person = org.add_user("Adele Vance")
    teams_app = org.add_app("Contoso Teams client")
    org_token = org.sign_in(person, teams_app)["access_token"]
    client = CommunicationIdentityClient(endpoint, credential)
    token = client.get_token_for_teams_user(org_token, teams_app["appId"], person["id"])
    me = http.me(token.token)
    assert me.status_code == 200, support.describe(me)
    assert me.json()["communicationUser"]["rawId"] == person["rawId"]
    assert me.json()["scopes"] == ["voip"]
    with pytest.raises(HttpResponseError) as info:
        client.get_token_for_teams_user(org_token, app["appId"], person["id"])  # not the app it was issued to
    assert info.value.status_code == 400 and info.value.error.target == "appId"


# ---- Network Traversal and Call recording ------------------------------------------------------------

def test_relay_configuration_through_a_token_credential(credential, endpoint, ready):
    client = CommunicationRelayClient(endpoint, credential)
    start = time.time()
    config = client.get_relay_configuration(ttl=600)
    check_relay(config, ready["relay"], None, ["any", "nearest"], 600, start)


def test_recording_through_a_token_credential(credential, endpoint, new_chat_user, base_url):
    alice, bob = new_chat_user(["voip"]), new_chat_user(["voip"])
    sides = [CallSocket(base_url, alice.token, alice.raw_id, "alice"), CallSocket(base_url, bob.token, bob.raw_id, "bob")]
    try:
        call_id = connect_call(*sides)
        automation = CallAutomationClient(endpoint, credential)
        before = marks(*sides)
        props = automation.start_recording(server_call_id=call_id)
        assert props.recording_state == "active", vars(props)
        recording_seen(sides, call_id, True, before)
        assert automation.get_recording_properties(props.recording_id).recording_state == "active"
        before = marks(*sides)
        assert automation.stop_recording(props.recording_id) is None
        recording_seen(sides, call_id, False, before)
        hang_up(*sides, call_id)
    finally:
        for side in sides:
            side.close()


# ---- refusals ---------------------------------------------------------------------------------------

def test_an_app_without_a_role_is_403(org, ready):
    stranger = org.add_app("No role here")
    for endpoint in (ready["resource"]["endpoint"], ready["resource"]["resourceEndpoint"]):
        with pytest.raises(HttpResponseError) as info:
            CommunicationIdentityClient(endpoint, org.credential(stranger)).create_user()
        acs_error(info.value, 403, "AuthorizationFailed")
        assert stranger["appId"] in info.value.error.message


def test_an_app_of_another_tenant_without_an_assignment_is_403(app, new_org, ready):
    fabrikam = new_org("Fabrikam")
    theirs = fabrikam.add_app("Fabrikam back end")
    with pytest.raises(HttpResponseError) as info:
        CommunicationIdentityClient(ready["resource"]["resourceEndpoint"], fabrikam.credential(theirs)).create_user()
    acs_error(info.value, 403, "AuthorizationFailed")


def test_a_revoked_role_is_403_at_once(org, app, credential, http, admin_headers, ready):
    client = CommunicationIdentityClient(ready["resource"]["endpoint"], credential)
    client.create_user()
    assignments = http.get("/admin/resources/default/role-assignments", headers=admin_headers).json()["value"]
    mine = [a for a in assignments if a["appId"] == app["appId"]]
    assert len(mine) == 1, assignments
    resp = http.request("DELETE", f"/admin/resources/default/role-assignments/{mine[0]['id']}", headers=admin_headers)
    assert resp.status_code == 204, support.describe(resp)
    with pytest.raises(HttpResponseError) as info:
        client.create_user()  # the same client, its cached token
    acs_error(info.value, 403, "AuthorizationFailed")


def test_a_token_for_another_audience_is_401(org, app, credential, ready):
    graph_token = credential.get_token(support.GRAPH_DEFAULT_SCOPE).token
    static = support.StaticTokenCredential(graph_token)
    with pytest.raises(ClientAuthenticationError) as info:
        CommunicationIdentityClient(ready["resource"]["endpoint"], static).create_user()
    acs_error(info.value, 401, "InvalidAuthenticationTokenAudience")
    assert static.scopes_asked == [(support.COMMUNICATION_SCOPE,)], static.scopes_asked


def test_a_token_signed_with_another_key_is_401(org, app, credential, ready):
    """The genuine token's claims, signed with a key that is not the server's (an attacker's, with
    the server's key id): the signature does not verify."""
    genuine = credential.get_token(support.COMMUNICATION_SCOPE).token
    header = jwt.get_unverified_header(genuine)
    forged = jwt.encode(claims(genuine), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": header["kid"]})
    with pytest.raises(ClientAuthenticationError) as info:
        CommunicationIdentityClient(ready["resource"]["endpoint"], support.StaticTokenCredential(forged)).create_user()
    acs_error(info.value, 401, "InvalidAuthenticationToken")
    # An edited payload under the genuine signature fails the same way.
    head, payload, signature = genuine.split(".")
    edited = json.loads(support.b64url_decode(payload))
    edited["tid"] = str(uuid.uuid4())
    tampered = ".".join([head, base64.urlsafe_b64encode(json.dumps(edited).encode()).decode().rstrip("="), signature])
    with pytest.raises(ClientAuthenticationError):
        CommunicationIdentityClient(ready["resource"]["endpoint"], support.StaticTokenCredential(tampered)).create_user()


def test_another_resources_key_is_401_at_this_resources_endpoint(second_resource, ready, access_key):
    """HMAC beside the tokens: at a resource's own endpoint only that resource's keys sign."""
    own = CommunicationIdentityClient(second_resource["resourceEndpoint"], AzureKeyCredential(second_resource["primaryKey"]))
    assert own.create_user().properties["id"].startswith(f"8:acs:{second_resource['immutableResourceId']}_")
    foreign = CommunicationIdentityClient(second_resource["resourceEndpoint"], AzureKeyCredential(access_key))
    with pytest.raises(ClientAuthenticationError) as info:
        foreign.create_user()
    acs_error(info.value, 401, "Denied")


async def test_the_async_sdk_signs_at_a_resources_own_endpoint_too(second_resource):
    """The async client signs the decoded path (aiohttp), with the endpoint's path as part of the host."""
    from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient

    async with AsyncIdentityClient(second_resource["resourceEndpoint"], AzureKeyCredential(second_resource["secondaryKey"])) as client:
        user = await client.create_user()
        assert user.properties["id"].startswith(f"8:acs:{second_resource['immutableResourceId']}_")
        token = await client.get_token(user, ["chat"])
        assert claims(token.token)["resourceId"] == second_resource["immutableResourceId"]
        await client.delete_user(user)


def test_roles_on_two_resources_need_the_resources_own_endpoint(org, app, credential, second_resource, ready):
    org.grant(app, resource=second_resource["name"], role="Communication and Email Service Owner")
    with pytest.raises(HttpResponseError) as info:
        CommunicationIdentityClient(ready["resource"]["endpoint"], credential).create_user()
    acs_error(info.value, 403, "AuthorizationFailed")
    assert second_resource["name"] in info.value.error.message and "default" in info.value.error.message
    for resource, immutable_id in ((ready["resource"], ready["resource"]["immutableResourceId"]),
                                   (second_resource, second_resource["immutableResourceId"])):
        user = CommunicationIdentityClient(resource["resourceEndpoint"], credential).create_user()
        assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")


def test_chat_takes_user_access_tokens_only(credential, ready):
    """As with the service, chat is for app users. ChatClient 1.3.0 asks its credential for no
    scope at all, so azure-identity refuses in the client; an app token sent anyway is a 401."""
    from azure.communication.chat import ChatClient

    with pytest.raises(ValueError, match="requires at least one scope"):
        list(ChatClient(ready["resource"]["endpoint"], credential).list_chat_threads())
    app_token = support.StaticTokenCredential(credential.get_token(support.COMMUNICATION_SCOPE).token)
    with pytest.raises(ClientAuthenticationError) as info:
        list(ChatClient(ready["resource"]["endpoint"], app_token).list_chat_threads())
    acs_error(info.value, 401, "InvalidAccessToken")


def test_call_control_is_not_served_yet(credential, ready, new_chat_user):
    """Only recording of Call Automation is served: call control is a clear 404 (docs/api.md)."""
    from azure.communication.callautomation import CommunicationUserIdentifier as CallTarget

    automation = CallAutomationClient(ready["resource"]["endpoint"], credential)
    target = CallTarget(new_chat_user(["voip"]).raw_id)
    with pytest.raises(HttpResponseError) as info:
        automation.create_call(target, "https://callbacks.example/parley")
    acs_error(info.value, 404, "NotFound")
    assert "No such route" in info.value.error.message


def test_an_expired_token_parley_signed_is_401(tmp_path, ready):
    """A token whose `exp` is in the past, signed by Parley itself: a server of this test's own,
    started under libfaketime two hours in the past (Debian's `faketime`;
    FAKETIME_DONT_FAKE_MONOTONIC keeps the monotonic clock real), issues it; the same data
    directory, restarted on the real clock, gets it from an unmodified SDK. Nothing sleeps.

    Under libfaketime the server does not shut down on SIGTERM, so it is killed (SIGKILL, which
    the store survives: test_chat_durability.py)."""
    if not shutil.which("faketime"):
        pytest.fail("needs Debian's faketime (scripts/test installs it)", pytrace=False)
    data = tmp_path / "data"
    options = {"share_ca_of": ready["dataDirectory"]}
    past = support.OwnServer(
        data, tmp_path, "past", prefix=["faketime", "-f", "-2h"], extra_env={"FAKETIME_DONT_FAKE_MONOTONIC": "1"}, **options
    )
    present = support.OwnServer(data, tmp_path, "present", **options)
    try:
        then = past.start()
        admin = {"Authorization": f"Bearer {then['adminKey']}"}
        tenant = Http(then["url"]).post(
            "/admin/tenants", headers=admin, json={"displayName": "Contoso", "domain": f"org{uuid.uuid4().hex[:10]}.example"}
        )
        assert tenant.status_code == 201, support.describe(tenant)
        org = support.Org(Http(then["url"]), admin, tenant.json())
        app = org.add_app("Back end")
        org.grant(app)
        credential = org.credential(app)
        token = credential.get_token(support.COMMUNICATION_SCOPE)
        issued = claims(token.token)
        assert issued["exp"] < time.time() - 3000, f"not issued in the past: exp {issued['exp']}, now {time.time():.0f}"
        past.kill9()

        now = present.start()
        client = CommunicationIdentityClient(now["resource"]["endpoint"], credential)  # its cached token
        with pytest.raises(ClientAuthenticationError) as info:
            client.create_user()
        acs_error(info.value, 401, "ExpiredAuthenticationToken")
        # The app and its role are still there: a token from the server of now works.
        fresh = support.Org(Http(now["url"]), admin, tenant.json()).credential(app)
        user = CommunicationIdentityClient(now["resource"]["endpoint"], fresh).create_user()
        assert user.properties["id"].startswith(f"8:acs:{now['resource']['immutableResourceId']}_")
    finally:
        past.stop()
        present.stop()
