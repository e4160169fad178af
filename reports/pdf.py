"""PDF rendering: the only module that imports WeasyPrint (ruff's banned-api rule, TID251).

WeasyPrint would fetch any URL a template names (http, file:///etc/...). StaticOnlyFetcher
serves our static files and refuses everything else, so a report can never reach the
network or the rest of the file system.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import weasyprint  # noqa: TID251
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from reports.document import ReportDocument

TEMPLATE = "reports/pdf/report.html"
# Relative URLs in the template ("/static/...") resolve against this: file:///static/...
BASE_URL = "file:///"
REFUSED = "Reports may load only the portal's own static files, not {url}"


class StaticOnlyFetcher(weasyprint.URLFetcher):
    """Serve file:///<STATIC_URL>/<path> through the staticfiles finders; refuse the rest."""

    def fetch(self, url: str, headers: dict | None = None) -> weasyprint.urls.URLFetcherResponse:
        path = static_path(url)
        if path is None:
            raise ValueError(REFUSED.format(url=url))
        with open(path, "rb") as handle:
            body = handle.read()
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(
            url, body=body, headers={"Content-Type": mime_type}
        )


def static_path(url: str) -> str | None:
    """The file a static URL names, or None for anything that is not one of our static files."""
    parts = urlsplit(url)
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    if parts.scheme != "file" or parts.netloc or not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix):])
    if not relative or relative.startswith("/"):
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:  # "../" out of the static directories
        return None
    return found if isinstance(found, str) else None


def render_html(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()


def render_report(document: ReportDocument) -> bytes:
    html = render_to_string(TEMPLATE, {"doc": document, "report": document.report})
    return render_html(html)
