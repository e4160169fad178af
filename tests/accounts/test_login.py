"""Signing in and out through the form, and what each persona's home page shows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.forms import EmailLoginForm
from tests.accounts.factories import PASSWORD, UserFactory
from tests.guidance.factories import GuidanceVersionFactory
from tests.sites.factories import SiteFactory
from tests.training.factories import StaffMemberFactory
from tests.trials.factories import TrialFactory, TrialSiteFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
INVALID_LOGIN = EmailLoginForm.error_messages["invalid_login"]


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password, **extra})


# --- the form ---------------------------------------------------------------------------------


def test_it_shows_the_sign_in_form():
    response = Client().get(LOGIN_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'type="email"' in html
    assert 'name="password"' in html and 'type="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_it_signs_in_with_email_and_password_and_lands_on_home():
    user = UserFactory(email="jo.bloggs@nhs.example", full_name="Jo Bloggs")
    client = Client()
    response = sign_in(client, "jo.bloggs@nhs.example")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Jo Bloggs" in home.content.decode()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_it_accepts_the_email_address_in_any_case():
    UserFactory(email="jo.bloggs@nhs.example")
    assert sign_in(Client(), "Jo.Bloggs@NHS.example").status_code == 302


def test_it_refuses_a_wrong_password_with_the_error_by_the_form():
    UserFactory(email="jo.bloggs@nhs.example")
    client = Client()
    response = sign_in(client, "jo.bloggs@nhs.example", "not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert INVALID_LOGIN in html
    assert "<title>Error: Sign in" in html
    assert "nhsuk-error-summary" in html
    assert client.get("/").status_code == 302


def test_it_refuses_an_unknown_address_with_the_same_error():
    response = sign_in(Client(), "nobody-here@nhs.example")
    assert response.status_code == 200
    assert INVALID_LOGIN in response.content.decode()


def test_it_refuses_an_inactive_account():
    UserFactory(email="left@nhs.example", is_active=False)
    client = Client()
    response = sign_in(client, "left@nhs.example")
    assert response.status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "jo@nhs.example", "password": ""}, "password"),
        ({"username": "not-an-email", "password": PASSWORD}, "username"),
    ],
)
def test_it_names_the_field_that_is_missing_or_wrong(data, field):
    response = Client().post(LOGIN_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="#id_{field}"' in html, "the error summary links to the field"
    assert re.search(rf'id="id_{field}"[^>]*aria-describedby="[^"]*error', html) or re.search(
        rf'aria-describedby="[^"]*error[^"]*"[^>]*id="id_{field}"', html
    ), "the field points at its error message"


def test_it_returns_to_the_page_asked_for_after_signing_in(personas):
    client = Client()
    target = f"/sites/{personas.site_a.pk}/"
    redirect = client.get(target)
    assert redirect.status_code == 302
    assert redirect["Location"] == f"{LOGIN_URL}?next={target}"
    response = sign_in(client, personas.coordinator_a.email, next=target)
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_it_ignores_a_next_address_on_another_site():
    UserFactory(email="jo.bloggs@nhs.example")
    response = sign_in(Client(), "jo.bloggs@nhs.example", next="https://evil.example/")
    assert response["Location"] == "/"


def test_it_sends_a_signed_in_user_from_the_sign_in_page_to_home():
    client = Client()
    client.force_login(UserFactory())
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_signs_out_with_the_header_button_and_ends_the_session():
    client = Client(enforce_csrf_checks=True)
    UserFactory(email="jo.bloggs@nhs.example")
    login_page = client.get(LOGIN_URL)
    token = login_page.cookies["csrftoken"].value
    sign_in(client, "jo.bloggs@nhs.example", csrfmiddlewaretoken=token)
    home = client.get("/").content.decode()
    assert "Sign out" in home
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.get("/").status_code == 302


def test_it_does_not_sign_out_on_a_get_request():
    """A link or image elsewhere must not be able to sign people out."""
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


# --- home page per persona ----------------------------------------------------------------------


@pytest.fixture
def reachable(personas):
    """Staff and trials at both sites, a North site with no members, one published document."""
    StaffMemberFactory.create_batch(3, site=personas.site_a)
    StaffMemberFactory(site=personas.site_a, active=False)
    StaffMemberFactory.create_batch(2, site=personas.site_b)
    only_a = TrialFactory(short_title="ONLY-A")
    only_b = TrialFactory(short_title="ONLY-B")
    shared = TrialFactory(short_title="SHARED-AB")
    for trial, sites in (
        (only_a, [personas.site_a]),
        (only_b, [personas.site_b]),
        (shared, [personas.site_a, personas.site_b]),
    ):
        for site in sites:
            TrialSiteFactory(trial=trial, site=site)
    SiteFactory(name="Nidd Hospital", ods_code="RNN", region=personas.north)
    GuidanceVersionFactory(document__title="Receiving CAR-T products")
    return personas


def home_html(personas, persona: str) -> str:
    response = personas.client_for(getattr(personas, persona)).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, site_name: str) -> str:
    match = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{site_name}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, f"no row for {site_name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group()))


def test_it_shows_a_site_coordinator_their_site_with_counts_and_trials(reachable):
    html = home_html(reachable, "coordinator_a")
    row = _row(html, "Alpha Hospital")
    # Active staff only (leavers keep their records but are not counted), then trials.
    assert re.search(r"Site coordinator\s+3\s+2", row), row
    assert "ONLY-A" in html and "SHARED-AB" in html
    for hidden in ("Beta Hospital", "Nidd Hospital", "ONLY-B"):
        assert hidden not in html


def test_it_shows_site_b_coordinator_nothing_of_site_a(reachable):
    html = home_html(reachable, "coordinator_b")
    assert re.search(r"Site coordinator\s+2\s+2", _row(html, "Beta Hospital"))
    for hidden in ("Alpha Hospital", "Nidd Hospital", "ONLY-A"):
        assert hidden not in html


def test_it_shows_a_pharmacist_their_site_and_role(reachable):
    html = home_html(reachable, "pharmacist_a")
    assert "Pharmacist" in _row(html, "Alpha Hospital")
    assert "Beta Hospital" not in html


def test_it_shows_a_regional_network_coordinator_their_scope(reachable):
    html = re.sub(r"\s+", " ", home_html(reachable, "network"))
    assert "You coordinate North" in html
    assert re.search(r">\s*2 sites\s*</a> in 1 region\b", html), "Alpha and Nidd, both North"
    assert re.search(r">\s*3 trials\s*</a>", html)
    assert "Beta Hospital" not in html


def test_it_shows_a_national_coordinator_every_site(reachable):
    html = re.sub(r"\s+", " ", home_html(reachable, "national"))
    assert "you see every site" in html
    assert re.search(r">\s*3 sites\s*</a> in 2 regions", html)


def test_it_shows_an_editor_their_guidance_work_and_no_sites(reachable):
    html = home_html(reachable, "editor")
    assert "Guidance editing" in html
    assert "1 guidance document, 0 drafts" in re.sub(r"\s+", " ", html)
    for hidden in ("Alpha Hospital", "Beta Hospital", "ONLY-A", "ONLY-B", "SHARED-AB"):
        assert hidden not in html


def test_it_tells_a_user_with_no_role_to_ask_for_one(reachable):
    html = home_html(reachable, "nobody")
    assert "Your account has no site or network role yet" in html
    for hidden in ("Alpha Hospital", "Beta Hospital", "ONLY-A"):
        assert hidden not in html
    assert "1 published guidance document" in re.sub(r"\s+", " ", html)


def test_it_builds_the_home_page_in_the_same_number_of_queries_for_more_sites(personas):
    client = personas.client_for(personas.national)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    for _ in range(10):
        site = SiteFactory(region=personas.north)
        StaffMemberFactory(site=site)
        TrialSiteFactory(site=site)
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large) == len(small)
