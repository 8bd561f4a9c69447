"""A real webhook receiver inside the test process, and helpers for Parley's event subscriptions.

`Receiver` is a small threaded HTTP(S) server on 127.0.0.1 that behaves as an Event Grid
webhook does: it answers the `SubscriptionValidationEvent` (echoing the code, or only
acknowledging it for manual validation, or refusing), grants (or not) the CloudEvents OPTIONS
abuse-protection handshake, and answers deliveries with statuses the test scripts. It keeps
every request it got.

Over HTTPS its certificate is issued by the Parley installation's own CA (its key is in the data
directory): Parley trusts that CA for webhooks, as it trusts the system's roots, so no test
switches TLS verification off. Over plain HTTP it serves servers that allow `http://` webhooks.

Every payload a test looks at is first parsed with the official `azure-eventgrid` package
(`EventGridEvent.from_dict`, `azure.core.messaging.CloudEvent.from_dict`), and every
`eventType` must be one of its `SystemEventNames`.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent, SystemEventNames

import support

SYSTEM_EVENT_NAMES = {name.value for name in SystemEventNames}
WAIT_SECONDS = 30


def issue_certificate(ca_cert: str, ca_key: str, directory: Path) -> tuple[str, str]:
    """A server certificate for 127.0.0.1 signed by the CA at `ca_cert`/`ca_key` (PEM); returns
    the paths of the certificate and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca = x509.load_pem_x509_certificate(Path(ca_cert).read_bytes())
    ca_private = serialization.load_pem_private_key(Path(ca_key).read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook receiver")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_private, hashes.SHA256())
    )
    cert_path, key_path = directory / "receiver.pem", directory / "receiver-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


class Receiver:
    """A webhook endpoint. `validation`: "sync" (echo the code), "manual" (200 without it), or an
    HTTP status to refuse with. `grant_origin`: answer the OPTIONS handshake with
    WebHook-Allowed-Origin. `statuses`: statuses for the next deliveries, in order; then
    `default_status`. `check`: called with each delivery's headers, returns a status to answer
    instead (or None)."""

    def __init__(self, tls: tuple[str, str] | None = None, port: int = 0):
        self.tls = tls
        self.requests: list[dict[str, Any]] = []
        self.condition = threading.Condition()
        self.validation: str | int = "sync"
        self.grant_origin = True
        self.statuses: list[int] = []
        self.default_status = 200
        self.check: Callable[[dict[str, str]], int | None] | None = None
        self.connections: set[Any] = set()
        self.closed = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest's output clean
                pass

            def setup(self):
                super().setup()
                with receiver.condition:
                    receiver.connections.add(self.connection)

            def finish(self):
                with receiver.condition:
                    receiver.connections.discard(self.connection)
                super().finish()

            def _record(self, body: bytes, status: int | None = None) -> dict[str, Any]:
                """Notes a request, complete (with the status it gets), before anyone waiting sees it."""
                request = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                if status is not None:
                    request["status"] = status
                with receiver.condition:
                    receiver.requests.append(request)
                    receiver.condition.notify_all()
                return request

            def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_OPTIONS(self):
                self._record(b"")
                origin = self.headers.get("WebHook-Request-Origin", "")
                if receiver.grant_origin:
                    self._answer(200, headers={"WebHook-Allowed-Origin": origin, "Allow": "POST"})
                else:
                    self._answer(200, headers={"Allow": "POST"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("aeg-event-type") == "SubscriptionValidation":
                    self._record(body)
                    mode = receiver.validation
                    if mode == "sync":
                        code = json.loads(body)[0]["data"]["validationCode"]
                        self._answer(200, json.dumps({"validationResponse": code}).encode(), {"Content-Type": "application/json"})
                    elif mode == "manual":
                        self._answer(200)
                    else:
                        self._answer(int(mode))
                    return
                with receiver.condition:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                if receiver.check is not None:
                    status = receiver.check({k.lower(): v for k, v in self.headers.items()}) or status
                # Recorded with its status before a waiting test can see it (and its check has run).
                self._record(body, status)
                self._answer(status)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        """Stops listening and drops the connections kept alive: the endpoint is down."""
        self.server.shutdown()
        self.server.server_close()
        with self.condition:
            self.closed = True
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # ---- what arrived ----------------------------------------------------------------------

    def deliveries(self, path: str | None = None) -> list[dict[str, Any]]:
        """Deliveries (not handshakes), to `path` if given."""
        with self.condition:
            return [
                r for r in self.requests
                if r["headers"].get("aeg-event-type") == "Notification" and (path is None or r["path"] == path)
            ]

    def accepted(self, path: str | None = None) -> list[dict[str, Any]]:
        """Deliveries answered with a success status."""
        return [r for r in self.deliveries(path) if r.get("status", 200) in (200, 201, 202, 203, 204)]

    def events(self, accepted_only: bool = True, path: str | None = None) -> list[dict[str, Any]]:
        """The events of the deliveries, each parsed by azure-eventgrid first (see `parse`)."""
        out = []
        for request in self.accepted(path) if accepted_only else self.deliveries(path):
            out += parse(request)
        return out

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], what: str, timeout: float = WAIT_SECONDS,
                 path: str | None = None) -> list[dict[str, Any]]:
        """Waits until `predicate(self.events(path=path))` holds; returns those events."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                events = self.events(path=path)
                if predicate(events):
                    return events
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    kinds = [e.get("eventType") or e.get("type") for e in events]
                    raise AssertionError(f"no {what} within {timeout} s; got {len(events)} events: {kinds}")
                self.condition.wait(remaining)


def parse(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of one delivery, after the official library parsed each one and its type was
    found among SystemEventNames. Returns the raw dicts (the library's objects keep `data` as is)."""
    content_type = request["headers"].get("content-type", "")
    body = json.loads(request["body"])
    items = body if isinstance(body, list) else [body]
    if content_type.startswith("application/cloudevents+json"):
        assert isinstance(body, dict), f"a structured CloudEvent is one object: {body!r}"
    elif content_type.startswith("application/cloudevents-batch+json"):
        assert isinstance(body, list), f"a CloudEvents batch is an array: {body!r}"
    else:
        assert content_type.startswith("application/json"), content_type
        assert isinstance(body, list), f"Event Grid deliveries are arrays: {body!r}"
    for item in items:
        if "specversion" in item:
            event = CloudEvent.from_dict(item)
            assert event.specversion == "1.0" and event.type in SYSTEM_EVENT_NAMES, item
            assert event.source.startswith("/subscriptions/") and "/communicationServices/" in event.source, item
        else:
            event = EventGridEvent.from_dict(item)
            assert event.event_type in SYSTEM_EVENT_NAMES, f"{event.event_type!r} is not a SystemEventNames value"
            assert event.data_version == "1.0" and event.metadata_version == "1", item
            assert event.topic.startswith("/subscriptions/") and "/communicationServices/" in event.topic, item
    return items


def event_type(event: dict[str, Any]) -> str:
    return event.get("eventType") or event.get("type")


def of_type(events: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if event_type(e) == "Microsoft.Communication." + name]


def raw(identifier: dict[str, Any] | None) -> str | None:
    return None if identifier is None else identifier.get("rawId")


# ---- the admin API ----------------------------------------------------------------------------

def subscriptions_path(resource: str = "default") -> str:
    return f"/admin/resources/{resource}/eventSubscriptions"


def subscribe(http, admin_headers, url: str, name: str | None = None, resource: str = "default", **body) -> dict[str, Any]:
    """Creates a subscription (asserting 201) and returns it."""
    payload = {"name": name or f"sub-{uuid.uuid4().hex[:10]}", "destination": {"endpointUrl": url, **body.pop("destination", {})}, **body}
    resp = http.post(subscriptions_path(resource), headers=admin_headers, json=payload)
    assert resp.status_code == 201, support.describe(resp)
    return resp.json()


def refused(http, admin_headers, payload: dict[str, Any], resource: str = "default") -> dict[str, Any]:
    """Posts a subscription that must be refused with 400; returns the error."""
    resp = http.post(subscriptions_path(resource), headers=admin_headers, json=payload)
    assert resp.status_code == 400, support.describe(resp)
    return support.error_envelope(resp.json())


def show(http, admin_headers, name: str, resource: str = "default") -> dict[str, Any]:
    resp = http.get(f"{subscriptions_path(resource)}/{name}", headers=admin_headers)
    assert resp.status_code == 200, support.describe(resp)
    return resp.json()


def wait_subscription(http, admin_headers, name: str, predicate: Callable[[dict[str, Any]], bool], what: str,
                      resource: str = "default", timeout: float = WAIT_SECONDS) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        doc = show(http, admin_headers, name, resource)
        if predicate(doc):
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"subscription {name} never had {what}: {doc!r}")
        time.sleep(0.2)
