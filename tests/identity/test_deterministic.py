"""Same number, same caller; withheld/unavailable/invalid numbers never link as numbers."""
import pytest

from engage.identity.models import Caller
from engage.identity.resolve import resolve_full, resolve_incremental

from .conftest import add_contact, callers_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_same_number_in_any_format_is_one_caller():
    a = add_contact("07700 900123")
    b = add_contact("+44 7700 900123", name="Ann Lee")
    c = add_contact("07700900124")
    resolve_full()
    ca, cb, cc = callers_of(a, b, c)
    assert ca == cb != cc
    assert ca is not None and cc is not None
    caller = Caller.objects.get(pk=ca)
    assert caller.primary_number == "+447700900123"
    assert caller.display_name == "Ann Lee"


@pytest.mark.parametrize("raw", ["Withheld", "private", "unavailable", "", "999", "abc"])
def test_states_never_link_as_numbers(raw):
    # Different people with the same "number state" and no name: never one caller.
    a, b = add_contact(raw), add_contact(raw)
    c, d = add_contact(raw, name="Tom Reed"), add_contact(raw, name="Sue Marsh")
    resolve_full()
    ca, cb, cc, cd = callers_of(a, b, c, d)
    assert ca is None and cb is None  # nothing identifying: unresolved by design
    assert cc is not None and cd is not None and cc != cd


def test_incremental_only_touches_unresolved_contacts():
    a = add_contact("07700 900200", name="Kim Hart")
    resolve_incremental()
    first = callers_of(a)[0]
    b = add_contact("07700 900200")
    result = resolve_incremental()
    assert callers_of(a, b) == [first, first]
    assert result.contacts_changed == 1


def test_full_rebuild_keeps_caller_ids():
    contacts = [add_contact("07700 900300") for _ in range(3)] + [add_contact("07700 900301") for _ in range(2)]
    resolve_full()
    before = callers_of(*contacts)
    result = resolve_full()
    assert callers_of(*contacts) == before
    assert result.contacts_changed == 0 and result.callers_created == 0


def test_full_rebuild_keeps_the_caller_holding_most_of_a_cluster():
    a, b, c = (add_contact("07700 900400") for _ in range(3))
    resolve_full()
    keep = callers_of(a)[0]
    # Simulate a stale state: one contact on another caller; the majority caller must win.
    other = Caller.objects.create()
    type(a).objects.filter(pk=c.pk).update(caller=other)
    resolve_full()
    assert callers_of(a, b, c) == [keep, keep, keep]
    assert not Caller.objects.filter(pk=other.pk).exists()  # emptied and unprotected: removed


def test_one_handle_or_email_is_one_caller():
    # Social media messages that carry only the handle, and one that also gave a name.
    a, b = add_contact(handle="@leighhil98"), add_contact(handle="@LeighHil98 ")
    c = add_contact(handle="@leighhil98", name="Leigh Hill")
    d, e = add_contact(email="ada.brown7@example.com"), add_contact(email="Ada.Brown7@example.com", name="A Brown")
    other = add_contact(handle="@someoneelse1")
    resolve_full()
    ca, cb, cc, cd, ce, co = callers_of(a, b, c, d, e, other)
    assert ca == cb == cc and ca is not None
    assert cd == ce and cd is not None
    assert co not in {ca, cd}


def test_an_email_written_with_two_surnames_links_nothing_by_itself():
    # A family's shared inbox: two people, not one.
    a = add_contact(email="the.browns@example.com", name="Ada Brown")
    b = add_contact(email="the.browns@example.com", name="Tom Reed")
    resolve_full()
    ca, cb = callers_of(a, b)
    assert ca != cb
