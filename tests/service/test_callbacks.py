"""Abandoned 999 calls become callback tasks, ordered by risk and age; outcomes are recorded."""
import datetime as dt

import pytest
from django.core.management import call_command

from engage.contacts.signals import contacts_imported
from engage.service import callbacks
from engage.service.models import CallbackTask
from tests.service.factories import at, call, caller, case, episode, user

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_tasks_created_once_with_risk_order():
    known = caller()
    case(known)
    plain = call(at("2025-03-03 10:00"), abandoned=True, wait=4, number="+447700900001")
    risky = call(at("2025-03-03 11:00"), abandoned=True, wait=4, number="+447700900002", caller=known)
    call(at("2025-03-03 11:30"), abandoned=False, wait=4, number="+447700900003")  # answered: no task
    call(at("2025-03-03 11:40"), channel="101", abandoned=True, wait=40)  # 101: no task
    assert callbacks.create_tasks() == 2
    assert callbacks.create_tasks() == 0  # idempotent
    order = [t.contact_id for t in callbacks.worklist()]
    assert order == [risky.id, plain.id]
    assert any("open case" in r for r in CallbackTask.objects.get(contact=risky).reasons)


def test_repeat_abandoned_and_silent_and_withheld_raise_priority():
    first = call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900010")
    second = call(at("2025-03-03 10:04"), abandoned=True, wait=3, number="+447700900010")
    silent = call(at("2025-03-03 09:00"), abandoned=True, wait=3, number="+447700900011", answered=True)
    withheld = call(at("2025-03-03 08:00"), abandoned=True, wait=3)
    lone = call(at("2025-03-03 07:00"), abandoned=True, wait=3, number="+447700900012")
    callbacks.create_tasks()
    p = {t.contact_id: t.priority for t in CallbackTask.objects.all()}
    assert p[first.id] == p[second.id] == callbacks.WEIGHT_REPEAT
    assert p[silent.id] == callbacks.WEIGHT_SILENT
    assert p[withheld.id] == callbacks.WEIGHT_NO_NUMBER
    assert p[lone.id] == 0
    # equal priority: oldest first
    order = [t.contact_id for t in callbacks.worklist()]
    assert order.index(first.id) < order.index(second.id)
    assert order[-1] == lone.id


def test_recent_episode_makes_caller_known_but_old_one_does_not():
    c1, c2 = caller(), caller()
    episode(c1, at("2025-02-20 10:00"))
    episode(c2, at("2024-06-01 10:00"))
    a = call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900020", caller=c1)
    b = call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900021", caller=c2)
    callbacks.create_tasks()
    assert CallbackTask.objects.get(contact=a).priority == callbacks.WEIGHT_KNOWN
    assert CallbackTask.objects.get(contact=b).priority == 0


def test_signal_creates_tasks_on_import():
    c = call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900030")
    contacts_imported.send(sender=None, contact_ids=[c.id], source="acd")
    assert CallbackTask.objects.filter(contact=c).exists()


@pytest.mark.postgres
def test_outcomes_times_and_monthly_figures():
    handler = user("handler")
    a = call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900040")
    b = call(at("2025-03-03 11:00"), abandoned=True, wait=3, number="+447700900041")
    c = call(at("2025-03-03 12:00"), abandoned=True, wait=3, number="+447700900042")
    callbacks.create_tasks()
    ta, tb, tc = (CallbackTask.objects.get(contact=x) for x in (a, b, c))
    callbacks.start(ta, handler, now=a.arrived_at + dt.timedelta(minutes=5))
    callbacks.record_outcome(ta, handler, "safe_misdial", now=a.arrived_at + dt.timedelta(minutes=8))
    callbacks.start(tb, handler, now=b.arrived_at + dt.timedelta(minutes=40))
    with pytest.raises(ValueError):
        callbacks.record_outcome(tb, handler, "needs_help")  # no incident number
    callbacks.record_outcome(tb, handler, "needs_help", incident_number="CC-1", now=b.arrived_at + dt.timedelta(minutes=50))
    ta.refresh_from_db(), tb.refresh_from_db()
    assert ta.status == "done" and ta.handler_seconds == 180
    assert tb.incident_number == "CC-1" and tb.handler_seconds == 600
    callbacks.record_outcome(tc, handler, "no_answer", now=c.arrived_at + dt.timedelta(minutes=10))
    tc.refresh_from_db()
    assert tc.status == "escalated"
    fig = callbacks.monthly_figures("2025-03")
    assert fig["abandoned_999"] == 3 and fig["called_back"] == 3
    assert fig["within_target"] == 2  # 5 and 10 minutes; 40 is late
    assert fig["within_target_share"] == pytest.approx(2 / 3)
    assert fig["handler_minutes"] == pytest.approx(3 + 10 + 0)
    assert fig["outcomes"]["Safe: misdial"] == 1 and fig["outcomes"]["No answer: escalate to trace"] == 1


def test_callbacks_command_refresh(capsys):
    call(at("2025-03-03 10:00"), abandoned=True, wait=3, number="+447700900050")
    call_command("callbacks", "--refresh", "--json")
    out = capsys.readouterr().out
    assert '"priority": 0' in out and CallbackTask.objects.count() == 1
