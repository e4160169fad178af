"""The API base: token sign-in, pagination, filters, catalogue endpoints, schema and docs."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.api import BAD_CREDENTIALS
from accounts.models import ApiToken
from accounts.services import token_digest
from accounts.views import LOCKOUT_MESSAGE
from sites.models import Capability
from tests.accounts.factories import PASSWORD, UserFactory
from tests.sites.factories import CapabilityFactory, RegionFactory, SiteFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import RequirementProfileFactory, TrialFactory, TrialSiteFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- token sign-in ------------------------------------------------------------------------------


def test_it_exchanges_email_and_password_for_a_token_that_then_works():
    user = UserFactory(email="token.user@nhs.example")
    client = APIClient()
    response = client.post(
        TOKEN_URL, {"email": "token.user@nhs.example", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=user)
    assert stored.digest == token_digest(token), "only the key's digest is stored"
    assert response.json()["expires_at"].startswith(stored.expires_at.date().isoformat())

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/courses/").status_code == 200


def test_it_gives_a_new_token_each_time_and_both_work():
    """Only digests are stored, so an earlier key cannot be handed out again."""
    UserFactory(email="token.user@nhs.example")
    body = {"email": "token.user@nhs.example", "password": PASSWORD}
    first = APIClient().post(TOKEN_URL, body, format="json").json()["token"]
    second = APIClient().post(TOKEN_URL, body, format="json").json()["token"]
    assert first != second
    for key in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/courses/").status_code == 200


def test_it_refuses_a_wrong_password_with_a_reason():
    UserFactory(email="token.user@nhs.example")
    response = APIClient().post(
        TOKEN_URL,
        {"email": "token.user@nhs.example", "password": "not-the-password"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CREDENTIALS}
    assert not ApiToken.objects.exists()


def test_it_refuses_an_inactive_account():
    UserFactory(email="left@nhs.example", is_active=False)
    response = APIClient().post(
        TOKEN_URL, {"email": "left@nhs.example", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CREDENTIALS}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "token.user@nhs.example"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
    ],
)
def test_it_names_the_missing_or_bad_field(body, field):
    UserFactory(email="token.user@nhs.example")
    response = APIClient().post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert response.json()[field][0]


def test_it_refuses_a_bad_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/sites/")
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate challenge.
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_it_locks_the_token_endpoint_after_five_failures_even_for_the_right_password():
    UserFactory(email="token.user@nhs.example")
    other = UserFactory(email="other.user@nhs.example")
    client = APIClient()
    for _ in range(5):
        client.post(
            TOKEN_URL,
            {"email": "token.user@nhs.example", "password": "wrong-password"},
            format="json",
        )
    response = client.post(
        TOKEN_URL, {"email": "TOKEN.User@nhs.example", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKOUT_MESSAGE.format(minutes=15, attempts=5)}
    # The lockout is per account: another account still gets its token.
    response = client.post(TOKEN_URL, {"email": other.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200


# --- unauthenticated --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sites/",
        "/api/v1/capabilities/",
        "/api/v1/courses/",
        "/api/v1/trials/",
        "/api/schema/",
        "/api/docs/",
    ],
)
def test_it_refuses_anonymous_requests(url):
    assert APIClient().get(url).status_code in (401, 403)


# --- pagination --------------------------------------------------------------------------------


def test_it_pages_lists_with_page_and_page_size(personas):
    CapabilityFactory.create_batch(7)
    client = api_client_for(personas.editor)
    body = client.get("/api/v1/capabilities/", {"page_size": 3, "page": 2}).json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] and body["previous"]
    last = client.get("/api/v1/capabilities/", {"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None


def test_it_gives_up_to_500_per_page_and_refuses_more(personas):
    CapabilityFactory.create_batch(501)
    client = api_client_for(personas.editor)
    assert len(client.get("/api/v1/capabilities/", {"page_size": 500}).json()["results"]) == 500
    assert client.get("/api/v1/capabilities/", {"page_size": 10_000}).status_code == 400
    assert len(client.get("/api/v1/capabilities/").json()["results"]) == 50


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_it_answers_404_for_a_page_that_does_not_exist(personas, page):
    CapabilityFactory.create_batch(2)
    response = api_client_for(personas.editor).get("/api/v1/capabilities/", {"page": page})
    assert response.status_code == 404
    assert response.json()["detail"]


# --- sites ------------------------------------------------------------------------------------


def test_it_lists_sites_with_id_name_ods_code_and_region(personas):
    body = api_client_for(personas.coordinator_a).get("/api/v1/sites/").json()
    assert body["results"] == [
        {
            "id": personas.site_a.pk,
            "name": "Alpha Hospital",
            "ods_code": "RAA",
            "region": {"code": "NORTH", "name": "North"},
            "city": personas.site_a.city,
            "attc": "",
        }
    ]


def test_it_filters_sites_by_region_code(personas):
    client = api_client_for(personas.national)
    body = client.get("/api/v1/sites/", {"region": "SOUTH"}).json()
    assert [row["ods_code"] for row in body["results"]] == ["RBB"]


def test_it_rejects_an_unknown_region_code_with_a_reason(personas):
    response = api_client_for(personas.national).get("/api/v1/sites/", {"region": "NOWHERE"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_it_keeps_the_site_list_query_count_constant(personas):
    client = api_client_for(personas.national)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/sites/")
    for _ in range(20):
        SiteFactory(region=RegionFactory())
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/sites/").json()["results"]) == 22
    assert len(large) == len(small)


# --- catalogue --------------------------------------------------------------------------------


def test_it_filters_capabilities_by_category(personas):
    CapabilityFactory(code="ln2", category=Capability.Category.STORAGE)
    CapabilityFactory(code="aseptic", category=Capability.Category.PHARMACY)
    client = api_client_for(personas.nobody)
    body = client.get("/api/v1/capabilities/", {"category": "pharmacy"}).json()
    assert [row["code"] for row in body["results"]] == ["aseptic"]
    response = client.get("/api/v1/capabilities/", {"category": "nonsense"})
    assert response.status_code == 400
    assert "category" in response.json()


def test_it_lists_courses_for_any_signed_in_user(personas):
    CourseFactory(code="gcp", title="Good Clinical Practice", renewal_months=36)
    body = api_client_for(personas.nobody).get("/api/v1/courses/").json()
    assert body["count"] == 1
    assert body["results"][0]["code"] == "gcp"
    assert body["results"][0]["renewal_months"] == 36


# --- trials -----------------------------------------------------------------------------------


def test_it_shows_a_trial_with_identifiers_profiles_and_only_visible_sites(personas):
    profile = RequirementProfileFactory(code="cart_core", name="CAR-T core")
    trial = TrialFactory(short_title="CARTIER", iras_id="1004567", nct_number="NCT01234567")
    trial.profiles.add(profile)
    TrialSiteFactory(trial=trial, site=personas.site_a)
    TrialSiteFactory(trial=trial, site=personas.site_b)

    body = api_client_for(personas.coordinator_a).get(f"/api/v1/trials/{trial.pk}/").json()
    assert body["identifiers"]["iras_id"] == "1004567"
    assert body["identifiers"]["nct_number"] == "NCT01234567"
    assert body["profiles"] == [{"code": "cart_core", "name": "CAR-T core"}]
    assert [row["site"]["ods_code"] for row in body["sites"]] == ["RAA"]

    national = api_client_for(personas.national).get(f"/api/v1/trials/{trial.pk}/").json()
    assert [row["site"]["ods_code"] for row in national["sites"]] == ["RAA", "RBB"]


def test_it_filters_trials_by_atmp_class_and_profile(personas):
    profile = RequirementProfileFactory(code="tep_core")
    TrialFactory(short_title="GENE", atmp_class="gtmp_in_vivo")
    tissue = TrialFactory(short_title="TISSUE", atmp_class="tep")
    tissue.profiles.add(profile)
    client = api_client_for(personas.national)
    by_class = client.get("/api/v1/trials/", {"atmp_class": "tep"}).json()
    assert [row["short_title"] for row in by_class["results"]] == ["TISSUE"]
    by_profile = client.get("/api/v1/trials/", {"profile": "tep_core"}).json()
    assert [row["short_title"] for row in by_profile["results"]] == ["TISSUE"]
    assert client.get("/api/v1/trials/", {"atmp_class": "x"}).status_code == 400


def test_it_keeps_the_trial_list_query_count_constant(personas):
    client = api_client_for(personas.national)
    profile = RequirementProfileFactory()
    TrialFactory().profiles.add(profile)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/trials/")
    for _ in range(15):
        TrialFactory().profiles.add(profile, RequirementProfileFactory())
    with CaptureQueriesContext(connection) as large:
        assert client.get("/api/v1/trials/").json()["count"] == 16
    assert len(large) == len(small)


# --- schema and docs --------------------------------------------------------------------------


def test_it_serves_the_openapi_schema_to_signed_in_users(personas):
    client = personas.client_for(personas.nobody)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/sites/",
        "/api/v1/sites/{id}/",
        "/api/v1/capabilities/",
        "/api/v1/courses/",
        "/api/v1/trials/",
        "/api/v1/trials/{id}/",
        "/api/v1/auth/token/",
    ):
        assert path in paths


def test_it_serves_the_docs_page_without_external_or_inline_scripts(personas):
    client = personas.client_for(personas.nobody)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources, "the docs page loads its scripts from files"
    for src in sources:
        assert src.startswith("/"), f"script from another origin: {src}"
        assert not src.startswith("//")
    # Every <script> has a src: an inline script would be blocked by our nonce-based CSP.
    assert html.count("<script") == len(sources)
    assert "script-src" in response["Content-Security-Policy"]


def test_it_serves_the_docs_initialiser_and_swagger_files_from_our_origin(personas):
    client = personas.client_for(personas.nobody)
    html = client.get("/api/docs/").content.decode()
    for src in re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html):
        src = src.replace("&amp;", "&")
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
        else:
            response = client.get(src)
            assert response.status_code == 200, src
            assert b"SwaggerUIBundle" in response.content
