"""Who may do what. The full table is docs/security.md; tests check every cell."""
from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from engage.accounts.models import Role


def role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def areas_of(user) -> list[str]:
    profile = getattr(user, "profile", None)
    return list(profile.area_codes) if profile else []


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page; other roles get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


ALL_STAFF = tuple(Role.values)
