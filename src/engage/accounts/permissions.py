"""Who may do what. The full table is docs/security.md; tests check every cell.

PERMISSIONS is the single source of truth: views are decorated with
`permission_required(<action>)`, the docs table mirrors it, and
tests/accounts/test_permission_table.py walks every (action, role) cell.
CSU officers are further limited to their own areas (`area_allowed`).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from engage.accounts.models import Role

H, CO, IN, CSU, AN, AD = Role.HANDLER, Role.COORDINATOR, Role.INSPECTOR, Role.CSU, Role.ANALYST, Role.ADMIN

# action -> (what it is, roles allowed). Keep in step with docs/security.md.
PERMISSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dashboard": ("Dashboard `/`", (H, CO, IN, CSU, AN, AD)),
    "review.view": ("Review queue `/review/`", (CO, IN, AN)),
    "review.decide": ("Open a case from / dismiss an episode", (CO,)),
    "caller.view": ("Caller profile `/callers/<id>/` (CSU: own areas)", (CO, IN, CSU)),
    "caller.export": ("Caller's contact list as CSV", (CO, IN)),
    "caller.merge": ("Merge callers / split contacts", (CO,)),
    "case.view": ("Case `/cases/<id>/` (CSU: own areas)", (CO, IN, CSU)),
    "case.triage": ("Record the triage decision", (CO,)),
    "case.refer": ("Refer a case to a CSU", (CO,)),
    "case.accept": ("Accept a referral (CSU: own areas)", (CSU,)),
    "case.intervention": ("Log an intervention", (CO, CSU)),
    "case.risk_review": ("Record a THRIVE risk review", (CO, IN, CSU)),
    "case.guidance": ("Set handling guidance", (CO, CSU)),
    "case.status": ("Change a case's status", (CO, CSU)),
    "block.view": ("Call blocks `/blocks/`", (CO, IN)),
    "block.request": ("Request a call block", (CO,)),
    "block.decide": ("Authorise / refuse / renew / lift a block", (IN,)),
    "csu.caseload": ("CSU caseload `/csu/`", (CSU,)),
    "meetings.view": ("Meeting agenda `/meetings/` (page, CSV, PDF)", (CO, IN, AN)),
    "audit.view": ("Audit log `/audit/` (search, CSV export)", (AD,)),
    "flags.handler": ("Incoming-call screen `/flags/handler/`", (H, CO, IN, AD)),
    "service.view": ("Service levels `/service/` and volumes CSV", (CO, IN, AN, AD)),
    "service.callbacks": ("Abandoned-999 callback worklist `/service/callbacks/`", (H, CO, IN, AD)),
    "impact.view": ("Impact, monthly report (page, PDF), what-if `/impact/`", (CO, IN, AN, AD)),
}


def role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def areas_of(user) -> list[str]:
    profile = getattr(user, "profile", None)
    return list(profile.area_codes) if profile else []


def can(user, action: str) -> bool:
    """True if the user's role may perform `action` (a key of PERMISSIONS)."""
    return role_of(user) in PERMISSIONS[action][1]


def area_allowed(user, area_codes: Iterable[str]) -> bool:
    """CSU officers see only records of their own areas; other permitted roles see all."""
    if role_of(user) != Role.CSU:
        return True
    return bool(set(areas_of(user)) & {a for a in area_codes if a})


def require_area(user, area_codes: Iterable[str]) -> None:
    """404 (not 403: don't confirm the record exists) when out of the officer's areas."""
    if not area_allowed(user, area_codes):
        raise Http404("No such record")


def _guard(roles: tuple[str, ...]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_required(action: str) -> Callable:
    """View decorator for an action of PERMISSIONS: anonymous users go to the login
    page; roles outside the action's cell get 403."""
    decorator = _guard(PERMISSIONS[action][1])

    def outer(view: Callable) -> Callable:
        wrapped = decorator(view)
        wrapped.permission = action
        return wrapped

    return outer
