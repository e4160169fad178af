"""Project middleware: liveness and readiness probes, JSON limits, and the headers and error
bodies every response needs."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from atmp_portal import health

logger = logging.getLogger("atmp_portal.health")

API_PREFIX = "/api/"
# The interactive documentation is an HTML page that lives under /api/.
HTML_UNDER_API = ("/api/docs/",)

JSON_TOO_LARGE = "The request body is larger than {limit} bytes."
JSON_TOO_DEEP = "The JSON body is nested more than {limit} levels deep."


class HealthCheckMiddleware:
    """Answer probes before host validation and HTTPS redirects. /healthz: the process is
    alive (liveness). /readyz: it can serve (database and broker answer); 503 naming what is
    down, so a load balancer stops sending traffic.

    Container health checks call http://127.0.0.1:8000/healthz from inside the container, with a
    Host header that is not in ALLOWED_HOSTS and without TLS; both would otherwise fail.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/readyz":
            return readiness_response()
        return self.get_response(request)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(HTML_UNDER_API)


def _json_error(response: HttpResponse) -> JsonResponse:
    """The same error as JSON: {"detail": "Not Found"} with the status (and Allow) kept."""
    try:
        detail = HTTPStatus(response.status_code).phrase
    except ValueError:
        detail = "Error"
    replacement = JsonResponse({"detail": detail}, status=response.status_code)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            replacement[header] = response[header]
    return replacement


class ResponseHeadersMiddleware:
    """What every response carries, decided in one place.

    - Errors on /api/ paths are JSON, whatever raised them (an unknown URL, a crash, a refused
      host, a method the URL does not take): integrations parse bodies, not HTML pages.
    - Signed-in pages and every API answer are `Cache-Control: no-store`: they hold patient-
      facing site data, and a shared proxy or the browser's back button must not keep them.
    - `Permissions-Policy` switches off browser features the portal never uses.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_api = _is_api(request)
        if is_api and response.status_code >= 400 and not _is_json(response):
            response = _json_error(response)
        user = getattr(request, "user", None)
        if is_api or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


def readiness_response() -> HttpResponse:
    checks = {"database": health.database_problem(), "broker": health.broker_problem()}
    down = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if down else "ok",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    if down:
        body["down"] = sorted(down)
    return JsonResponse(body, status=503 if down else 200)


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
