"""Write the audit log: every consultation of a person's record, with its purpose."""
from __future__ import annotations

import ipaddress
import os

from django.http import HttpRequest

from engage.accounts.models import ApiKey, AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind a TLS reverse proxy that sets X-Forwarded-For, set
    ENGAGE_TRUSTED_PROXY=1 and the last hop (the one our proxy added) is used instead of
    the proxy's own address (docs/operations.md)."""
    if os.environ.get("ENGAGE_TRUSTED_PROXY") == "1":
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return _valid(forwarded.split(",")[-1].strip())
    return _valid(request.META.get("REMOTE_ADDR", ""))


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record(
    request: HttpRequest | None,
    action: str,
    object_type: str,
    object_id: object = "",
    purpose: str = "",
    *,
    api_key: ApiKey | None = None,
) -> AuditEvent:
    user = getattr(request, "user", None) if request is not None else None
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        api_key=api_key,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose[:300],
        path=request.get_full_path()[:500] if request is not None else "",
        ip=client_ip(request) if request is not None else None,
    )


def record_for_user(
    user, action: str, object_type: str, object_id: object = "", purpose: str = "", *, path: str = ""
) -> AuditEvent:
    """Audit a change made outside a request (services, commands): who, what, why."""
    return AuditEvent.objects.create(
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose[:300],
        path=path[:500],
    )
