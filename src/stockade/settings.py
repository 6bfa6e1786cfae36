"""Stockade's one settings module, configured by ``STOCKADE_*`` environment variables.

See docs/configuration.md for every variable. A fresh checkout runs with none set: state goes to
``./stockade-data`` (SQLite database, files, generated secret key).
"""

from __future__ import annotations

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from stockade.config import (
    data_dir,
    env_bool,
    env_int,
    env_size,
    env_str,
    load_or_create_secret,
)
from stockade.email_config import email_settings_from_url
from stockade.storage_config import storage_backend_from_url

DATA_DIR = data_dir()

SECRET_KEY = env_str("STOCKADE_SECRET_KEY") or load_or_create_secret(DATA_DIR / "secret_key")
DEBUG = env_bool("STOCKADE_DEBUG", False)
BASE_URL = env_str("STOCKADE_BASE_URL").rstrip("/")
ALLOWED_HOSTS = [h for h in env_str("STOCKADE_ALLOWED_HOSTS", "*").split(",") if h]
# Behind a TLS-terminating proxy, operators set this so request.is_secure() is right (and
# stockade.clientip.client_ip takes the address the proxy appended to X-Forwarded-For).
STOCKADE_BEHIND_PROXY = env_bool("STOCKADE_BEHIND_PROXY", False)
if STOCKADE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "stockade.accounts",
    "stockade.tokens",
    "stockade.packaging",
    "stockade.upload",
    "stockade.simple",
    "stockade.server",
    "stockade.audit",
    "stockade.names",
    "stockade.mfa",
    "stockade.tuf",
    "stockade.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Policy "all": logged-in users without a second factor may only enrol one.
    "stockade.mfa.middleware.TwoFactorPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "stockade.urls"
WSGI_APPLICATION = "stockade.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "stockade.web.context_processors.site",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'stockade.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("STOCKADE_DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STORAGES = {
    "default": storage_backend_from_url("", DATA_DIR / "media"),
    "packages": storage_backend_from_url(env_str("STOCKADE_STORAGE_URL"), DATA_DIR / "files"),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it
# Serve the app's static files straight from the package: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SITE_NAME = env_str("STOCKADE_SITE_NAME", "Stockade")
DEFAULT_FROM_EMAIL = env_str("STOCKADE_EMAIL_FROM", "Stockade <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(email_settings_from_url(env_str("STOCKADE_EMAIL_URL"), DATA_DIR))

# Cache (rate limits, sessions' helpers): local memory by default, Redis in production.
_cache_url = env_str("STOCKADE_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith(("redis://", "rediss://", "unix://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits ("COUNT/PERIOD", period in s, m, h or d), counted in the cache above.
STOCKADE_LOGIN_RATE = env_str("STOCKADE_LOGIN_RATE", "10/5m")  # per user name and per client IP
STOCKADE_SIGNUP_RATE = env_str("STOCKADE_SIGNUP_RATE", "10/h")  # per client IP
STOCKADE_PASSWORD_RESET_RATE = env_str("STOCKADE_PASSWORD_RESET_RATE", "5/h")  # per IP, per address
STOCKADE_EMAIL_RATE = env_str("STOCKADE_EMAIL_RATE", "10/h")  # verification mails per user
# How long an email verification link stays valid, in seconds.
STOCKADE_EMAIL_VERIFY_MAX_AGE = env_int("STOCKADE_EMAIL_VERIFY_MAX_AGE", 3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env_int("STOCKADE_PASSWORD_RESET_TIMEOUT", 3600)

# Two-factor authentication (docs/two-factor.md). Who must have a second factor: off, publish
# (uploads need one: the default) or all (the web pages beyond enrolment need one too).
STOCKADE_REQUIRE_2FA = env_str("STOCKADE_REQUIRE_2FA", "publish").strip()
if STOCKADE_REQUIRE_2FA not in ("off", "publish", "all"):
    raise ImproperlyConfigured(
        f"STOCKADE_REQUIRE_2FA must be off, publish or all, not {STOCKADE_REQUIRE_2FA!r}"
    )
# Sensitive actions ask for the password and second factor again past this many minutes.
STOCKADE_REAUTH_MINUTES = env_int("STOCKADE_REAUTH_MINUTES", 15)
STOCKADE_2FA_RATE = env_str("STOCKADE_2FA_RATE", "5/5m")  # failed second steps, per user and IP
# WebAuthn relying party: derived from STOCKADE_BASE_URL (else the request's host) unless set.
STOCKADE_WEBAUTHN_RP_ID = env_str("STOCKADE_WEBAUTHN_RP_ID")
STOCKADE_WEBAUTHN_ORIGIN = env_str("STOCKADE_WEBAUTHN_ORIGIN").rstrip("/")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("STOCKADE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Upload limits. Requests are streamed to a temporary file past 2.5 MiB rather than held in memory.
STOCKADE_MAX_FILE_SIZE = env_size("STOCKADE_MAX_FILE_SIZE", 100 * 1024**2)
STOCKADE_MAX_PROJECT_SIZE = env_size("STOCKADE_MAX_PROJECT_SIZE", 10 * 1024**3)
# Archive limits guard against decompression bombs: the total unpacked size a file may claim,
# how much larger than its compressed size a member may be, and how many members it may hold.
STOCKADE_MAX_UNPACKED_SIZE = env_size("STOCKADE_MAX_UNPACKED_SIZE", 1024**3)
STOCKADE_MAX_COMPRESSION_RATIO = env_int("STOCKADE_MAX_COMPRESSION_RATIO", 200)
STOCKADE_MAX_ARCHIVE_MEMBERS = env_int("STOCKADE_MAX_ARCHIVE_MEMBERS", 100_000)
# Secret scanners trusted to report leaked tokens: a JSON object of reporter name -> PEM ECDSA
# P-256 public key, or the path of a JSON file holding one (docs/secret-scanning.md).
STOCKADE_SECRET_REPORTERS = env_str("STOCKADE_SECRET_REPORTERS")
# Audit log: raw client IPs are kept this many days, then only their keyed hash (docs/audit.md).
STOCKADE_AUDIT_IP_RETENTION_DAYS = env_int("STOCKADE_AUDIT_IP_RETENTION_DAYS", 30)
# Benchmark-only switch: false makes record_event write nothing, to measure the log's cost.
# It must stay true in production (docs/audit.md); `stockade serve` warns loudly when it is off.
STOCKADE_AUDIT_RECORDING = env_bool("STOCKADE_AUDIT_RECORDING", True)
# How events are sealed after commit: "background" (a sealer thread per process batches them,
# off the request path), "inline" (before the response), or "periodic" (`stockade audit seal`).
STOCKADE_AUDIT_SEAL = env_str("STOCKADE_AUDIT_SEAL", "background")
if STOCKADE_AUDIT_SEAL not in {"background", "inline", "periodic"}:
    raise ImproperlyConfigured(
        f"STOCKADE_AUDIT_SEAL must be background, inline or periodic, not {STOCKADE_AUDIT_SEAL!r}"
    )

# Project name policy (docs/names.md). Refusals tell uploaders to ask STOCKADE_ADMIN_CONTACT.
STOCKADE_ADMIN_CONTACT = env_str("STOCKADE_ADMIN_CONTACT")
STOCKADE_NAMES_REFUSE_TOP = env_int("STOCKADE_NAMES_REFUSE_TOP", 1000)
# Per-rule decisions, e.g. "stdlib=hold,typo-version-suffix=hold".
STOCKADE_NAMES_DECISIONS = env_str("STOCKADE_NAMES_DECISIONS")
STOCKADE_NAMES_MIN_EDIT_LENGTH = env_int("STOCKADE_NAMES_MIN_EDIT_LENGTH", 4)
STOCKADE_NAMES_DEPENDENCY_PROTECTED = env_int("STOCKADE_NAMES_DEPENDENCY_PROTECTED", 1000)
# Non-file form fields (the long description is the largest) may total this much.
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("STOCKADE_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# TUF (PEP 458): signed metadata under /tuf/ (docs/tuf-operator.md). Off: nothing is signed.
STOCKADE_TUF_ENABLED = env_bool("STOCKADE_TUF", True)
# Sign right after each change, in the request's process (else only `stockade tuf publish`).
STOCKADE_TUF_PUBLISH_INLINE = env_bool("STOCKADE_TUF_PUBLISH_INLINE", True)
# Number of hash bins (a power of two), fixed when the repository is initialized.
STOCKADE_TUF_BINS = env_int("STOCKADE_TUF_BINS", 1024)
# The online key as a securesystemslib signer URI (file2:, awskms:, gcpkms:, azurekms:, hv:,
# hsm:) and its public key file; empty: a key file in the data directory.
STOCKADE_TUF_ONLINE_KEY = env_str("STOCKADE_TUF_ONLINE_KEY")
STOCKADE_TUF_ONLINE_PUBLIC_KEY = env_str("STOCKADE_TUF_ONLINE_PUBLIC_KEY")
