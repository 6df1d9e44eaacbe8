"""engage retention: anonymise closed cases and delete old contacts; the dry run changes nothing."""
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from engage.accounts.models import AuditEvent, Role
from engage.cases import services
from engage.cases.models import Case
from engage.cases.retention import REMOVED
from engage.contacts.models import Contact
from engage.identity.models import Caller
from tests.web.factories import make_caller


@pytest.fixture
def aged(world):
    """CAM case closed 7 years ago; PET case live; an old caller with no case; fresh contacts."""
    user = world.users[Role.COORDINATOR]
    services.set_guidance(world.cam_case, "Ring back within the hour", user)
    services.change_status(world.cam_case, "closed", user, "calls stopped")
    long_ago = timezone.now() - timedelta(days=365 * 7 + 10)
    Case.objects.filter(pk=world.cam_case.pk).update(closed_at=long_ago)
    Contact.objects.filter(caller__in=[world.cam_caller, world.pet_caller]).update(arrived_at=long_ago - timedelta(days=400))
    old = make_caller("Old Example", "+447700900050", "CB3 1AA", "CAM", contacts=3, start=long_ago - timedelta(days=500))
    return {"old_caller": old}


def _run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("retention", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.postgres
def test_dry_run_counts_and_changes_nothing(world, aged):
    before = (Contact.objects.count(), Caller.objects.count(), AuditEvent.objects.count())
    report = _run("--dry-run")
    # CAM case anonymised; its 6 contacts and the old caller's 3 go; PET's 6 stay (live case).
    assert report["cases_anonymised"] == 1
    assert report["contacts_deleted"] == 9
    assert report["callers_deleted"] == 1
    assert (Contact.objects.count(), Caller.objects.count(), AuditEvent.objects.count()) == before
    world.cam_case.refresh_from_db()
    assert world.cam_case.anonymised_at is None and world.cam_case.guidance


@pytest.mark.postgres
def test_real_run_does_what_the_dry_run_said(world, aged):
    dry = _run("--dry-run")
    real = _run()
    counts = ("cases_anonymised", "contacts_deleted", "callers_deleted")
    assert [real[k] for k in counts] == [dry[k] for k in counts] == [1, 9, 1]
    world.cam_case.refresh_from_db()
    assert world.cam_case.anonymised_at is not None
    assert world.cam_case.guidance == "" and world.cam_case.triage_reason == REMOVED
    assert world.cam_case.blocks.get().target == REMOVED
    assert not Contact.objects.filter(caller=world.cam_caller).exists()
    assert Contact.objects.filter(caller=world.pet_caller).count() == 6
    assert not Caller.objects.filter(pk=aged["old_caller"].pk).exists()
    assert Caller.objects.filter(pk=world.cam_caller.pk).exists()  # kept: its anonymised case refers to it
    assert AuditEvent.objects.filter(action="erase", object_type="retention").count() == 1
    again = _run()
    assert (again["cases_anonymised"], again["contacts_deleted"], again["callers_deleted"]) == (0, 0, 0)


@pytest.mark.postgres
def test_nothing_is_due_with_recent_data(world):
    report = _run()
    assert (report["cases_anonymised"], report["contacts_deleted"], report["callers_deleted"]) == (0, 0, 0)
    assert Contact.objects.count() == 18
