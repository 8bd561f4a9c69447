"""`get_token_for_teams_user`: a Teams user's organization token becomes an ACS token of the
resource (Custom Teams Endpoint), through the official identity SDK, unmodified."""

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
