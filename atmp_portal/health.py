"""Is the database up, is the broker up: one answer each, quickly, in one line.

Used by /readyz (atmp_portal.middleware), by the web and worker processes at start-up and by
manage.py, so an operator reads the same sentence everywhere.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

logger = logging.getLogger("atmp_portal.health")

DATABASE_DOWN = "database unreachable at {where}: {reason}"
BROKER_DOWN = "broker unreachable at {where}: {reason}"
DATABASE_UNAVAILABLE = (
    "The service is temporarily unavailable: its database cannot be reached. "
    "Please try again in a few minutes."
)
UNREACHABLE = (OperationalError, InterfaceError)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def database_where(alias: str = "default") -> str:
    s = connections[alias].settings_dict
    if "sqlite" in s["ENGINE"]:
        return str(s["NAME"])
    return f"{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}/{s.get('NAME')}"


def database_problem(alias: str = "default") -> str | None:
    """None if a query answers, else one line saying where and why not."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connections[alias].close_if_unusable_or_obsolete()
        return DATABASE_DOWN.format(where=database_where(alias), reason=first_line(exc))
    return None


def broker_where() -> str:
    if settings.REDIS_URL:
        from kombu.utils.url import maybe_sanitize_url

        return maybe_sanitize_url(settings.REDIS_URL)
    return f"filesystem://{settings.EMBEDDED_BROKER_DIR}"


def broker_problem() -> str | None:
    """None if the broker answers a PING within BROKER_TIMEOUT_SECONDS (connect and read)."""
    if not settings.REDIS_URL:
        folder = Path(settings.EMBEDDED_BROKER_DIR)
        if folder.is_dir():
            return None
        return BROKER_DOWN.format(where=broker_where(), reason="the folder does not exist")
    import redis

    timeout = settings.BROKER_TIMEOUT_SECONDS
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return BROKER_DOWN.format(where=broker_where(), reason=first_line(exc) or "no answer")
    finally:
        client.close()
    return None


def log_database_problem(process: str) -> bool:
    """At start-up: one clear log line if the database cannot be reached. True if it can."""
    problem = database_problem()
    if problem:
        logger.error("%s: %s", process, problem)
    return problem is None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a request that failed because the database cannot be reached answers 503
    with one log line, wherever it failed (a view, or a middleware reading the session);
    anything else is Django's 500 page."""
    from django.contrib.auth.models import AnonymousUser  # not at import: logging loads this

    exception = sys.exc_info()[1]
    if not isinstance(exception, UNREACHABLE):
        return defaults.server_error(request)
    if not getattr(request, "_atmp_database_down_logged", False):
        request._atmp_database_down_logged = True
        logger.error(
            "%s %s: %s",
            request.method,
            request.path,
            DATABASE_DOWN.format(where=database_where(), reason=first_line(exception)),
        )
    # The session and the user cannot be read either: without this every middleware on the
    # way out would try again and fail again. (SessionMiddleware skips a session it cannot
    # see, and keeps the cookie, so the user stays signed in for when the database is back.)
    request.session = None
    request.user = AnonymousUser()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(
            DATABASE_UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = "30"
    return response


class DropDatabaseTracebacks(logging.Filter):
    """On django.request: drop the traceback record of a request that failed only because the
    database cannot be reached; server_error has logged it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, UNREACHABLE)
