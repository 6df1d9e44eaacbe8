"""Consulting a record asks for a purpose once per session, then audits every view with it."""
import csv
import io

import pytest

from engage.accounts.models import AuditEvent, Role


@pytest.mark.postgres
def test_first_view_asks_for_purpose_and_shows_no_data(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    response = client.get(f"/cases/{world.cam_case.pk}/")
    body = response.content.decode()
    assert "Why are you viewing this record?" in body
    assert "Alice Example" not in body
    assert not AuditEvent.objects.filter(action="view", object_type="case").exists()


@pytest.mark.postgres
def test_purpose_is_remembered_and_audited(client, world):
    user = world.users[Role.COORDINATOR]
    client.force_login(user)
    url = f"/cases/{world.cam_case.pk}/"
    response = client.post("/purpose/", {"object_type": "case", "object_id": world.cam_case.pk, "next": url,
                                         "purpose": "other", "other": "Preparing vulnerability panel"})
    assert response["Location"] == url
    assert "Alice Example" in client.get(url).content.decode()
    client.get(url)
    events = AuditEvent.objects.filter(action="view", object_type="case", object_id=str(world.cam_case.pk))
    assert events.count() == 2
    assert {e.purpose for e in events} == {"Preparing vulnerability panel"}
    assert {e.user_id for e in events} == {user.pk}
    # another record asks again
    assert "Why are you viewing" in client.get(f"/callers/{world.cam_caller.pk}/").content.decode()


@pytest.mark.postgres
def test_purpose_is_forgotten_at_sign_out(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    url = f"/callers/{world.cam_caller.pk}/"
    client.post("/purpose/", {"object_type": "caller", "object_id": world.cam_caller.pk, "next": url,
                              "purpose": "Managing the case (triage, referral, interventions)"})
    assert "Alice Example" in client.get(url).content.decode()
    client.post("/logout/")
    client.force_login(world.users[Role.COORDINATOR])
    assert "Why are you viewing" in client.get(url).content.decode()


def test_purpose_next_cannot_leave_the_site(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    response = client.post("/purpose/", {"object_type": "case", "object_id": 1, "next": "https://evil.example/", "purpose": "x"})
    assert response["Location"] == "/"


@pytest.mark.postgres
def test_changes_are_audited(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    client.post(f"/cases/{world.cam_case.pk}/triage/", {"triage": "nuisance", "reason": "hoax calls"})
    event = AuditEvent.objects.filter(action="change", object_type="case", object_id=str(world.cam_case.pk)).first()
    assert event.purpose == "triage nuisance: hoax calls"
    assert event.user == world.users[Role.COORDINATOR]


@pytest.mark.postgres
def test_admin_searches_and_exports_audit(client, world):
    coordinator = world.users[Role.COORDINATOR]
    client.force_login(coordinator)
    url = f"/cases/{world.cam_case.pk}/"
    client.post("/purpose/", {"object_type": "case", "object_id": world.cam_case.pk, "next": url, "purpose": "other", "other": "panel prep"})
    client.get(url)
    client.force_login(world.users[Role.ADMIN])
    page = client.get("/audit/", {"q": "panel prep"}).content.decode()
    assert "panel prep" in page and "coordinator" in page
    response = client.get("/audit/", {"object_type": "case", "action": "view", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["user"] == "coordinator" and rows[0]["purpose"] == "panel prep" and rows[0]["object_id"] == str(world.cam_case.pk)
    assert AuditEvent.objects.filter(action="export", object_type="audit_log").exists()


@pytest.mark.postgres
def test_contact_export_is_audited(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    url = f"/callers/{world.cam_caller.pk}/contacts.csv"
    client.post("/purpose/", {"object_type": "caller", "object_id": world.cam_caller.pk, "next": url, "purpose": "Deciding on a call block"})
    response = client.get(url)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 6 and rows[0]["phone_e164"] == "+447700900001"
    assert AuditEvent.objects.get(action="export", object_type="caller").purpose == "Deciding on a call block"
