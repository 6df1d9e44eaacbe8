"""Service levels from the hourly aggregate agree with a plain computation over contacts."""
import datetime as dt
import math
import random

import pytest

from engage.service.aggregate import ensure_month, mark_dirty, rebuild_days, rebuild_dirty
from engage.service.levels import levels_by, monthly_volumes, service_report
from engage.service.models import ServiceHour
from tests.service.factories import LONDON, at, call, digital

pytestmark = pytest.mark.django_db


def plain_level(contacts, threshold):
    """The documented definitions, computed directly from contacts."""
    offered = [c for c in contacts if c.queue_seconds is not None]
    answered = [c for c in offered if not c.abandoned]
    abandoned = [c for c in offered if c.abandoned]
    within = [c for c in answered if math.ceil(c.queue_seconds) <= threshold]
    late_abandon = [c for c in abandoned if math.ceil(c.queue_seconds) > threshold]
    waits = sorted(c.queue_seconds for c in answered)
    rank = lambda q: math.ceil(waits[max(0, math.ceil(q * len(waits)) - 1)])  # noqa: E731
    return {
        "offered": len(offered),
        "service_level": len(within) / (len(answered) + len(late_abandon)),
        "abandoned_rate": len(abandoned) / len(offered),
        "mean_wait": sum(waits) / len(waits),
        "median_wait": rank(0.5),
        "p90_wait": rank(0.9),
    }


def make_month(seed=1):
    rng = random.Random(seed)
    made = []
    for _ in range(400):
        when = at("2025-03-01 00:00") + dt.timedelta(seconds=rng.uniform(0, 31 * 86400))
        line = rng.choice(["999", "101"])
        wait = rng.expovariate(1 / (4 if line == "999" else 20))
        made.append(call(when.astimezone(dt.timezone.utc), channel=line, wait=round(wait, 2), abandoned=rng.random() < 0.08))
    return made


@pytest.mark.postgres
def test_month_levels_match_plain_computation():
    contacts = make_month()
    rebuild_days(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    got = levels_by(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    for line, threshold in (("999", 10), ("101", 30)):
        mine = [c for c in contacts if c.channel == line and c.arrived_at.astimezone(LONDON).month == 3]
        expected = plain_level(mine, threshold)
        level = got[line][None]
        assert level.offered == expected["offered"]
        assert level.service_level == pytest.approx(expected["service_level"])
        assert level.abandoned_rate == pytest.approx(expected["abandoned_rate"])
        assert level.mean_wait == pytest.approx(expected["mean_wait"])
        assert level.median_wait == expected["median_wait"]
        assert level.p90_wait == expected["p90_wait"]


def test_threshold_edges_and_denominator():
    # 999: answered at 10 s counts as within; 10.2 s does not; abandoned at 4 s is left out,
    # abandoned at 30 s is a miss.
    call(at("2025-03-03 12:00"), wait=10.0)
    call(at("2025-03-03 12:01"), wait=10.2)
    call(at("2025-03-03 12:02"), wait=4.0, abandoned=True)
    call(at("2025-03-03 12:03"), wait=30.0, abandoned=True)
    call(at("2025-03-03 12:04"), wait=None)  # no ACD record: not offered
    ensure_month("2025-03")
    level = levels_by(dt.date(2025, 3, 1), dt.date(2025, 3, 31))["999"][None]
    assert (level.offered, level.answered, level.abandoned) == (4, 2, 2)
    assert level.service_level == pytest.approx(1 / 3)
    assert level.abandoned_rate == pytest.approx(0.5)


@pytest.mark.postgres
def test_local_hour_day_and_weekday_across_clock_change():
    # 2025-03-30 01:30 UTC is 02:30 BST on Sunday 30 March; 2025-03-29 23:30 UTC is
    # 23:30 GMT on Saturday 29 March.
    utc = dt.timezone.utc
    call(dt.datetime(2025, 3, 30, 1, 30, tzinfo=utc))
    call(dt.datetime(2025, 3, 29, 23, 30, tzinfo=utc))
    call(dt.datetime(2025, 3, 31, 23, 30, tzinfo=utc))  # 00:30 BST on 1 April
    ensure_month("2025-03")
    ensure_month("2025-04")
    rows = sorted(ServiceHour.objects.values_list("day", "hour", "dow", "month"))
    assert rows == [
        (dt.date(2025, 3, 29), 23, 5, "2025-03"),
        (dt.date(2025, 3, 30), 2, 6, "2025-03"),
        (dt.date(2025, 4, 1), 0, 1, "2025-04"),
    ]


def test_aggregate_heals_after_contacts_added_without_signal():
    call(at("2025-03-03 12:00"), wait=2)
    ensure_month("2025-03")
    call(at("2025-03-04 12:00"), wait=50, abandoned=True)
    report = service_report("2025-03", trend_months=1)
    assert report["lines"]["999"]["overall"]["offered"] == 2
    assert report["lines"]["999"]["overall"]["abandoned"] == 1


def refresh(contact_ids: list[int]) -> None:
    mark_dirty(contact_ids)
    rebuild_dirty()


def test_marked_days_rebuild_only_touched_days():
    a = call(at("2025-03-03 12:00"), wait=2)
    refresh([a.id])
    b = call(at("2025-03-20 12:00"), wait=2)
    refresh([b.id])
    assert ServiceHour.objects.filter(month="2025-03").count() == 2
    refresh([a.id, b.id])  # idempotent
    assert sum(ServiceHour.objects.values_list("contacts", flat=True)) == 2


def test_monthly_volumes_shape():
    call(at("2025-02-10 10:00"), channel="999")
    call(at("2025-03-10 10:00"), channel="101")
    call(at("2025-03-10 11:00"), channel="101")
    digital(at("2025-03-11 10:00"), channel="online_report")
    digital(at("2025-03-11 10:00"), channel="webchat")
    digital(at("2025-03-11 10:00"), channel="social_media")
    for m in ("2025-02", "2025-03"):
        ensure_month(m)
    rows = monthly_volumes("2025-02", "2025-03")
    assert rows == [
        {"month": "2025-02", "Calls to 999": 1, "Calls to 101": 0, "Online crime reports": 0, "Web chats": 0, "Social media conversations": 0},
        {"month": "2025-03", "Calls to 999": 0, "Calls to 101": 2, "Online crime reports": 1, "Web chats": 1, "Social media conversations": 1},
    ]


def test_report_by_hour_and_dow():
    call(at("2025-03-03 09:15"), wait=2)  # Monday
    call(at("2025-03-03 09:45"), wait=20)
    call(at("2025-03-08 22:00"), channel="101", wait=40)  # Saturday
    report = service_report("2025-03", trend_months=3)
    l999 = report["lines"]["999"]
    assert list(l999["by_hour"]) == [9]
    assert l999["by_hour"][9]["service_level"] == 0.5
    assert list(report["lines"]["101"]["by_dow"]) == ["Sat"]
    assert list(l999["by_month"]) == ["2025-03"]
    assert report["lines"]["101"]["overall"]["service_level"] == 0.0


@pytest.mark.postgres
def test_online_reports_recorded_within_24_hours():
    from engage.contacts.models import SourceRecord
    from engage.service.online import recorded_within

    def report(when, incident_after_hours=None):
        c = digital(when, channel="online_report")
        SourceRecord.objects.create(contact=c, system="digital", source_key=f"D{c.id}", file_name="t", at=when)
        if incident_after_hours is not None:
            SourceRecord.objects.create(contact=c, system="cc", source_key=f"I{c.id}", file_name="t",
                                        at=when + dt.timedelta(hours=incident_after_hours))
        return c

    report(at("2025-03-03 10:00"), 2)
    report(at("2025-03-04 10:00"), 24)  # exactly 24 h: within
    report(at("2025-03-05 10:00"), 30)  # late
    report(at("2025-03-06 10:00"))  # never recorded
    only_incident = digital(at("2025-03-07 10:00"), channel="online_report")
    SourceRecord.objects.create(contact=only_incident, system="cc", source_key="I-x", file_name="t", at=at("2025-03-07 10:00"))
    got = recorded_within("2025-03")
    assert (got["reports"], got["recorded_within"], got["recorded_late"], got["not_recorded"]) == (4, 2, 1, 1)
    assert got["incident_without_report_row"] == 1
    assert got["share"] == 0.5


@pytest.mark.postgres
def test_import_marks_days_and_report_rebuilds_them():
    from engage.contacts.signals import contacts_imported
    from engage.service.models import ServiceDirtyDay

    a = call(at("2025-03-03 12:00"), wait=2)
    contacts_imported.send(sender=None, contact_ids=[a.id], source="acd")
    assert ServiceDirtyDay.objects.count() == 1  # a new contact: only its own day
    assert service_report("2025-03", trend_months=1)["lines"]["999"]["overall"]["offered"] == 1
    assert ServiceDirtyDay.objects.count() == 0
    # A changed contact (a later ACD row joined it): marked again, rebuilt, counted once.
    a.queue_seconds, a.abandoned, a.answered_at = 40.0, True, None
    a.save()
    contacts_imported.send(sender=None, contact_ids=[a.id], source="acd")
    assert ServiceDirtyDay.objects.count() == 3  # already aggregated: its day and one either side
    overall = service_report("2025-03", trend_months=1)["lines"]["999"]["overall"]
    assert (overall["offered"], overall["abandoned"]) == (1, 1)


@pytest.mark.postgres
def test_contact_at_exactly_local_midnight_is_counted_once():
    # Stored to the second at the very start of a day and month: the range that starts
    # there must include it (a raw cursor once bound the bound as '...+00:00', after it).
    for when in (at("2025-01-01 00:00"), at("2025-02-01 00:00"), at("2025-06-01 00:00"), at("2025-01-31 23:59:59")):
        call(when, channel="999", wait=2)
    for month in ("2025-01", "2025-02", "2025-06"):
        ensure_month(month)
    days = {d: n for d, n in ServiceHour.objects.values_list("day", "contacts")}
    assert days == {dt.date(2025, 1, 1): 1, dt.date(2025, 2, 1): 1, dt.date(2025, 6, 1): 1, dt.date(2025, 1, 31): 1}
    assert not ensure_month("2025-02")  # the month's count agrees with the contacts: no rebuild
