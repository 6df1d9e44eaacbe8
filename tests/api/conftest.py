import pytest

from engage.flags import auth
from engage.flags.lookup import settings as flag_settings


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    """The API and flags pages only: these tests don't wait on other apps' URLs."""
    settings.ROOT_URLCONF = "tests.api.urls"


@pytest.fixture(autouse=True)
def _fresh_key_cache_and_immediate_audit(monkeypatch):
    auth.clear_cache()
    # Inside a test transaction another thread could not see or write rows: write in the request.
    monkeypatch.setitem(flag_settings(), "audit", "immediate")
    yield
    auth.clear_cache()
