"""Areas from postcode districts: longest prefix wins; a district never claims its neighbour."""
from engage.identity.areas import area_for_postcode, areas


def test_default_areas():
    assert {a["code"] for a in areas()} >= {"CAM", "SCA", "PET"}
    assert area_for_postcode("CB1 2AB") == "CAM"
    assert area_for_postcode("cb21 4aa") == "SCA"  # CB21 is South Cambs, not CB2 (Cambridge)
    assert area_for_postcode("CB2 1AA") == "CAM"
    assert area_for_postcode("PE13 1AA") == "FEN"
    assert area_for_postcode("PE1 1AA") == "PET"
    assert area_for_postcode("SW1A 1AA") == ""
    assert area_for_postcode("") == ""


def test_sector_and_area_prefixes(force_config):
    from engage.identity import areas as mod

    force_config('[[areas]]\ncode = "X"\nname = "X"\npostcode_prefixes = ["ZZ"]\n'
                 '[[areas]]\ncode = "Y"\nname = "Y"\npostcode_prefixes = ["ZZ1 2"]\n')
    mod.clear_cache()
    try:
        assert area_for_postcode("ZZ1 2AB") == "Y"  # the sector is the longer prefix
        assert area_for_postcode("ZZ1 3AB") == "X"
        assert area_for_postcode("ZZ10 1AB") == "X"
    finally:
        mod.clear_cache()
