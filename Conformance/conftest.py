"""Fixtures for the conformance suite: the official Azure Python SDKs, unmodified, against Parley
or against any endpoint that speaks the ACS APIs (the real service included).

Two targets (docs/testing-your-app.md, "Validating Parley against your own ACS resource"):

- Parley, started by `scripts/test`, which waits for its ready file and then runs pytest with:

    PARLEY_READY_FILE   path of the JSON document the server writes once it listens
    REQUESTS_CA_BUNDLE  the server's CA, for the sync clients (`requests` transport)
    SSL_CERT_FILE       the same CA, for the async clients (aiohttp); it must be in the environment
                        before the Python process starts, which is why the script sets it.

- Any other endpoint (`scripts/test --against "<connection string>"`), from:

    CONFORMANCE_CONNECTION_STRING   `endpoint=https://…/;accesskey=…` of the resource under test
    REQUESTS_CA_BUNDLE / SSL_CERT_FILE   only for an endpoint whose CA the system does not trust
    CONFORMANCE_TEAMS_AUTHORITY, CONFORMANCE_TEAMS_CLIENT_ID, CONFORMANCE_TEAMS_USERNAME,
    CONFORMANCE_TEAMS_PASSWORD   optional: a Teams user of an organization that enabled interop
                        with the resource, signed in at that authority (the organization side)

  Tests that need what only Parley has are skipped there, each with its reason, by marker:
  `parley_admin` (sets up through Parley's operator API), `parley_dev` (development mode's
  faults, clock and snapshots), `parley_only(reason)` (a feature of Parley's own: the real-time
  WebSocket protocol, /health, /parley/v1/me, its server process). A test that uses a fixture of
  the operator API must carry `parley_admin`: collection fails otherwise, so the marks stay honest.

The SDKs are never told about the CA in code (no `connection_verify=`), never get
`enforce_https=False`, and never see a patched class: what passes here passes for a user who
only sets those two environment variables.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.communication.identity import CommunicationIdentityClient

import support

# ---- Targets and markers ------------------------------------------------------------------

PARLEY_MARKERS = {
    "parley_admin": "needs Parley's operator API (/admin) to set up resources, organizations, passwords or role grants",
    "parley_dev": "needs Parley's development mode (fault injection, the controllable clock, snapshots)",
    "parley_only": "tests a feature only Parley has",
}

# Fixtures that call the operator API: a test using one must be marked `parley_admin`.
ADMIN_FIXTURES = {"admin_headers", "create_resource", "second_resource", "org_maker", "new_org", "org"}


def pytest_collection_modifyitems(config, items):
    kind = support.target_kind()
    unmarked = []
    for item in items:
        marks = {mark.name: mark for mark in item.iter_markers() if mark.name in PARLEY_MARKERS}
        if ADMIN_FIXTURES & set(getattr(item, "fixturenames", ())) and "parley_admin" not in marks:
            unmarked.append(item.nodeid)
        if kind != "external" or not marks:
            continue
        reasons = []
        for name, mark in marks.items():
            detail = f": {mark.args[0]}" if mark.args else ""
            reasons.append(PARLEY_MARKERS[name] + detail)
        item.add_marker(pytest.mark.skip(reason="; ".join(reasons) + " (the target is not Parley)"))
    if unmarked:
        raise pytest.UsageError(
            "these tests use the operator API but are not marked @pytest.mark.parley_admin "
            "(they would fail, not skip, against another endpoint):\n  " + "\n  ".join(unmarked)
        )


@pytest.fixture(scope="session")
def ready() -> dict[str, Any]:
    """Parley's ready document; against another endpoint, the same fields that can be known
    from its connection string (no admin key, no CA, no relay secret)."""
    if support.target_kind() == "external":
        return external_ready(os.environ["CONFORMANCE_CONNECTION_STRING"])
    path = os.environ.get("PARLEY_READY_FILE")
    if not path:
        pytest.fail(
            "PARLEY_READY_FILE is not set: run the suite through scripts/test (it starts the server and sets "
            "the CA environment variables), or point it at an endpoint with "
            "scripts/test --against '<connection string>' (CONFORMANCE_CONNECTION_STRING)",
            pytrace=False,
        )
    doc = json.loads(Path(path).read_text())
    for field in ("url", "port", "caCertificatePath", "connectionString", "resource", "adminKey"):
        assert field in doc, f"ready file {path} lacks {field!r}: {doc!r}"
    for field in ("id", "immutableResourceId", "endpoint"):
        assert field in doc["resource"], f"ready file resource lacks {field!r}: {doc['resource']!r}"
    # The CA must reach the SDKs through the environment only, and before this process started.
    for var in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(var)
        if not value or not Path(value).is_file():
            pytest.fail(
                f"{var} is not set to the server's CA file ({doc['caCertificatePath']}); "
                "scripts/test exports it before starting pytest",
                pytrace=False,
            )
    return doc


def external_ready(connection_string: str) -> dict[str, Any]:
    """What the suite knows of an endpoint that is not (or not known to be) Parley: its endpoint,
    and its resource's immutable id, read from the id of a user made through the identity SDK
    (`8:acs:<immutable id>_<user>`)."""
    endpoint = support.parse_connection_string(connection_string)["endpoint"]
    if not endpoint.endswith("/"):
        endpoint += "/"
    user = CommunicationIdentityClient.from_connection_string(connection_string).create_user()
    raw_id = user.properties["id"]
    assert raw_id.startswith("8:acs:") and "_" in raw_id, f"unexpected user id {raw_id!r}"
    immutable_id = raw_id[len("8:acs:"):].split("_", 1)[0]
    return {
        "url": endpoint.rstrip("/"),
        "connectionString": connection_string,
        "resource": {"id": "external", "immutableResourceId": immutable_id, "endpoint": endpoint},
    }


@pytest.fixture(scope="session")
def base_url(ready) -> str:
    """`https://127.0.0.1:PORT` without a trailing slash."""
    return ready["url"].rstrip("/")


@pytest.fixture(scope="session")
def conn_str(ready) -> str:
    return ready["connectionString"]


@pytest.fixture(scope="session")
def access_key(conn_str) -> str:
    return support.parse_connection_string(conn_str)["accesskey"]


@pytest.fixture(scope="session")
def immutable_id(ready) -> str:
    return ready["resource"]["immutableResourceId"]


@pytest.fixture(scope="session")
def identity_client(conn_str) -> CommunicationIdentityClient:
    """The sync identity client, built the way the ACS quickstarts do it."""
    return CommunicationIdentityClient.from_connection_string(conn_str)


# ---- Parley-specific HTTP (plain `requests`; TLS trust via REQUESTS_CA_BUNDLE) -------------

class Http:
    """Tiny wrapper over `requests` that prefixes the server URL and applies a timeout."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", support.HTTP_TIMEOUT)
        return requests.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def me(self, token: str) -> requests.Response:
        """`GET /parley/v1/me` with a user access token."""
        return self.get("/parley/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="session")
def http(base_url) -> Http:
    return Http(base_url)


@pytest.fixture(scope="session")
def admin_headers(ready) -> dict[str, str]:
    return {"Authorization": f"Bearer {ready['adminKey']}"}


@pytest.fixture(scope="session")
def create_resource(http, admin_headers):
    """Factory: `POST /admin/resources` and return the created resource document."""

    def create(prefix: str) -> dict[str, Any]:
        # A unique suffix keeps the suite re-runnable against the same data directory.
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        resp = http.post("/admin/resources", headers=admin_headers, json={"name": name})
        assert resp.status_code == 201, support.describe(resp)
        doc = resp.json()
        for field in (
            "id", "name", "immutableResourceId", "endpoint",
            "primaryKey", "secondaryKey", "connectionString",
        ):
            assert field in doc, f"created resource lacks {field!r}: {doc!r}"
        assert doc["name"] == name, doc
        return doc

    return create


@pytest.fixture(scope="session")
def second_resource(create_resource) -> dict[str, Any]:
    return create_resource("second")


# ---- Chat ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chat_endpoint(ready) -> str:
    """The resource endpoint an application hands to `ChatClient` (`resource.endpoint`)."""
    return ready["resource"]["endpoint"]


@pytest.fixture(scope="session")
def chat_user_maker(identity_client, chat_endpoint):
    """Session-wide factory behind `new_chat_user`; whoever calls it closes the user it gets.

    `make()` gives a user of the ready file's resource with scope `chat`; `scopes=[...]` picks
    other token scopes; `resource=<admin resource document>` makes the user in another resource
    (its own connection string and endpoint).
    """
    identity_clients: dict[str, CommunicationIdentityClient] = {}

    def make(scopes=("chat",), resource: dict[str, Any] | None = None) -> support.ChatUser:
        client, endpoint = identity_client, chat_endpoint
        if resource is not None:
            key = resource["immutableResourceId"]
            if key not in identity_clients:
                identity_clients[key] = CommunicationIdentityClient.from_connection_string(
                    resource["connectionString"]
                )
            client, endpoint = identity_clients[key], resource["endpoint"]
        user, token = client.create_user_and_token(list(scopes))
        return support.ChatUser(endpoint, user, token.token, list(scopes))

    return make


@pytest.fixture
def new_chat_user(chat_user_maker):
    """Factory: a fresh ACS user with a chat token (`support.ChatUser`), closed after the test.

    Same arguments as `chat_user_maker`: `new_chat_user()`, `new_chat_user(["chat.join"])`,
    `new_chat_user(resource=second_resource)`.
    """
    made: list[support.ChatUser] = []

    def make(*args, **kwargs) -> support.ChatUser:
        u = chat_user_maker(*args, **kwargs)
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()


@pytest.fixture
def alice(new_chat_user) -> support.ChatUser:
    return new_chat_user()


@pytest.fixture
def bob(new_chat_user) -> support.ChatUser:
    return new_chat_user()


@pytest.fixture
def carol(new_chat_user) -> support.ChatUser:
    return new_chat_user()


# ---- Organizations (Entra-shaped sign-in, Graph-shaped directory) -------------------------

@pytest.fixture(scope="session")
def org_maker(http, admin_headers):
    """Session-wide factory behind `new_org`: `POST /admin/tenants` with a unique domain."""

    def make(display_name: str = "Contoso") -> support.Org:
        domain = f"org{uuid.uuid4().hex[:10]}.example"
        resp = http.post("/admin/tenants", headers=admin_headers, json={"displayName": display_name, "domain": domain})
        assert resp.status_code == 201, support.describe(resp)
        tenant = resp.json()
        for field in ("id", "domain"):
            assert field in tenant, f"created tenant lacks {field!r}: {tenant!r}"
        assert support.GUID_RE.match(tenant["id"]), f"tenant id is not a GUID: {tenant!r}"
        assert tenant["domain"].lower() == domain, tenant
        return support.Org(http, admin_headers, tenant)

    return make


@pytest.fixture
def new_org(org_maker):
    """Factory: a fresh tenant (`support.Org`); `new_org("Fabrikam")` names it."""
    return org_maker


@pytest.fixture
def org(new_org) -> support.Org:
    return new_org()


@pytest.fixture
def msal_http(base_url):
    """MSAL `http_client` for the password flow (see `support.DefaultPortSession`), closed after
    the test."""
    session = support.DefaultPortSession(base_url)
    yield session
    session.close()


@pytest.fixture
def teams_user(request):
    """A Teams user who signs in at an organization's authority (`support.TeamsUser`): in Parley,
    a person of a fresh organization made through the operator API; elsewhere, the one given by
    CONFORMANCE_TEAMS_AUTHORITY, _CLIENT_ID, _USERNAME and _PASSWORD (skipped without them)."""
    if support.target_kind() == "external":
        names = ("AUTHORITY", "CLIENT_ID", "USERNAME", "PASSWORD")
        values = {name: os.environ.get(f"CONFORMANCE_TEAMS_{name}") for name in names}
        if not all(values.values()):
            pytest.skip(
                "the organization side needs a Teams user: set CONFORMANCE_TEAMS_AUTHORITY, CONFORMANCE_TEAMS_CLIENT_ID, "
                "CONFORMANCE_TEAMS_USERNAME and CONFORMANCE_TEAMS_PASSWORD (docs/testing-your-app.md)"
            )
        return support.TeamsUser(values["AUTHORITY"], values["CLIENT_ID"], values["USERNAME"], values["PASSWORD"])
    org = request.getfixturevalue("org")
    person = org.add_user("Adele Vance")
    app = org.add_app("Contoso Teams client")
    return support.TeamsUser(
        org.authority, app["appId"], person["userPrincipalName"], person["password"],
        http_client=request.getfixturevalue("msal_http"), instance_discovery=False,
    )


# ---- A real browser (test_realtime_browser.py) ---------------------------------------------

@pytest.fixture(scope="session")
def browser(ready, tmp_path_factory):
    """Debian's headless Chromium, driven by Selenium through Debian's chromedriver.

    It trusts the server's CA the way a user's Chromium on Linux does: through the NSS database
    `$HOME/.pki/nssdb`, here a throw-away one under a temporary HOME (no
    `--ignore-certificate-errors`). Both paths are explicit, so Selenium Manager downloads nothing.
    """
    driver = support.launch_chromium(ready["caCertificatePath"], tmp_path_factory.mktemp("chromium-home"))
    yield driver
    driver.quit()


# ---- coturn and a server of its own (test_calling_browser.py, test_webapp_browser.py) -----------

PARLEY_BIN = os.environ.get("PARLEY_BIN")
READY_TIMEOUT = 60


@pytest.fixture
def coturn(tmp_path):
    """coturn on a free loopback port with a fresh shared secret; yields (port, secret, log)."""
    binary = shutil.which("turnserver") or next((p for p in ("/usr/bin/turnserver", "/usr/sbin/turnserver") if os.path.exists(p)), None)
    if binary is None:
        if os.environ.get("PARLEY_REQUIRE_COTURN") == "1":
            pytest.fail("PARLEY_REQUIRE_COTURN=1 but turnserver (Debian's coturn) is not installed", pytrace=False)
        pytest.skip("turnserver (Debian's coturn) is not installed")
    port, secret = support.free_loopback_port(), secrets.token_hex(32)
    work = tmp_path / "coturn"
    work.mkdir()
    log = work / "turnserver.log"
    config = work / "turnserver.conf"
    config.write_text("\n".join([
        "listening-ip=127.0.0.1", "relay-ip=127.0.0.1", f"listening-port={port}",
        "use-auth-secret", f"static-auth-secret={secret}", "realm=parley",
        "no-tls", "no-dtls", "no-cli",
        # Both peers' relayed addresses are on 127.0.0.1.
        "allow-loopback-peers",
        "verbose", "log-file=stdout", "simple-log",
        f"pidfile={work / 'turnserver.pid'}", f"userdb={work / 'turndb'}",
    ]) + "\n")
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def listening() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        support.wait_until(proc, listening, 15, f"coturn listening on 127.0.0.1:{port}", log)
        yield port, secret, log
    finally:
        support.stop_process(proc)


@pytest.fixture
def relayed_server(ready, coturn, tmp_path):
    """A server of its own whose relay is the coturn above, with the suite server's CA (copied
    into its fresh data directory) so that this process's SDKs and the browser trust it."""
    if not PARLEY_BIN:
        pytest.skip("PARLEY_BIN is not set (scripts/test exports the server binary); this test starts its own server")
    port, secret, _ = coturn
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    ca = Path(ready["caCertificatePath"])
    for name in ("ca.pem", "ca-key.pem"):
        shutil.copy2(ca.parent / name, data / name)
    ready_path, log = tmp_path / "ready.json", tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update({
        "PARLEY_RELAY_STUN_URLS": f"stun:127.0.0.1:{port}",
        "PARLEY_RELAY_TURN_URLS": f"turn:127.0.0.1:{port}?transport=udp,turn:127.0.0.1:{port}?transport=tcp",
        "PARLEY_RELAY_SHARED_SECRET": secret,
    })
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [PARLEY_BIN, "serve", "--port", "0", "--in-memory", "--data-dir", str(data), "--ready-file", str(ready_path)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )

    def ready_doc():
        try:
            return json.loads(ready_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    try:
        doc = support.wait_until(proc, ready_doc, READY_TIMEOUT, "no ready file", log)
        assert doc["relay"]["sharedSecret"] == secret, doc["relay"]
        assert Path(doc["caCertificatePath"]).read_bytes() == ca.read_bytes(), "the copied CA was not used"
        yield doc
    finally:
        # Not under test here, and slow to stop gracefully: a connection Chromium opened and
        # never sent a request on keeps Parley's graceful shutdown waiting indefinitely.
        support.stop_process(proc, grace=5)



# ---- Development mode (test_dev_*.py) ------------------------------------------------------

@pytest.fixture(scope="session")
def dev_server_process(ready, tmp_path_factory):
    """One `parley serve --dev` for the development-mode tests, sharing the main server's CA."""
    work = tmp_path_factory.mktemp("dev-server")
    server = support.OwnServer(work / "data", work, "dev", extra_args=["--dev"], share_ca_of=ready["dataDirectory"])
    server.start()
    support.DevServer(server).save("pristine")
    yield server
    server.stop()


@pytest.fixture
def dev(dev_server_process) -> support.DevServer:
    """The development-mode server, for each test with no fault rules, its clock on real time and
    its state as it started (a snapshot restored, as docs/testing-your-app.md suggests)."""
    server = support.DevServer(dev_server_process)
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def dev_identity(dev) -> CommunicationIdentityClient:
    return CommunicationIdentityClient.from_connection_string(dev.conn_str)


@pytest.fixture
def dev_user(dev, dev_identity):
    """Factory: a fresh app user of the development server's resource (`support.ChatUser`)."""
    made: list[support.ChatUser] = []

    def make(scopes=("chat", "voip")) -> support.ChatUser:
        user, token = dev_identity.create_user_and_token(list(scopes))
        chat_user = support.ChatUser(dev.endpoint, user, token.token, list(scopes))
        made.append(chat_user)
        return chat_user

    yield make
    for u in made:
        u.close()


@pytest.fixture
def dev_sockets(dev):
    """Factory: `dev_sockets(user, name)` opens a calling endpoint on the development server."""
    opened: list[support.CallSocket] = []

    def open_socket(user: support.ChatUser, name: str, **kwargs) -> support.CallSocket:
        s = support.CallSocket(dev.base_url, user.token, user.raw_id, name, **kwargs)
        opened.append(s)
        return s

    yield open_socket
    for s in opened:
        try:
            s.close()
        except Exception:
            pass
