"""Test settings: the real settings, served over plain HTTP and with fast password hashing.

Everything else (CSP, axes, history, access rules) stays as in production so tests prove it.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from atmp_portal.settings import *  # noqa: E402,F403
from atmp_portal.settings import LOCMEM_OPTIONS, STORAGES  # noqa: E402

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", "/tmp/atmp-portal-test-media")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Counters (rate limits, failed sign-ins) start at zero in each test (tests/conftest.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": LOCMEM_OPTIONS,
    }
}
# Roles needing MFA are set by the tests that are about it.
MFA_REQUIRED_ROLES: list[str] = []
# Test runs (schemathesis, big fixtures) make more calls a minute than a person; the throttle
# tests set their own rates.
API_THROTTLE_RATES = {
    "user": "100000/minute",
    "anon": "100000/minute",
    "token_sign_in": "10/minute",
}
# Without a broker (the SQLite guidance run), tasks run in-process as they always have in tests.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("REDIS_URL")
