"""Case management through engage.cases.services: triage, referral, interventions, THRIVE, status."""
from datetime import date, timedelta

import pytest

from engage.accounts.models import Role
from engage.cases import services
from engage.cases.models import Case, EpisodeDecision, StatusChange
from engage.detection.models import Episode
from tests.web.factories import make_caller, make_episode


@pytest.mark.postgres
def test_open_case_marks_episode_reviewed_and_sets_area(world):
    coordinator = world.users[Role.COORDINATOR]
    case = services.open_case(world.episode, coordinator, reason="from queue")
    world.episode.refresh_from_db()
    assert world.episode.status == Episode.Status.REVIEWED
    assert case.area_code == "CAM" and case.status == Case.Status.OPEN
    assert EpisodeDecision.objects.get(episode=world.episode).decision == "case"
    # A second episode for the same caller joins the live case instead of opening another.
    again = services.open_case(make_episode(world.episode.caller), coordinator)
    assert again.pk == case.pk and case.episodes.count() == 2


@pytest.mark.postgres
def test_area_comes_from_postcode_when_identity_has_none(world):
    caller = make_caller("Dee Example", "+447700900009", "PE13 1AA", "")
    case = services.open_case(caller=caller, user=world.users[Role.COORDINATOR])
    assert case.area_code == "FEN"


@pytest.mark.postgres
def test_human_triage_decision_wins_over_suggestion(world, monkeypatch):
    from engage.web.views import review

    class Suggestion:
        kind, scores, evidence = "nuisance", {"nuisance": 0.9}, ["many hang-ups"]

    monkeypatch.setattr(review, "suggestion_for", lambda caller_id: Suggestion())
    services.decide_triage(world.cam_case, "vulnerable", "lonely, calls at night", world.users[Role.COORDINATOR])
    world.cam_case.refresh_from_db()
    assert world.cam_case.triage == "vulnerable"
    with pytest.raises(services.CaseError):
        services.decide_triage(world.cam_case, "vulnerable", "   ", world.users[Role.COORDINATOR])


@pytest.mark.postgres
def test_human_decision_shown_over_suggestion_on_page(client, world, monkeypatch):
    import engage.web.views.cases as case_views

    class Suggestion:
        kind, scores, evidence = "nuisance", {}, ["many hang-ups"]

    monkeypatch.setattr(case_views, "suggestion_for", lambda caller_id: Suggestion())
    client.force_login(world.users[Role.COORDINATOR])
    client.post(f"/cases/{world.cam_case.pk}/triage/", {"triage": "vulnerable", "reason": "lonely"})
    url = f"/cases/{world.cam_case.pk}/"
    client.post("/purpose/", {"object_type": "case", "object_id": world.cam_case.pk, "next": url, "purpose": "x"})
    body = client.get(url).content.decode()
    decision = body.split('id="triage-decision"')[1].split("</dd>")[0]
    assert "Vulnerable repeat caller" in decision
    assert "overridden by the decision" in body


@pytest.mark.postgres
def test_refer_goes_to_callers_area_and_records_history(world):
    referral = services.refer(world.pet_case, world.users[Role.COORDINATOR], "please visit")
    world.pet_case.refresh_from_db()
    assert referral.area_code == "PET"
    assert world.pet_case.status == Case.Status.REFERRED
    history = list(StatusChange.objects.filter(case=world.pet_case).order_by("pk").values_list("from_status", "to_status"))
    assert history == [("", "open"), ("open", "referred")]


@pytest.mark.postgres
def test_refer_without_area_is_refused(world):
    caller = make_caller("No Postcode", "+447700900010", "", "")
    case = services.open_case(caller=caller, user=world.users[Role.COORDINATOR])
    with pytest.raises(services.CaseError, match="No CSU area"):
        services.refer(case, world.users[Role.COORDINATOR])


@pytest.mark.postgres
def test_interventions_and_risk_reviews(world):
    user = world.users[Role.CSU]
    with pytest.raises(services.CaseError):
        services.add_intervention(world.cam_case, user, "visit", date(2026, 11, 10), date(2026, 11, 1))
    services.add_intervention(world.cam_case, user, "aba", date(2026, 11, 10), outcome="signed")
    assert world.cam_case.interventions.get().get_kind_display() == "Acceptable behaviour agreement"
    thrive = {h: "noted" for h in services.THRIVE}
    with pytest.raises(services.CaseError, match="engagement"):
        services.add_risk_review(world.cam_case, user, risk_level="high", next_review_on=date(2099, 1, 1), **(thrive | {"engagement": ""}))
    with pytest.raises(services.CaseError, match="future"):
        services.add_risk_review(world.cam_case, user, risk_level="high", next_review_on=services.today(), **thrive)
    services.add_risk_review(world.cam_case, user, risk_level="high", next_review_on=services.today() + timedelta(days=3), **thrive)
    world.cam_case.refresh_from_db()
    assert world.cam_case.risk_level == "high"


@pytest.mark.postgres
def test_due_reviews(world):
    user = world.users[Role.COORDINATOR]
    thrive = {h: "noted" for h in services.THRIVE}
    services.add_risk_review(world.cam_case, user, risk_level="low", next_review_on=services.today() + timedelta(days=60), **thrive)
    services.add_risk_review(world.pet_case, user, risk_level="low", next_review_on=services.today() + timedelta(days=2), **thrive)
    assert [c.pk for c in services.due_reviews()] == [world.pet_case.pk]
    assert services.due_reviews(areas=["CAM"]) == []
    # A case never reviewed is due at once.
    fresh = services.open_case(world.episode, user)
    assert fresh.pk in [c.pk for c in services.due_reviews()]


@pytest.mark.postgres
def test_close_needs_reason_and_sets_closed_at(world):
    user = world.users[Role.COORDINATOR]
    with pytest.raises(services.CaseError):
        services.change_status(world.cam_case, "closed", user)
    services.change_status(world.cam_case, "closed", user, "calls stopped")
    assert world.cam_case.closed_at is not None
    assert services.current_case(world.cam_caller).pk == world.cam_case.pk  # most recent, even closed


@pytest.mark.postgres
def test_dismiss_needs_reason(world):
    with pytest.raises(services.CaseError):
        services.dismiss_episode(world.episode, world.users[Role.COORDINATOR], "")
    services.dismiss_episode(world.episode, world.users[Role.COORDINATOR], "one-off incident")
    world.episode.refresh_from_db()
    assert world.episode.status == Episode.Status.DISMISSED
    assert world.episode not in services.new_episodes()


@pytest.mark.postgres
def test_area_from_contacts_when_caller_has_no_postcode(world):
    caller = make_caller("Eve Example", "+447700900011", "PE29 0ZP", "")
    caller.postcode = ""
    caller.save()
    assert services.area_for_caller(caller) == "HUN"


def test_due_review_count_matches_list(world):
    assert services.due_review_count() == len(services.due_reviews()) == 2
    assert services.due_review_count(areas=["PET"]) == 1


@pytest.mark.postgres
def test_csu_accepts_referral_once(client, world):
    services.refer(world.cam_case, world.users[Role.COORDINATOR], "please visit")
    client.force_login(world.users[Role.CSU])
    assert "new referral: accept" in client.get("/csu/").content.decode()
    client.post(f"/cases/{world.cam_case.pk}/accept/")
    referral = world.cam_case.referrals.get()
    assert referral.accepted_at is not None
    assert "new referral: accept" not in client.get("/csu/").content.decode()
    with pytest.raises(services.CaseError, match="already accepted"):
        services.accept_referral(world.cam_case, world.users[Role.CSU])
    with pytest.raises(services.CaseError, match="not been referred"):
        services.accept_referral(world.pet_case, world.users[Role.CSU])
