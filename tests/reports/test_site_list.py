"""The site list page: search, region and ATTC filters, "ready for a trial" and the orders,
all by a GET form, paginated, in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.views.sites import SITE_LIST_PAGE_SIZE, TRIAL_NEEDED
from sites.filters import ATTC_UNKNOWN, REGION_UNKNOWN, SORT_UNKNOWN
from sites.models import Site, SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    """The site names in the table, in the order shown."""
    return re.findall(r'<a href="/sites/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def world(personas):
    """A trial needing one capability: Alpha (North) has it in place, Gamma (North, an ATTC
    member) has it in progress, Beta (South) has it in place."""
    capability = CapabilityFactory(name="Liquid nitrogen storage")
    trial = TrialFactory(short_title="CAR-T-01")
    CapabilityRequirementFactory(trial=trial, capabilities=[capability])
    gamma = SiteFactory(
        name="Gamma Infirmary",
        ods_code="RGG",
        region=personas.north,
        city="Leeds",
        attc=Site.Attc.NA_ATTC,
    )
    for site, status in [
        (personas.site_a, "in_place"),
        (gamma, "in_progress"),
        (personas.site_b, "in_place"),
    ]:
        SiteCapabilityFactory(
            site=site, capability=capability, status=status, evidence_expires_on=None
        )
    return trial, gamma


def test_it_lists_only_the_sites_in_the_users_scope(personas, world):
    response = personas.client_for(personas.network).get("/sites/")
    assert _names(response) == ["Alpha Hospital", "Gamma Infirmary"]
    html = response.content.decode()
    # The region choice offers only the regions the coordinator may see.
    assert 'value="NORTH"' in html and 'value="SOUTH"' not in html


def test_it_searches_names_codes_and_cities(personas, world):
    client = personas.client_for(personas.national)
    assert _names(client.get("/sites/", {"q": "infirm"})) == ["Gamma Infirmary"]
    assert _names(client.get("/sites/", {"q": "rbb"})) == ["Beta Hospital"]
    assert _names(client.get("/sites/", {"q": "leeds"})) == ["Gamma Infirmary"]
    assert "No site you can see matches" in client.get("/sites/", {"q": "zzz"}).content.decode()


def test_it_filters_by_region_and_attc(personas, world):
    client = personas.client_for(personas.national)
    assert _names(client.get("/sites/", {"region": "SOUTH"})) == ["Beta Hospital"]
    assert _names(client.get("/sites/", {"attc": "na_attc"})) == ["Gamma Infirmary"]


def test_a_region_outside_the_scope_is_refused_with_a_message(personas, world):
    response = personas.client_for(personas.network).get("/sites/", {"region": "SOUTH"})
    assert response.status_code == 400
    assert "Beta Hospital" not in response.content.decode()
    assert 'href="#id_region"' in response.content.decode()
    assert REGION_UNKNOWN in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"attc": "nowhere"}, ATTC_UNKNOWN),
        ({"sort": "age"}, SORT_UNKNOWN),
        ({"q": "x" * 101}, "100 characters or fewer"),
    ],
)
def test_bad_filters_are_named_by_their_field(personas, world, params, message):
    response = personas.client_for(personas.national).get("/sites/", params)
    assert response.status_code == 400 and message in response.content.decode()


def test_it_sorts_by_region_then_name(personas, world):
    client = personas.client_for(personas.national)
    names = _names(client.get("/sites/", {"sort": "region"}))
    assert names == ["Alpha Hospital", "Gamma Infirmary", "Beta Hospital"]


def test_ready_for_a_trial_keeps_the_sites_the_engine_calls_ready(personas, world):
    trial, _ = world
    client = personas.client_for(personas.national)
    response = client.get("/sites/", {"trial": trial.pk, "ready": "on"})
    assert _names(response) == ["Alpha Hospital", "Beta Hospital"]
    html = response.content.decode()
    assert (
        "Ready for CAR-T-01" in html
        and f"/sites/{personas.site_a.pk}/readiness/?trial={trial.pk}" in html
    )


def test_score_order_puts_ready_sites_first(personas, world):
    trial, gamma = world
    SiteCapability.objects.filter(site=personas.site_a).update(status="not_in_place")
    client = personas.client_for(personas.national)
    names = _names(client.get("/sites/", {"trial": trial.pk, "sort": "score"}))
    assert names == ["Beta Hospital", "Alpha Hospital", "Gamma Infirmary"]
    # Without the trial, the order by score has nothing to sort by: a message, not a 500.
    response = client.get("/sites/", {"sort": "score"})
    assert response.status_code == 400 and TRIAL_NEEDED in response.content.decode()


def test_a_trial_the_user_may_not_see_is_a_404(personas, world):
    trial, _ = world
    client = personas.client_for(personas.coordinator_a)
    assert client.get("/sites/", {"trial": trial.pk}).status_code == 404
    assert client.get("/sites/", {"trial": "nonsense"}).status_code == 404


def test_the_list_is_paginated_and_the_links_keep_the_filters(personas, world):
    SiteFactory.create_batch(SITE_LIST_PAGE_SIZE, region=personas.north, city="Leeds")
    client = personas.client_for(personas.national)
    html = client.get("/sites/", {"q": "leeds", "sort": "name"}).content.decode()
    assert f"of {SITE_LIST_PAGE_SIZE + 1}" in html
    assert "?q=leeds&amp;sort=name&amp;page=2" in html
    assert len(_names(client.get("/sites/", {"q": "leeds", "page": 2}))) == 1


@pytest.mark.parametrize("query", ["", "?q=hosp&sort=region", "?trial={trial}&ready=on&sort=score"])
def test_the_query_count_does_not_grow_with_the_sites(personas, world, query):
    trial, _ = world
    client = personas.client_for(personas.national)
    url = "/sites/" + query.format(trial=trial.pk)

    def count() -> int:
        cache.clear()  # the ranking's counts cache: compare cold requests with cold ones
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the first request after signing in also touches the session
    before = count()
    first = trial.capability_requirements.get().capabilities.get()
    capability = CapabilityFactory()
    CapabilityRequirementFactory(trial=trial, capabilities=[capability])
    for site in [personas.site_a, personas.site_b]:
        SiteCapabilityFactory(site=site, capability=capability, status="in_place")
    for n in range(10):
        site = SiteFactory(name=f"Hospital {n}", region=personas.south, attc=Site.Attc.IMATCH)
        for each in (first, capability):
            SiteCapabilityFactory(site=site, capability=each, status="in_place")
    assert count() == before


def test_the_site_list_agrees_with_the_ranking_the_overview_and_the_blockers_api(personas, world):
    """One engine: the same trial gives the same ready sites and scores on the site list, the
    ranking API and the overview, and the overview's blockers are the blockers API's rows."""
    from rest_framework.test import APIClient

    trial, _ = world
    client = personas.client_for(personas.national)
    api = APIClient()
    api.force_authenticate(personas.national)
    listed = client.get("/sites/", {"trial": trial.pk, "sort": "score"}).context["rows"]
    ranking = api.get("/api/v1/readiness/", {"trial": trial.pk}).json()["results"]
    overview = client.get("/overview/", {"trial": trial.pk}).context["overview"]
    blockers = api.get("/api/v1/readiness/blockers/", {"trial": trial.pk}).json()

    from_list = [(site.name, a.ready, a.blockers) for site, a in listed]
    assert from_list == [(r["site"]["name"], r["ready"], r["blockers"]) for r in ranking]
    assert from_list == [(a.site.name, a.ready, a.blockers) for a in overview.assessments]
    assert sum(ready for _, ready, _ in from_list) == overview.ready == 2
    assert (
        [(b.requirement, b.sites_blocked, b.sites_assessed) for b in overview.blockers]
        == [(b["requirement"], b["sites_blocked"], b["sites_assessed"]) for b in blockers]
        == [("Liquid nitrogen storage", 1, 3)]
    )
