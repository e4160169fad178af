"""Every page and API endpoint demands sign-in and hides what a persona may not see (404).

The walkers below read the URL configuration itself (django.urls.get_resolver), so a view added
later is covered without touching this file: if it forgets its login check, or shows site A's
data to site B's coordinator, a test here fails. Path parameters are filled from KWARG_VALUES,
with real objects at site A; a parameter this file does not know still gets a placeholder so the
sign-in check runs, and is reported by test_it_knows_every_path_parameter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.utils.regex_helper import normalize
from rest_framework.test import APIClient

from accounts.services import api_token_create
from actions.services import action_create
from reports.models import ReadinessReport
from tests.conftest import Personas
from tests.guidance.factories import GuidanceVersionFactory
from tests.sites.factories import (
    CapabilityFactory,
    EvidenceDocumentFactory,
    SiteCapabilityFactory,
    SiteFactory,
)
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import RequirementProfileFactory, TrialFactory, TrialSiteFactory

pytestmark = pytest.mark.django_db

# --- the URL walker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    template: str  # "sites/%(site_id)s/", as django.utils.regex_helper.normalize writes it
    params: tuple[str, ...]
    name: str  # "sites:detail", or the view's dotted path when the pattern has no name
    namespace: str

    def __str__(self) -> str:
        return f"/{self.template} ({self.name})"


def _strip(regex: str) -> str:
    return regex.removeprefix("^").removesuffix("\\Z").removesuffix("$")


def _walk(
    resolver: URLResolver, prefix: str, namespace: str
) -> Iterator[tuple[str, URLPattern, str]]:
    for entry in resolver.url_patterns:
        regex = prefix + _strip(entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from _walk(entry, regex, inner)
        else:
            yield regex, entry, namespace


def all_routes() -> list[Route]:
    routes = []
    for regex, pattern, namespace in _walk(get_resolver(), "", ""):
        # normalize() gives one (template, params) per alternative; the first one is enough to
        # reach the view (e.g. the admin's "(?P<app_label>auth|accounts)" becomes "auth").
        template, params = normalize(regex)[0]
        if pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            name = pattern.lookup_str
        routes.append(Route(template, tuple(params), name, namespace))
    return routes


@dataclass
class World:
    """Personas plus one real object of each kind at site A, for filling path parameters."""

    personas: Personas
    values: dict[str, object] = field(default_factory=dict)
    pk_by_prefix: dict[str, object] = field(default_factory=dict)


# Path parameters this file knows, each bound to an object at site A (or one site A can use).
SITE_PARAMS = {"site_id", "site_pk", "site", "ods_code", "site_code"}


@pytest.fixture
def world(personas: Personas) -> World:
    site_a, site_b = personas.site_a, personas.site_b
    capability = CapabilityFactory(code="ln2_storage")
    site_capability = SiteCapabilityFactory(site=site_a, capability=capability)
    document = EvidenceDocumentFactory(site=site_a, uploaded_by=personas.coordinator_a)
    site_capability.evidence.add(document)
    staff = StaffMemberFactory(site=site_a)
    course = CourseFactory(code="gcp")
    record = TrainingRecordFactory(staff=staff, course=course)
    profile = RequirementProfileFactory(code="cart_core")
    # A trial at both sites: site B's coordinator may see the trial, so any 404 they get on a
    # page about site A and this trial comes from the site check.
    trial = TrialFactory(short_title="SHARED")
    trial.profiles.add(profile)
    TrialSiteFactory(trial=trial, site=site_a)
    TrialSiteFactory(trial=trial, site=site_b)
    guidance = GuidanceVersionFactory(document__slug="receiving-car-t").document
    report = ReadinessReport.objects.create(
        kind=ReadinessReport.Kind.SITE,
        site=site_a,
        trial=trial,
        as_of=dt.date(2026, 11, 23),
        requested_by=personas.coordinator_a,
        status=ReadinessReport.Status.QUEUED,
    )
    action = action_create(
        site=site_a,
        requirement_key="cap:ln2_storage",
        requirement_label="LN2",
        owner=staff,
        target_date=dt.date(2027, 3, 31),
        user=personas.coordinator_a,
    )
    world = World(personas)
    world.values = {
        "site_id": site_a.pk,
        "site_pk": site_a.pk,
        "site": site_a.pk,
        "ods_code": site_a.ods_code,
        "site_code": site_a.ods_code,
        "trial_id": trial.pk,
        "trial_pk": trial.pk,
        "capability_id": capability.pk,
        "capability_code": capability.code,
        "site_capability_id": site_capability.pk,
        "item_id": site_capability.pk,
        "doc_id": document.pk,
        "document_id": document.pk,
        "evidence_id": document.pk,
        "staff_id": staff.pk,
        "staff_member_id": staff.pk,
        "member_id": staff.pk,
        "record_id": record.pk,
        "training_record_id": record.pk,
        "course_id": course.pk,
        "course_code": course.code,
        "profile_id": profile.pk,
        "profile_code": profile.code,
        "slug": guidance.slug,
        "document_slug": guidance.slug,
        "number": 1,
        "report_id": report.pk,
        "action_id": action.pk,
        "region_code": personas.north.code,
        "region": personas.north.code,
        "region_id": personas.north.pk,
        "format": "json",
        "provider_id": "sso",
        "token_id": api_token_create(user=personas.coordinator_a, name="world").token.pk,
        "kind": "capability",
        "requirement_id": 1,
    }
    # API routers call every id "pk": which object it means follows from the path.
    world.pk_by_prefix = {
        "api/v1/sites/": site_a.pk,
        "api/v1/trials/": trial.pk,
        "api/v1/capabilities/": capability.pk,
        "api/v1/courses/": course.pk,
        # allauth looks a passkey up among the signed-in user's own: none here, so 404.
        "accounts/2fa/webauthn/keys/": 1,
    }
    return world


def _placeholder(param: str) -> str:
    return str(uuid.UUID(int=1)) if "uuid" in param else "1"


def fill(route: Route, world: World) -> tuple[str, set[str]]:
    """The route's URL with real values, and the parameters that had to be guessed."""
    values, unknown = {}, set()
    for param in route.params:
        if param in world.values:
            values[param] = world.values[param]
        elif param in ("pk", "id", "object_id") and (
            prefix := next((p for p in world.pk_by_prefix if route.template.startswith(p)), None)
        ):
            values[param] = world.pk_by_prefix[prefix]
        else:
            values[param] = _placeholder(param)
            unknown.add(param)
    return "/" + route.template % values, unknown


def takes_site(route: Route) -> bool:
    return bool(SITE_PARAMS & set(route.params)) or (
        route.template.startswith("api/v1/sites/%(pk)s")
    )


# --- anonymous requests ------------------------------------------------------------------------

# Reachable without signing in, each for a reason.
PUBLIC = {
    "login": "the sign-in page itself",
    "logout": "signing out needs no session (GET is refused with 405; POST just redirects)",
    "accessibility": "the accessibility statement must be readable before signing in",
    "api-token": "exchanges an e-mail address and password for a token",
    "admin:login": "the admin's sign-in: it sends anonymous visitors to the portal's sign-in",
    "account_login": "the sign-in page's name in django-allauth (same view as 'login')",
    "account_logout": "the sign-out's name in django-allauth (same view as 'logout')",
    "account_inactive": "allauth's 'this account is inactive' page, shown instead of signing in",
    "socialaccount_login_cancelled": "single sign-on cancelled at the provider: says so",
    "socialaccount_login_error": "single sign-on failed at the provider: says so (401)",
    "openid_connect_login": "starts single sign-on (404 when no provider is configured)",
    "openid_connect_callback": "the provider sends the browser back here to finish sign-on",
    "admin:logout": "signing out of the admin",
}
STATIC_PREFIXES = ("static/", "media/")


def _is_login_redirect(response: HttpResponse, login_path: str) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == login_path


def anonymous_problems(world: World) -> list[str]:
    problems = []
    client = Client()
    for route in all_routes():
        if route.name in PUBLIC or route.template.startswith(STATIC_PREFIXES):
            continue
        url, _ = fill(route, world)
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        if route.namespace == "admin":
            ok = _is_login_redirect(response, "/admin/login/")
        elif route.template.startswith("api/"):
            ok = response.status_code in (401, 403)
        else:
            ok = _is_login_redirect(response, "/accounts/login/")
        if not ok:
            problems.append(f"{route}: anonymous got {response.status_code}")
    return problems


def test_it_demands_sign_in_for_every_url_except_the_public_ones(world):
    assert anonymous_problems(world) == []


def test_it_keeps_the_public_list_honest(world):
    names = {route.name for route in all_routes()}
    assert set(PUBLIC) <= names, f"public entries with no URL: {set(PUBLIC) - names}"


def test_it_serves_the_public_pages_to_anonymous_visitors():
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accessibility/").status_code == 200
    admin_login = client.get("/admin/login/")
    assert admin_login.status_code == 302
    assert admin_login["Location"] == "/accounts/login/?next=%2Fadmin%2Flogin%2F"


def test_it_walks_every_url_pattern(world):
    """The walker sees the URLs this file relies on: a walker that saw nothing would pass."""
    templates = {route.template for route in all_routes()}
    for expected in (
        "",
        "sites/",
        "sites/%(site_id)s/",
        "trials/%(trial_id)s/",
        "api/v1/sites/%(pk)s/",
        "api/v1/trials/%(pk)s/",
        "api/docs/",
    ):
        assert expected in templates
    for route in all_routes():
        url, _ = fill(route, world)
        assert resolve(urlsplit(url).path).route is not None, route


def _unprotected(request):
    return HttpResponse("site A's secrets")


def _unscoped(request, site_id):
    return HttpResponse(f"site {site_id}")


class UrlsWithAForgottenLoginCheck:
    urlpatterns = [
        path("forgot-login/", _unprotected, name="forgot-login"),
        path("api/v1/forgot/", _unprotected, name="api-forgot"),
        path("sites/<int:site_id>/forgot-scope/", _unscoped, name="forgot-scope"),
        *get_resolver("atmp_portal.urls").url_patterns,
    ]


def test_it_would_catch_a_view_that_forgets_its_login_check(world):
    with override_settings(ROOT_URLCONF=UrlsWithAForgottenLoginCheck):
        problems = anonymous_problems(world)
        scope = site_scope_problems(world)
    assert "/forgot-login/ (forgot-login): anonymous got 200" in problems
    assert "/api/v1/forgot/ (api-forgot): anonymous got 200" in problems
    assert any(p.startswith(f"/sites/{world.personas.site_a.pk}/forgot-scope/") for p in scope)


# --- site scope ---------------------------------------------------------------------------------

# Patterns that take a site but may answer site B's coordinator with something other than 404.
SITE_SCOPE_EXCEPTIONS: dict[str, str] = {}


def site_scope_problems(world: World) -> list[str]:
    p = world.personas
    outsider = p.client_for(p.coordinator_b)
    insiders = [p.client_for(user) for user in (p.coordinator_a, p.network, p.national)]
    problems = []
    for route in all_routes():
        if not takes_site(route) or route.name in SITE_SCOPE_EXCEPTIONS:
            continue
        if route.namespace == "admin":
            continue  # staff only: the admin has its own permission checks
        url, unknown = fill(route, world)
        response = outsider.get(url)
        method = "GET"
        if response.status_code == 405:
            method = "POST"
            response = outsider.post(url)
        if response.status_code != 404:
            problems.append(
                f"{url} ({route.name}): site B's coordinator got "
                f"{response.status_code} for {method}"
            )
            continue
        # A 404 proves nothing if everyone gets it: someone in scope must reach the page.
        if method == "GET" and not unknown:
            statuses = [client.get(url).status_code for client in insiders]
            if all(status == 404 for status in statuses):
                problems.append(f"{url} ({route.name}): 404 even for people in scope")
    return problems


def test_it_hides_site_a_from_site_b_on_every_url_that_takes_a_site(world):
    assert site_scope_problems(world) == []


def test_it_finds_urls_that_take_a_site(world):
    names = {route.name for route in all_routes() if takes_site(route)}
    assert {"sites:detail", "site-detail"} <= names


def test_it_knows_every_path_parameter(world):
    """Guessed parameters still get the sign-in check, but not the in-scope check: add them."""
    unknown = {}
    for route in all_routes():
        if route.namespace == "admin":
            continue
        _, guessed = fill(route, world)
        if guessed:
            unknown[str(route)] = sorted(guessed)
    assert unknown == {}, "add these parameters to the world fixture's values"


# --- personas: lists and details ----------------------------------------------------------------


@dataclass
class Trials:
    at_a: object
    at_b: object
    shared: object


@pytest.fixture
def trials(personas: Personas) -> Trials:
    at_a = TrialFactory(short_title="ONLY-A")
    at_b = TrialFactory(short_title="ONLY-B")
    shared = TrialFactory(short_title="SHARED-AB")
    TrialSiteFactory(trial=at_a, site=personas.site_a)
    TrialSiteFactory(trial=at_b, site=personas.site_b)
    TrialSiteFactory(trial=shared, site=personas.site_a)
    TrialSiteFactory(trial=shared, site=personas.site_b)
    return Trials(at_a, at_b, shared)


# persona -> (sites they see, trials they see)
SCOPE = {
    "coordinator_a": ({"RAA"}, {"ONLY-A", "SHARED-AB"}),
    "pharmacist_a": ({"RAA"}, {"ONLY-A", "ONLY-B", "SHARED-AB"}),
    "coordinator_b": ({"RBB"}, {"ONLY-B", "SHARED-AB"}),
    "network": ({"RAA", "RNN"}, {"ONLY-A", "ONLY-B", "SHARED-AB"}),
    "national": ({"RAA", "RBB", "RNN"}, {"ONLY-A", "ONLY-B", "SHARED-AB"}),
    "editor": (set(), set()),
    "nobody": (set(), set()),
}
ALL_SITES = {"RAA", "RBB", "RNN"}
ALL_TRIALS = {"ONLY-A", "ONLY-B", "SHARED-AB"}


@pytest.fixture
def north_site(personas):
    """A second North site, with no members: only network coordinators see it."""
    return SiteFactory(name="Nidd Hospital", ods_code="RNN", region=personas.north)


def _sites_by_code(personas, north_site):
    return {"RAA": personas.site_a, "RBB": personas.site_b, "RNN": north_site}


@pytest.mark.parametrize("persona", SCOPE)
def test_it_shows_each_persona_only_their_sites_on_the_site_list_page(
    personas, north_site, persona
):
    visible, _ = SCOPE[persona]
    html = personas.client_for(getattr(personas, persona)).get("/sites/").content.decode()
    for code, site in _sites_by_code(personas, north_site).items():
        assert (site.name in html) == (code in visible), f"{persona} and {site.name}"


@pytest.mark.parametrize("persona", SCOPE)
def test_it_answers_404_for_site_pages_out_of_scope(personas, north_site, persona):
    visible, _ = SCOPE[persona]
    client = personas.client_for(getattr(personas, persona))
    for code, site in _sites_by_code(personas, north_site).items():
        for url in (f"/sites/{site.pk}/", f"/api/v1/sites/{site.pk}/"):
            expected = 200 if code in visible else 404
            assert client.get(url).status_code == expected, f"{persona} {url}"


@pytest.mark.parametrize("persona", SCOPE)
def test_it_lists_only_sites_in_scope_in_the_api(personas, north_site, persona):
    visible, _ = SCOPE[persona]
    body = APIClient()
    body.force_authenticate(getattr(personas, persona))
    rows = body.get("/api/v1/sites/", {"page_size": 500}).json()["results"]
    assert {row["ods_code"] for row in rows} == visible


@pytest.mark.parametrize("persona", SCOPE)
def test_it_shows_each_persona_only_their_trials(personas, trials, persona):
    _, visible = SCOPE[persona]
    client = personas.client_for(getattr(personas, persona))
    html = client.get("/trials/").content.decode()
    api = client.get("/api/v1/trials/").json()["results"]
    assert {row["short_title"] for row in api} == visible
    for trial in (trials.at_a, trials.at_b, trials.shared):
        assert (trial.short_title in html) == (trial.short_title in visible)
        expected = 200 if trial.short_title in visible else 404
        assert client.get(f"/trials/{trial.pk}/").status_code == expected, persona
        assert client.get(f"/api/v1/trials/{trial.pk}/").status_code == expected, persona


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("coordinator_a", {"Alpha Hospital"}),
        ("coordinator_b", {"Beta Hospital"}),
        ("pharmacist_a", {"Alpha Hospital"}),
        ("network", {"Alpha Hospital"}),
        ("national", {"Alpha Hospital", "Beta Hospital"}),
    ],
)
def test_it_lists_only_participating_sites_in_scope_on_a_trial(personas, trials, persona, shown):
    client = personas.client_for(getattr(personas, persona))
    html = client.get(f"/trials/{trials.shared.pk}/").content.decode()
    api = client.get(f"/api/v1/trials/{trials.shared.pk}/").json()
    assert {row["site"]["name"] for row in api["sites"]} == shown
    for name in ("Alpha Hospital", "Beta Hospital"):
        assert (name in html) == (name in shown), f"{persona} sees {name}"


@pytest.mark.parametrize(
    "url",
    [
        "/sites/{pk}/",
        "/sites/{pk}/checklist/",
        "/api/v1/sites/{pk}/",
        "/trials/{pk}/",
        "/api/v1/trials/{pk}/",
    ],
)
@pytest.mark.parametrize("pk", ["999999", "0"])
def test_it_answers_404_for_ids_that_do_not_exist(personas, url, pk):
    client = personas.client_for(personas.national)
    assert client.get(url.format(pk=pk)).status_code == 404


def test_it_lets_every_signed_in_user_read_the_catalogues(personas):
    CapabilityFactory()
    CourseFactory()
    for persona in SCOPE:
        client = personas.client_for(getattr(personas, persona))
        for url in ("/api/v1/capabilities/", "/api/v1/courses/"):
            response = client.get(url)
            assert response.status_code == 200, f"{persona} {url}"
            assert response.json()["count"] == 1


def test_it_hides_site_a_evidence_from_site_b_even_with_site_b_in_the_path(world):
    """Asking for site A's document through site B's own pages is a 404 too."""
    p = world.personas
    document_id = world.values["doc_id"]
    url = f"/sites/{p.site_b.pk}/evidence/{document_id}/"
    assert p.client_for(p.coordinator_b).get(url).status_code == 404
    own = f"/sites/{p.site_a.pk}/evidence/{document_id}/"
    assert p.client_for(p.coordinator_a).get(own).status_code == 200
