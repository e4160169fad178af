"""A trial's change history: the trial page shows the latest changes, at a cost that does not
grow with the history; the history page shows all of them, 50 a page, to the same readers."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sites.models import Site
from tests.sites.factories import CapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import RequirementProfileFactory, TrialFactory
from trials import services
from trials.history import RECENT_CHANGES, recent_trial_history, trial_history
from trials.models import TrialSite

pytestmark = pytest.mark.django_db
S = TrialSite.Status
ROW = re.compile(r'aria-hidden="true">When </span>')


def _rows(response) -> int:
    return len(ROW.findall(response.content.decode()))


def _edit(trial, user, **values) -> None:
    for name, value in values.items():
        setattr(trial, name, value)
    services.trial_save(
        trial=trial, user=user, profiles=trial.profiles.all(), reason=f"Edit {values}"
    )


def _more_history(trial, user, sites, n: int) -> None:
    """n more history records of every kind: trial edits, requirements added and changed,
    sites shortlisted and moved on."""
    course = CourseFactory()
    for i in range(n):
        kind = i % 4
        if kind == 0:
            _edit(trial, user, sponsor=f"Sponsor {i}")
        elif kind == 1:
            services.training_requirement_add(
                owner=trial,
                course=course,
                level="mandatory",
                min_staff=i,
                user=user,
                reason=f"Need {i}",
            )
        elif kind == 2:
            services.capability_requirement_add(
                owner=trial,
                capabilities=[CapabilityFactory()],
                level="recommended",
                user=user,
                reason=f"Capability {i}",
            )
        else:
            site = SiteFactory(region=sites[0].region)
            trial_site = services.trial_site_add(
                trial=trial, site=site, status=S.SHORTLISTED, user=user
            )
            services.trial_site_move(
                trial_site=trial_site, status=S.INVITED, user=user, reason=f"Invite {i}"
            )


@pytest.fixture
def trial(personas):
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory(short_title="ORION-19")
    services.trial_save(trial=trial, user=personas.national, profiles=[profile], reason="Set up")
    for site in (personas.site_a, personas.site_b):
        services.trial_site_add(
            trial=trial, site=site, status=S.SHORTLISTED, user=personas.national
        )
    return trial


def test_the_trial_page_shows_the_latest_changes_newest_first_and_links_to_all(personas, trial):
    _more_history(trial, personas.national, [personas.site_a], 16)
    response = personas.client_for(personas.national).get(f"/trials/{trial.pk}/")
    html = response.content.decode()
    assert _rows(response) == RECENT_CHANGES
    assert f'href="/trials/{trial.pk}/history/"' in html
    assert "These are the 10 latest changes. " in html
    assert "See all changes to ORION-19" in html
    assert html.index("Invite 15") < html.index("Capability 14") < html.index("Need 13")
    assert "Set up" not in html  # the oldest change is on the history page only


def test_a_short_history_is_shown_whole(personas, trial):
    response = personas.client_for(personas.national).get(f"/trials/{trial.pk}/")
    html = response.content.decode()
    assert _rows(response) == len(trial_history(trial, sites=Site.objects.all())) < RECENT_CHANGES
    assert "Set up" in html and "latest changes." not in html
    assert "See all changes to ORION-19" in html


def test_the_trial_page_costs_the_same_with_50_more_changes(personas, trial):
    client = personas.client_for(personas.national)
    _more_history(trial, personas.national, [personas.site_a], 12)
    client.get(f"/trials/{trial.pk}/")
    with CaptureQueriesContext(connection) as before:
        rows_before = _rows(client.get(f"/trials/{trial.pk}/"))
    _more_history(trial, personas.national, [personas.site_a], 50)
    with CaptureQueriesContext(connection) as after:
        rows_after = _rows(client.get(f"/trials/{trial.pk}/"))
    assert len(after) == len(before)
    assert rows_after == rows_before == RECENT_CHANGES


@pytest.mark.parametrize("limit", [1, 3, 10, 25])
def test_the_latest_changes_are_the_newest_rows_of_the_whole_history(personas, trial, limit):
    _more_history(trial, personas.national, [personas.site_a], 30)
    requirement = trial.capability_requirements.first()
    services.capability_requirement_update(
        requirement=requirement,
        capabilities=[CapabilityFactory(name="Dry shipper")],
        level="mandatory",
        note="Either",
        user=personas.national,
        reason="Sponsor allows it",
    )
    whole = trial_history(trial, sites=Site.objects.all())
    latest, older = recent_trial_history(trial, sites=Site.objects.all(), limit=limit)
    assert latest == whole[:limit]
    assert older
    assert latest[0].what == "Capability requirement changed" and latest[0].old  # old → new


def test_the_history_page_shows_every_change_fifty_a_page(personas, trial):
    _more_history(trial, personas.national, [personas.site_a], 60)
    whole = trial_history(trial, sites=Site.objects.all())
    client = personas.client_for(personas.national)
    first = client.get(f"/trials/{trial.pk}/history/")
    last = client.get(f"/trials/{trial.pk}/history/?page=99")
    html = first.content.decode()
    assert _rows(first) == 50
    assert _rows(last) == len(whole) - 50 * (len(whole) // 50) or 50
    assert f"{len(whole)} changes" in html
    assert 'aria-label="Breadcrumb"' in html and f'href="/trials/{trial.pk}/"' in html
    assert "?page=2" in html
    assert "Set up" in last.content.decode()  # the oldest change, on the last page
    assert client.get(f"/trials/{trial.pk}/history/?page=x").status_code == 200


@pytest.mark.parametrize(
    "persona", ["coordinator_a", "pharmacist_a", "coordinator_b", "editor", "nobody"]
)
def test_only_network_coordinators_see_the_history(personas, trial, persona):
    client = personas.client_for(getattr(personas, persona))
    assert client.get(f"/trials/{trial.pk}/history/").status_code == 404
    page = client.get(f"/trials/{trial.pk}/")
    assert "/history/" not in page.content.decode()


def test_the_history_hides_the_selection_of_sites_outside_the_readers_scope(personas, trial):
    client = personas.client_for(personas.network)  # North: Alpha, not Beta
    for url in (f"/trials/{trial.pk}/", f"/trials/{trial.pk}/history/"):
        html = client.get(url).content.decode()
        assert "Site: Alpha Hospital" in html and "Beta Hospital" not in html, url
    assert client.get("/trials/999999/history/").status_code == 404
