"""Django settings. DATABASE_URL picks the database; ENGAGE_CONFIG points at a force's TOML."""
import os
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ENGAGE_VAR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("ENGAGE_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = os.environ.get("ENGAGE_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ENGAGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "engage.accounts",
    "engage.contacts",
    "engage.identity",
    "engage.detection",
    "engage.cases",
    "engage.flags",
    "engage.service",
    "engage.impact",
    "engage.synth",
    "engage.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (CSS, the bundled Plotly JS) from the app server itself: no CDN, no network.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "engage.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "engage.web.context_processors.engage",
            ]
        },
    }
]
WSGI_APPLICATION = "engage.wsgi.application"


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'engage.sqlite3'}")
    db = dj_database_url.parse(url, conn_max_age=600)
    if db["ENGINE"].endswith("sqlite3"):
        # WAL lets the flag API read while an import writes; IMMEDIATE avoids
        # upgrade deadlocks between concurrent writers.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        # Persistent per-worker connections: opening a SQLite connection (and running
        # the PRAGMAs) costs more CPU than a flag lookup itself (docs/benchmarks.md).
        db["CONN_MAX_AGE"] = 600
        db["CONN_HEALTH_CHECKS"] = True
        # A file, not :memory:, so tests can hand the database to subprocesses
        # (a killed import, a production server); per-process so runs don't collide.
        db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # one shift
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
# Behind TLS in production (docs/operations.md): ENGAGE_SECURE_COOKIES=1.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("ENGAGE_SECURE_COOKIES", "0") == "1"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True  # serve straight from the apps' static/ folders; no collectstatic step
# STATIC_ROOT exists only after an optional `engage collectstatic` (docs/operations.md).
warnings.filterwarnings("ignore", message="No directory at: ")

EMAIL_BACKEND = os.environ.get("ENGAGE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = "engage@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ENGAGE_LOG_LEVEL", "WARNING")},
}

# A force's own configuration (rules, areas, shared numbers, tolerances).
ENGAGE_CONFIG = os.environ.get("ENGAGE_CONFIG", "")
