"""What makes a number flagged, and what doesn't (docs/flags.md)."""
import pytest

from engage.flags.lookup import lookup_number
from tests.flags import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_live_case_with_guidance_is_flagged_with_everything_the_handler_needs():
    caller = f.caller_with_contacts(hours_ago=[1, 5, 30, 100, 200])
    case = f.case_for(caller, status="referred", guidance="Known to MH team; do not deploy unless threat.")
    flag = lookup_number("07700 900123")
    assert flag.flagged and flag.reasons == ("case",)
    assert (flag.caller_id, flag.case_id, flag.case_status) == (caller.pk, case.pk, "referred")
    assert flag.guidance.startswith("Known to MH team") and flag.risk_level == "high"
    assert (flag.contacts_24h, flag.contacts_7d) == (2, 4)  # 200 h ago is outside 7 days
    assert flag.block is None and not flag.blocked


@pytest.mark.postgres
def test_unknown_number_is_not_flagged():
    f.caller_with_contacts()  # someone else
    flag = lookup_number("01632 960999")
    assert flag.phone_status == "present" and flag.e164 == "+441632960999"
    assert not flag.flagged and flag.caller_id is None and flag.contacts_7d == 0


def test_closed_case_or_case_without_guidance_does_not_flag():
    caller = f.caller_with_contacts()
    f.case_for(caller, status="closed")
    assert not lookup_number(f.NUMBER).flagged
    f.case_for(caller, status="open", guidance="   ")
    flag = lookup_number(f.NUMBER)
    assert not flag.flagged and flag.case_status == "open"  # the case is shown, but no flag without guidance


def test_active_episode_flags_but_dismissed_or_stale_does_not():
    caller = f.caller_with_contacts()
    f.episode_for(caller, status="dismissed")
    f.episode_for(caller, status="new", days_ago=60)
    assert not lookup_number(f.NUMBER).flagged
    episode = f.episode_for(caller, status="new", days_ago=1)
    flag = lookup_number(f.NUMBER)
    assert flag.flagged and flag.reasons == ("episode",) and flag.episode_id == episode.pk


@pytest.mark.postgres
def test_only_an_authorised_unexpired_block_counts():
    caller = f.caller_with_contacts()
    case = f.case_for(caller, guidance="")
    f.block_for(case, status="requested")
    f.block_for(case, status="authorised", expires_in_days=-1)
    assert not lookup_number(f.NUMBER).flagged
    block = f.block_for(case, status="authorised", expires_in_days=10)
    flag = lookup_number(f.NUMBER)
    assert flag.flagged and flag.reasons == ("block",) and flag.block.id == block.pk


def test_block_on_the_number_flags_even_an_unresolved_number():
    other = f.case_for(f.caller_with_contacts(number="+447700900555"), guidance="")
    f.block_for(other, target="+447700900777")
    flag = lookup_number("07700 900777")
    assert flag.flagged and flag.caller_id is None and flag.block.target == "+447700900777"


def test_block_on_the_callers_address_matches_loosely():
    caller = f.caller_with_contacts(address="1 High Street, Cambridge")
    someone = f.case_for(f.caller_with_contacts(number="+447700900555"), guidance="")
    f.block_for(someone, target_kind="address", target="1  HIGH STREET CAMBRIDGE")
    flag = lookup_number(f.NUMBER)
    assert flag.caller_id == caller.pk and flag.blocked and flag.block.target_kind == "address"


def test_shared_number_is_nobody_on_its_own():
    from engage.identity.models import SharedNumber

    caller = f.caller_with_contacts()
    f.case_for(caller)
    SharedNumber.objects.create(e164=f.NUMBER, label="Meadow View care home")
    flag = lookup_number(f.NUMBER)
    assert not flag.flagged and flag.caller_id is None and flag.shared_number == "Meadow View care home"
    assert flag.contacts_7d == 3  # the number's own contacts are still shown


def test_latest_caller_on_the_number_wins():
    f.caller_with_contacts(hours_ago=[50], name="Old Owner")
    newer = f.caller_with_contacts(hours_ago=[2], name="New Owner")
    assert lookup_number(f.NUMBER).caller_id == newer.pk


def test_counts_agree_with_detections_definition():
    counts = pytest.importorskip("engage.detection.counts")
    from django.utils import timezone

    caller = f.caller_with_contacts(hours_ago=[0.5, 23.9, 24.1, 100, 167.9, 168.1, 300])
    now = timezone.now()
    flag = lookup_number(f.NUMBER, now=now)
    assert {"24h": flag.contacts_24h, "7d": flag.contacts_7d} == counts.recent_contacts(caller.pk, now) == {"24h": 2, "7d": 5}


@pytest.mark.postgres
def test_a_merge_never_drops_the_flag():
    """identity.merge_callers moves contacts to the kept caller, not cases: the flag follows."""
    from engage.identity.models import Caller
    from engage.contacts.models import Contact

    old = f.caller_with_contacts(number="+447700900555", name="A. Example")
    case = f.case_for(old, guidance="Known to mental health team.")
    f.block_for(case, target="+447700900555")
    keep = f.caller_with_contacts(number=f.NUMBER, name="Ann Example")
    Contact.objects.filter(caller=old).update(caller=keep)
    Caller.objects.filter(pk=old.pk).update(merged_into=keep)
    for number in (f.NUMBER, "07700 900555"):
        flag = lookup_number(number)
        assert flag.caller_id == keep.pk and flag.case_id == case.pk and flag.reasons == ("case", "block"), number
