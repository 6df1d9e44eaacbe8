"""The whole workflow in a real browser (Debian's Chromium via Playwright), one screenshot per screen.

coordinator: review queue -> open case -> triage, guidance, referral -> request block;
CSU officer of the area: accepts the referral;
inspector: authorises the block; handler: types the number on /flags/handler/ and sees
the flag and guidance; a CSU officer of another area is refused the case.
"""
from pathlib import Path

import pytest

from engage.cases.models import CallBlock, Case
from tests.web.factories import PASSWORD, make_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page


def _give_purpose(page, purpose: str = "Managing the case (triage, referral, interventions)") -> None:
    assert page.locator("h1").inner_text() == "Why are you viewing this record?"
    page.check(f"input[value='{purpose}']")
    page.click("text=Open the record")


def test_coordinator_to_handler_workflow(live_server, browser):
    world = make_world()
    base = live_server.url
    episode = world.episode
    number = episode.caller.primary_number

    # Coordinator: dashboard with the new-episode count, review queue, open a case.
    context, page = _sign_in(browser, base, "coordinator")
    assert page.locator("#new-episode-count").inner_text() == "1"
    _shot(page, "01-dashboard-coordinator")
    page.click("nav >> text=Review queue")
    row = page.locator(f"#episode-{episode.pk}")
    assert "Carol Example" in row.inner_text()
    _shot(page, "02-review-queue")
    row.locator("text=Open case").click()
    _give_purpose(page)
    case = Case.objects.get(episodes=episode)
    assert page.url == f"{base}/cases/{case.pk}/"

    page.select_option("#id_triage", "vulnerable")
    page.fill("#id_reason", "Lonely; calls at night when anxious")
    page.click("text=Record decision")
    assert "Vulnerable repeat caller" in page.locator("#triage-decision").inner_text()
    page.fill("#id_guidance", "Be patient. Check welfare, then offer the CSU's number.")
    page.click("text=Save guidance")
    page.click("text=Refer to CSU")
    assert page.locator("#case-status").inner_text() == "Referred"
    page.click("summary:has-text('Request a call block')")
    assert page.input_value("#id_target") == number
    page.fill("#id_rationale", "Calls tie up the 999 line at night")
    page.click("text=Request block")
    assert "waits for an inspector" in page.inner_text(".messages")
    _shot(page, "03-case")

    page.goto(f"{base}/callers/{episode.caller_id}/")
    _give_purpose(page)
    page.wait_for_selector("#chart-heatmap .main-svg")  # Plotly drew it, from the local bundle
    _shot(page, "04-caller-profile")
    page.goto(f"{base}/meetings/")
    _shot(page, "05-meetings")
    context.close()

    # Inspector authorises the block.
    context, page = _sign_in(browser, base, "inspector")
    page.click("nav >> text=Call blocks")
    block = CallBlock.objects.get(case=case)
    _shot(page, "06-blocks-queue")
    page.locator(f"#block-{block.pk}").locator("text=Record decision").click()
    assert "authorised" in page.inner_text(".messages")
    block.refresh_from_db()
    assert block.status == CallBlock.Status.AUTHORISED
    _shot(page, "07-blocks-authorised")
    context.close()

    # Handler types the number and sees the flag, guidance and block.
    context, page = _sign_in(browser, base, "handler")
    page.goto(f"{base}/flags/handler/")
    page.fill("#number", "07700 900003")
    page.press("#number", "Enter")
    page.wait_for_selector("[data-flag]")
    assert page.get_attribute("[data-flag]", "data-flag") == "flagged"
    assert "Check welfare" in page.inner_text("#guidance")
    assert "ACTIVE" in page.inner_text("#block")
    _shot(page, "08-handler-flag")
    context.close()

    # CSU officer of the case's area sees it; one of another area is refused.
    context, page = _sign_in(browser, base, "csu_cam")
    page.click("nav >> text=My caseload")
    assert f"Case {case.pk}" in page.inner_text("main")
    assert "new referral: accept" in page.inner_text("main")
    _shot(page, "09-csu-caseload")
    page.click(f"text=Case {case.pk}")
    _give_purpose(page, "Safeguarding / THRIVE risk review")
    page.click("text=Accept referral")
    assert "accepted into your caseload" in page.inner_text(".messages")
    _shot(page, "09b-csu-case-accepted")
    context.close()
    context, page = _sign_in(browser, base, "csu_pet")
    response = page.goto(f"{base}/cases/{case.pk}/")
    assert response.status == 404
    _shot(page, "10-csu-other-area-refused")
    response = page.goto(f"{base}/blocks/")
    assert response.status == 403
    context.close()

    # The administrator sees who looked at what, and why.
    context, page = _sign_in(browser, base, "admin")
    page.goto(f"{base}/audit/?object_type=case")
    assert "Managing the case" in page.inner_text("main")
    _shot(page, "11-audit-log")
    context.close()


def test_login_page_and_lockout(live_server, browser):
    make_world()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/review/")
    assert "/login/" in page.url
    _shot(page, "00-login")
    for _ in range(5):
        page.fill("#id_username", "coordinator")
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit]")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    assert "Too many failed sign-ins" in page.inner_text("main")
    context.close()
