"""Splink links a person across numbers and attaches withheld calls by name and address."""
import pytest

from engage.contacts.models import Contact
from engage.identity.resolve import resolve_full

from .conftest import add_contact, callers_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_person_across_two_numbers_is_one_caller():
    mobile = add_contact("07700 900701", name="Grace Wilkinson", address="14 Mill Road", postcode="CB1 2AB")
    landline = add_contact("01632 960701", name="Grace Wilkinson", address="14 Mill Rd", postcode="cb12ab")
    mobile_only = add_contact("07700 900701")
    resolve_full()
    assert len(set(callers_of(mobile, landline, mobile_only))) == 1


def test_withheld_call_with_name_and_address_joins_its_person():
    known = add_contact("07700 900702", name="Harold Pemberton", address="3 Station Street", postcode="PE13 1AA")
    withheld = add_contact("Withheld", name="Harold Pembertn", address="3 Station St", postcode="PE13 1AA")
    resolve_full()
    assert callers_of(known) == callers_of(withheld)


def test_household_members_stay_apart():
    dad = add_contact("07700 900703", name="Peter Oakley", address="9 Elm Close", postcode="CB4 1XY")
    son = add_contact("07700 900704", name="Liam Oakley", address="9 Elm Close", postcode="CB4 1XY")
    resolve_full()
    assert callers_of(dad) != callers_of(son)


def test_same_common_name_without_address_is_not_linked():
    a = add_contact("07700 900705", name="John Smith")
    b = add_contact("07700 900706", name="John Smith")
    resolve_full()
    assert callers_of(a) != callers_of(b)


def test_withheld_name_and_address_attach_across_numbers():
    # One person: mobile, landline and a withheld call; all join through name and address.
    a = add_contact("07700 900707", name="Mary Quinton", address="21 Hill View", postcode="CB22 3AB")
    b = add_contact("01632 960707", name="Mary Quinton", address="21 Hill View", postcode="CB22 3AB")
    c = add_contact("private", name="Mrs Mary Quinton", address="21 hill view", postcode="CB22 3AB")
    resolve_full()
    assert len(set(callers_of(a, b, c))) == 1


def test_name_only_contact_joins_the_one_caller_with_that_name():
    known = [add_contact("07700 900708", name="Harriet Quimby", address="5 Kiln Lane", postcode="CB7 4AA")
             for _ in range(5)][0]  # a frequent caller
    chat = add_contact("unavailable", name="Harriet Quimby")  # a web chat: a name, nothing else
    mail = add_contact("unavailable", email="harriet.quimby77@example.com")  # only an e-mail address
    resolve_full()
    assert callers_of(chat, mail) == callers_of(known) * 2


def test_name_only_contact_stays_apart_when_two_callers_have_the_name():
    one = add_contact("07700 900709", name="John Smith", address="1 Mill Road", postcode="CB1 2AB")
    two = add_contact("07700 900710", name="John Smith", address="9 High Street", postcode="PE13 1AA")
    chat = add_contact("unavailable", name="John Smith")
    resolve_full()
    assert callers_of(chat)[0] not in callers_of(one, two)


def test_name_only_contact_needs_a_frequent_caller():
    once = add_contact("07700 900711", name="Oswald Thorne", address="7 Fen Road", postcode="CB6 1AA")
    chat = add_contact("unavailable", name="Oswald Thorne")
    resolve_full()
    assert callers_of(chat) != callers_of(once)


def test_handle_only_message_joins_the_one_caller_its_letters_name():
    known = [add_contact("07700 900712", name="Kerry Harrison", address="79 Marshall Drive", postcode="CB1 2JE")
             for _ in range(5)][0]
    dm = [add_contact("unavailable", handle="@kerryhar4") for _ in range(2)]  # social media: a handle only
    resolve_full()
    assert callers_of(*dm) == callers_of(known) * 2


def test_handle_matching_two_callers_stays_apart():
    for number, surname in (("07700 900713", "Harrison"), ("07700 900714", "Hart")):
        for _ in range(5):
            add_contact(number, name=f"Kerry {surname}", address="1 Mill Road", postcode="CB1 2AB")
    dm = add_contact("unavailable", handle="@kerryhar4")
    resolve_full()
    ca, = callers_of(dm)
    assert ca is not None  # a caller of its own, by its handle
    assert Contact.objects.filter(caller_id=ca).count() == 1


def test_name_only_contact_with_another_email_is_another_person():
    known = [add_contact("07700 900715", name="Sam Stewart", address="110 Smith Street", postcode="CB1 1AA")
             for _ in range(5)][0]
    mail = add_contact("unavailable", name="Sam Stewart", email="samuel.stewart99@example.com")
    add_contact("07700 900715", name="Sam Stewart", email="samuel.stewart99@example.com")  # known by e-mail
    other = add_contact("unavailable", name="Sam Stewart", email="sam.stewart68@example.net")
    resolve_full()
    assert callers_of(mail) == callers_of(known)
    assert callers_of(other) != callers_of(known)


def test_two_contacts_with_only_the_same_name_are_not_one_caller():
    # Two web chats from "Carole Rose": a name alone is not a person.
    a, b = add_contact("unavailable", name="Carole Rose"), add_contact("unavailable", name="Carole Rose")
    resolve_full()
    ca, cb = callers_of(a, b)
    assert ca is not None and cb is not None and ca != cb


def test_incremental_reads_a_handle_as_the_full_run_does():
    from engage.identity.resolve import resolve_incremental

    known = [add_contact("07700 900716", name="Jessica Franklin", address="3 Oak Way", postcode="PE1 1AA")
             for _ in range(5)][0]
    resolve_incremental()
    dm = add_contact("unavailable", handle="@jessicafra156")
    resolve_incremental()
    assert callers_of(dm) == callers_of(known)


def test_name_only_contact_joins_the_frequent_caller_over_a_one_off_namesake():
    frequent = [add_contact("07700 900717", name="Lesley Nicholls", address="4 Fen Road", postcode="CB6 1AB")
                for _ in range(5)][0]
    once = add_contact("07700 900718", name="Lesley Nicholls", address="80 High Street", postcode="PE13 2ZZ")
    chat = add_contact("unavailable", name="Lesley Nicholls")
    resolve_full()
    assert callers_of(chat) == callers_of(frequent) != callers_of(once)
