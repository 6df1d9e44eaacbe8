"""The per-caller daily aggregate (ServiceCallerDay) equals the contacts, after imports,
caller merges and splits (seen by the contacts trigger), first linkage and deletion."""
import datetime as dt
from collections import Counter

import pytest

from engage.contacts.models import Contact
from engage.service.aggregate import refresh
from engage.service.models import ServiceCallerDay, ServiceDirtyCaller, ServiceDirtyDay
from tests.service.factories import LONDON, at, call, caller, digital

pytestmark = pytest.mark.django_db


def from_contacts() -> dict[tuple[int, dt.date], tuple[int, float]]:
    """(caller, local day) -> (contacts, queue + talk seconds), straight from the contacts."""
    out: dict = {}
    for c in Contact.objects.exclude(caller=None):
        key = (c.caller_id, c.arrived_at.astimezone(LONDON).date())
        n, h = out.get(key, (0, 0.0))
        out[key] = (n + 1, h + (c.queue_seconds or 0) + (c.talk_seconds or 0))
    return out


def from_aggregate() -> dict[tuple[int, dt.date], tuple[int, float]]:
    return {(r.caller_id, r.day): (r.contacts, r.handling_sum) for r in ServiceCallerDay.objects.all()}


def assert_current() -> None:
    refresh()
    got, want = from_aggregate(), from_contacts()
    assert got.keys() == want.keys()
    for key, (n, h) in want.items():
        assert got[key][0] == n and got[key][1] == pytest.approx(h), key
    assert not ServiceDirtyCaller.objects.exists() and not ServiceDirtyDay.objects.exists()


@pytest.mark.postgres
def test_built_per_local_day_and_kept_current_through_moves():
    a, b = caller(), caller()
    for hour in (0, 12, 23):  # 00:30 and 23:30 local fall on other UTC dates in summer
        call(at(f"2025-07-01 {hour:02d}:30"), wait=4, talk=100, caller=a)
    call(at("2025-07-02 09:00"), wait=2, talk=50, caller=b)
    digital(at("2025-07-02 10:00"))  # no caller: no row
    assert_current()
    assert from_aggregate()[(a.id, dt.date(2025, 7, 1))] == (3, pytest.approx(312))

    # A merge moves contacts with a bulk UPDATE that sends no signal: the trigger marks both callers.
    Contact.objects.filter(caller=b).update(caller=a)
    assert set(ServiceDirtyCaller.objects.values_list("caller_id", flat=True)) == {a.id, b.id}
    assert_current()
    assert not ServiceCallerDay.objects.filter(caller_id=b.id).exists()

    # A split onto a new caller.
    c = caller()
    moved = Contact.objects.filter(caller=a, arrived_at__lt=at("2025-07-01 12:00")).values_list("id", flat=True)
    Contact.objects.filter(id__in=list(moved)).update(caller=c)
    assert_current()
    assert from_aggregate()[(c.id, dt.date(2025, 7, 1))][0] == 1


@pytest.mark.postgres
def test_first_linkage_and_deletion_are_seen():
    a = caller()
    unlinked = call(at("2025-03-10 08:00"), wait=1, talk=10)
    call(at("2025-03-11 08:00"), wait=1, talk=10, caller=a)
    assert_current()
    # Resolution after the import gives the contact its first caller: its day is marked.
    Contact.objects.filter(pk=unlinked.pk).update(caller=a)
    assert dt.date(2025, 3, 10) in set(ServiceDirtyDay.objects.values_list("day", flat=True))
    assert_current()
    assert from_aggregate()[(a.id, dt.date(2025, 3, 10))][0] == 1
    Contact.objects.filter(pk=unlinked.pk).delete()
    assert_current()
    assert Counter(r.caller_id for r in ServiceCallerDay.objects.all()) == {a.id: 1}
