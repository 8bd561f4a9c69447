"""The authorization code flow with PKCE, driven from outside by MSAL Python, unmodified.

MSAL makes the authorization URL (`initiate_auth_code_flow`: state, nonce, PKCE S256 verifier and
challenge), and exchanges what comes back (`acquire_token_by_auth_code_flow`, which checks the
state and the id token's nonce). In between, `requests` does what a person's browser does with
that URL: it loads Parley's sign-in page (which sets the page's CSRF cookie), fills in the form
and posts it; the 302 to the redirect URI carries the code. The redirect URI is a loopback
address that nothing listens on: the test reads the redirect instead of following it, as
MSAL's own samples do with a local web server.

Then refresh (MSAL's `acquire_token_by_refresh_token`; each refresh token works once) and the
refusals a client meets: a wrong PKCE verifier, a code used twice, an unregistered redirect URI
and the code of another client.

`instance_discovery=False`, as in test_org_signin.py: the authority is not an Entra instance.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import msal
import pytest
import requests

import support

REDIRECT = "http://localhost:8765/callback"

# MSAL 1.39 suggests response_mode=form_post whenever a flow asks for the default (query); the
# query mode is what single-page apps use (Parley's web app among them), so it is tested as is,
# and form_post in the confidential client's test.
pytestmark = [
    pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended:UserWarning"),
    pytest.mark.parley_admin,
]


def user_and_app(org: support.Org):
    person = org.add_user("Adele Vance", "adele")
    app = org.add_app("Contoso web", redirect_uris=[REDIRECT])
    return person, app


def public_client(org: support.Org, app) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(app["appId"], authority=org.authority, instance_discovery=False)


def browser_sign_in(auth_uri: str, person) -> dict[str, str]:
    """A browser session signs `person` in at `auth_uri`; returns the redirect's parameters."""
    with requests.Session() as browser:
        answer = support.sign_in_through_page(browser, auth_uri, person["userPrincipalName"], person["password"])
        return support.redirect_parameters(answer)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def raw_code(org: support.Org, app, person, challenge: str, redirect: str = REDIRECT) -> str:
    """A code from the sign-in page, for the tests that redeem it by hand."""
    query = urlencode({
        "client_id": app["appId"], "response_type": "code", "redirect_uri": redirect, "scope": "openid offline_access User.Read",
        "state": "st", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    params = browser_sign_in(f"{org.authority}/oauth2/v2.0/authorize?{query}", person)
    assert params["state"] == "st", params
    return params["code"]


def redeem(org: support.Org, app, code: str, verifier: str, redirect: str = REDIRECT, client_id: str | None = None):
    return org.token_request({
        "grant_type": "authorization_code", "client_id": client_id or app["appId"], "code": code,
        "redirect_uri": redirect, "code_verifier": verifier, "scope": "openid offline_access User.Read",
    })


# ---- MSAL, start to finish ---------------------------------------------------------------------

def test_msal_public_client_signs_in_through_the_page_and_refreshes(org, http):
    person, app = user_and_app(org)
    client = public_client(org, app)
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT, login_hint=person["userPrincipalName"])
    assert "error" not in flow, flow
    assert flow["auth_uri"].startswith(f"{org.authority}/oauth2/v2.0/authorize?"), flow["auth_uri"]

    with requests.Session() as browser:
        page = browser.get(flow["auth_uri"], timeout=support.HTTP_TIMEOUT)
        assert page.status_code == 200, support.describe(page)
        # The page a browser shows: the person's own organization, the login hint filled in, and
        # the headers that keep it out of frames and scripts out of it.
        assert "Sign in to Contoso" in page.text
        assert f'value="{person["userPrincipalName"]}"' in page.text
        policy = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, policy
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Frame-Options"] == "DENY"
        answer = support.sign_in_through_page(browser, flow["auth_uri"], person["userPrincipalName"], person["password"])
    params = support.redirect_parameters(answer)
    assert answer.headers["Location"].startswith(REDIRECT + "?code="), answer.headers["Location"]
    assert params["state"] == flow["state"], params
    assert "password" not in answer.headers["Location"]

    result = client.acquire_token_by_auth_code_flow(flow, params)
    assert "access_token" in result, result
    assert result["id_token_claims"]["oid"] == person["id"], result["id_token_claims"]
    # MSAL sends the SHA-256 of its nonce, and checked the id token carries it back.
    assert result["id_token_claims"]["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest(), result["id_token_claims"]
    assert result["id_token_claims"]["sid"], result["id_token_claims"]
    me = http.get("/v1.0/me", headers={"Authorization": f"Bearer {result['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == person["id"], support.describe(me)

    # Refresh: a new access token and a new refresh token; the old refresh token is spent.
    first = result["refresh_token"]
    refreshed = client.acquire_token_by_refresh_token(first, scopes=["User.Read"])
    assert "access_token" in refreshed, refreshed
    assert refreshed["refresh_token"] != first
    assert http.get("/v1.0/me", headers={"Authorization": f"Bearer {refreshed['access_token']}"}).status_code == 200
    replayed = client.acquire_token_by_refresh_token(first, scopes=["User.Read"])
    assert replayed.get("error") == "invalid_grant", replayed
    # The replay ended the session: the newest refresh token stopped working too.
    after = client.acquire_token_by_refresh_token(refreshed["refresh_token"], scopes=["User.Read"])
    assert after.get("error") == "invalid_grant", after


def test_msal_confidential_client_redeems_with_its_secret(org):
    person, app = user_and_app(org)
    client = msal.ConfidentialClientApplication(
        app["appId"], client_credential=app["clientSecret"], authority=org.authority, instance_discovery=False)
    # form_post: the answer is a page whose form the browser posts to the redirect URI.
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT, response_mode="form_post")
    with requests.Session() as browser:
        answer = support.sign_in_through_page(browser, flow["auth_uri"], person["userPrincipalName"], person["password"])
    assert answer.status_code == 200, support.describe(answer)
    [form] = support.FormPage(answer.text).forms
    assert form["action"] == REDIRECT and form["method"] == "post", form
    assert "form-action 'self' http://localhost:8765" in answer.headers["Content-Security-Policy"]
    result = client.acquire_token_by_auth_code_flow(flow, form["fields"])
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == person["userPrincipalName"]

    wrong = msal.ConfidentialClientApplication(
        app["appId"], client_credential="not-the-secret", authority=org.authority, instance_discovery=False)
    flow = wrong.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT)
    refused = wrong.acquire_token_by_auth_code_flow(flow, browser_sign_in(flow["auth_uri"], person))
    assert refused.get("error") == "invalid_client", refused


def test_a_wrong_password_shows_the_page_again_in_words(org):
    person, app = user_and_app(org)
    flow = public_client(org, app).initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT)
    with requests.Session() as browser:
        answer = support.sign_in_through_page(browser, flow["auth_uri"], person["userPrincipalName"], "not my password")
    assert answer.status_code == 200, support.describe(answer)
    assert "Location" not in answer.headers
    assert "Your email or password is incorrect." in answer.text


def test_a_forged_post_without_the_pages_cookie_signs_nobody_in(org):
    person, app = user_and_app(org)
    flow = public_client(org, app).initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT)
    with requests.Session() as victim:
        page = victim.get(flow["auth_uri"], timeout=support.HTTP_TIMEOUT)
    form = support.FormPage(page.text).forms[0]
    # Another site's page posting the same fields: it cannot send the cookie the page set.
    forged = requests.post(page.url.split("?")[0], data={**form["fields"], "username": person["userPrincipalName"],
                                                          "password": person["password"]},
                           timeout=support.HTTP_TIMEOUT, allow_redirects=False)
    assert forged.status_code == 200 and "Location" not in forged.headers, support.describe(forged)
    assert "expired" in forged.text


# ---- refusals ------------------------------------------------------------------------------------

def test_a_wrong_verifier_is_refused_and_the_right_one_still_works(org):
    person, app = user_and_app(org)
    verifier, challenge = pkce()
    code = raw_code(org, app, person, challenge)
    wrong = redeem(org, app, code, pkce()[0])
    body = support.oauth_error(wrong, 400, "invalid_grant")
    assert "code_verifier" in body["error_description"].lower() or "verifier" in body["error_description"].lower(), body
    assert redeem(org, app, code, verifier).status_code == 200


def test_a_code_used_twice_is_refused_and_ends_what_the_first_use_began(org):
    person, app = user_and_app(org)
    verifier, challenge = pkce()
    code = raw_code(org, app, person, challenge)
    first = redeem(org, app, code, verifier)
    assert first.status_code == 200, support.describe(first)
    support.oauth_error(redeem(org, app, code, verifier), 400, "invalid_grant")
    refreshed = org.token_request({"grant_type": "refresh_token", "client_id": app["appId"], "refresh_token": first.json()["refresh_token"]})
    support.oauth_error(refreshed, 400, "invalid_grant")


def test_an_unregistered_redirect_uri_gets_a_page_not_a_redirect(org):
    person, app = user_and_app(org)
    flow = public_client(org, app).initiate_auth_code_flow(["User.Read"], redirect_uri="https://attacker.example/steal")
    page = requests.get(flow["auth_uri"], timeout=support.HTTP_TIMEOUT, allow_redirects=False)
    assert page.status_code == 400, support.describe(page)
    assert "Location" not in page.headers
    assert "is not one of its registered redirect URIs" in page.text
    assert support.FormPage(page.text).forms == []  # nothing to sign in to


def test_another_clients_code_is_refused(org):
    person, app = user_and_app(org)
    other = org.add_app("Other app", redirect_uris=[REDIRECT])
    verifier, challenge = pkce()
    code = raw_code(org, app, person, challenge)
    support.oauth_error(redeem(org, app, code, verifier, client_id=other["appId"]), 400, "invalid_grant")
    support.oauth_error(redeem(org, app, code, verifier, redirect="http://localhost:9999/other"), 400, "invalid_grant")
    unknown = redeem(org, app, code, verifier, client_id="00000000-0000-0000-0000-000000000001")
    support.oauth_error(unknown, 400, "unauthorized_client")
    assert redeem(org, app, code, verifier).status_code == 200  # still the rightful client's


def test_discovery_names_the_code_flow(org, http, base_url):
    doc = http.get(f"/{org.id}/v2.0/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == f"{base_url}/{org.id}/oauth2/v2.0/authorize", doc
    assert doc["end_session_endpoint"] == f"{base_url}/{org.id}/oauth2/v2.0/logout", doc
    assert doc["code_challenge_methods_supported"] == ["S256"], doc
    assert {"authorization_code", "refresh_token"} <= set(doc["grant_types_supported"]), doc


def test_logout_ends_the_session_and_returns_to_a_registered_address(org):
    person, app = user_and_app(org)
    verifier, challenge = pkce()
    tokens = redeem(org, app, raw_code(org, app, person, challenge), verifier).json()
    back = org.http.get(f"/{org.id}/oauth2/v2.0/logout", params={"id_token_hint": tokens["id_token"],
                        "post_logout_redirect_uri": REDIRECT, "state": "bye"}, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == REDIRECT + "?state=bye", support.describe(back)
    support.oauth_error(org.token_request({"grant_type": "refresh_token", "client_id": app["appId"],
                                           "refresh_token": tokens["refresh_token"]}), 400, "invalid_grant")
    elsewhere = org.http.get(f"/{org.id}/oauth2/v2.0/logout", params={"post_logout_redirect_uri": "https://attacker.example/"},
                             allow_redirects=False)
    assert elsewhere.status_code == 200 and "You have signed out" in elsewhere.text, support.describe(elsewhere)
