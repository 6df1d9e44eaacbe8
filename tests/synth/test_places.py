"""People live in Cambridgeshire: every postcode falls in a configured CSU area."""
from collections import Counter

from engage.identity.areas import area_for_postcode


def test_every_postcode_is_in_a_configured_area(force):
    areas = Counter()
    for person in force.rows("people"):
        area = area_for_postcode(person["postcode"])
        assert area, person["postcode"]
        areas[area] += 1
    # All six areas appear, the cities (Cambridge, Peterborough) the largest.
    assert len(areas) == 6
    assert {a for a, _ in areas.most_common(2)} == {"CAM", "PET"}


def test_written_postcodes_still_resolve(force):
    """Missing, unspaced or lower-case postcodes on incidents still name an area when present."""
    written = [r["caller_postcode"] for r, _ in force.clean("cc") if r["caller_postcode"]]
    assert any(" " not in pc for pc in written) and any(pc != pc.upper() for pc in written)
    assert sum(bool(area_for_postcode(pc)) for pc in written) / len(written) > 0.99
