from hypothesis import given, strategies as st

from engage.identity.phones import INVALID, PRESENT, UNAVAILABLE, WITHHELD, normalise


def test_uk_formats_normalise_to_one_e164():
    forms = ["07700 900123", "+44 7700 900123", "(07700) 900-123", "00447700900123", "447700900123"]
    assert {normalise(f).e164 for f in forms} == {"+447700900123"}


def test_drama_landline_is_a_number():
    assert normalise("01632 960001") == ("01632 960001", "+441632960001", PRESENT)


def test_states_are_never_numbers():
    assert normalise("Withheld").status == WITHHELD
    assert normalise("PRIVATE").status == WITHHELD
    assert normalise("").status == UNAVAILABLE
    assert normalise("unavailable").status == UNAVAILABLE
    assert normalise("999").status == UNAVAILABLE
    assert normalise("112").status == UNAVAILABLE
    assert normalise("12").status == INVALID
    assert normalise("abc").status == INVALID
    assert all(normalise(s).e164 == "" for s in ["withheld", "", "999", "abc"])


@given(st.text(max_size=30))
def test_any_text_gives_a_state_not_an_exception(text):
    phone = normalise(text)
    assert phone.status in {PRESENT, WITHHELD, UNAVAILABLE, INVALID}
    assert (phone.status == PRESENT) == bool(phone.e164)
