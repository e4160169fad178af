"""Settings for the ATMP Site Readiness Portal, read from environment variables.

Defaults give a working demo on a bare machine (SQLite, eager Celery, console e-mail) only
when DEBUG is on; with DEBUG off (production) SECRET_KEY and ALLOWED_HOSTS must be set and
every HTTPS hardening setting is on. Every setting is listed in the README.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# allauth's ACCOUNT_FORMS and MFA_FORMS: our forms in place of its own (their errors name fields).
from atmp_portal.allauth_forms import ACCOUNT_FORMS, MFA_FORMS  # noqa: F401

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _stop(reason: str) -> None:
    """Stop start-up with one line, not a traceback: operators read this in a service log."""
    sys.exit(f"atmp_portal: configuration error: {reason}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _stop("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    _stop("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    # Sign-in: password, OpenID Connect single sign-on and MFA (docs/adr/0007-sign-in-with-django-allauth.md).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "atmp_portal",
    "accounts",
    "sites",
    "training",
    "trials",
    "actions",
    "guidance",
    "reports",
    "home",
    "demo",
]

MIDDLEWARE = [
    "atmp_portal.middleware.HealthCheckMiddleware",
    # Outside everything else, so it also sees the error responses the others produce.
    "atmp_portal.middleware.ResponseHeadersMiddleware",
    "atmp_portal.middleware.JSONLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Gzip (Django's BREACH mitigation built in) after WhiteNoise: static files come compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A user whose role needs MFA and who has none reaches only the MFA set-up pages.
    "accounts.mfa.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "atmp_portal.urls"
WSGI_APPLICATION = "atmp_portal.wsgi.application"

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
                "home.context_processors.navigation",
            ],
        },
    },
]

try:
    with warnings.catch_warnings():
        # An unknown scheme is reported below in one line; environ's own warning would add two.
        warnings.simplefilter("ignore")
        DATABASES = {
            "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
        }
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    _stop(f"DATABASE_URL is not a database URL Django can use ({exc}).")
if not _module_exists(DATABASES["default"].get("ENGINE", "")):
    # django-environ passes unknown schemes through as the engine name; Django would only fail
    # later, with a traceback, when it first loads the backend.
    _stop(
        "DATABASE_URL is not a database URL Django can use "
        f"(no database engine {DATABASES['default'].get('ENGINE', '')!r}; "
        "use postgres://... or sqlite:///...)."
    )
_DB_DRIVERS = {
    "django.db.backends.postgresql": ("psycopg", "psycopg2"),
    "django.db.backends.mysql": ("MySQLdb",),
    "django.db.backends.oracle": ("oracledb", "cx_Oracle"),
}
_drivers = _DB_DRIVERS.get(DATABASES["default"]["ENGINE"])
if _drivers and not any(_module_exists(driver) for driver in _drivers):
    _stop(f"DATABASE_URL needs the Python driver {_drivers[0]!r}, which is not installed.")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Reusing connections made a one-query view 8x faster under gunicorn (STACK-NOTES.md).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails a request in seconds instead of holding it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.signin_limits.AddressLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request (saved once a minute: accounts/sessions.py).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: 5 failed sign-ins for one account within 15 minutes lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock the account, not the address: a whole NHS trust often reaches us from one NAT address,
# so locking by IP would let one mistyped password lock out a hospital.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The ranking's covering indexes carry extra columns only PostgreSQL can use; SQLite
    # (make run's default) builds them without those columns, which is all it needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
# Count failures by the e-mail address as typed in any case: both the login form and the API
# pass it as "username" (axes would otherwise look for an "email" field and count nothing).
AXES_USERNAME_CALLABLE = "accounts.views.lockout_username"
AXES_VERBOSE = False
# Besides the per-account lockout: this many failed sign-ins from one address within the
# cool-off time block that address. High on purpose, for the reason above (one NAT address per
# trust); it stops a single machine from guessing across many accounts.
SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("SIGNIN_ADDRESS_FAILURE_LIMIT", default=50)

# django-allauth (docs/adr/0007-sign-in-with-django-allauth.md). Accounts are made by administrators
# (manage.py add_user): nobody signs up, and single sign-on only matches existing accounts.
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)
ACCOUNT_ADAPTER = "accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
# django-axes owns the password lockout (5); allauth's own limit, above it so axes answers
# first, bounds the guesses at MFA codes: 10 per user per 5 minutes.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/300s/key"}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="NHSmail")
# Entra ID: the directory (tenant) id that every token must carry in its 'tid' claim.
OIDC_TENANT_ID = env.str("OIDC_TENANT_ID", default="")
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    _stop("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too.")
if not PASSWORD_LOGIN and not OIDC_ISSUER:
    _stop("PASSWORD_LOGIN is off: set OIDC_ISSUER, or nobody can sign in.")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_ISSUER,
                    # Entra ID puts tid, oid and xms_edov in the ID token only, not in userinfo.
                    "fetch_userinfo": False,
                    "token_auth_method": "client_secret_post",
                },
            }
        ]
        if OIDC_ISSUER
        else [],
    }
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "ATMP Site Readiness"
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Roles that must use MFA: network, editor, admin (Django admin users), coordinator,
# pharmacist. Off by default with DEBUG (make run's demo users sign in with a password only).
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES", default=[] if DEBUG else ["network", "editor", "admin"]
)
# API tokens: how long a new one lasts (days), and the longest a user may choose.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
_MFA_ROLES = {"network", "editor", "admin", "coordinator", "pharmacist"}
if set(MFA_REQUIRED_ROLES) - _MFA_ROLES:
    _stop(
        f"MFA_REQUIRED_ROLES: unknown role {sorted(set(MFA_REQUIRED_ROLES) - _MFA_ROLES)}; "
        f"choose from {', '.join(sorted(_MFA_ROLES))}."
    )

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence lives outside the static tree and has no URL: files are served only by
# views that check access first.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_MB", default=20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# JSON request bodies on /api/ are checked before any parser sees them
# (atmp_portal.middleware.JSONLimitsMiddleware): larger is 413, deeper is 400.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=DATA_UPLOAD_MAX_MEMORY_SIZE)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
FILE_UPLOAD_PERMISSIONS = 0o640
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="ATMP Site Readiness <no-reply@localhost>"
)
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery: Redis, or kombu's filesystem transport (no REDIS_URL: make run). ADR 0006.
REDIS_URL = env.str("REDIS_URL", default="")
LOCMEM_OPTIONS = {"MAX_ENTRIES": 100_000}
# The cache (rate limits, sign-ins, readiness caches): Redis in production, else per process,
# holding a ranking's per-site entries (LocMemCache's default 300 would cull them at random).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": LOCMEM_OPTIONS}
}
EMBEDDED_BROKER_DIR = env.path("EMBEDDED_BROKER_DIR", default=BASE_DIR / ".tmp" / "broker")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# No result backend: job state lives on ReadinessReport (the outbox), never in Celery results.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Connect and read timeout of every broker call: a hung Redis answers like a stopped one.
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the longest task; the lease below resumes a dead worker's job sooner.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "retry_on_timeout": False,
        "health_check_interval": 10,
    }
else:
    Path(EMBEDDED_BROKER_DIR).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(EMBEDDED_BROKER_DIR),
        "data_folder_out": str(EMBEDDED_BROKER_DIR),
        "polling_interval": 0.5,
    }
# The job outbox (reports.jobs.reports_sweep, beat): a worker's lease on a running job, renewed
# every third of it; a job queued longer than REPORT_RESEND_AFTER_SECONDS is sent again.
REPORT_LEASE_SECONDS = env.float("REPORT_LEASE_SECONDS", default=15)
REPORT_RESEND_AFTER_SECONDS = env.float("REPORT_RESEND_AFTER_SECONDS", default=60)
REPORT_SWEEP_SECONDS = env.float("REPORT_SWEEP_SECONDS", default=5)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "report-outbox-sweep": {
        "task": "reports.tasks.sweep_reports",
        "schedule": REPORT_SWEEP_SECONDS,
        # A sweep nobody ran in time is replaced by the next one, never piled up.
        "options": {"expires": REPORT_SWEEP_SECONDS},
    },
    "guidance-reread-sweep-hourly": {
        "task": "guidance.tasks.sweep_reread_notices",
        "schedule": crontab(minute=20),
    },
    "guidance-review-reminders-monthly": {
        "task": "guidance.tasks.send_review_reminders",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
    "expiry-digests-daily": {  # the daily digests, and the weekly ones on Mondays
        "task": "training.tasks.send_expiry_digests",
        "schedule": crontab(hour=6, minute=30),
    },
    "purge-import-previews-hourly": {
        "task": "training.tasks.purge_import_previews",
        "schedule": crontab(minute=17),
    },
    "trend-month-ends-nightly": {  # after 00:30, when yesterday's end is safely past
        "task": "reports.tasks.fill_trend_points",
        "schedule": crontab(hour=0, minute=40),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.ApiUserThrottle",
        "accounts.throttling.ApiAnonThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "atmp_portal.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["atmp_portal.api.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "atmp_portal.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "atmp_portal.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
API_THROTTLE_RATES = {
    "user": env.str("API_THROTTLE_USER", default="600/minute"),
    "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
    "token_sign_in": env.str("API_THROTTLE_TOKEN_SIGN_IN", default="10/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ATMP Site Readiness Portal API",
    "DESCRIPTION": "Read site readiness, trials and guidance; request PDF/CSV gap reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a nested Status; name each enum so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "TrialStatusEnum": "trials.models.Trial.Status",
        "TrialSiteStatusEnum": "trials.models.TrialSite.Status",
        "ReportKindEnum": "reports.models.ReadinessReport.Kind",
        "ReportStatusEnum": "reports.models.ReadinessReport.Status",
        "RegionKindEnum": "sites.models.Region.Kind",
        "SiteCapabilityStatusEnum": "sites.models.SiteCapability.Status",
        "GapActionStatusEnum": "actions.models.GapAction.Status",
        "StaffRoleEnum": "training.models.StaffRole",
        "GuidanceVersionStatusEnum": "guidance.models.GuidanceVersion.Status",
        "RequirementLevelEnum": "trials.models.RequirementLevel",
        "RequirementOverrideLevelEnum": "trials.models.RequirementOverride.Level",
        "RequirementKindEnum": ["capability", "training"],
    },
}

# Security headers. CSP allows only our own scripts (and nonce-tagged inline ones).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # The SSO button posts to us, and we redirect the form to the provider's sign-in page:
        # browsers apply form-action to that redirect too.
        "form-action": [SELF, *([_origin(OIDC_ISSUER)] if OIDC_ISSUER else [])],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the portal never uses are off; passkeys (WebAuthn) stay allowed for MFA.
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default=(
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
        "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
        "browsing-topics=(), publickey-credentials-create=(self), "
        "publickey-credentials-get=(self)"
    ),
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    _stop(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "atmp_portal.logs.JsonFormatter"},
    },
    "filters": {"database_one_line": {"()": "atmp_portal.health.DropDatabaseTracebacks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # A database that cannot be reached is logged in one line (atmp_portal.health.server_error).
    "loggers": {
        "django.request": {"filters": ["database_one_line"]},
        "weasyprint": {"level": "WARNING"},
    },  # not its progress lines at INFO
}

# Days within which a met item is "expiring" (docs/readiness.md); read only through
# atmp_portal.expiring, so the engine, dashboard, training matrix and reminders agree.
READINESS_EXPIRING_DAYS = env.int("READINESS_EXPIRING_DAYS", default=90)
