"""Operator (admin) API: resources and their keys, and isolation between resources.

Admin calls use plain `requests` with `Authorization: Bearer <adminKey>` from the ready file; the
effects are checked with the official identity SDK, as an application would see them.
"""

from __future__ import annotations

import uuid

import pytest
from azure.communication.identity import CommunicationIdentityClient
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError

import support

pytestmark = pytest.mark.parley_admin


def resource_list(body):
    """The list endpoint answers an ACS-style page: `{"value": [...]}`."""
    assert isinstance(body, dict) and isinstance(body.get("value"), list), body
    return body["value"]


@pytest.mark.parametrize("auth", [None, "Bearer wrong-admin-key", "user-access-key"])
def test_admin_requires_admin_key(http, access_key, auth):
    headers = {}
    if auth == "user-access-key":
        headers["Authorization"] = f"Bearer {access_key}"  # a resource key is not the admin key
    elif auth:
        headers["Authorization"] = auth
    resp = http.get("/admin/resources", headers=headers)
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())
    resp = http.post("/admin/resources", headers=headers, json={"name": f"nope-{uuid.uuid4().hex[:8]}"})
    assert resp.status_code == 401, support.describe(resp)


def test_created_resource_shape(second_resource, ready, http, admin_headers):
    r = second_resource
    uuid.UUID(r["immutableResourceId"])  # a GUID
    assert r["immutableResourceId"] != ready["resource"]["immutableResourceId"]
    assert r["primaryKey"] != r["secondaryKey"]
    cs = support.parse_connection_string(r["connectionString"])
    assert cs["accesskey"] == r["primaryKey"]
    assert cs["endpoint"].startswith("https://"), cs
    # And it is listed.
    items = resource_list(http.get("/admin/resources", headers=admin_headers).json())
    assert r["immutableResourceId"] in [i.get("immutableResourceId") for i in items]


def test_identity_in_second_resource(second_resource):
    client = CommunicationIdentityClient.from_connection_string(second_resource["connectionString"])
    user, token = client.create_user_and_token(["chat"])
    assert user.properties["id"].startswith(f"8:acs:{second_resource['immutableResourceId']}_"), user.properties
    _, payload, _ = support.jwt_parts(token.token)
    assert payload["resourceId"] == second_resource["immutableResourceId"], payload


def test_resources_are_isolated(second_resource, identity_client, http):
    """Resource 1's key cannot see or manage resource 2's identities, and must not reveal them."""
    client2 = CommunicationIdentityClient.from_connection_string(second_resource["connectionString"])
    user2, token2 = client2.create_user_and_token(["chat"])

    with pytest.raises(ResourceNotFoundError):
        identity_client.get_token(user2, ["chat"])
    with pytest.raises(ResourceNotFoundError):
        identity_client.revoke_tokens(user2)
    with pytest.raises(ResourceNotFoundError):
        identity_client.delete_user(user2)

    # None of that touched user2: its token still works and it can still get tokens.
    resp = http.me(token2.token)
    assert resp.status_code == 200, support.describe(resp)
    client2.get_token(user2, ["voip"])

    # The other way round too.
    user1 = identity_client.create_user()
    with pytest.raises(ResourceNotFoundError):
        client2.get_token(user1, ["chat"])


def test_regenerate_primary_key(create_resource, http, admin_headers):
    r = create_resource("regen")
    old_cs = r["connectionString"]
    endpoint = support.parse_connection_string(old_cs)["endpoint"]
    secondary_cs = support.connection_string(endpoint, r["secondaryKey"])

    # Both keys work before.
    CommunicationIdentityClient.from_connection_string(old_cs).create_user()
    CommunicationIdentityClient.from_connection_string(secondary_cs).create_user()

    resp = http.post(support.resource_path(r) + "/keys/primary/regenerate", headers=admin_headers)
    assert resp.status_code == 200, support.describe(resp)
    body = resp.json()
    new_key = body["primaryKey"]
    assert isinstance(new_key, str) and new_key, f"no new primary key in {body!r}"
    assert new_key != r["primaryKey"]
    new_cs = body.get("connectionString") or support.connection_string(endpoint, new_key)
    assert support.parse_connection_string(new_cs)["accesskey"] == new_key

    with pytest.raises(ClientAuthenticationError):
        CommunicationIdentityClient.from_connection_string(old_cs).create_user()
    user = CommunicationIdentityClient.from_connection_string(new_cs).create_user()
    assert user.properties["id"].startswith(f"8:acs:{r['immutableResourceId']}_")
    # The secondary key is untouched by a primary regeneration.
    CommunicationIdentityClient.from_connection_string(secondary_cs).create_user()


def test_regenerate_requires_admin_key(create_resource, http):
    r = create_resource("regen-noauth")
    resp = http.post(support.resource_path(r) + "/keys/primary/regenerate")
    assert resp.status_code == 401, support.describe(resp)
    CommunicationIdentityClient.from_connection_string(r["connectionString"]).create_user()
