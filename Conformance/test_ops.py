"""Operational endpoints: health and Prometheus metrics."""

from __future__ import annotations

import pytest

import support

pytestmark = pytest.mark.parley_only("/health and /metrics are Parley's operational endpoints")


def test_health(http):
    resp = http.get("/health")
    assert resp.status_code == 200, support.describe(resp)


def test_metrics_are_prometheus_text(http, identity_client):
    identity_client.create_user()  # at least one ACS request has been served
    resp = http.get("/metrics")
    assert resp.status_code == 200, support.describe(resp)
    ctype = resp.headers.get("content-type", "")
    assert ctype.startswith(("text/plain", "application/openmetrics-text")), resp.headers
    lines = resp.text.splitlines()
    assert any(line.startswith("# TYPE ") for line in lines), resp.text[:1000]
    # Some request counter (name left to the server: http_requests_total, http_server_requests...).
    assert any("request" in line and not line.startswith("#") for line in lines), resp.text[:2000]
