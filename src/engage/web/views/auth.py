"""Sign in (throttled), sign out, the purpose-of-access form, the offline Plotly bundle."""
from __future__ import annotations

import functools
import hashlib

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from engage.accounts import audit, throttle
from engage.web import purpose


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    status, locked = 200, ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        ip = audit.client_ip(request)
        if throttle.is_locked(username, ip):
            form = AuthenticationForm(request)
            locked = "Too many failed sign-ins. Wait 15 minutes or ask an administrator."
            audit.record(request, "login_locked", "user", username[:64])
            status = 429
        elif form.is_valid():
            throttle.clear(username, ip)
            login(request, form.get_user())
            audit.record(request, "login", "user", form.get_user().pk)
            return redirect(_safe_next(request, request.POST.get("next") or request.GET.get("next", "")))
        else:
            throttle.record_failure(username, ip)
            audit.record(request, "login_failed", "user", username[:64])
    return render(request, "web/login.html", {"form": form, "locked": locked, "next": request.GET.get("next", "")}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request, "logout", "user", request.user.pk)
    logout(request)  # also flushes remembered purposes
    messages.info(request, "You have signed out.")
    return redirect("/login/")


@login_required
@require_POST
def purpose_view(request: HttpRequest) -> HttpResponse:
    """Store the purpose the user gave for a record, then go back to it."""
    chosen = request.POST.get("purpose", "")
    text = request.POST.get("other", "").strip() if chosen == "other" else chosen
    nxt = _safe_next(request, request.POST.get("next", ""))
    if not text:
        messages.error(request, "Give a purpose to open the record.")
        return redirect(nxt)
    purpose.remember(request, request.POST.get("object_type", "")[:32], request.POST.get("object_id", "")[:64], text)
    return redirect(nxt)


@functools.cache
def _plotly_bundle() -> tuple[bytes, str]:
    from plotly.offline import get_plotlyjs

    body = get_plotlyjs().encode()
    return body, hashlib.sha256(body).hexdigest()[:16]


def plotly_js(request: HttpRequest) -> HttpResponse:
    """Plotly's JS from the installed package: charts work with no network at all."""
    body, etag = _plotly_bundle()
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    response = HttpResponse(body, content_type="application/javascript")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response
