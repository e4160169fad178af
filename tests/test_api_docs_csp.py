"""The API docs page (/api/docs/) is styled without breaking our Content-Security-Policy.

drf-spectacular's Swagger template has an inline <style>; style-src 'self' blocks it, so
templates/drf_spectacular/swagger_ui.html links the same rules from static/api/swagger-ui.css.
In Chromium: tests/e2e/test_api_docs_csp.py.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.contrib.staticfiles import finders

DOCS = "/api/docs/"
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLESHEET = re.compile(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", re.IGNORECASE)


def _style_src(csp: str) -> list[str]:
    for directive in csp.split(";"):
        name, *values = directive.split()
        if name == "style-src":
            return values
    return []


def test_it_allows_every_inline_style_of_the_docs_page_by_hash_or_has_none(personas):
    response = personas.client_for(personas.nobody).get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    allowed = _style_src(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in allowed
    for body in INLINE_STYLE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, f"inline style blocked by the CSP: {body!r}"
    assert not STYLE_ATTRIBUTE.search(html), "style attributes are blocked by the CSP"


def test_it_styles_the_docs_page_from_stylesheets_on_our_origin(personas):
    html = personas.client_for(personas.nobody).get(DOCS).content.decode()
    assert not INLINE_STYLE.search(html)
    sheets = STYLESHEET.findall(html)
    assert "/static/api/swagger-ui.css" in sheets
    for href in sheets:
        assert href.startswith("/static/") and not href.startswith("//"), href
        assert finders.find(href.removeprefix("/static/")), href
    css = open(finders.find("api/swagger-ui.css"), encoding="utf-8").read()
    assert "body { background: #fafafa; margin: 0; }" in css
