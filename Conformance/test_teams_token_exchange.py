"""`get_token_for_teams_user`: a Teams user's organization token becomes an ACS token of the
resource (Custom Teams Endpoint), through the official identity SDK, unmodified.

The ACS quickstart ("Set up and manage access tokens for Teams users") signs the person in with MSAL
for `https://auth.msft.communication.azure.com/Teams.ManageCalls` and `…/Teams.ManageChats` and
exchanges that token; Parley also exchanges its own Microsoft Graph tokens of people (the service
does not; docs/api.md)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

import support


@pytest.fixture
def signed_in(org):
    person = org.add_user("Adele Vance")
    app = org.add_app()
    return person, app, org.sign_in(person, app)["access_token"]


def test_exchange_gives_an_acs_token_for_the_teams_user(identity_client, signed_in, http, immutable_id):
    person, app, org_token = signed_in
    token = identity_client.get_token_for_teams_user(org_token, app["appId"], person["id"])
    support.parse_expires_on(token.expires_on)
    claims = support.jwt_parts(token.token)[1]
    assert claims["resourceId"] == immutable_id
    me = http.me(token.token)
    assert me.status_code == 200, support.describe(me)
    body = me.json()
    assert body["communicationUser"]["rawId"] == person["rawId"]
    assert body["communicationUser"]["microsoftTeamsUser"]["userId"] == person["id"]
    assert body["scopes"] == ["voip"]


def test_exchange_checks_the_app_and_the_user(identity_client, signed_in, org):
    person, app, org_token = signed_in
    other = org.add_app("Another app")
    with pytest.raises(HttpResponseError) as wrong_app:
        identity_client.get_token_for_teams_user(org_token, other["appId"], person["id"])
    assert wrong_app.value.status_code == 400
    assert wrong_app.value.error.target == "appId"

    megan = org.add_user("Megan Bowen", password=None)
    with pytest.raises(HttpResponseError) as wrong_user:
        identity_client.get_token_for_teams_user(org_token, app["appId"], megan["id"])
    assert wrong_user.value.status_code == 400
    assert wrong_user.value.error.target == "userId"


def test_exchange_refuses_invalid_and_app_tokens(identity_client, signed_in, org):
    person, app, _ = signed_in
    with pytest.raises(ClientAuthenticationError):
        identity_client.get_token_for_teams_user("not.a.token", app["appId"], person["id"])
    app_token = org.app_token(app)["access_token"]
    with pytest.raises(ClientAuthenticationError):
        identity_client.get_token_for_teams_user(app_token, app["appId"], person["id"])


TEAMS_SCOPES = [
    "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    "https://auth.msft.communication.azure.com/Teams.ManageChats",
]


@pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")
def test_exchange_of_a_token_for_the_teams_api_as_the_quickstart_gets_it(identity_client, org, msal_http, http):
    import msal

    person = org.add_user("Adele Vance")
    app = org.add_app("Contoso Teams client")
    pca = msal.PublicClientApplication(app["appId"], authority=org.authority, instance_discovery=False, http_client=msal_http)
    result = pca.acquire_token_by_username_password(person["userPrincipalName"], person["password"], scopes=TEAMS_SCOPES)
    assert "access_token" in result, result
    claims = support.jwt_parts(result["access_token"])[1]
    assert claims["aud"] == "https://auth.msft.communication.azure.com", claims
    assert claims["scp"].split(" ") == ["Teams.ManageCalls", "Teams.ManageChats"], claims

    token = identity_client.get_token_for_teams_user(result["access_token"], app["appId"], person["id"])
    me = http.me(token.token)
    assert me.status_code == 200, support.describe(me)
    assert me.json()["communicationUser"]["rawId"] == person["rawId"]
    assert me.json()["scopes"] == ["voip"]
    # It is a token for ACS, not for Graph.
    graph = http.get("/v1.0/me", headers={"Authorization": f"Bearer {result['access_token']}"})
    assert graph.status_code == 401, support.describe(graph)


def test_the_teams_api_is_for_people_and_knows_its_permissions(org):
    app = org.add_app()
    support.oauth_error(org.client_credentials(app, scope="https://auth.msft.communication.azure.com/.default"), 400, "invalid_scope")
    person = org.add_user("Adele Vance")
    body = support.oauth_error(
        org.password_grant(person, app, scope="https://auth.msft.communication.azure.com/Teams.ManageEverything"), 400, "invalid_scope"
    )
    assert "Teams.ManageEverything" in body["error_description"], body
