"""The database the suite runs on (SQLite, or PostgreSQL under `make test-postgres`) stores contacts faithfully."""
from datetime import datetime, timezone

import pytest

from engage.contacts.models import Contact, SourceRecord
from django.db import IntegrityError, transaction

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_contact_round_trip_keeps_utc_and_states():
    arrived = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)  # the night the clocks change
    contact = Contact.objects.create(channel="999", arrived_at=arrived, phone_status="withheld", phone_raw="Withheld")
    stored = Contact.objects.get(pk=contact.pk)
    assert stored.arrived_at == arrived
    assert stored.phone_e164 == "" and stored.phone_status == "withheld"


def test_a_source_row_belongs_to_one_contact_only():
    arrived = datetime(2026, 1, 1, tzinfo=timezone.utc)
    first = Contact.objects.create(channel="101", arrived_at=arrived)
    second = Contact.objects.create(channel="101", arrived_at=arrived)
    SourceRecord.objects.create(contact=first, system="acd", source_key="C1", file_name="a.csv")
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceRecord.objects.create(contact=second, system="acd", source_key="C1", file_name="b.csv")
