"""A CSU officer of one area cannot reach, by any URL, a case or caller of another area."""
import pytest

from engage.accounts.models import Role

CASE_URLS = [
    ("get", "/cases/{case}/", {}),
    ("post", "/cases/{case}/accept/", {}),
    ("post", "/cases/{case}/interventions/", {"kind": "visit", "started_on": "2026-11-10"}),
    ("post", "/cases/{case}/risk/", {h: "x" for h in ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")} | {"risk_level": "low", "next_review_on": "2099-01-01"}),
    ("post", "/cases/{case}/guidance/", {"guidance": "x"}),
    ("post", "/cases/{case}/status/", {"status": "monitoring"}),
]
CALLER_URLS = [("get", "/callers/{caller}/", {})]


def _fmt(url, case, caller):
    return url.format(case=case.pk, caller=caller.pk)


@pytest.mark.postgres
@pytest.mark.parametrize("method,url,data", CASE_URLS + CALLER_URLS)
def test_other_area_is_not_found(client, world, method, url, data):
    client.force_login(world.users["csu_pet"])  # PET officer; the CAM records are out of area
    response = getattr(client, method)(_fmt(url, world.cam_case, world.cam_caller), data)
    assert response.status_code == 404


@pytest.mark.postgres
@pytest.mark.parametrize("method,url,data", CASE_URLS + CALLER_URLS)
def test_own_area_is_reachable(client, world, method, url, data):
    client.force_login(world.users["csu_pet"])
    response = getattr(client, method)(_fmt(url, world.pet_case, world.pet_caller), data)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert not response["Location"].startswith("/login/")


@pytest.mark.postgres
def test_no_change_leaks_through(client, world):
    client.force_login(world.users["csu_pet"])
    client.post(f"/cases/{world.cam_case.pk}/guidance/", {"guidance": "leaked"})
    world.cam_case.refresh_from_db()
    assert world.cam_case.guidance == ""


@pytest.mark.postgres
def test_caseload_lists_only_own_areas(client, world):
    client.force_login(world.users[Role.CSU])  # CAM
    body = client.get("/csu/").content.decode()
    assert f"/cases/{world.cam_case.pk}/" in body
    assert f"/cases/{world.pet_case.pk}/" not in body
    assert "Bob Example" not in body


@pytest.mark.postgres
def test_referral_to_another_area_moves_the_case(client, world):
    """After referral to PET, the CAM officer loses the case and the PET officer gains it."""
    client.force_login(world.users[Role.COORDINATOR])
    client.post(f"/cases/{world.cam_case.pk}/refer/", {"area_code": "PET", "note": "moved house"})
    client.force_login(world.users[Role.CSU])
    assert client.get(f"/cases/{world.cam_case.pk}/").status_code == 404
    client.force_login(world.users["csu_pet"])
    assert client.get(f"/cases/{world.cam_case.pk}/").status_code == 200
