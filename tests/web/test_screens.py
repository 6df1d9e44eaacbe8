"""Each screen renders the right data for the right role (Django test client)."""
import csv
import io

import pytest

from engage.accounts.models import Role
from engage.cases import services


def _open(client, object_type, pk, url):
    client.post("/purpose/", {"object_type": object_type, "object_id": pk, "next": url, "purpose": "Managing the case (triage, referral, interventions)"})
    return client.get(url)


@pytest.mark.postgres
def test_nav_shows_new_episode_count_to_coordinators_only(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    body = client.get("/").content.decode()
    assert 'id="new-episode-count"' in body
    count = body.split('id="new-episode-count"')[1].split(">")[1].split("<")[0]
    assert count == "1"  # world.episode; the other two were turned into cases
    client.force_login(world.users[Role.INSPECTOR])
    assert 'id="new-episode-count"' not in client.get("/").content.decode()


def test_context_processor(rf, world):
    from engage.web.context_processors import engage

    request = rf.get("/")
    request.user = world.users[Role.COORDINATOR]
    assert engage(request)["new_episode_count"] == 1
    request.user = world.users[Role.ANALYST]
    assert engage(request)["new_episode_count"] is None


@pytest.mark.postgres
def test_review_queue_oldest_first_with_suggestion(client, world, monkeypatch):
    from engage.web.views import review
    from tests.web.factories import make_caller, make_episode

    class Suggestion:
        def __init__(self, kind):
            self.kind, self.scores, self.evidence = kind, {}, [f"evidence for {kind}"]

    monkeypatch.setattr(review, "suggestion_for", lambda caller_id: Suggestion("vulnerable"))
    later = make_episode(make_caller("Zed Later", "+447700900077", "CB1 1AA", "CAM"))
    client.force_login(world.users[Role.COORDINATOR])
    body = client.get("/review/").content.decode()
    assert body.index(f'id="episode-{world.episode.pk}"') < body.index(f'id="episode-{later.pk}"')
    assert "evidence for vulnerable" in body
    response = client.post(f"/review/{world.episode.pk}/open/", {"reason": "queue"})
    case_url = response["Location"]
    assert case_url.startswith("/cases/")
    assert f'id="episode-{world.episode.pk}"' not in client.get("/review/").content.decode()


@pytest.mark.postgres
def test_caller_profile_has_offline_charts_and_timeline(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    body = _open(client, "caller", world.cam_caller.pk, f"/callers/{world.cam_caller.pk}/").content.decode()
    for div in ("chart-heatmap", "chart-weekly", "chart-subjects"):
        assert f'id="{div}"' in body
    assert '<script src="/assets/plotly.js">' in body
    assert "cdn" not in body.lower()
    assert body.count('name="contact_ids"') == 6  # split checkboxes, one per contact
    assert "+447700900001" in body and "Concern for welfare" in body
    assert "/merge/" in body


def test_plotly_bundle_is_served_locally(client, db):
    response = client.get("/assets/plotly.js")
    assert response.status_code == 200 and response["Content-Type"] == "application/javascript"
    assert b"plotly" in response.content[:2000].lower() and len(response.content) > 1_000_000
    assert client.get("/assets/plotly.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.postgres
def test_case_page_workflow(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    pk = world.cam_case.pk
    client.post(f"/cases/{pk}/triage/", {"triage": "vulnerable", "reason": "lonely"})
    client.post(f"/cases/{pk}/guidance/", {"guidance": "Listen, then offer the CSU's number."})
    client.post(f"/cases/{pk}/refer/", {"area_code": "", "note": "please visit"})
    client.post(f"/cases/{pk}/interventions/", {"kind": "gp", "started_on": "2026-11-10", "outcome": "GP aware"})
    client.post(f"/cases/{pk}/risk/", {h: f"{h} noted" for h in services.THRIVE} | {"risk_level": "medium", "next_review_on": "2099-01-01"})
    body = _open(client, "case", pk, f"/cases/{pk}/").content.decode()
    for text in ("Vulnerable repeat caller", "Listen, then offer the CSU", "to CAM CSU", "GP liaison", "GP aware",
                 "vulnerability noted", "next review 1 Jan 2099", "Referred"):
        assert text in body, text


@pytest.mark.postgres
def test_business_errors_become_messages(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    response = client.post(f"/cases/{world.cam_case.pk}/status/", {"status": "closed", "note": ""}, follow=True)
    assert "Say why the case is closed." in response.content.decode()
    world.cam_case.refresh_from_db()
    assert world.cam_case.status != "closed"


@pytest.mark.postgres
def test_meetings_page_csv_and_pdf(client, world):
    client.force_login(world.users[Role.ANALYST])
    page = client.get("/meetings/").content.decode()
    assert "New episodes (1)" in page and "Cases due review (2)" in page
    rows = list(csv.reader(io.StringIO(client.get("/meetings/", {"format": "csv"}).content.decode())))
    assert rows[0] == ["section", "reference", "subject", "detail", "date"]
    sections = [r[0] for r in rows[1:]]
    assert sections.count("new episode") == 1 and sections.count("case due review") == 2
    assert sections.count("block awaiting decision") == 1
    pdf = client.get("/meetings/", {"format": "pdf", "kind": "monthly"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    import pypdfium2

    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Monthly performance meeting" in text and "Carol Example" in text


@pytest.mark.postgres
@pytest.mark.parametrize("role", list(Role.values))
def test_dashboard_for_every_role(client, world, role):
    client.force_login(world.users[role])
    response = client.get("/")
    assert response.status_code == 200
    assert "Dashboard" in response.content.decode()


def test_login_page_and_static_css(client, db):
    body = client.get("/login/").content.decode()
    assert "csrfmiddlewaretoken" in body and 'autocomplete="current-password"' in body
    assert client.get("/static/web/engage.css").status_code == 200


@pytest.mark.postgres
def test_caller_page_shows_block_only_when_authorised(client, world):
    client.force_login(world.users[Role.COORDINATOR])
    url = f"/callers/{world.cam_caller.pk}/"
    assert "Call block in force" not in _open(client, "caller", world.cam_caller.pk, url).content.decode()
    services.decide_block(world.block, world.users[Role.INSPECTOR], authorise=True, note="agreed")
    body = client.get(url).content.decode()
    assert "Call block in force on telephone number +447700900001 until" in body


@pytest.mark.postgres
def test_review_queue_pages(client, world, monkeypatch):
    from engage.web.views import review
    from tests.web.factories import make_caller, make_episode

    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    extra = [make_episode(make_caller(f"P{i}", f"+4477009002{i:02d}", "CB1 1AA", "CAM", contacts=2)) for i in range(3)]
    client.force_login(world.users[Role.COORDINATOR])
    first, second = client.get("/review/").content.decode(), client.get("/review/?page=2").content.decode()
    assert f'id="episode-{world.episode.pk}"' in first and f'id="episode-{extra[0].pk}"' in first
    assert f'id="episode-{extra[1].pk}"' in second and "Page 2 of 2" in second
