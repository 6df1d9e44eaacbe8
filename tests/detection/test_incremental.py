"""The incremental path: import -> identity -> detection within a second; late, deferred
and moved contacts; exclusions."""
import datetime as dt
import time

import pytest
from django.core.management import call_command

from engage.contacts.models import Contact
from engage.detection import batch, incremental
from engage.detection.models import Episode, EvaluatedContact
from engage.detection.rules import load_rules, parse_rules
from engage.detection.store import Context, stored_specs
from engage.identity.models import SharedNumber

from .factories import at, caller, contact

ENGAGE = parse_rules([{"name": "engage", "channels": ["999", "101"], "exclude": {"opening_codes": ["TEST_CALL"]},
                       "thresholds": [{"at_least": 5, "window": "calendar_day"},
                                      {"at_least": 10, "window": "rolling_days", "length": 7}]}])


def batch_specs(rules):
    return sorted(s for r in batch.detect(batch.load_contacts(), rules, "Europe/London",
                                          sorted(SharedNumber.objects.values_list("e164", flat=True))) for s in r.specs())


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_imported_calls_become_an_episode_within_a_second():
    from engage.contacts.ingest import ingest_rows

    rows = [{"call_id": f"T{i}", "started_at": f"2026-02-03 0{i}:10:00", "ended_at": f"2026-02-03 0{i}:12:00",
             "direction": "in", "line": "999" if i % 2 else "101", "cli": "07700 900123", "handler_id": "H1"}
            for i in range(1, 6)]
    ingest_rows("calls", rows[:4])
    assert not Episode.objects.exists()  # 4 in a day: not yet
    started = time.perf_counter()
    result = ingest_rows("calls", rows[4:])
    elapsed = time.perf_counter() - started
    (episode,) = Episode.objects.filter(rule="engage")
    assert elapsed < 1.0
    assert episode.caller_id is not None and episode.contact_count == 5
    assert set(episode.contacts.values_list("id", flat=True)) == set(
        Contact.objects.filter(caller_id=episode.caller_id).values_list("id", flat=True))
    assert result.contact_ids[0] in set(episode.contacts.values_list("id", flat=True))
    assert episode.first_contact_at == dt.datetime(2026, 2, 3, 1, 10, tzinfo=dt.timezone.utc)
    assert stored_specs() == batch_specs(load_rules())


@pytest.mark.django_db
@pytest.mark.postgres
def test_overlapping_crossings_extend_one_episode():
    who = caller("Bea", "+447700900001")
    ctx = Context(ENGAGE, "Europe/London", frozenset())
    for day in range(12):  # 2 a day for 12 days: 10 in 7 days from day 4 on, every day
        ids = [contact(at(day, 9), who).pk, contact(at(day, 18), who).pk]
        incremental.process(ids, ctx)
    (episode,) = Episode.objects.all()
    assert episode.contact_count == 24 and episode.contacts.count() == 24
    assert episode.window_start == at(4, 18) - dt.timedelta(days=7)  # the 10th contact is the first crossing
    assert episode.last_contact_at == at(11, 18)
    assert stored_specs() == batch_specs(ENGAGE)


@pytest.mark.django_db
@pytest.mark.postgres
def test_excluded_contacts_do_not_count():
    shared = caller("Care home", "+441632960500")
    SharedNumber.objects.create(e164="+441632960500", label="Care home")
    tester = caller("Tester", "+447700900002")
    webchat = caller("Chatty", "+447700900003")
    ids = [contact(at(0, h), shared).pk for h in range(6)]
    ids += [contact(at(0, h), tester, opening_code="test_call").pk for h in range(6)]
    ids += [contact(at(0, h), webchat, channel="webchat").pk for h in range(6)]
    incremental.process(ids, Context.load(ENGAGE))
    assert not Episode.objects.exists()
    assert stored_specs() == batch_specs(ENGAGE) == []
    one_more = caller("Real", "+447700900004")
    incremental.process([contact(at(0, h), one_more).pk for h in range(5)], Context.load(ENGAGE))
    assert Episode.objects.get().caller == one_more


@pytest.mark.django_db
@pytest.mark.postgres
def test_catch_up_evaluates_deferred_contacts_and_moved_ones():
    a, b = caller("A"), caller("B")
    ids = [contact(at(0, h), a).pk for h in range(5)]
    assert EvaluatedContact.objects.count() == 0
    call_command("detect", "--json", stdout=open("/dev/null", "w"))  # catch-up: nothing evaluated yet
    assert Episode.objects.get(rule="engage").caller == a
    # Identity moves two contacts to B (a split): A drops below the threshold.
    Contact.objects.filter(pk__in=ids[:2]).update(caller=b)
    assert set(incremental.pending_contact_ids()) == set(ids[:2])
    call_command("detect", stdout=open("/dev/null", "w"))
    assert not Episode.objects.filter(rule="engage").exists()
    assert incremental.pending_contact_ids() == []
    assert stored_specs(["engage"]) == batch_specs([r for r in load_rules() if r.name == "engage"])


@pytest.mark.django_db
@pytest.mark.postgres
def test_full_recomputation_keeps_ids_and_review_status():
    who = caller("C")
    incremental.process([contact(at(0, h), who).pk for h in range(6)], Context.load(ENGAGE))
    episode = Episode.objects.get()
    episode.status = Episode.Status.REVIEWED
    episode.save()
    before = stored_specs()
    stats = batch.run_full(ENGAGE)
    assert stats["updated"] == 1 and stats["created"] == 0
    again = Episode.objects.get()
    assert again.pk == episode.pk and again.status == Episode.Status.REVIEWED
    assert stored_specs() == before
    assert incremental.pending_contact_ids() == []


@pytest.mark.django_db
def test_a_detection_failure_does_not_fail_the_import(monkeypatch, caplog):
    from engage.contacts.signals import contacts_imported

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(incremental, "process", broken)
    who = caller("H")
    ids = [contact(at(0, h), who).pk for h in range(5)]
    contacts_imported.send(sender=None, contact_ids=ids, source="calls")  # no exception
    assert "run `engage detect` to retry" in caplog.text
    monkeypatch.undo()
    assert set(incremental.pending_contact_ids()) == set(ids)
    incremental.process(incremental.pending_contact_ids())
    assert Episode.objects.filter(rule="engage", caller=who).exists()


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_later_join_that_changes_a_contacts_code_is_re_evaluated():
    """C&C joins an incident to a call already counted; its opening code is now excluded."""
    who = caller("J")
    ids = [contact(at(0, h), who).pk for h in range(5)]
    incremental.process(ids, Context.load(ENGAGE))
    assert Episode.objects.get().contact_count == 5
    Contact.objects.filter(pk=ids[0]).update(opening_code="TEST_CALL")
    assert incremental.pending_contact_ids() == [ids[0]]
    incremental.process([ids[0]], Context.load(ENGAGE))  # what the importer's signal would do
    assert not Episode.objects.exists()
    assert incremental.pending_contact_ids() == []
    assert stored_specs() == batch_specs(ENGAGE) == []


@pytest.mark.django_db
@pytest.mark.postgres
def test_merged_episodes_keep_the_coordinators_decision_and_case_links():
    from engage.cases.models import Case, EpisodeDecision

    who = caller("K")
    ctx = Context.load(ENGAGE)
    incremental.process([contact(at(1, 10, m), who).pk for m in range(5)], ctx)
    incremental.process([contact(at(10, 10, m), who).pk for m in range(5)], ctx)
    first, second = Episode.objects.order_by("pk")
    case = Case.objects.create(caller=who)
    case.episodes.add(second)
    EpisodeDecision.objects.create(episode=second, decision="case", case=case, reason="seen")
    # Late contacts on day 5 bridge them (10 within 7 days either side): the older absorbs the newer.
    incremental.process([contact(at(5, 10, m), who).pk for m in range(5)], ctx)
    (episode,) = Episode.objects.all()
    assert episode.pk == first.pk
    assert list(case.episodes.all()) == [episode]
    assert EpisodeDecision.objects.get().episode_id == episode.pk
    assert stored_specs() == batch_specs(ENGAGE)
