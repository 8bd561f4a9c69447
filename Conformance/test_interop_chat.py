"""Interop on the ACS Chat API: an app user chats with a Teams user, under the organization's rules.

The organization is set up through Parley's operator API (the Teams admin cmdlets' equivalent);
the chat side uses the official chat SDK, unmodified.

SDK bug (reference §4.6): `create_chat_thread` and `add_participants` raise `KeyError: 'id'`
after a successful (201) call whenever a participant is not an ACS user, because
`CommunicationErrorResponseConverter` indexes `identifier.properties['id']`. So every call with a
Teams participant expects that KeyError, and the outcome is read from the server.
"""

from __future__ import annotations

import uuid

import pytest
from azure.communication.chat import ChatMessageType, ChatParticipant, MicrosoftTeamsUserIdentifier

import support

pytestmark = pytest.mark.parley_admin


@pytest.fixture
def organization(http, admin_headers, immutable_id):
    """A tenant with one TeamsOnly person, interop enabled for the default resource."""
    domain = f"org{uuid.uuid4().hex[:8]}.example"
    resp = http.post("/admin/tenants", headers=admin_headers, json={"displayName": "Contoso", "domain": domain})
    assert resp.status_code == 201, support.describe(resp)
    tenant = resp.json()
    resp = http.post(
        f"/admin/tenants/{tenant['id']}/users",
        headers=admin_headers,
        json={"displayName": "Adele Vance", "userPrincipalName": f"adele@{domain}"},
    )
    assert resp.status_code == 201, support.describe(resp)
    person = resp.json()

    def federation(enable: bool = True, allowed=(immutable_id,), blocked=()):
        body = {"enableAcsUsers": enable, "allowedAcsResources": list(allowed), "blockedAcsResources": list(blocked)}
        resp = http.put(f"/admin/tenants/{tenant['id']}/acs-federation", headers=admin_headers, json=body)
        assert resp.status_code == 200, support.describe(resp)

    federation()
    return tenant, person, federation


def add_teams_user(tc, person) -> None:
    teams = MicrosoftTeamsUserIdentifier(person["id"])
    with pytest.raises(KeyError, match="id"):  # SDK bug, see the module docstring
        tc.add_participants([ChatParticipant(identifier=teams, display_name="Adele")])


def test_app_user_creates_a_chat_with_a_teams_user(alice, organization):
    _, person, _ = organization
    topic = support.unique_topic("interop")
    teams = MicrosoftTeamsUserIdentifier(person["id"])
    with pytest.raises(KeyError, match="id"):  # SDK bug, see the module docstring
        alice.client.create_chat_thread(topic, thread_participants=[ChatParticipant(identifier=teams)])

    # The thread exists, with the Teams user in it, shown with the directory's display name.
    thread = next(t for t in alice.client.list_chat_threads() if t.topic == topic)
    participants = list(alice.thread(thread.id).list_participants())
    teams_members = [p for p in participants if p.identifier.raw_id == person["rawId"]]
    assert len(teams_members) == 1, [p.identifier.raw_id for p in participants]
    assert isinstance(teams_members[0].identifier, MicrosoftTeamsUserIdentifier)
    assert teams_members[0].identifier.properties["user_id"] == person["id"]
    assert teams_members[0].display_name == "Adele Vance"


def test_teams_user_added_to_an_existing_chat(alice, organization):
    _, person, _ = organization
    tc = alice.create_thread()
    add_teams_user(tc, person)
    assert person["rawId"] in support.participant_ids(tc)
    added = support.of_type(support.messages(tc), ChatMessageType.PARTICIPANT_ADDED)[0]
    assert [p.identifier.raw_id for p in added.content.participants] == [person["rawId"]]


@pytest.mark.parametrize(
    "rule",
    ["interop off", "resource not allowed", "resource blocked"],
)
def test_the_organizations_rules_refuse_the_teams_user(alice, organization, immutable_id, rule):
    _, person, federation = organization
    if rule == "interop off":
        federation(enable=False)
    elif rule == "resource not allowed":
        federation(allowed=())
    else:
        federation(blocked=(immutable_id,))
    tc = alice.create_thread()
    add_teams_user(tc, person)
    assert person["rawId"] not in support.participant_ids(tc)


def test_the_persons_external_access_policy_refuses(alice, organization, http, admin_headers):
    tenant, person, _ = organization
    resp = http.put(
        f"/admin/tenants/{tenant['id']}/external-access-policies/Global",
        headers=admin_headers,
        json={"enableAcsFederationAccess": False},
    )
    assert resp.status_code == 200, support.describe(resp)
    tc = alice.create_thread()
    add_teams_user(tc, person)
    assert person["rawId"] not in support.participant_ids(tc)

    # A custom policy assigned to the person overrides Global.
    resp = http.put(
        f"/admin/tenants/{tenant['id']}/external-access-policies/AppPartners",
        headers=admin_headers,
        json={"enableAcsFederationAccess": True},
    )
    assert resp.status_code == 200, support.describe(resp)
    resp = http.patch(
        f"/admin/tenants/{tenant['id']}/users/{person['id']}",
        headers=admin_headers,
        json={"externalAccessPolicy": "AppPartners"},
    )
    assert resp.status_code == 200, support.describe(resp)
    add_teams_user(tc, person)
    assert person["rawId"] in support.participant_ids(tc)


def test_tenant_admin_input_errors(http, admin_headers):
    resp = http.post("/admin/tenants", headers=admin_headers, json={"displayName": "X", "domain": "not a domain"})
    assert resp.status_code == 400, support.describe(resp)
    resp = http.post("/admin/tenants", headers=admin_headers, json={"displayName": "X", "domain": "x.example", "region": "eu"})
    assert resp.status_code == 400, support.describe(resp)
    assert resp.json()["error"]["target"] == "region"
    resp = http.get(f"/admin/tenants/{uuid.uuid4()}", headers=admin_headers)
    assert resp.status_code == 404, support.describe(resp)
    resp = http.get("/admin/tenants", headers={})
    assert resp.status_code == 401, support.describe(resp)


def test_teams_voice_apps(http, admin_headers, organization):
    tenant, _, _ = organization
    resp = http.post(f"/admin/tenants/{tenant['id']}/voice-apps", headers=admin_headers, json={"displayName": "Help Desk"})
    assert resp.status_code == 201, support.describe(resp)
    app = resp.json()
    assert app["rawId"] == f"28:orgid:{app['appId']}"
    resp = http.get(f"/admin/tenants/{tenant['id']}/voice-apps", headers=admin_headers)
    assert [a["rawId"] for a in resp.json()["value"]] == [app["rawId"]]
    resp = http.post(f"/admin/tenants/{tenant['id']}/voice-apps", headers=admin_headers, json={"displayName": ""})
    assert resp.status_code == 400, support.describe(resp)


def test_app_user_removes_a_teams_user(alice, organization):
    _, person, _ = organization
    tc = alice.create_thread()
    add_teams_user(tc, person)
    assert person["rawId"] in support.participant_ids(tc)
    tc.remove_participant(MicrosoftTeamsUserIdentifier(person["id"]))
    assert person["rawId"] not in support.participant_ids(tc)
    removed = support.of_type(support.messages(tc), ChatMessageType.PARTICIPANT_REMOVED)[0]
    assert [p.identifier.raw_id for p in removed.content.participants] == [person["rawId"]]
