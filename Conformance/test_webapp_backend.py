"""The backend Parley ships for its web app (docs/webapp.md), and the app's files, over plain HTTP.

- The web app is served at `/` with its modules under `/app/`: security headers on every file,
  validators (ETag, `If-None-Match` → 304), and under 300 KB in all (counted by following the
  page's own references, as a browser loads them).
- Visitors join a resource by name only where the operator turned the web app on; the token they
  get is an ordinary ACS user token (the official chat SDK uses it), renewed with the session
  cookie, refused from another origin.
- The people search shows an app user only people of organizations whose interop gate admits
  the user's resource: another organization's directory never leaks, not even by name.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from azure.communication.chat import ChatClient, CommunicationTokenCredential

import support

pytestmark = [pytest.mark.parley_admin, pytest.mark.parley_only("Parley's own web app and its backend")]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def web_resource(create_resource, http, admin_headers):
    """A fresh resource with its web app turned on (through the operator API)."""
    resource = create_resource("web")
    resp = http.put(f"/admin/resources/{resource['name']}/web-app", headers=admin_headers, json={"enabled": True})
    assert resp.status_code == 200, support.describe(resp)
    assert resp.json()["webApp"] == {"enabled": True}
    return resource


def join(base_url: str, resource: str, name: str) -> tuple[requests.Session, dict]:
    browser = requests.Session()
    resp = browser.post(f"{base_url}/webapp/v1/resources/{resource}/visitors", json={"displayName": name}, timeout=support.HTTP_TIMEOUT)
    assert resp.status_code == 201, support.describe(resp)
    return browser, resp.json()


# ---- the files -----------------------------------------------------------------------------

def test_the_app_is_served_with_security_headers_and_validators(http, base_url):
    page = http.get("/")
    assert page.status_code == 200, support.describe(page)
    policy = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'", policy
    assert directives["frame-ancestors"] == "'none'", policy
    assert directives["default-src"] == "'none'", policy
    host = base_url.split("://", 1)[1]
    assert directives["connect-src"] == f"'self' wss://{host}", policy
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value, (name, page.headers)
    assert "<script>" not in page.text, "inline script"
    assert not re.search(r"\son[a-z]+\s*=", page.text), "inline event handlers"

    etag = page.headers["ETag"]
    again = http.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"", support.describe(again)
    assert again.headers["ETag"] == etag


def test_everything_the_page_loads_is_under_300_kb(http):
    seen: dict[str, int] = {}
    queue = ["/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        resp = http.get(path)
        assert resp.status_code == 200, support.describe(resp)
        for name, value in SECURITY_HEADERS.items():
            assert resp.headers[name] == value, (path, name)
        assert resp.headers.get("ETag"), path
        seen[path] = len(resp.content)
        text = resp.text if path == "/" or path.endswith((".js", ".css", ".html")) else ""
        base = path.rsplit("/", 1)[0] + "/"
        for ref in re.findall(r'(?:src|href)="(/app/[^"#]+)', text) + re.findall(r'from "(\./[^"]+)"', text) + re.findall(r'import\("(\./[^"]+)"\)', text):
            queue.append(ref if ref.startswith("/") else base + ref[2:])
    assert "/app/js/app.js" in seen and "/app/app.css" in seen, sorted(seen)
    total = sum(seen.values())
    assert total < 300 * 1024, f"{total} bytes: {seen}"


# ---- visitors -------------------------------------------------------------------------------

def test_visitors_join_only_where_the_web_app_is_on(create_resource, base_url, http, admin_headers):
    closed = create_resource("closed")
    resp = requests.post(f"{base_url}/webapp/v1/resources/{closed['name']}/visitors", json={"displayName": "Alice"}, timeout=support.HTTP_TIMEOUT)
    err = support.error_envelope(resp.json())
    assert resp.status_code == 404 and err["code"] == "WebAppNotEnabled", support.describe(resp)
    assert closed["name"] not in [r["name"] for r in http.get("/webapp/v1/config").json()["resources"]]


def test_a_visitor_token_works_with_the_official_chat_sdk_and_renews_with_the_cookie(web_resource, base_url, http):
    browser, joined = join(base_url, web_resource["name"], "Alice")
    assert joined["displayName"] == "Alice"
    assert joined["communicationUserId"].startswith(f"8:acs:{web_resource['immutableResourceId']}_")
    assert joined["resource"]["name"] == web_resource["name"]
    cookie = next(c for c in browser.cookies if c.name.endswith("parley-visitor"))
    assert cookie.name == "__Host-parley-visitor" and cookie.secure and cookie.has_nonstandard_attr("HttpOnly"), cookie
    assert support.jwt_parts(joined["token"])[1]["acsScope"] == "chat,voip"

    client = ChatClient(web_resource["endpoint"], CommunicationTokenCredential(joined["token"]))
    thread = client.create_chat_thread("from the web app's visitor").chat_thread
    assert thread.id
    client.close()

    renewed = browser.post(f"{base_url}/webapp/v1/visitor/token", timeout=support.HTTP_TIMEOUT)
    assert renewed.status_code == 200, support.describe(renewed)
    assert renewed.json()["communicationUserId"] == joined["communicationUserId"]
    assert http.me(renewed.json()["token"]).json()["communicationUser"]["rawId"] == joined["communicationUserId"]

    other_site = browser.post(f"{base_url}/webapp/v1/visitor/token", headers={"Origin": "https://attacker.example"}, timeout=support.HTTP_TIMEOUT)
    assert other_site.status_code == 403, support.describe(other_site)
    left = browser.delete(f"{base_url}/webapp/v1/visitor/session", timeout=support.HTTP_TIMEOUT)
    assert left.status_code == 204
    assert browser.post(f"{base_url}/webapp/v1/visitor/token", timeout=support.HTTP_TIMEOUT).status_code == 401


# ---- people -------------------------------------------------------------------------------

def gate(org: support.Org, *, enable: bool, allowed=(), blocked=()):
    resp = org.http.put(f"/admin/tenants/{org.id}/acs-federation", headers=org.admin,
                        json={"enableAcsUsers": enable, "allowedAcsResources": list(allowed), "blockedAcsResources": list(blocked)})
    assert resp.status_code == 200, support.describe(resp)


def test_people_search_shows_only_organizations_that_admit_the_resource(web_resource, create_resource, http, admin_headers, new_org, base_url):
    marker = uuid.uuid4().hex[:6]
    admits, refuses, blocks = new_org("Admits"), new_org("Refuses"), new_org("Blocks")
    reachable = admits.add_user(f"Zed{marker} Allowed", f"zed{marker}")
    for org in (refuses, blocks):
        org.add_user(f"Zed{marker} Hidden", f"zed{marker}")
    gate(admits, enable=True, allowed=[web_resource["immutableResourceId"]])
    gate(refuses, enable=True, allowed=[])
    gate(blocks, enable=True, allowed=[web_resource["immutableResourceId"]], blocked=[web_resource["immutableResourceId"]])

    _, visitor = join(base_url, web_resource["name"], "Alice")
    headers = {"Authorization": f"Bearer {visitor['token']}"}
    found = http.get(f"/webapp/v1/resources/{web_resource['name']}/people", params={"search": f"zed{marker}"}, headers=headers)
    assert found.status_code == 200, support.describe(found)
    people = found.json()["value"]
    assert [p["rawId"] for p in people] == [reachable["rawId"]], people
    assert people[0]["organization"] == "Admits" and people[0]["userPrincipalName"] == reachable["userPrincipalName"]
    by_upn = http.get(f"/webapp/v1/resources/{web_resource['name']}/people", params={"search": f"zed{marker}@{blocks.domain}"}, headers=headers)
    assert by_upn.json()["value"] == [], by_upn.json()

    # A visitor of another resource, even one whose web app is on, sees nobody of `admits`.
    other = create_resource("web-other")
    http.put(f"/admin/resources/{other['name']}/web-app", headers=admin_headers, json={"enabled": True})
    _, stranger = join(base_url, other["name"], "Mallory")
    hidden = http.get(f"/webapp/v1/resources/{other['name']}/people", params={"search": f"zed{marker}"},
                      headers={"Authorization": f"Bearer {stranger['token']}"})
    assert hidden.status_code == 200 and hidden.json()["value"] == [], hidden.json()
    # …nor by asking the first resource's route with its own token.
    crossed = http.get(f"/webapp/v1/resources/{web_resource['name']}/people", params={"search": f"zed{marker}"},
                       headers={"Authorization": f"Bearer {stranger['token']}"})
    assert crossed.status_code == 403, support.describe(crossed)
    assert http.get(f"/webapp/v1/resources/{web_resource['name']}/people", params={"search": "zed"}).status_code == 401

    # The organization closes its gate: its people disappear from the search at once.
    gate(admits, enable=False, allowed=[web_resource["immutableResourceId"]])
    again = http.get(f"/webapp/v1/resources/{web_resource['name']}/people", params={"search": f"zed{marker}"}, headers=headers)
    assert again.json()["value"] == [], again.json()


def test_the_sign_in_lookup_finds_the_app_registered_for_the_web_app(org, http, base_url):
    missing = http.get(f"/webapp/v1/organizations/{org.domain}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "WebAppNotRegistered", support.describe(missing)
    app = org.add_app("Parley web", redirect_uris=["https://127.0.0.1/"])
    found = http.get(f"/webapp/v1/organizations/{org.domain.upper()}")
    assert found.status_code == 200, support.describe(found)
    assert found.json() == {"tenantId": org.id, "displayName": "Contoso", "domain": org.domain,
                            "authority": f"{base_url}/{org.id}", "clientId": app["appId"]}
