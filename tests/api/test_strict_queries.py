"""Query parameters the API cannot honour are a 400 naming them, and the schema says so."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from atmp_portal.api import EMPTY_PARAMETER, PAGE_SIZE_INVALID
from tests.reports.test_ranking import build_scenario
from tests.sites.factories import CapabilityFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("page_size", ["-5", "0", "abc", "501", "10000", "", "1.5", "٣"])
@pytest.mark.parametrize("url", ["/api/v1/capabilities/", "/api/v1/sites/", "/api/v1/trials/"])
def test_a_bad_page_size_is_a_400_naming_it(personas, url, page_size):
    response = client_for(personas.national).get(url, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": [PAGE_SIZE_INVALID]}


def test_a_bad_page_size_on_the_ranking_is_a_400_naming_it(personas):
    build_scenario(personas)
    response = client_for(personas.national).get(
        "/api/v1/readiness/", {"profile": "cart-core", "page_size": "-5"}
    )
    assert response.status_code == 400
    assert response.json() == {"page_size": [PAGE_SIZE_INVALID]}


def test_page_sizes_from_1_to_500_work(personas):
    CapabilityFactory.create_batch(3)
    client = client_for(personas.national)
    assert len(client.get("/api/v1/capabilities/", {"page_size": "1"}).json()["results"]) == 1
    assert client.get("/api/v1/capabilities/", {"page_size": "500"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/capabilities/", "category"),
        ("/api/v1/courses/", "scope"),
        ("/api/v1/sites/", "attc"),
        ("/api/v1/sites/", "region"),
        ("/api/v1/trials/", "status"),
        ("/api/v1/trials/", "atmp_class"),
    ],
)
def test_empty_and_unknown_enum_values_are_a_400_naming_the_parameter(personas, url, parameter):
    client = client_for(personas.national)
    empty = client.get(url, {parameter: ""})
    assert empty.status_code == 400
    assert empty.json() == {parameter: [EMPTY_PARAMETER]}
    unknown = client.get(url, {parameter: "no-such-value"})
    assert unknown.status_code == 400
    assert list(unknown.json()) == [parameter]


def test_the_schema_bounds_page_size_and_documents_error_answers(personas):
    schema = client_for(personas.national).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/sites/"]["get"]
    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 500)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes or path == "/api/v1/auth/token/", (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert {"400", "404"} <= codes, (method, path)
            for code in codes - {"400"}:
                if code.startswith("4"):
                    assert operation["responses"][code]["content"], (method, path, code)


def test_a_nul_byte_in_a_form_body_is_a_400_not_a_500(personas):
    # Found by the schemathesis run: a profile code with a NUL reached PostgreSQL.
    client = client_for(personas.national)
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/trials/",
        "short_title=X&profiles=%00ab",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
