import datetime as dt

import pytest

from engage.contacts.models import Contact, SourceRecord
from engage.identity import areas
from engage.identity.phones import normalise

BASE = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


def add_contact(phone: str = "", name: str = "", address: str = "", postcode: str = "", key: str | None = None,
                email: str = "", **extra) -> Contact:
    parsed = normalise(phone)
    contact = Contact.objects.create(
        channel="999", arrived_at=BASE + dt.timedelta(minutes=Contact.objects.count()),
        phone_raw=phone, phone_e164=parsed.e164, phone_status=parsed.status,
        name=name, address=address, postcode=postcode, email=email, **extra,
    )
    SourceRecord.objects.create(contact=contact, system="cc", source_key=key or f"K{contact.pk}", file_name="test")
    return contact


def add_rows(rows) -> dict[str, int]:
    """Insert testdata.Row objects; returns source_key -> contact id."""
    contacts = []
    for i, r in enumerate(rows):
        parsed = normalise(r.phone_raw)
        contacts.append(Contact(channel="999", arrived_at=BASE + dt.timedelta(minutes=i), phone_raw=r.phone_raw,
                                phone_e164=parsed.e164, phone_status=parsed.status, name=r.name,
                                address=r.address, postcode=r.postcode))
    Contact.objects.bulk_create(contacts, batch_size=500)
    SourceRecord.objects.bulk_create(
        [SourceRecord(contact=c, system="cc", source_key=r.key, file_name="test") for c, r in zip(contacts, rows)],
        batch_size=500)
    return {r.key: c.pk for r, c in zip(rows, contacts)}


def callers_of(*contacts) -> list[int | None]:
    ids = [c.pk for c in contacts]
    found = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "caller_id"))
    return [found[i] for i in ids]


@pytest.fixture(autouse=True)
def _fresh_area_cache():
    areas.clear_cache()
    yield
    areas.clear_cache()
