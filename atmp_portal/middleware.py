"""Project middleware: liveness probes, and the headers and error bodies every response needs."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"
# The interactive documentation is an HTML page that lives under /api/.
HTML_UNDER_API = ("/api/docs/",)


class HealthCheckMiddleware:
    """Answer liveness probes before host validation and HTTPS redirects.

    Container health checks call http://127.0.0.1:8000/healthz from inside the container, with a
    Host header that is not in ALLOWED_HOSTS and without TLS; both would otherwise fail.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
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
