from hypothesis import given, settings, strategies as st

from engage.identity.phones import INVALID, PRESENT, UNAVAILABLE, WITHHELD, normalise, parse


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


_SPACES = st.lists(st.sampled_from(["", "", " ", "  "]), min_size=14, max_size=14)


@st.composite
def uk_written(draw):
    """UK numbers as systems record them: 0 / +44 / 0044 / 44, 6-12 digits, spaces anywhere."""
    prefix = draw(st.sampled_from(["0", "+44", "+44 ", "0044", "44", "+440", "00", "+", ""]))
    digits = draw(st.text("0123456789", min_size=6, max_size=12))
    spaces = draw(_SPACES)
    body = "".join(d + s for d, s in zip(digits, spaces))
    return draw(st.sampled_from(["", " "])) + prefix + body + draw(st.sampled_from(["", " ", "x", "-1"]))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(uk_written(), st.text(max_size=20), st.sampled_from(["+441800201234", "01800201234", "0180020123"])))
def test_the_fast_path_for_common_uk_forms_equals_phonenumbers(text):
    assert normalise(text) == parse(text.strip())
