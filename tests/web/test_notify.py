"""Coordinators get one e-mail per batch of new episodes; others get none."""
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from engage.accounts.models import Role
from tests.web.factories import make_caller, make_episode, make_user


@pytest.fixture
def people(db):
    make_user("coord", Role.COORDINATOR, email="coord@engage.invalid")
    make_user("coord2", Role.COORDINATOR, email="coord2@engage.invalid")
    make_user("insp", Role.INSPECTOR, email="insp@engage.invalid")
    return [make_caller(f"Person {i}", f"+44770090010{i}", "CB1 1AA", "CAM") for i in range(3)]


def test_new_episodes_send_one_mail_on_commit(people, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            episodes = [make_episode(c) for c in people]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["coord2@engage.invalid", "coord@engage.invalid"]
    assert "3 new episode" in message.subject
    for e in episodes:
        assert f"episode {e.pk}" in message.body
    assert "/review/" in message.body


def test_rolled_back_episodes_send_nothing(people, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_episode(people[0])
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        make_episode(people[1])
    assert len(mail.outbox) == 1 and "1 new episode" in mail.outbox[0].subject


def test_updates_do_not_mail(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        episode = make_episode(people[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        episode.contact_count = 9
        episode.save()
    assert mail.outbox == []


def test_notify_command_sends_digest(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_episode(people[0])
    mail.outbox.clear()
    call_command("notify")
    assert len(mail.outbox) == 1 and "1 new episode" in mail.outbox[0].subject
