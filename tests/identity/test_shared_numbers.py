"""Shared numbers (care homes, payphones) are never one caller; their people are split."""
import pytest

from engage.identity.models import SharedNumber
from engage.identity.resolve import resolve_full, resolve_incremental

from .conftest import add_contact, callers_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HOME = "Oak House, 12 Mill Road"


def test_configured_shared_number_is_not_merged(force_config):
    force_config('[identity]\nshared_numbers = ["01632 960999"]\n')
    a = add_contact("01632 960999", name="Ada Brown", address=HOME, postcode="CB1 2AB")
    b = add_contact("01632 960999", name="Ada Brown", address=HOME, postcode="CB1 2AB")
    c = add_contact("01632 960999", name="Bill Stone", address=HOME, postcode="CB1 2AB")
    d = add_contact("01632 960999")
    resolve_full()
    ca, cb, cc, cd = callers_of(a, b, c, d)
    assert ca == cb  # the same resident, by name and address
    assert cc != ca  # another resident of the same home
    assert cd is None  # the home's number alone says nobody


def test_number_with_many_names_is_detected_as_shared():
    names = ["Ada Brown", "Bill Stone", "Cara Lind", "Dan Moss", "Eve Quill"]
    contacts = {n: [add_contact("01632 960500", name=n, address=HOME, postcode="CB1 2AB") for _ in range(2)]
                for n in names}
    resolve_full()
    assert SharedNumber.objects.filter(e164="+441632960500", origin="detected").exists()
    callers = {n: set(callers_of(*cs)) for n, cs in contacts.items()}
    assert all(len(c) == 1 for c in callers.values())  # each resident is one caller
    assert len(set.union(*callers.values())) == len(names)  # five residents, five callers


def test_misspellings_of_one_name_do_not_make_a_number_shared():
    for name in ["John Smith", "Jon Smith", "John Smyth", "SMITH, John", "J Smith", "Johnny Smith"]:
        add_contact("07700 900610", name=name)
    resolve_full()
    assert not SharedNumber.objects.filter(e164="+447700900610").exists()


def test_incremental_reopens_contacts_of_a_newly_shared_number():
    first = [add_contact("01632 960600", name=n) for n in ["Ada Brown", "A Brown", "Ada Browne"]]
    resolve_incremental()
    assert len(set(callers_of(*first))) == 1  # one person, however the name is written
    more = [add_contact("01632 960600", name=n) for n in ["Cara Lind", "Dan Moss"]]
    resolve_incremental()
    assert len(set(callers_of(*more))) == 2 and not set(callers_of(*more)) & set(callers_of(*first))
    assert None not in callers_of(*first, *more)
    assert SharedNumber.objects.filter(e164="+441632960600").exists()


def test_number_given_with_homes_in_two_districts_is_shared():
    """A recycled number: one holder named, another gave only an address elsewhere."""
    named = add_contact("01632 960700", name="Ada Brown", address="3 Mill Road", postcode="CB1 2AB")
    elsewhere = add_contact("01632 960700", address="9 Fen Lane", postcode="PE15 0PN")
    bare = add_contact("01632 960700")
    resolve_full()
    assert SharedNumber.objects.filter(e164="+441632960700", origin="detected").exists()
    ca, ce, cb = callers_of(named, elsewhere, bare)
    assert ca is not None and ca != ce and cb is None


def test_one_person_at_one_postcode_written_differently_is_not_shared():
    for postcode in ["CB1 2AB", "cb12ab", "", "CB1 2AB"]:
        add_contact("07700 900611", name="John Smith", postcode=postcode)
    resolve_full()
    assert not SharedNumber.objects.filter(e164="+447700900611").exists()


def test_an_email_address_spelling_another_name_makes_a_number_shared():
    add_contact("01632 960701", name="Ada Brown")
    add_contact("01632 960701", email="gordon.chandler94@example.net")
    resolve_full()
    assert SharedNumber.objects.filter(e164="+441632960701").exists()
