"""The handler's incoming-call page: who may use it, what it shows, every lookup audited."""
import pytest
from django.contrib.auth import get_user_model

from engage.accounts.models import AuditEvent, Profile
from tests.flags import factories as f

pytestmark = pytest.mark.django_db
URL = "/flags/handler/"


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


def login(client, role: str):
    user = get_user_model().objects.create_user(f"{role}1", password="correct horse battery")
    Profile.objects.create(user=user, role=role, area_codes=["CAM"])
    client.force_login(user)
    return user


@pytest.mark.postgres
def test_handler_sees_flag_guidance_risk_block_and_counts(client):
    caller = f.caller_with_contacts(hours_ago=[1, 3, 30])
    case = f.case_for(caller, guidance="Speak slowly; caller is hard of hearing.")
    f.block_for(case)
    user = login(client, "handler")
    r = client.get(URL, {"number": "07700 900123"})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-flag="flagged"' in html and "risk HIGH" in html
    assert "Speak slowly; caller is hard of hearing." in html
    assert "ACTIVE on number +447700900123" in html
    assert '<dd id="contacts-7d">3</dd>' in html and '<dd id="contacts-24h">2</dd>' in html
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.object_id) == (user, "lookup", "+447700900123")
    assert event.purpose == f"incoming call (handler screen); caller {caller.pk}"


def test_unflagged_and_withheld_numbers(client):
    login(client, "coordinator")
    assert 'data-flag="clear"' in client.get(URL, {"number": "01632 960001"}).content.decode()
    html = client.get(URL, {"number": "withheld"}).content.decode()
    assert 'data-flag="none"' in html and "withheld" in html
    assert AuditEvent.objects.count() == 2


def test_empty_form_is_not_a_lookup(client):
    login(client, "inspector")
    r = client.get(URL)
    assert r.status_code == 200 and 'name="number"' in r.content.decode()
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("role", ["csu", "analyst"])
def test_other_roles_are_refused(client, role):
    login(client, role)
    assert client.get(URL, {"number": "07700 900123"}).status_code == 403
    assert AuditEvent.objects.count() == 0


def test_anonymous_goes_to_login(client):
    r = client.get(URL, {"number": "07700 900123"})
    assert r.status_code == 302 and r["Location"].startswith("/login/")
