"""Merge and split from the caller profile, through identity's merge_callers / split_contacts."""
import pytest

from engage.accounts.models import AuditEvent, Role
from engage.contacts.models import Contact
from tests.web.factories import make_caller


@pytest.mark.postgres
def test_merge_moves_contacts_and_redirects_old_profile(client, world):
    other = make_caller("Alice E.", "+447700900061", "CB1 2AB", "CAM", contacts=2)
    client.force_login(world.users[Role.COORDINATOR])
    url = f"/callers/{world.cam_caller.pk}/"
    response = client.post(f"{url}merge/", {"other_id": other.pk, "reason": "same DOB and address"}, follow=True)
    assert "merged into caller" in response.content.decode()
    assert Contact.objects.filter(caller=world.cam_caller).count() == 8
    assert client.get(f"/callers/{other.pk}/")["Location"] == url
    assert AuditEvent.objects.filter(action="change", object_type="caller", purpose__contains="merge").exists()


@pytest.mark.postgres
def test_split_moves_ticked_contacts_to_a_new_caller(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    ids = list(world.cam_caller.contacts.order_by("pk").values_list("pk", flat=True)[:2])
    client.post(f"/callers/{world.cam_caller.pk}/split/", {"contact_ids": [str(i) for i in ids], "reason": "a neighbour"})
    moved = set(Contact.objects.filter(pk__in=ids).values_list("caller_id", flat=True))
    assert len(moved) == 1 and world.cam_caller.pk not in moved
    assert Contact.objects.filter(caller=world.cam_caller).count() == 4


@pytest.mark.postgres
def test_split_refuses_other_callers_contacts(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    foreign = world.pet_caller.contacts.first()
    response = client.post(f"/callers/{world.cam_caller.pk}/split/", {"contact_ids": [str(foreign.pk)], "reason": "x"}, follow=True)
    assert "Only this caller" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.caller_id == world.pet_caller.pk
