"""Probes and request guards that run before (or instead of) the views.

Container health checks call http://127.0.0.1:8000/healthz from inside the container, with a
Host header that is not in ALLOWED_HOSTS and without TLS; both would otherwise fail, so the
probes answer before host validation and HTTPS redirects.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from atmp_portal import health

logger = logging.getLogger("atmp_portal.health")

JSON_TOO_LARGE = "The request body is larger than {limit} bytes."
JSON_TOO_DEEP = "The JSON body is nested more than {limit} levels deep."
DATABASE_UNAVAILABLE = (
    "The service is temporarily unavailable: its database cannot be reached. "
    "Please try again in a few minutes."
)


class HealthCheckMiddleware:
    """/healthz: the process is alive (liveness). /readyz: it can serve (database and
    broker answer); 503 naming what is down, so a load balancer stops sending traffic."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/readyz":
            return readiness_response()
        return self.get_response(request)


def readiness_response() -> HttpResponse:
    checks = {"database": health.database_problem(), "broker": health.broker_problem()}
    down = {name: problem for name, problem in checks.items() if problem}
    body = {"status": "unavailable" if down else "ok",
            "checks": {name: problem or "ok" for name, problem in checks.items()}}
    if down:
        body["down"] = sorted(down)
    return JsonResponse(body, status=503 if down else 200)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with one log line, not a 500 with
    a traceback per request (a wrong DATABASE_URL port, a database restart)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "%s %s: %s", request.method, request.path,
            health.DATABASE_DOWN.format(where=health.database_where(),
                                        reason=health.first_line(exception)),
        )
        # The session could not be read either: without this, SessionMiddleware would try
        # again on the way out and turn the 503 into a 500 with a traceback. (It skips
        # sessions it cannot see; the user's cookie is kept, so they stay signed in.)
        request.session = None
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
        else:
            response = HttpResponse(DATABASE_UNAVAILABLE, status=503,
                                    content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response


# Characters that matter for nesting: brackets, and the quote and backslash that start and
# escape strings (brackets inside strings do not nest).
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True if the JSON text nests arrays/objects deeper than `limit`; no parsing, one pass
    over the structural characters only, so it costs little even for a large body."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, skip_to = 0, False, -1
    for match in _STRUCTURE.finditer(body):
        position = match.start()
        if position < skip_to:
            continue
        char = body[position]
        if in_string:
            if char == 0x5C:  # backslash: the next character is escaped
                skip_to = position + 2
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif char in (0x5D, 0x7D):
            depth -= 1
    return False


class JSONLimitsMiddleware:
    """Size and depth limits on JSON bodies sent to the API, anonymous endpoints included,
    before any parser runs: Python's json parser recurses once per level, so `[` x 5000
    would otherwise end in RecursionError and a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and "json" in request.content_type.lower():
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request) -> JsonResponse | None:
        limit = settings.API_JSON_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return JsonResponse({"detail": JSON_TOO_LARGE.format(limit=limit)}, status=413)
        try:
            body = request.body
        except RequestDataTooBig:
            return JsonResponse({"detail": JSON_TOO_LARGE.format(limit=limit)}, status=413)
        if len(body) > limit:
            return JsonResponse({"detail": JSON_TOO_LARGE.format(limit=limit)}, status=413)
        if json_depth_exceeds(body, settings.API_JSON_MAX_DEPTH):
            detail = JSON_TOO_DEEP.format(limit=settings.API_JSON_MAX_DEPTH)
            return JsonResponse({"detail": detail}, status=400)
        return None


