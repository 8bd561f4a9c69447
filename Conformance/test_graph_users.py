"""The Graph-shaped directory: `/v1.0/me` and `/v1.0/users` with organization access tokens.

Calls are plain `requests` with `Authorization: Bearer <token>`, the token from Parley's token
endpoint (user tokens by the password grant, app tokens by client credentials) or from MSAL.
OData query options are written the way the Graph SDKs send them (`$filter=...` with every value
percent-encoded, see `support.odata_query`); `test_encoded_option_names` also sends them as the
Graph SDK does (`%24filter=`) and as `requests`' own `params=` encoding does (`%24filter=...+eq+...`).

What is checked is what Graph documents for v1.0 users: the default property set, `$select`,
`$filter` (eq, startswith, and/or), `$top` with an absolute `@odata.nextLink`, `$count` (only with
`ConsistencyLevel: eventual`), `/users/$count` as text/plain, lookups by id or UPN, and the error
envelope `{"error": {"code", "message"}}` with Graph's codes.
"""

from __future__ import annotations

import base64
import json
import uuid

import msal
import pytest
import requests

import support

pytestmark = pytest.mark.parley_admin

# Microsoft's demo tenant names. Two start with "A".
PEOPLE = [
    ("Adele Vance", "adelev"),
    ("Alex Wilber", "alexw"),
    ("Megan Bowen", "meganb"),
    ("Lee Gu", "leeg"),
    ("Nestor Wilke", "nestorw"),
]
EVENTUAL = {"ConsistencyLevel": "eventual"}


class Directory:
    """A tenant with the five PEOPLE (Adele has a password), one app, and a token of each kind."""

    def __init__(self, org: support.Org):
        self.org = org
        self.people = {local: org.add_user(name, local, password=support.PASSWORD if local == "adelev" else None)
                       for name, local in PEOPLE}
        self.adele = self.people["adelev"]
        self.app = org.add_app()
        self.user_token = org.sign_in(self.adele, self.app)["access_token"]
        self.app_token = org.app_token(self.app)["access_token"]

    def ids(self, *locals_: str) -> set[str]:
        return {self.people[l]["id"] for l in (locals_ or self.people)}


@pytest.fixture
def directory(org) -> Directory:
    return Directory(org)


def graph(http, token: str | None, path: str, headers=None, **params) -> requests.Response:
    h = {"Authorization": f"Bearer {token}"} if token is not None else {}
    h.update(headers or {})
    return http.get(path + support.odata_query(**params), headers=h)


def collection(resp) -> dict:
    """A 200 Graph collection of users; returns the body."""
    assert resp.status_code == 200, support.describe(resp)
    assert resp.headers.get("content-type", "").startswith("application/json"), support.describe(resp)
    body = resp.json()
    assert "$metadata#users" in body.get("@odata.context", ""), body
    assert isinstance(body.get("value"), list), body
    return body


def ids_of(body: dict) -> list[str]:
    return [u["id"] for u in body["value"]]


def properties(user: dict) -> set[str]:
    """The user's properties, without OData annotations (`@odata.*`)."""
    return {k for k in user if not k.startswith("@")}


def assert_graph_user(got: dict, made: dict) -> None:
    """`got` (from Graph) is the person `made` (from the operator API), with the default properties."""
    assert properties(got) == support.GRAPH_USER_PROPERTIES, sorted(properties(got))
    assert got["id"] == made["id"], got
    assert got["userPrincipalName"] == made["userPrincipalName"], got
    assert got["displayName"] == made["displayName"], got
    assert got["mail"] == made["mail"], got
    assert got["businessPhones"] == [], got
    # Never set through the operator API: null, or a string if Parley derives one.
    for name in ("givenName", "surname", "jobTitle", "mobilePhone", "officeLocation", "preferredLanguage"):
        assert got[name] is None or isinstance(got[name], str), (name, got)


# ---- /me ----------------------------------------------------------------------------------------

def test_me_is_the_signed_in_user(http, directory):
    resp = graph(http, directory.user_token, "/v1.0/me")
    assert resp.status_code == 200, support.describe(resp)
    assert resp.headers.get("content-type", "").startswith("application/json"), support.describe(resp)
    assert_graph_user(resp.json(), directory.adele)


def test_me_with_an_app_token_is_a_bad_request(http, directory):
    """Graph: `/me request is only valid with delegated authentication flow` (400 BadRequest)."""
    support.graph_error(graph(http, directory.app_token, "/v1.0/me"), 400, "BadRequest")


# ---- listing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["user token", "app token"])
def test_list_users(http, directory, kind):
    token = directory.user_token if kind == "user token" else directory.app_token
    body = collection(graph(http, token, "/v1.0/users"))
    assert sorted(ids_of(body)) == sorted(directory.ids()), body
    by_id = {u["id"]: u for u in body["value"]}
    for made in directory.people.values():
        assert_graph_user(by_id[made["id"]], made)
    assert "@odata.nextLink" not in body, body


def test_a_user_added_later_is_listed(http, directory):
    """The directory is live: a token issued earlier sees people added since."""
    isaiah = directory.org.add_user("Isaiah Langer", "isaiahl", password=None)
    body = collection(graph(http, directory.user_token, "/v1.0/users"))
    assert isaiah["id"] in ids_of(body), body
    resp = graph(http, directory.user_token, f"/v1.0/users/{isaiah['id']}")
    assert resp.status_code == 200, support.describe(resp)
    assert_graph_user(resp.json(), isaiah)


def test_select(http, directory):
    body = collection(graph(http, directory.user_token, "/v1.0/users", select="id,displayName"))
    assert sorted(ids_of(body)) == sorted(directory.ids()), body
    names = {p["id"]: p["displayName"] for p in directory.people.values()}
    for user in body["value"]:
        assert properties(user) == {"id", "displayName"}, user
        assert user["displayName"] == names[user["id"]], user


# ---- $filter ------------------------------------------------------------------------------------

def expected_for(directory: Directory, case: str) -> tuple[str, set[str]]:
    p = directory.people
    upn = p["meganb"]["userPrincipalName"]
    return {
        "upn eq": (f"userPrincipalName eq '{upn}'", directory.ids("meganb")),
        "upn eq, other case": (f"userPrincipalName eq '{upn.upper()}'", directory.ids("meganb")),
        "id eq": (f"id eq '{p['leeg']['id']}'", directory.ids("leeg")),
        "mail eq": (f"mail eq '{p['nestorw']['mail']}'", directory.ids("nestorw")),
        "displayName eq": ("displayName eq 'Alex Wilber'", directory.ids("alexw")),
        "startswith": ("startswith(displayName,'A')", directory.ids("adelev", "alexw")),
        "and": ("startswith(displayName,'A') and displayName eq 'Alex Wilber'", directory.ids("alexw")),
        "or": (f"userPrincipalName eq '{upn}' or id eq '{p['leeg']['id']}'", directory.ids("meganb", "leeg")),
        "no match": (f"userPrincipalName eq 'nobody@{directory.org.domain}'", set()),
    }[case]


@pytest.mark.parametrize(
    "case",
    ["upn eq", "upn eq, other case", "id eq", "mail eq", "displayName eq", "startswith", "and", "or", "no match"],
)
def test_filter(http, directory, case):
    expr, expected = expected_for(directory, case)
    body = collection(graph(http, directory.app_token, "/v1.0/users", filter=expr))
    assert sorted(ids_of(body)) == sorted(expected), f"$filter={expr}: {body!r}"


def test_filter_with_select(http, directory):
    body = collection(graph(http, directory.user_token, "/v1.0/users",
                            filter="startswith(displayName,'A')", select="displayName"))
    assert sorted(u["displayName"] for u in body["value"]) == ["Adele Vance", "Alex Wilber"], body
    assert all(properties(u) == {"displayName"} for u in body["value"]), body


@pytest.mark.parametrize("encoding", ["Graph SDK", "requests params"])
def test_encoded_option_names(http, directory, encoding):
    """OData option names arrive percent-encoded from real clients, and must not be ignored.

    - Graph SDK: msgraph-sdk-python's URI templates (`{?%24filter,%24select,...}`) send
      `%24filter=userPrincipalName%20eq%20%27...%27`.
    - requests params: `requests.get(url, params={"$filter": ...})` form-encodes,
      `%24filter=userPrincipalName+eq+%27...%27` (`+` is a space, as for Graph).
    """
    megan = directory.people["meganb"]
    expr = f"userPrincipalName eq '{megan['userPrincipalName']}'"
    headers = {"Authorization": f"Bearer {directory.user_token}"}
    if encoding == "Graph SDK":
        query = support.odata_query(filter=expr, select="id,displayName", top=5).replace("$", "%24")
        resp = http.get("/v1.0/users" + query, headers=headers)
    else:
        resp = http.get("/v1.0/users", params={"$filter": expr, "$select": "id,displayName", "$top": 5}, headers=headers)
        assert "%24filter=" in resp.request.url and "+eq+" in resp.request.url, resp.request.url
    body = collection(resp)
    assert [(properties(u), u["id"]) for u in body["value"]] == [({"id", "displayName"}, megan["id"])], (
        f"{resp.request.url}: {body!r}"
    )


@pytest.mark.parametrize(
    "expr",
    [
        "endswith(mail,'.example')",  # Graph: advanced query only
        "displayName ne 'Lee Gu'",  # Graph: advanced query only
        "not(startswith(displayName,'A'))",  # Graph: advanced query only
    ],
)
def test_unsupported_filter(http, directory, expr):
    support.graph_error(graph(http, directory.user_token, "/v1.0/users", filter=expr), 400, "Request_UnsupportedQuery")


def test_malformed_filter(http, directory):
    resp = graph(http, directory.user_token, "/v1.0/users", filter="displayName eq")
    support.graph_error(resp, 400)


# ---- paging and counting ------------------------------------------------------------------------

def test_top_and_next_link(http, directory, base_url):
    headers = {"Authorization": f"Bearer {directory.user_token}"}
    body = collection(graph(http, directory.user_token, "/v1.0/users", top=2))
    pages = [ids_of(body)]
    while "@odata.nextLink" in body:
        link = body["@odata.nextLink"]
        assert link.startswith(base_url + "/v1.0/users"), f"nextLink is not absolute on this server: {link}"
        assert len(pages) < 10, f"paging does not end: {pages}"
        body = collection(requests.get(link, headers=headers, timeout=support.HTTP_TIMEOUT))
        pages.append(ids_of(body))
    assert [len(p) for p in pages] == [2, 2, 1], pages
    everyone = [i for p in pages for i in p]
    assert sorted(everyone) == sorted(directory.ids()), f"pages {pages} do not list everyone exactly once"


def test_top_keeps_the_filter_across_pages(http, directory):
    headers = {"Authorization": f"Bearer {directory.user_token}"}
    body = collection(graph(http, directory.user_token, "/v1.0/users", filter="startswith(displayName,'A')", top=1))
    got = ids_of(body)
    while "@odata.nextLink" in body and len(got) < 10:
        body = collection(requests.get(body["@odata.nextLink"], headers=headers, timeout=support.HTTP_TIMEOUT))
        got += ids_of(body)
    assert sorted(got) == sorted(directory.ids("adelev", "alexw")), got


@pytest.mark.parametrize("top", [1, 999])
def test_top_bounds_accepted(http, directory, top):
    body = collection(graph(http, directory.user_token, "/v1.0/users", top=top))
    assert len(body["value"]) == min(top, len(PEOPLE)), body


@pytest.mark.parametrize("top", [0, 1000, -1, "two"])
def test_top_out_of_range(http, directory, top):
    support.graph_error(graph(http, directory.user_token, "/v1.0/users", top=top), 400)


def test_count(http, directory):
    body = collection(graph(http, directory.user_token, "/v1.0/users", headers=EVENTUAL, count=True))
    assert body.get("@odata.count") == len(PEOPLE), body
    # The count is of everything matching, not of the page.
    body = collection(graph(http, directory.user_token, "/v1.0/users", headers=EVENTUAL, count=True,
                            filter="startswith(displayName,'A')", top=1))
    assert body.get("@odata.count") == 2 and len(body["value"]) == 1, body


def test_count_needs_eventual_consistency(http, directory):
    resp = graph(http, directory.user_token, "/v1.0/users", count=True)
    support.graph_error(resp, 400, "Request_UnsupportedQuery")


def test_users_dollar_count(http, directory):
    resp = graph(http, directory.user_token, "/v1.0/users/$count", headers=EVENTUAL)
    assert resp.status_code == 200, support.describe(resp)
    assert resp.headers.get("content-type", "").startswith("text/plain"), support.describe(resp)
    # utf-8-sig: Graph itself prefixes this body with a byte-order mark.
    assert resp.content.decode("utf-8-sig").strip() == str(len(PEOPLE)), support.describe(resp)


# ---- single users -------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["id", "userPrincipalName"])
def test_get_user(http, directory, key):
    megan = directory.people["meganb"]
    resp = graph(http, directory.app_token, f"/v1.0/users/{megan[key]}")
    assert resp.status_code == 200, support.describe(resp)
    assert_graph_user(resp.json(), megan)


@pytest.mark.parametrize("key", ["id", "userPrincipalName"])
def test_get_unknown_user(http, directory, key):
    missing = str(uuid.uuid4()) if key == "id" else f"nobody@{directory.org.domain}"
    resp = graph(http, directory.user_token, f"/v1.0/users/{missing}")
    support.graph_error(resp, 404, "Request_ResourceNotFound")


# ---- isolation between tenants -----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["user token", "app token"])
def test_tenants_are_isolated(http, directory, new_org, kind):
    fabrikam = new_org("Fabrikam")
    outsider = fabrikam.add_user("Pradeep Gupta", "pradeepg")
    token = directory.user_token if kind == "user token" else directory.app_token

    body = collection(graph(http, token, "/v1.0/users"))
    assert outsider["id"] not in ids_of(body) and sorted(ids_of(body)) == sorted(directory.ids()), body
    for key in ("id", "userPrincipalName"):
        support.graph_error(graph(http, token, f"/v1.0/users/{outsider[key]}"), 404, "Request_ResourceNotFound")
    body = collection(graph(http, token, "/v1.0/users", filter=f"id eq '{outsider['id']}'"))
    assert body["value"] == [], body
    body = collection(graph(http, token, "/v1.0/users", headers=EVENTUAL, count=True))
    assert body.get("@odata.count") == len(PEOPLE), body

    # And the other way round: Fabrikam's app lists only Fabrikam.
    other = fabrikam.app_token(fabrikam.add_app())["access_token"]
    assert ids_of(collection(graph(http, other, "/v1.0/users"))) == [outsider["id"]]


# ---- tokens Graph must refuse -------------------------------------------------------------------

def reencode(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "case",
    ["none", "not a JWT", "tampered signature", "forged oid", "id_token", "ACS user token", "admin key"],
)
def test_refused_tokens(http, directory, identity_client, ready, case):
    token: str | None
    if case == "none":
        token = None
    elif case == "not a JWT":
        token = "not-a-jwt"
    elif case == "tampered signature":
        header, payload, sig = directory.user_token.split(".")
        i = len(sig) // 2
        token = f"{header}.{payload}.{sig[:i]}{'A' if sig[i] != 'A' else 'B'}{sig[i + 1:]}"
    elif case == "forged oid":
        # Adele's valid token, edited to say it is Megan's (signature kept).
        header, _, sig = directory.user_token.split(".")
        payload = support.jwt_parts(directory.user_token)[1]
        payload["oid"] = directory.people["meganb"]["id"]
        token = f"{header}.{reencode(payload)}.{sig}"
    elif case == "id_token":
        # Signed by the same issuer, but for the app (aud = client id), not for Graph.
        token = directory.org.sign_in(directory.adele, directory.app)["id_token"]
    elif case == "ACS user token":
        token = identity_client.create_user_and_token(["chat"])[1].token
    else:
        token = ready["adminKey"]
    for path in ("/v1.0/me", "/v1.0/users"):
        support.graph_error(graph(http, token, path), 401, "InvalidAuthenticationToken")


# ---- with MSAL ----------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")
def test_msal_tokens_read_the_directory(http, directory, msal_http):
    """End to end: tokens as MSAL returns them (see test_org_signin.py for the configuration)."""
    org = directory.org
    pca = msal.PublicClientApplication(
        directory.app["appId"], authority=org.authority, instance_discovery=False, http_client=msal_http
    )
    result = pca.acquire_token_by_username_password(
        directory.adele["userPrincipalName"], support.PASSWORD, scopes=["User.Read"]
    )
    assert "access_token" in result, result
    resp = graph(http, result["access_token"], "/v1.0/me")
    assert resp.status_code == 200, support.describe(resp)
    assert resp.json()["id"] == directory.adele["id"], resp.json()

    cca = msal.ConfidentialClientApplication(
        directory.app["appId"], client_credential=directory.app["clientSecret"],
        authority=org.authority, instance_discovery=False,
    )
    result = cca.acquire_token_for_client(scopes=[support.GRAPH_DEFAULT_SCOPE])
    assert "access_token" in result, result
    body = collection(graph(http, result["access_token"], "/v1.0/users"))
    assert sorted(ids_of(body)) == sorted(directory.ids()), body
