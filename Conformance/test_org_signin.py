"""Organization sign-in: Parley's Entra-shaped OAuth 2.0 / OpenID Connect endpoints, used the way
applications use Entra ID — raw HTTP, PyJWT on the resource side, and MSAL Python, unmodified.

Tenants, people (with passwords) and app registrations (with client secrets) are made through the
operator API. The authority is `<url>/<tenant id>` (or `<url>/<tenant domain>`), as
`https://login.microsoftonline.com/<tenant>` is for Entra.

MSAL configuration (msal 1.39.0), the smallest that works against a server that is not Entra:

- `instance_discovery=False`, always: otherwise MSAL asks login.microsoftonline.com whether the
  authority's host is a known Entra instance (and the answer is no). That is MSAL's documented
  switch for "an authority known to the developer"; `validate_authority=False` does the same but
  is older. `oidc_authority=` is not needed: with an Entra-style authority MSAL reads
  `<authority>/v2.0/.well-known/openid-configuration`, which Parley serves.
- Username/password (ROPC) only: `http_client=support.DefaultPortSession(url)`, because MSAL
  sends its user-realm lookup to `https://<hostname>/common/userrealm/...` with the port dropped
  (see that class). A Parley on port 443 needs nothing. The client-credentials flow makes no such
  lookup and runs with MSAL's own HTTP client.

MSAL deprecates the username/password flow for public clients (a DeprecationWarning, "will be
removed in a future release"); it still works in 1.39.0, which is pinned.
"""

from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import quote_plus, urlsplit

import jwt
import msal
import pytest

import support

pytestmark = pytest.mark.parley_admin

ROPC_DEPRECATED = pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")


def discovery(http, tenant: str):
    return http.get(f"/{tenant}/v2.0/.well-known/openid-configuration")


def jwks_of(org: support.Org) -> dict:
    resp = org.http.get(f"/{org.id}/discovery/v2.0/keys")
    assert resp.status_code == 200, support.describe(resp)
    return resp.json()


def claims(token: str) -> dict:
    return support.jwt_parts(token)[1]


def assert_expires_in_an_hour(payload: dict, expires_in) -> None:
    now = time.time()
    assert isinstance(payload.get("exp"), int), payload
    assert abs(payload["exp"] - (now + 3600)) <= 120, f"exp {payload['exp']} is not about now+3600 ({now:.0f})"
    # MSAL reads expires_in (int, or a numeric string) to know when to refresh.
    assert int(expires_in) > 0 and abs(now + int(expires_in) - payload["exp"]) <= 60, (expires_in, payload["exp"])


def scopes_of(payload: dict) -> set[str]:
    assert isinstance(payload.get("scp"), str), f"scp is not a space-separated string: {payload!r}"
    return set(payload["scp"].split(" "))


# ---- discovery and keys -----------------------------------------------------------------------

def test_openid_configuration(org, http, base_url):
    resp = discovery(http, org.id)
    assert resp.status_code == 200, support.describe(resp)
    assert resp.headers.get("content-type", "").startswith("application/json"), support.describe(resp)
    doc = resp.json()
    assert doc["issuer"] == f"{base_url}/{org.id}/v2.0", doc
    assert doc["token_endpoint"] == f"{base_url}/{org.id}/oauth2/v2.0/token", doc
    assert doc["jwks_uri"] == f"{base_url}/{org.id}/discovery/v2.0/keys", doc
    assert isinstance(doc.get("authorization_endpoint"), str), doc  # MSAL requires the key
    assert doc["authorization_endpoint"].startswith(f"{base_url}/{org.id}/"), doc
    assert "ES256" in doc["id_token_signing_alg_values_supported"], doc


def test_openid_configuration_by_domain_names_the_tenant_id(org, http, base_url):
    """As with Entra, the domain is an alias: the document names the tenant by its id."""
    by_id = discovery(http, org.id)
    by_domain = discovery(http, org.domain)
    assert by_domain.status_code == 200, support.describe(by_domain)
    doc = by_domain.json()
    assert doc["issuer"] == by_id.json()["issuer"] == f"{base_url}/{org.id}/v2.0", doc
    assert doc["token_endpoint"] == f"{base_url}/{org.id}/oauth2/v2.0/token", doc
    assert doc["jwks_uri"] == by_id.json()["jwks_uri"], doc


@pytest.mark.parametrize("tenant", ["guid", "domain"])
def test_openid_configuration_of_an_unknown_tenant(http, tenant):
    """Not a document MSAL could use: any 4xx (Entra answers 400 AADSTS90002), never a 200."""
    name = str(uuid.uuid4()) if tenant == "guid" else f"nowhere{uuid.uuid4().hex[:8]}.example"
    resp = discovery(http, name)
    assert 400 <= resp.status_code < 500, support.describe(resp)


def test_jwks(org, http):
    doc = discovery(http, org.id).json()
    resp = http.get(urlsplit(doc["jwks_uri"]).path)
    assert resp.status_code == 200, support.describe(resp)
    keys = resp.json()["keys"]
    assert isinstance(keys, list) and keys, resp.json()
    for key in keys:
        assert key["kty"] == "EC" and key["crv"] == "P-256", key
        assert key["use"] == "sig" and key["alg"] == "ES256", key
        assert isinstance(key["kid"], str) and key["kid"], key
        # Coordinates are 32-byte unpadded base64url (RFC 7518 §6.2.1.2).
        for c in ("x", "y"):
            assert "=" not in key[c] and len(support.b64url_decode(key[c])) == 32, key
        assert "d" not in key, "the JWKS publishes a private key"
        jwt.PyJWK(key)  # a usable public key
    assert len({k["kid"] for k in keys}) == len(keys), keys


# ---- password grant (ROPC) ----------------------------------------------------------------------

def test_password_grant(org, base_url):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    body = org.sign_in(adele, app)

    assert body["token_type"] == "Bearer", body
    assert isinstance(body["scope"], str) and "User.Read" in body["scope"].split(" "), body
    assert "id_token" in body and "client_info" in body, sorted(body)
    info = support.decode_client_info(body["client_info"])
    assert (info.get("uid"), info.get("utid")) == (adele["id"], org.id), info

    at = claims(body["access_token"])
    assert at["iss"] == f"{base_url}/{org.id}/v2.0", at
    assert at["aud"] == support.GRAPH_AUDIENCE, at
    assert at["tid"] == org.id, at
    assert at["oid"] == adele["id"], at
    assert at["upn"] == at["preferred_username"] == adele["userPrincipalName"], at
    assert at["name"] == "Adele Vance", at
    assert at["appid"] == app["appId"], at
    assert at["idtyp"] == "user", at
    assert {"User.Read", "Chat.ReadWrite"} <= scopes_of(at), at
    assert "roles" not in at, at
    assert_expires_in_an_hour(at, body["expires_in"])

    idt = claims(body["id_token"])
    assert idt["aud"] == app["appId"], idt
    assert idt["iss"] == at["iss"], idt
    assert (idt["oid"], idt["tid"]) == (adele["id"], org.id), idt
    assert idt["preferred_username"] == adele["userPrincipalName"], idt
    assert idt["name"] == "Adele Vance", idt


def test_tokens_verify_against_the_jwks(org):
    """A resource server verifies the signature with the published key (PyJWT, ES256 only)."""
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    body = org.sign_in(adele, app)
    keys = jwks_of(org)
    at = support.verify_jwt(body["access_token"], keys, audience=support.GRAPH_AUDIENCE, issuer=org.issuer)
    assert at["oid"] == adele["id"]
    idt = support.verify_jwt(body["id_token"], keys, audience=app["appId"], issuer=org.issuer)
    assert idt["oid"] == adele["id"]
    app_at = support.verify_jwt(org.app_token(app)["access_token"], keys, audience=support.GRAPH_AUDIENCE, issuer=org.issuer)
    assert app_at["appid"] == app["appId"]

    # And a token whose payload was edited does not verify (the key really checks the signature).
    header, payload, sig = body["access_token"].split(".")
    edited = support.b64url_decode(payload).replace(adele["id"].encode(), str(uuid.uuid4()).encode())
    forged = f"{header}.{base64.urlsafe_b64encode(edited).decode().rstrip('=')}.{sig}"
    with pytest.raises(jwt.InvalidSignatureError):
        support.verify_jwt(forged, keys, audience=support.GRAPH_AUDIENCE, issuer=org.issuer)


def test_each_user_gets_their_own_token(org):
    adele, alex = org.add_user("Adele Vance"), org.add_user("Alex Wilber")
    app = org.add_app()
    a, b = claims(org.sign_in(adele, app)["access_token"]), claims(org.sign_in(alex, app)["access_token"])
    assert (a["oid"], a["upn"]) == (adele["id"], adele["userPrincipalName"]), a
    assert (b["oid"], b["upn"]) == (alex["id"], alex["userPrincipalName"]), b


def test_password_grant_via_the_tenant_domain(org):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    body = org.sign_in(adele, app, tenant=org.domain)
    at = claims(body["access_token"])
    assert at["tid"] == org.id and at["iss"] == org.issuer, at


def test_user_name_is_case_insensitive(org):
    """Entra matches the UPN case-insensitively; people type their address in any case."""
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    body = org.sign_in({**adele, "userPrincipalName": adele["userPrincipalName"].upper()}, app)
    assert claims(body["access_token"])["oid"] == adele["id"]


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "user without a password"])
def test_bad_user_credentials_are_invalid_grant(org, case):
    app = org.add_app()
    if case == "wrong password":
        user, password = org.add_user("Adele Vance"), "Wrong-Horse-7"
    elif case == "unknown user":
        user, password = {"userPrincipalName": f"nobody@{org.domain}"}, support.PASSWORD
    else:
        user, password = org.add_user("Adele Vance", password=None), support.PASSWORD
    body = support.oauth_error(org.password_grant(user, app, password=password), 400, "invalid_grant")
    assert "AADSTS50126" in body["error_description"], body


def test_password_is_changed_by_the_operator(org):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    org.sign_in(adele, app)

    resp = org.set_password(adele, "Battery-Staple-8")
    assert resp.status_code == 204, support.describe(resp)
    support.oauth_error(org.password_grant(adele, app), 400, "invalid_grant")  # the old one
    body = org.sign_in(adele, app, password="Battery-Staple-8")
    assert claims(body["access_token"])["oid"] == adele["id"]


def test_a_user_created_without_password_can_be_given_one(org):
    lee = org.add_user("Lee Gu", password=None)
    app = org.add_app()
    resp = org.set_password(lee, support.PASSWORD)
    assert resp.status_code == 204, support.describe(resp)
    assert claims(org.sign_in(lee, app, password=support.PASSWORD)["access_token"])["oid"] == lee["id"]


def test_passwords_shorter_than_8_characters_are_refused(org):
    resp = org.http.post(
        f"/admin/tenants/{org.id}/users",
        headers=org.admin,
        json={"displayName": "Short", "userPrincipalName": f"short@{org.domain}", "password": "Abc-123"},
    )
    assert resp.status_code == 400, support.describe(resp)
    support.error_envelope(resp.json())
    adele = org.add_user("Adele Vance")
    resp = org.set_password(adele, "Abc-123")
    assert resp.status_code == 400, support.describe(resp)
    org.sign_in(adele, org.add_app())  # the old password still works


def test_an_app_cannot_sign_in_users_of_another_tenant(new_org):
    contoso, fabrikam = new_org("Contoso"), new_org("Fabrikam")
    contoso_app = contoso.add_app()
    megan = fabrikam.add_user("Megan Bowen")
    fabrikam.sign_in(megan, fabrikam.add_app())  # her credentials are right

    # At Contoso's endpoint she is nobody.
    support.oauth_error(contoso.password_grant(megan, contoso_app), 400, "invalid_grant")
    # At Fabrikam's endpoint, Contoso's app is not registered.
    support.oauth_error(
        fabrikam.password_grant(megan, contoso_app), (400, 401), ("invalid_grant", "unauthorized_client", "invalid_client")
    )


# ---- client credentials -------------------------------------------------------------------------

def test_client_credentials_grant(org, base_url):
    app = org.add_app("Contoso Directory Sync")
    resp = org.client_credentials(app)
    assert resp.status_code == 200, support.describe(resp)
    body = resp.json()
    assert body["token_type"] == "Bearer", body
    assert "id_token" not in body and "refresh_token" not in body, sorted(body)

    at = claims(body["access_token"])
    assert at["iss"] == f"{base_url}/{org.id}/v2.0", at
    assert at["aud"] == support.GRAPH_AUDIENCE, at
    assert at["tid"] == org.id, at
    assert at["appid"] == app["appId"], at
    assert at["idtyp"] == "app", at
    assert isinstance(at["oid"], str) and at["oid"], at
    assert isinstance(at["roles"], list) and "User.Read.All" in at["roles"], at
    for user_claim in ("upn", "scp", "preferred_username"):
        assert user_claim not in at, f"an app token carries {user_claim!r}: {at!r}"
    assert_expires_in_an_hour(at, body["expires_in"])


def test_client_credentials_with_http_basic(org):
    """RFC 6749 §2.3.1: id and secret form-encoded, then `Basic base64(id:secret)` (MSAL does this)."""
    app = org.add_app()
    basic = base64.b64encode(f"{quote_plus(app['appId'])}:{quote_plus(app['clientSecret'])}".encode()).decode()
    resp = org.token_request(
        {"grant_type": "client_credentials", "scope": support.GRAPH_DEFAULT_SCOPE},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert resp.status_code == 200, support.describe(resp)
    assert claims(resp.json()["access_token"])["appid"] == app["appId"]


def test_client_secret_is_shown_once(org, http, admin_headers):
    app = org.add_app("Contoso Chat")
    resp = http.get(f"/admin/tenants/{org.id}/apps", headers=admin_headers)
    assert resp.status_code == 200, support.describe(resp)
    listed = [a for a in resp.json()["value"] if a.get("appId") == app["appId"]]
    assert len(listed) == 1, resp.json()
    assert (listed[0]["displayName"], listed[0]["tenantId"]) == ("Contoso Chat", org.id), listed
    assert "clientSecret" not in listed[0], listed
    assert app["clientSecret"] not in resp.text, "the app list reveals the client secret"


def test_wrong_client_secret_is_invalid_client(org):
    app = org.add_app()
    support.oauth_error(org.client_credentials(app, secret="not-the-secret"), (400, 401), "invalid_client")


@pytest.mark.parametrize("grant", ["client_credentials", "password"])
def test_unknown_client_id_is_unauthorized_client(org, grant):
    ghost = {"appId": str(uuid.uuid4()), "clientSecret": "whatever-secret"}
    if grant == "client_credentials":
        resp = org.client_credentials(ghost)
    else:
        resp = org.password_grant(org.add_user("Adele Vance"), ghost)
    support.oauth_error(resp, 400, "unauthorized_client")


def test_an_app_of_another_tenant_gets_no_app_token(new_org):
    contoso, fabrikam = new_org("Contoso"), new_org("Fabrikam")
    app = contoso.add_app()
    resp = contoso.client_credentials(app, tenant=fabrikam.id)
    support.oauth_error(resp, (400, 401), ("unauthorized_client", "invalid_client"))


# ---- other errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("grant_type", ["urn:parley:not-a-grant", "implicit"])
def test_unsupported_grant_type(org, grant_type):
    app = org.add_app()
    resp = org.token_request({"grant_type": grant_type, "client_id": app["appId"], "scope": support.USER_SCOPE})
    support.oauth_error(resp, 400, "unsupported_grant_type")


@pytest.mark.parametrize("tenant", ["guid", "domain"])
def test_token_endpoint_of_an_unknown_tenant(org, tenant):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    name = str(uuid.uuid4()) if tenant == "guid" else f"nowhere{uuid.uuid4().hex[:8]}.example"
    body = support.oauth_error(org.password_grant(adele, app, tenant=name), 400, "invalid_request")
    assert "AADSTS90002" in body["error_description"], body


# ---- MSAL Python, unmodified --------------------------------------------------------------------

def public_client(org: support.Org, app: dict, http_client, authority: str | None = None) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        app["appId"], authority=authority or org.authority, instance_discovery=False, http_client=http_client
    )


def test_user_realm_lookup_is_not_federated(org, http):
    """MSAL's first request of the username/password flow (`Authority.user_realm_discovery`).

    It continues with the plain password grant when the answer is a 404 or a JSON document whose
    `account_type` is not "Federated" (Entra: 200 `{"account_type": "Managed", ...}`); anything
    else (another 4xx, a 5xx, a non-JSON 200) aborts the sign-in with an exception.
    """
    adele = org.add_user("Adele Vance")
    resp = http.get(f"/common/userrealm/{adele['userPrincipalName']}", params={"api-version": "1.0"},
                    headers={"Accept": "application/json"})
    if resp.status_code != 404:
        assert resp.status_code == 200, support.describe(resp)
        assert resp.json().get("account_type") != "Federated", support.describe(resp)


@ROPC_DEPRECATED
@pytest.mark.parametrize("authority", ["tenant id", "tenant domain"])
def test_msal_username_password(org, msal_http, base_url, authority):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    pca = public_client(org, app, msal_http, f"{base_url}/{org.domain}" if authority == "tenant domain" else None)

    result = pca.acquire_token_by_username_password(adele["userPrincipalName"], adele["password"], scopes=["User.Read"])
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == adele["userPrincipalName"], result["id_token_claims"]
    assert result["id_token_claims"]["oid"] == adele["id"], result["id_token_claims"]
    assert claims(result["access_token"])["oid"] == adele["id"]

    # The account MSAL keeps, and the cached token it hands out next time without a request.
    accounts = pca.get_accounts(username=adele["userPrincipalName"])
    assert len(accounts) == 1, pca.get_accounts()
    assert accounts[0]["home_account_id"] == f"{adele['id']}.{org.id}", accounts[0]
    silent = pca.acquire_token_silent(["User.Read"], account=accounts[0])
    assert silent and silent.get("access_token") == result["access_token"], silent


@ROPC_DEPRECATED
def test_msal_wrong_password(org, msal_http):
    adele = org.add_user("Adele Vance")
    app = org.add_app()
    result = public_client(org, app, msal_http).acquire_token_by_username_password(
        adele["userPrincipalName"], "Wrong-Horse-7", scopes=["User.Read"]
    )
    assert result.get("error") == "invalid_grant", result
    assert "AADSTS50126" in result.get("error_description", ""), result
    assert "access_token" not in result


def test_msal_client_credentials(org):
    """No http_client here: the client-credentials flow works with MSAL's defaults."""
    app = org.add_app("Contoso Directory Sync")
    cca = msal.ConfidentialClientApplication(
        app["appId"], client_credential=app["clientSecret"], authority=org.authority, instance_discovery=False
    )
    result = cca.acquire_token_for_client(scopes=[support.GRAPH_DEFAULT_SCOPE])
    assert "access_token" in result, result
    at = claims(result["access_token"])
    assert (at["appid"], at["tid"], at["idtyp"]) == (app["appId"], org.id, "app"), at
    # The second call is served from MSAL's cache.
    again = cca.acquire_token_for_client(scopes=[support.GRAPH_DEFAULT_SCOPE])
    assert again.get("access_token") == result["access_token"], again


def test_msal_wrong_client_secret(org):
    app = org.add_app()
    cca = msal.ConfidentialClientApplication(
        app["appId"], client_credential="not-the-secret", authority=org.authority, instance_discovery=False
    )
    result = cca.acquire_token_for_client(scopes=[support.GRAPH_DEFAULT_SCOPE])
    assert result.get("error") == "invalid_client", result
    assert "access_token" not in result


def test_msal_unknown_tenant(base_url):
    """MSAL reads the discovery document when the application is built; an unknown tenant fails there."""
    with pytest.raises(ValueError):
        msal.ConfidentialClientApplication(
            str(uuid.uuid4()), client_credential="secret", authority=f"{base_url}/{uuid.uuid4()}", instance_discovery=False
        )
