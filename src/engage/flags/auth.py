"""API-key authentication for machine clients (ICCS, C&C, telephony).

The client sends ``X-API-Key: <key>``; only the key's SHA-256 is stored
(accounts.ApiKey). The lookup is cached per process for `[flags] api_key_cache_seconds`
(default 15 s) so the flag path does not pay a query per call, while a revoked or
deactivated key stops working within that time. No or unknown key: 401. A valid key
without the permission the endpoint needs: 403.
"""
from __future__ import annotations

import threading
import time

from ninja.errors import AuthorizationError
from ninja.security import APIKeyHeader

from engage.accounts.models import ApiKey

_MAX_ENTRIES = 10_000  # bounded: random keys must not grow memory without limit
_cache: dict[str, tuple[float, ApiKey | None]] = {}
_lock = threading.Lock()


def _ttl() -> float:
    from engage.flags.lookup import settings

    return float(settings().get("api_key_cache_seconds", 15))


def key_for(plain_key: str) -> ApiKey | None:
    """The active ApiKey for a plain key, or None. Cached briefly, negative answers too."""
    digest = ApiKey.hash(plain_key)
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = ApiKey.objects.filter(key_hash=digest, active=True).first()
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[digest] = (now + _ttl(), found)
    return found


def clear_cache() -> None:
    with _lock:
        _cache.clear()


class ApiKeyAuth(APIKeyHeader):
    """`X-API-Key` header with one ApiKey permission flag required."""

    param_name = "X-API-Key"

    def __init__(self, permission: str) -> None:
        self.permission = permission
        super().__init__()

    def authenticate(self, request, key: str | None) -> ApiKey | None:
        if not key:
            return None
        api_key = key_for(key)
        if api_key is None:
            return None
        if not getattr(api_key, self.permission):
            raise AuthorizationError(message=f"This API key lacks the {self.permission} permission")
        return api_key


read_flags = ApiKeyAuth("can_read_flags")
push_contacts = ApiKeyAuth("can_push_contacts")
