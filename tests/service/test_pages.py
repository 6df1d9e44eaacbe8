"""Service pages: roles, CSV, callback forms (CSRF, audit)."""
import pytest
from django.test import Client

from engage.accounts.models import AuditEvent
from engage.service.callbacks import create_tasks
from engage.service.models import CallbackTask
from tests.service.factories import at, call, digital, user

pytestmark = pytest.mark.django_db


def login(role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user(role))
    return client


def some_data():
    call(at("2025-03-03 09:15"), wait=2)
    call(at("2025-03-03 10:15"), channel="101", wait=50)
    call(at("2025-03-04 10:15"), wait=3, abandoned=True, number="+447700900099")
    digital(at("2025-03-04 11:00"), channel="webchat")


@pytest.mark.parametrize("role,status", [("analyst", 200), ("coordinator", 200), ("inspector", 200), ("admin", 200),
                                         ("handler", 403), ("csu", 403)])
def test_service_page_roles(role, status):
    some_data()
    response = login(role).get("/service/?month=2025-03")
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Service levels" in body and 'id="levels"' in body
        assert "plotly.js" in body and "cdn" not in body.lower()
        assert "Target 90%" in body  # the target drawn on the charts


def test_anonymous_redirected_to_login():
    assert Client().get("/service/").status_code == 302


def test_volumes_csv():
    some_data()
    response = login("analyst").get("/service/volumes.csv?month=2025-03&months=2")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "month,Calls to 999,Calls to 101,Online crime reports,Web chats,Social media conversations"
    assert lines[-1] == "2025-03,2,1,0,1,0"


def test_bad_month_is_404():
    assert login("analyst").get("/service/?month=2025-13").status_code == 404


def test_charts_load_plotly_from_this_server():
    page = login("analyst").get("/service/").content.decode()
    assert '<script src="/assets/plotly.js">' in page
    assert "cdn" not in page.lower()


def test_callback_worklist_outcome_with_csrf_and_audit():
    some_data()
    create_tasks()
    task = CallbackTask.objects.get()
    client = login("handler")
    page = client.get("/service/callbacks/")
    assert page.status_code == 200 and "+447700900099" in page.content.decode()
    assert AuditEvent.objects.filter(object_type="callback_worklist").exists()
    # Without the CSRF token the post is refused.
    assert client.post(f"/service/callbacks/{task.pk}/outcome/", {"outcome": "safe_misdial"}).status_code == 403
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    response = client.post(f"/service/callbacks/{task.pk}/outcome/", {"outcome": "safe_misdial", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.outcome == "safe_misdial" and task.status == "done" and task.completed_at is not None
    assert AuditEvent.objects.filter(object_type="callback_task", object_id=str(task.pk), action="change").exists()


def test_analyst_cannot_use_callback_worklist():
    assert login("analyst").get("/service/callbacks/").status_code == 403
