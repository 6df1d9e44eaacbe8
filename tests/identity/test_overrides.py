"""Coordinator overrides (merge, split, not the same) survive every later run."""
import pytest
from django.contrib.auth import get_user_model

from engage.identity.models import Caller, LinkOverride
from engage.identity.resolve import merge_callers, resolve_full, resolve_incremental, split_contacts

from .conftest import add_contact, callers_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def coordinator():
    return get_user_model().objects.create_user("coord", password="x" * 12)


def test_merge_is_honoured_by_full_rebuild(coordinator):
    a = add_contact("07700 900901", name="Zoe Hall")
    b = add_contact("01632 960901", name="Zed Hale")  # the data alone would never link these
    resolve_full()
    ca, cb = callers_of(a, b)
    assert ca != cb
    kept = merge_callers(ca, cb, coordinator, "same voice, same story")
    assert callers_of(a, b) == [kept.pk, kept.pk]
    assert Caller.objects.get(pk=cb).merged_into_id == ca
    override = LinkOverride.objects.get(kind="same")
    assert override.decided_by == coordinator and override.reason == "same voice, same story"
    resolve_full()
    assert callers_of(a, b) == [ca, ca]
    c = add_contact("01632 960901")  # a new call from the merged number joins the merged caller
    resolve_incremental()
    assert callers_of(c) == [ca]


def test_split_is_honoured_by_full_rebuild(coordinator):
    # Two people on one (unlisted) number: the number says one caller, the coordinator says two.
    his = [add_contact("07700 900902", name="Sam Cole") for _ in range(3)]
    hers = [add_contact("07700 900902", name="Sam Cole") for _ in range(2)]
    resolve_full()
    assert len(set(callers_of(*his, *hers))) == 1
    original = callers_of(his[0])[0]
    new = split_contacts([c.pk for c in hers], coordinator, "two people called Sam Cole")
    assert set(callers_of(*hers)) == {new.pk}
    assert set(callers_of(*his)) == {original}
    for _ in range(2):
        resolve_full()
        assert set(callers_of(*his)) == {original}  # the majority caller keeps its id
        assert set(callers_of(*hers)) == {new.pk}


def test_not_same_override_blocks_linkage(coordinator):
    a = add_contact("07700 900903", name="Nina Ford", address="2 Bridge Street", postcode="CB2 1AA")
    b = add_contact("01632 960903", name="Nina Ford", address="2 Bridge St", postcode="CB2 1AA")
    resolve_full()
    assert callers_of(a) == callers_of(b)
    LinkOverride.objects.create(kind="not_same", contact_a=a, contact_b=b, decided_by=coordinator)
    resolve_full()
    assert callers_of(a) != callers_of(b)


def test_merge_then_split_latest_decision_wins(coordinator):
    a = add_contact("07700 900904", name="Ian Pike")
    b = add_contact("01632 960904", name="Ivan Pike")
    resolve_full()
    ca, cb = callers_of(a, b)
    merge_callers(ca, cb, coordinator, "same")
    split_contacts([b.pk], coordinator, "different after all")
    resolve_full()
    assert callers_of(a) != callers_of(b)
