"""Any common format finds the same caller; non-numbers are states, not errors."""
import pytest

from engage.flags.lookup import lookup_number
from tests.flags import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["07700 900123", "+44 7700 900123", "00447700900123", "447700900123", "(07700) 900-123"])
def test_formats_find_the_same_flagged_caller(raw):
    caller = f.caller_with_contacts()
    f.case_for(caller)
    flag = lookup_number(raw)
    assert flag.e164 == f.NUMBER and flag.caller_id == caller.pk and flag.flagged
    assert flag.number == raw


@pytest.mark.parametrize(
    "raw,status", [("withheld", "withheld"), ("Private", "withheld"), ("", "unavailable"), ("999", "unavailable"),
                   ("12", "invalid"), ("not a number", "invalid")]
)
def test_non_numbers_are_not_flagged_and_say_why(raw, status):
    f.case_for(f.caller_with_contacts())
    flag = lookup_number(raw)
    assert (flag.phone_status, flag.flagged, flag.caller_id, flag.e164) == (status, False, None, "")
