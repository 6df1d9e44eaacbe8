import pytest


@pytest.fixture
def force_config(settings, tmp_path):
    """use(text): the test runs with a force's configuration file holding `text` (TOML).

    The cached configuration is dropped when it is set and again at the end, so the
    next test reads the default (pytest-django's `settings` restores ENGAGE_CONFIG).
    """
    from engage import config

    def use(text: str):
        path = tmp_path / "force.toml"
        path.write_text(text)
        settings.ENGAGE_CONFIG = str(path)
        config.load.cache_clear()
        return path

    yield use
    config.load.cache_clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
