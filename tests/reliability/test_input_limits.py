"""JSON size and depth limits before any parser runs (issue 12, finding 4)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from atmp_portal.middleware import JSON_TOO_DEEP, JSON_TOO_LARGE, json_depth_exceeds

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000
ENDPOINTS = ["/api/v1/reports/", "/api/v1/auth/token/"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_deeply_nested_json_is_a_400_not_a_recursion_error(personas, settings, url):
    client = personas.client_for(personas.network) if "reports" in url else Client()
    response = client.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": JSON_TOO_DEEP.format(limit=settings.API_JSON_MAX_DEPTH)}


def test_the_anonymous_token_endpoint_refuses_depth_with_any_json_content_type():
    response = Client().post(
        "/api/v1/auth/token/", DEEP, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_body_over_the_size_limit_is_a_413(settings, url):
    settings.API_JSON_MAX_BYTES = 1000
    body = json.dumps({"email": "x" * 2000, "password": "y"})
    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": JSON_TOO_LARGE.format(limit=1000)}


def test_ordinary_json_still_reaches_the_view(personas):
    response = Client().post(
        "/api/v1/auth/token/",
        {"email": "[[[[nobody]]]]@nhs.example", "password": "{" * 100},
        content_type="application/json",
    )
    assert response.status_code == 400  # bad credentials, answered by the view itself
    assert "detail" not in response.json() or "nested" not in str(response.json())


@pytest.mark.parametrize(
    ("body", "deeper_than_3"),
    [
        (b'{"a": [1, {"b": 2}]}', False),
        (b'{"a": [1, {"b": [2]}]}', True),
        (b"[[[1]]]", False),
        (b"[[[[1]]]]", True),
        (b'["[[[[[[[[", "]]]]"]', False),  # brackets in strings do not nest
        (b'["\\"[[[[[[", 1]', False),  # nor after an escaped quote
        (b'["\\\\", [[[1]]]]', True),  # an escaped backslash ends its escape
        (b"[1, 2, 3, 4, 5, 6, 7, 8]", False),
    ],
)
def test_the_depth_check_counts_structure_not_strings(body, deeper_than_3):
    assert json_depth_exceeds(body, 3) is deeper_than_3
