"""Every /api/ error is JSON; no-store on signed-in and API answers; Permissions-Policy."""

from __future__ import annotations

import pytest
from django.test import Client

from sites import api as sites_api
from tests.sites.factories import EvidenceDocumentFactory

pytestmark = pytest.mark.django_db


def _client(personas, who="national") -> Client:
    client = personas.client_for(getattr(personas, who))
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/no-such-endpoint/", 404),
        ("get", "/api/nothing-here", 404),
        ("get", "/api/v1/sites/999999/", 404),
        ("delete", "/api/v1/sites/", 405),
        ("post", "/api/v1/capabilities/", 405),
    ],
)
def test_api_errors_are_json(personas, method, url, status):
    response = getattr(_client(personas), method)(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_crash_on_an_api_path_is_a_json_500(personas, monkeypatch):
    def crash(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sites_api.SiteViewSet, "list", crash)
    response = _client(personas).get("/api/v1/sites/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Internal Server Error"}
    assert "boom" not in response.content.decode()


def test_a_refused_host_on_an_api_path_is_json(personas):
    response = _client(personas).get("/api/v1/sites/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad Request"}


def test_html_pages_keep_their_html_error_pages(personas):
    response = _client(personas).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_signed_in_pages_and_api_answers_are_not_stored(personas):
    client = _client(personas, "coordinator_a")
    for url in ("/", f"/sites/{personas.site_a.pk}/", "/api/v1/sites/", "/api/v1/nope/"):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_the_token_answer_is_not_stored(personas):
    from tests.accounts.factories import PASSWORD

    response = Client().post(
        "/api/v1/auth/token/",
        {"email": personas.coordinator_a.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_evidence_downloads_are_not_stored(personas):
    document = EvidenceDocumentFactory(site=personas.site_a, uploaded_by=personas.coordinator_a)
    response = _client(personas, "coordinator_a").get(
        f"/sites/{personas.site_a.pk}/evidence/{document.pk}/"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_page_carries_the_permissions_policy():
    response = Client().get("/accounts/login/")
    assert "camera=()" in response["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in response["Permissions-Policy"]


def test_every_response_carries_the_permissions_policy(personas):
    for url in ("/", "/api/v1/sites/", "/api/v1/nope/"):
        assert "geolocation=()" in _client(personas).get(url)["Permissions-Policy"], url
