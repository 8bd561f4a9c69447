"""Development mode itself: off by default, and then its tools do not exist (404, like any unknown
route) and the banner says nothing of it; on, the banner and `/health` say so; on an address
other than loopback it is refused unless forced.
"""

from __future__ import annotations

import os
import subprocess

import pytest
import requests

import support

TOOL_ROUTES = [
    ("GET", "/admin/dev/clock"), ("POST", "/admin/dev/clock/freeze"), ("POST", "/admin/dev/clock/advance"),
    ("POST", "/admin/dev/clock/set"), ("POST", "/admin/dev/clock/resume"),
    ("GET", "/admin/dev/faults"), ("POST", "/admin/dev/faults"), ("DELETE", "/admin/dev/faults"),
    ("GET", "/admin/dev/faults/x"), ("DELETE", "/admin/dev/faults/x"),
    ("GET", "/admin/dev/snapshots"), ("POST", "/admin/dev/snapshots"), ("GET", "/admin/dev/snapshots/x"),
    ("POST", "/admin/dev/snapshots/x/restore"), ("DELETE", "/admin/dev/snapshots/x"),
    ("POST", "/admin/dev/realtime/drop"), ("GET", "/admin/dev/calls"), ("POST", "/admin/dev/calls/x/end"),
    ("POST", "/admin/dev/calls/endpoints/x/drop"),
]


@pytest.mark.parley_admin
@pytest.mark.parametrize(("method", "path"), TOOL_ROUTES)
def test_without_dev_mode_every_tool_route_is_404(http, admin_headers, method, path):
    resp = http.request(method, path, headers=admin_headers, json={})
    assert resp.status_code == 404, support.describe(resp)
    assert resp.json()["error"]["code"] == "NotFound"


@pytest.mark.parley_only("it starts Parley server processes")
def test_without_dev_mode_the_banner_and_health_say_nothing(ready, tmp_path):
    server = support.OwnServer(tmp_path / "data", tmp_path, "plain", share_ca_of=ready["dataDirectory"])
    doc = server.start()
    try:
        health = requests.get(doc["url"].rstrip("/") + "/health", timeout=support.HTTP_TIMEOUT)
        assert health.json() == {"status": "ok"}
        assert "developmentMode" not in doc
    finally:
        server.stop()
    banner = server.log_path.read_text()
    assert "Parley is listening" in banner
    assert "development" not in banner.lower(), banner


@pytest.mark.parley_dev
def test_dev_mode_says_so_in_the_banner_and_on_health(dev):
    assert dev.request("GET", "/health").json() == {"status": "ok", "developmentMode": True}
    assert dev.ready["developmentMode"] is True
    assert "DEVELOPMENT MODE" in dev.server.log_path.read_text()


@pytest.mark.parley_only("it starts Parley server processes")
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_dev_mode_on_a_non_loopback_address_is_refused(tmp_path, host):
    result = subprocess.run(
        [os.environ["PARLEY_BIN"], "serve", "--dev", "--host", host, "--port", "0", "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
    )
    assert result.returncode != 0
    assert "dev.allowNonLoopback" in result.stderr and host in result.stderr, result.stderr
    assert not (tmp_path / "data" / "parley.sqlite").exists(), "nothing is set up before the refusal"
