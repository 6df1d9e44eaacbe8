"""A recycled number's holders told apart by time (docs/identity.md, "Numbers change hands")."""
import datetime as dt

import pytest

from engage.contacts.models import Contact
from engage.identity.resolve import _holder_index, resolve_full

from .conftest import add_contact, callers_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DAY = 86_400


def at(contact: Contact, day: float) -> Contact:
    """Move a contact to `day` days after the first test contact."""
    Contact.objects.filter(pk=contact.pk).update(
        arrived_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(days=day))
    return contact


def test_a_short_nameless_stretch_after_a_silence_is_another_holder():
    named = [at(add_contact("07700 900700", name="Ada Brown"), 0), at(add_contact("07700 900700"), 1)]
    later = at(add_contact("07700 900700"), 12)  # the number's next subscriber, who gives no name
    resolve_full()
    first, second, third = callers_of(*named, later)
    assert first == second and third is not None and third != first


def test_a_frequent_callers_number_keeps_its_quiet_stretches():
    calls = [at(add_contact("07700 900701", name="Ada Brown"), d / 4) for d in range(5)]
    after_holiday = at(add_contact("07700 900701"), 20)
    resolve_full()
    assert len(set(callers_of(*calls, after_holiday))) == 1


def test_a_nameless_busy_number_keeps_its_quiet_stretches():
    """A silent nuisance caller never gives a name; a holder with five calls is busy."""
    calls = [at(add_contact("07700 900706"), d / 24) for d in range(5)]
    later = at(add_contact("07700 900706"), 12)
    resolve_full()
    assert len(set(callers_of(*calls, later))) == 1


def test_calls_within_a_week_of_each_other_stay_one_holder():
    calls = [at(add_contact("07700 900702", name="Ada Brown" if d == 0 else ""), d * 5) for d in range(4)]
    resolve_full()
    assert len(set(callers_of(*calls))) == 1


def test_the_same_name_on_both_sides_of_a_silence_is_one_holder():
    before = at(add_contact("07700 900703", name="Ada Brown"), 0)
    after = at(add_contact("07700 900703", name="A Brown"), 30)
    resolve_full()
    assert len(set(callers_of(before, after))) == 1


def test_holder_index_cuts_at_name_changes_at_the_longest_silence():
    events = [(0, 1, "brown"), (1 * DAY, 2, ""), (9 * DAY, 3, ""), (10 * DAY, 4, "stone")]
    # Brown's stretch, then Stone's: the change is put at the 8-day silence.
    assert _holder_index(events, {}, gap=0) == [0, 0, 1, 1]


def test_holder_index_leaves_long_nameless_stretches_with_the_caller_before_them():
    events = [(0, 1, "brown")] + [(10 * DAY + i, 2 + i, "") for i in range(3)]
    assert _holder_index(events, {}, gap=7 * DAY, max_alone=2) == [0, 0, 0, 0]
    assert _holder_index(events[:3], {}, gap=7 * DAY, max_alone=2) == [0, 1, 1]
    assert _holder_index(events[:3], {}, gap=7 * DAY, max_alone=2, frequent=True) == [0, 0, 0]


def test_recycled_numbers_when_turned_on_are_split_by_name_blocks_not_shared(force_config):
    from engage.identity.models import SharedNumber

    force_config("[identity]\nrecycled_min_gap_days = 2\n")
    ada = [at(add_contact("07700 900704", name="Ada Brown"), d) for d in (0, 1)]
    bill = [at(add_contact("07700 900704", name="Bill Stone"), d) for d in (20, 21)]
    home = [at(add_contact("07700 900705", name=n), d / 24) for d, n in enumerate(["Cara Lind", "Dan Moss"] * 2)]
    resolve_full()
    assert not SharedNumber.objects.filter(e164="+447700900704").exists()
    a1, a2, b1, b2 = callers_of(*ada, *bill)
    assert a1 == a2 and b1 == b2 and a1 != b1
    # Names that interleave within hours are a shared line, as before.
    assert SharedNumber.objects.filter(e164="+447700900705").exists()
    assert len(set(callers_of(*home))) == 2
