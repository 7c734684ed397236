"""Django settings. Everything that differs between machines comes from the environment.

Embedded default: SQLite in ./var with WAL and a busy timeout, so the web server, task worker
and sweeper can share one file from several threads. Set DATABASE_URL for PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from posventa import secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("POSVENTA_DATA_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_duration(name: str, default: dt.timedelta) -> dt.timedelta:
    """A duration in seconds, or with a unit: "3600", "90m", "12h", "7d"."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (value[:-1], value[-1]) if value[-1] in units else (value, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r}: give a number of seconds or a number with s, m, h or d "
            "(for example 7d)."
        ) from None
    if seconds <= 0:
        raise ImproperlyConfigured(f"{name}={value!r}: the duration must be positive.")
    return dt.timedelta(seconds=seconds)


DEBUG = env_bool("POSVENTA_DEBUG", False)
# Configured, or generated once and kept in the data directory (see posventa.secret_key).
SECRET_KEY = secret_key.resolve(
    DATA_DIR, configured=os.environ.get("POSVENTA_SECRET_KEY"), debug=DEBUG
)
ALLOWED_HOSTS = env_list("POSVENTA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("POSVENTA_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")
SITE_URL = os.environ.get("POSVENTA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Production behind HTTPS (POSVENTA_HTTPS=1): cookies only over TLS, plain HTTP redirected,
# and browsers told to keep to HTTPS (HSTS). `posventa manage check --deploy` is clean with
# these on. Behind a proxy that terminates TLS, POSVENTA_PROXY_SSL_HEADER=1 trusts its
# X-Forwarded-Proto header (only when the proxy always sets it).
HTTPS = env_bool("POSVENTA_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("POSVENTA_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("POSVENTA_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("POSVENTA_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("POSVENTA_HSTS_PRELOAD", HTTPS)
if env_bool("POSVENTA_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# How long a customer's portal link works (seconds, or 12h / 7d ...); 30 days by default.
POSVENTA_PORTAL_LINK_MAX_AGE = env_duration("POSVENTA_PORTAL_LINK_MAX_AGE", dt.timedelta(days=30))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Serves the API docs (Swagger UI) from its own static files: they work offline.
    "ninja",
    # The customer's signature at write-up (a PNG data URL field and its widget).
    "signature_pad",
    "posventa.core",
    "posventa.clocks",
    "posventa.outbox",
    "posventa.customers",
    "posventa.cases",
    "posventa.inbox",
    "posventa.channels",
    "posventa.telephony",
    "posventa.routing",
    "posventa.promises",
    "posventa.complaints",
    "posventa.billing",
    "posventa.advisor",
    "posventa.transport",
    "posventa.workshop",
    "posventa.reports",
    "posventa.portal",
    "posventa.api",
    # Composes every app above (demo data, the all-in-one `run`): it comes last.
    "posventa.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "posventa.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "posventa.urls"
WSGI_APPLICATION = "posventa.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clocks:waiting"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_config() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'posventa.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers proceed while the worker writes; IMMEDIATE transactions take the
        # write lock up front so concurrent writers queue on busy_timeout instead of failing
        # with "database is locked" half-way through a transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": os.environ.get("POSVENTA_SQLITE_TEST_NAME") or None}
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if DEBUG:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Whitenoise warns when STATIC_ROOT is missing even though it serves through the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: console in development unless an SMTP host is given.
EMAIL_HOST = os.environ.get("POSVENTA_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("POSVENTA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("POSVENTA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("POSVENTA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("POSVENTA_EMAIL_TLS", False)
EMAIL_BACKEND = os.environ.get(
    "POSVENTA_EMAIL_BACKEND",
    "posventa.outbox.smtp.EmailBackend"  # Django's, plus SMTPUTF8 for "josé@ejemplo.es"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "sent-mail"
DEFAULT_FROM_EMAIL = os.environ.get("POSVENTA_FROM_EMAIL", "service@posventa.invalid")

# Inbound SMTP listener (inbox/adapters/smtp.py): STARTTLS with this PEM certificate and
# key (both or neither); REQUIRE_TLS refuses MAIL before STARTTLS.
POSVENTA_SMTP_TLS_CERT = os.environ.get("POSVENTA_SMTP_TLS_CERT", "")
POSVENTA_SMTP_TLS_KEY = os.environ.get("POSVENTA_SMTP_TLS_KEY", "")
POSVENTA_SMTP_REQUIRE_TLS = env_bool("POSVENTA_SMTP_REQUIRE_TLS", False)

# SMS / WhatsApp provider: "file" writes JSON lines (demo, tests); "twilio" posts to a
# Twilio-compatible REST API at POSVENTA_SMS_API_URL.
SMS_BACKEND = os.environ.get("POSVENTA_SMS_BACKEND", "file")
SMS_FILE_PATH = DATA_DIR / "sent-sms.jsonl"
SMS_API_URL = os.environ.get("POSVENTA_SMS_API_URL", "https://api.twilio.com")
SMS_ACCOUNT_SID = os.environ.get("POSVENTA_SMS_ACCOUNT_SID", "")
SMS_AUTH_TOKEN = os.environ.get("POSVENTA_SMS_AUTH_TOKEN", "")
SMS_FROM_NUMBER = os.environ.get("POSVENTA_SMS_FROM", "")
WHATSAPP_FROM_NUMBER = os.environ.get("POSVENTA_WHATSAPP_FROM", "")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("POSVENTA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "posventa": {"handlers": ["console"], "level": os.environ.get("POSVENTA_LOG", "INFO")},
    },
}

# Parse-ahead (inbox/parse_ahead.py): processes parsing a fetch's e-mail on another core;
# 0 turns it off. Unset: one when this process may use two cores or more.
if os.environ.get("POSVENTA_PARSE_PROCESSES"):
    POSVENTA_PARSE_PROCESSES = int(os.environ["POSVENTA_PARSE_PROCESSES"])
# Threads writing attachment files ahead during batch ingestion (inbox/attachment_files.py);
# 0 writes each file in the ingesting thread.
POSVENTA_FILE_THREADS = int(os.environ.get("POSVENTA_FILE_THREADS", "4"))

# Safety nets run by every sweeper loop (see clocks.sweeper.Housekeeping).
POSVENTA_HOUSEKEEPING_SECONDS = int(os.environ.get("POSVENTA_HOUSEKEEPING_SECONDS", "30"))
POSVENTA_HOUSEKEEPING_JOBS = [
    "posventa.outbox.delivery.deliver_pending",
    "posventa.inbox.recovery.process_pending",
    # Phone events left pending by a crash; calls whose events stopped without a hang-up.
    "posventa.telephony.actions.calls.process_pending",
    "posventa.telephony.actions.calls.close_stale_calls",
]

# /healthz: a background loop is stale when its last heartbeat is older than this factor
# times the period it promised (POSVENTA_HEARTBEAT_SECONDS, or its loop interval if longer).
POSVENTA_HEARTBEAT_SECONDS = float(os.environ.get("POSVENTA_HEARTBEAT_SECONDS", "10"))
POSVENTA_HEALTHZ_STALE_FACTOR = float(os.environ.get("POSVENTA_HEALTHZ_STALE_FACTOR", "3"))
# Fixed limits in seconds that override the factor, e.g. a sweeper run by cron every 5 min.
POSVENTA_HEALTHZ_MAX_AGE = {
    name: float(os.environ[f"POSVENTA_HEALTHZ_{name.upper()}_MAX_AGE"])
    for name in ("worker", "sweeper")
    if os.environ.get(f"POSVENTA_HEALTHZ_{name.upper()}_MAX_AGE")
}
# Which database alias /healthz checks.
POSVENTA_HEALTHZ_DATABASE = "default"

# --- rate limits and login lockout (core/ratelimit.py, core/login.py) ---------------------
# Each limit is "COUNT/PERIOD" (PERIOD: s, m, h or d, optionally with a number: "10/10m"),
# or "off". Counted in the database, so they hold across processes and machines.
# The defaults: also what core.ratelimit falls back to for a name POSVENTA_RATE_LIMITS lacks.
POSVENTA_RATE_LIMIT_DEFAULTS = {
    "web_form_ip": "10/10m",  # public web form posts per client IP
    "web_form_address": "5/h",  # web form submissions per e-mail address or phone
    "portal_link_ip": "10/h",  # portal "send me a new link" requests per client IP
    "portal_link_address": "3/h",  # ... per e-mail address
    "webhook_ip": "300/m",  # inbound webhooks and the raw e-mail endpoint, per IP
    "webhook_endpoint": "600/m",  # ... per endpoint (site + channel, or bearer token)
    "login_ip": "60/10m",  # staff login posts per client IP, whatever the username
}
POSVENTA_RATE_LIMITS = {
    name: os.environ.get(f"POSVENTA_RATE_{name.upper()}", default)
    for name, default in POSVENTA_RATE_LIMIT_DEFAULTS.items()
}
# Reverse proxies in front of Posventa that append to X-Forwarded-For (0: use REMOTE_ADDR).
POSVENTA_PROXY_COUNT = int(os.environ.get("POSVENTA_PROXY_COUNT", "0"))
# A web form sent sooner than this after the page was served is a bot (or a very fast
# person, who is asked to send again and keeps the text).
POSVENTA_WEB_FORM_MIN_SECONDS = float(os.environ.get("POSVENTA_WEB_FORM_MIN_SECONDS", "3"))
# Automatic acknowledgements to one address per rolling hour; beyond it the case is still
# opened, without the acknowledgement, and its timeline says why.
POSVENTA_ACK_HOURLY_LIMIT = int(os.environ.get("POSVENTA_ACK_HOURLY_LIMIT", "5"))
# Expired rate-limit windows are deleted by the sweeper's housekeeping.
POSVENTA_HOUSEKEEPING_JOBS.append("posventa.core.ratelimit.purge_expired_counters")
# The managers' daily deadlines digest (clocks/digest.py): once per manager and local day.
POSVENTA_HOUSEKEEPING_JOBS.append("posventa.clocks.digest.send_due_digests")
POSVENTA_DIGEST_HOUR = int(os.environ.get("POSVENTA_DIGEST_HOUR", "7"))
# Workshop: appointment reminders that are due, and booking pages left with a contact typed.
POSVENTA_HOUSEKEEPING_JOBS.append("posventa.workshop.actions.reminders.send_due_reminders")
POSVENTA_HOUSEKEEPING_JOBS.append("posventa.workshop.actions.requests.open_abandoned_requests")
# A booking page left this long after a contact was typed becomes a request to call back.
POSVENTA_BOOKING_ABANDON_MINUTES = int(os.environ.get("POSVENTA_BOOKING_ABANDON_MINUTES", "30"))
# Unanswered attempts after which a booking request is closed as unreachable.
POSVENTA_REBOOK_ATTEMPTS = int(os.environ.get("POSVENTA_REBOOK_ATTEMPTS", "3"))
# How many waiting customers a freed slot is offered to at once (the first to take it wins).
POSVENTA_WAITING_LIST_OFFERS = int(os.environ.get("POSVENTA_WAITING_LIST_OFFERS", "3"))

# Login lockout (django-axes): a username from one IP address is locked out after
# AXES_FAILURE_LIMIT failures within the cool-off, for the cool-off, even with the right
# password. Other addresses and other users are not affected.
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "posventa.core.login.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("POSVENTA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=float(os.environ.get("POSVENTA_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "posventa.core.login.lockout_username"
AXES_RESET_ON_SUCCESS = True
# A try during the lockout does not extend it: the time the page gives stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "posventa.core.login.locked_out"
AXES_CLIENT_IP_CALLABLE = "posventa.core.ratelimit.client_ip"
# One row per failed login (locked out or not), visible in the admin under Axes.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
