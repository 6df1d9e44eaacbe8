"""Property: the incremental path (contact by contact, any arrival order) and the batch
path (DuckDB over everything) produce exactly the same episodes."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from engage.contacts.models import Contact
from engage.detection import batch, incremental
from engage.detection.models import Episode, EvaluatedContact
from engage.detection.rules import parse_rules
from engage.detection.store import Context, stored_specs
from engage.identity.models import Caller

from .factories import T0

RULES = parse_rules([
    {"name": "engage", "subject": "caller", "channels": ["999", "101"], "thresholds": [
        {"at_least": 3, "window": "calendar_day"}, {"at_least": 5, "window": "rolling_days", "length": 3}]},
    {"name": "strict999", "subject": "caller", "channels": ["999"], "thresholds": [
        {"at_least": 2, "window": "rolling_days", "length": 1}], "exclude": {"opening_codes": ["ADMIN"]}},
    {"name": "nhs", "subject": "caller", "channels": ["999", "101", "webchat"], "thresholds": [
        {"at_least": 5, "window": "calendar_month"}, {"at_least": 7, "window": "rolling_months", "length": 2}]},
    {"name": "twodays", "subject": "caller", "channels": ["101"], "thresholds": [
        {"at_least": 3, "window": "calendar_day", "length": 2}, {"at_least": 4, "window": "calendar_month", "length": 2}]},
    {"name": "places", "subject": "location", "channels": ["999", "101"], "thresholds": [
        {"at_least": 3, "window": "calendar_day"}, {"at_least": 4, "window": "rolling_days", "length": 2}],
     "exclude": {"places": ["1 Police Station Rd"]}},
])
PLACES = ["1 High Street", "1 high st", "Chef Menteur Hwy & Downman Rd", "Downman Rd & Chef Menteur Hwy",
          "1 Police Station Road", ""]

# Times cluster (minutes apart) so rules cross, spread (days apart) so windows merge and
# split, and land on midnights and the 29 March 2026 clock change.
offsets = st.one_of(
    st.integers(0, 90 * 24 * 60),
    st.integers(0, 6 * 24 * 60).map(lambda m: 8 * 24 * 60 + m),
    st.sampled_from([0, 60, 9 * 24 * 60 - 1, 9 * 24 * 60, 9 * 24 * 60 + 59, 9 * 24 * 60 + 60, 12 * 24 * 60 - 1]),
)
contact_st = st.tuples(
    st.integers(0, 2),  # caller (2 means none yet)
    st.sampled_from(PLACES),
    st.sampled_from(["999", "101", "webchat"]),
    offsets,
    st.integers(0, 999_999),  # microseconds
    st.sampled_from(["", "ADMIN", "HOAX"]),
)


def _insert(specs, callers):
    objs = []
    for who, place, channel, minute, micro, code in specs:
        objs.append(Contact(channel=channel, arrived_at=T0 + dt.timedelta(minutes=minute, microseconds=micro),
                            caller=callers[who] if who < 2 else None, location=place, opening_code=code))
    return [c.pk for c in Contact.objects.bulk_create(objs)]


@pytest.mark.django_db
@pytest.mark.postgres
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=st.lists(contact_st, min_size=1, max_size=45), cuts=st.lists(st.integers(1, 12), min_size=1, max_size=8),
       changes=st.lists(st.tuples(st.integers(0, 44), st.integers(0, 2), st.sampled_from(["", "ADMIN", "HOAX"]),
                                  st.sampled_from(PLACES)), max_size=6),
       change_after=st.integers(0, 5))
def test_incremental_equals_batch(stream, cuts, changes, change_after):
    """Also with identity moving contacts between callers, and later joins changing a
    contact's opening code or place, between imports (each change re-sent as the importer
    and identity would)."""
    Episode.objects.all().delete()
    EvaluatedContact.objects.all().delete()
    Contact.objects.all().delete()
    Caller.objects.all().delete()
    callers = [Caller.objects.create(display_name="A"), Caller.objects.create(display_name="B")]
    ctx = Context(RULES, "Europe/London", frozenset())
    i, k, inserted = 0, 0, []
    while i < len(stream):  # arrival order is the list order: random relative to time
        n = cuts[k % len(cuts)]
        ids = _insert(stream[i:i + n], callers)
        inserted += ids
        incremental.process(ids, ctx)
        if k == change_after:
            for index, who, code, place in changes:
                cid = inserted[index % len(inserted)]
                Contact.objects.filter(pk=cid).update(caller=callers[who] if who < 2 else None, opening_code=code,
                                                      location=place, place_key="")
                incremental.process([cid], ctx)
        i, k = i + n, k + 1
    results = batch.detect(batch.load_contacts(), RULES, "Europe/London")
    expected = sorted(s for r in results for s in r.specs())
    target(float(len(expected)))  # steer towards streams with many episodes
    assert stored_specs() == expected


@pytest.mark.django_db
def test_late_contact_merges_two_episodes_into_one():
    """Two separate episodes become one when a late contact fills the gap between them."""
    from .factories import at, caller, contact

    who = caller("Ann")
    ctx = Context(RULES[:1], "Europe/London", frozenset())  # 3 a day, or 5 in 3 rolling days
    first = [contact(at(1, 10, m), who).pk for m in range(3)]
    second = [contact(at(4, 10, m), who).pk for m in range(3)]
    incremental.process(first + second, ctx)
    assert Episode.objects.count() == 2
    kept = Episode.objects.order_by("pk").first()
    kept.status = "reviewed"
    kept.save()
    late = [contact(at(2, 23, 30), who).pk, contact(at(3, 1), who).pk]  # 5 in 3 days: bridges them
    incremental.process(late, ctx)
    (episode,) = Episode.objects.all()
    assert episode.pk == kept.pk and episode.status == "reviewed"
    assert episode.contact_count == 8 and episode.contacts.count() == 8
    results = batch.detect(batch.load_contacts(), RULES[:1], "Europe/London")
    assert stored_specs() == sorted(s for r in results for s in r.specs())
