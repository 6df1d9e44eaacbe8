"""Login throttling: 5 failures per user name + IP in 15 minutes lock that pair out."""
from datetime import timedelta

import pytest
from django.utils import timezone

from engage.accounts.models import AuditEvent, LoginFailure, Role
from tests.web.factories import PASSWORD, make_user


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def coordinator(db):
    return make_user("coord", Role.COORDINATOR)


@pytest.mark.postgres
def test_right_password_signs_in(client, coordinator):
    response = _login(client, "coord", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="login", object_id=str(coordinator.pk)).exists()


@pytest.mark.postgres
def test_five_failures_lock_out_even_the_right_password(client, coordinator):
    for _ in range(5):
        assert _login(client, "coord", "wrong-password").status_code == 200
    response = _login(client, "coord", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").count() == 5
    assert AuditEvent.objects.filter(action="login_locked").count() == 1


@pytest.mark.postgres
def test_four_failures_do_not_lock(client, coordinator):
    for _ in range(4):
        _login(client, "coord", "wrong-password")
    assert _login(client, "coord", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="coord").exists()  # success clears


@pytest.mark.postgres
def test_lock_is_per_ip_and_expires(client, coordinator):
    for _ in range(5):
        _login(client, "coord", "wrong-password", ip="10.0.0.1")
    assert _login(client, "coord", PASSWORD, ip="10.0.0.2").status_code == 302  # other IP unaffected
    client.logout()
    assert _login(client, "coord", PASSWORD, ip="10.0.0.1").status_code == 429
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert _login(client, "coord", PASSWORD, ip="10.0.0.1").status_code == 302


@pytest.mark.postgres
def test_login_form_needs_csrf(coordinator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/login/", {"username": "coord", "password": PASSWORD}).status_code == 403
    page = strict.get("/login/")
    token = page.cookies["csrftoken"].value
    assert strict.post("/login/", {"username": "coord", "password": PASSWORD, "csrfmiddlewaretoken": token}).status_code == 302


def test_passwords_are_hashed(coordinator):
    coordinator.refresh_from_db()
    assert PASSWORD not in coordinator.password
    assert coordinator.check_password(PASSWORD)


def test_session_settings_are_safe(settings):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_trusted_proxy_address(rf, monkeypatch):
    from engage.accounts.audit import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.1.1.1", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "127.0.0.1"  # not trusted by default: the header can be forged
    monkeypatch.setenv("ENGAGE_TRUSTED_PROXY", "1")
    assert client_ip(request) == "10.1.1.1"  # the hop our own proxy appended
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip")) is None
