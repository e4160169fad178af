"""Changing a requirement, an override or a profile in place, without JavaScript, with the
change (who, when, old → new, why) in the trial's or the profile's history."""

from __future__ import annotations

import re

import pytest

from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
)
from trials import forms, services
from trials.history import trial_history
from trials.models import RequirementProfile

pytestmark = pytest.mark.django_db


def _checked(html: str, name: str, value: str) -> bool:
    return re.search(rf'name="{name}" type="radio" value="{value}"[^>]*checked', html) is not None


def _history(trial, personas):
    from sites.models import Site

    return [
        (r.what, r.old, r.new, r.reason) for r in trial_history(trial, sites=Site.objects.all())
    ]


@pytest.fixture
def own(personas):
    """A trial with one own capability requirement (LN2 storage, mandatory) added through the
    service, as the page does."""
    trial = TrialFactory(short_title="RENEW-SCD")
    ln2 = CapabilityFactory(name="LN2 storage")
    requirement = services.capability_requirement_add(
        owner=trial,
        capabilities=[ln2],
        level="mandatory",
        user=personas.national,
        reason="Sponsor asks for it",
    )
    return trial, requirement, ln2


def test_the_change_page_shows_the_requirement_as_it_stands(personas, own):
    trial, requirement, ln2 = own
    client = personas.client_for(personas.network)
    html = client.get(
        f"/trials/{trial.pk}/requirements/capability/{requirement.pk}/edit/"
    ).content.decode()
    assert f'value="{ln2.pk}" checked' in html
    assert _checked(html, "cap-level", "mandatory")


def test_it_changes_alternatives_level_and_note_in_one_recorded_step(personas, own):
    trial, requirement, ln2 = own
    dry_ice = CapabilityFactory(name="Dry shipper")
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/capability/{requirement.pk}/edit/",
        {
            "cap-capabilities": [ln2.pk, dry_ice.pk],
            "cap-level": "recommended",
            "cap-note": "Either store or ship",
            "cap-reason": "Sponsor accepts a dry shipper",
        },
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert set(requirement.capabilities.all()) == {ln2, dry_ice}
    assert (requirement.level, requirement.note) == ("recommended", "Either store or ship")
    changes = [
        row for row in _history(trial, personas) if row[0] == "Capability requirement changed"
    ]
    assert changes == [
        (
            "Capability requirement changed",
            "LN2 storage (mandatory)",
            "Dry shipper or LN2 storage (recommended); note: Either store or ship",
            "Sponsor accepts a dry shipper",
        )
    ]
    html = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "Sponsor accepts a dry shipper" in html and "LN2 storage (mandatory)" in html


def test_saving_without_a_change_records_nothing(personas, own):
    trial, requirement, ln2 = own
    before = requirement.history.count()
    services.capability_requirement_update(
        requirement=requirement,
        capabilities=[ln2],
        level="mandatory",
        note="",
        user=personas.national,
        reason="again",
    )
    assert requirement.history.count() == before


def test_a_change_with_no_capability_is_refused_by_the_field(personas, own):
    trial, requirement, ln2 = own
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/capability/{requirement.pk}/edit/",
        {
            "cap-level": "mandatory",
        },
    )
    assert response.status_code == 400
    assert forms.CAPABILITIES_REQUIRED in response.content.decode()
    assert list(requirement.capabilities.all()) == [ln2]


def test_the_picker_filter_keeps_what_was_ticked_without_javascript(personas, own):
    trial, requirement, ln2 = own
    other = CapabilityFactory(name="Apheresis unit")
    client = personas.client_for(personas.network)
    html = client.get(
        f"/trials/{trial.pk}/requirements/capability/{requirement.pk}/edit/",
        {
            "q": "apheresis",
            "cap-capabilities": [other.pk],
            "cap-level": "recommended",
        },
    ).content.decode()
    assert f'value="{other.pk}" checked' in html and f'value="{ln2.pk}" checked' not in html
    assert _checked(html, "cap-level", "recommended")


def test_it_changes_a_training_requirement(personas):
    trial = TrialFactory()
    course, other = CourseFactory(title="CAR-T handling"), CourseFactory(title="Cytokine release")
    requirement = TrainingRequirementFactory(trial=trial, course=course, min_staff=1)
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/training/{requirement.pk}/edit/",
        {
            "train-course": other.pk,
            "train-role": "",
            "train-min_staff": 3,
            "train-level": "mandatory",
            "train-reason": "Three on call",
        },
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.course, requirement.min_staff) == (other, 3)
    (change,) = [
        row for row in _history(trial, personas) if row[0] == "Training requirement changed"
    ]
    assert change[1].startswith("CAR-T handling — 1 ×") and change[2].startswith(
        "Cytokine release — 3 ×"
    )
    assert change[3] == "Three on call"


def test_a_training_requirement_needs_at_least_one_staff(personas):
    trial = TrialFactory()
    requirement = TrainingRequirementFactory(trial=trial, min_staff=2)
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/training/{requirement.pk}/edit/",
        {
            "train-course": requirement.course_id,
            "train-min_staff": 0,
            "train-level": "mandatory",
        },
    )
    assert response.status_code == 400
    assert "The minimum number of staff must be 1 or more" in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.min_staff == 2


def test_it_changes_an_override_and_needs_a_reason(personas):
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory()
    trial.profiles.add(profile)
    inherited = CapabilityRequirementFactory(profile=profile, capabilities=[CapabilityFactory()])
    override = services.override_set(
        trial=trial,
        requirement=inherited,
        level="recommended",
        reason="Sponsor accepts it",
        user=personas.national,
    )
    client = personas.client_for(personas.network)
    url = f"/trials/{trial.pk}/requirements/override/{override.pk}/edit/"
    response = client.post(url, {"level": "excluded", "reason": ""})
    assert response.status_code == 400 and forms.REASON_REQUIRED in response.content.decode()
    assert client.post(url, {"level": "excluded", "reason": "Not given here"}).status_code == 302
    override.refresh_from_db()
    assert (override.level, override.reason) == ("excluded", "Not given here")
    rows = [row for row in _history(trial, personas) if row[0].startswith("Override")]
    assert rows[0][1:] == ("Relaxed to recommended", "Excluded for this trial", "Not given here")


def test_a_requirement_of_another_trial_or_a_profile_is_a_404(personas, own):
    trial, requirement, _ = own
    other = TrialFactory()
    profile_requirement = CapabilityRequirementFactory(
        profile=RequirementProfileFactory(), capabilities=[CapabilityFactory()]
    )
    client = personas.client_for(personas.national)
    for url in [
        f"/trials/{other.pk}/requirements/capability/{requirement.pk}/edit/",
        f"/trials/{trial.pk}/requirements/capability/{profile_requirement.pk}/edit/",
        f"/trials/{trial.pk}/requirements/override/{requirement.pk}/edit/",
        f"/trials/{trial.pk}/requirements/nonsense/{requirement.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", ["coordinator_a", "pharmacist_a", "editor"])
def test_only_network_coordinators_change_requirements(personas, own, persona):
    trial, requirement, ln2 = own
    client = personas.client_for(getattr(personas, persona))
    url = f"/trials/{trial.pk}/requirements/capability/{requirement.pk}/edit/"
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"cap-capabilities": [ln2.pk], "cap-level": "recommended"}).status_code
        == 404
    )
    requirement.refresh_from_db()
    assert requirement.level == "mandatory"


def test_a_national_coordinator_renames_a_profile_with_history(personas):
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core", description="Old")
    client = personas.client_for(personas.national)
    response = client.post(
        "/trials/profiles/car_t_core/edit/",
        {
            "name": "CAR-T core (2027)",
            "description": "After the 2027 guidance",
            "reason": "Annual review",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.name == "CAR-T core (2027)"
    html = client.get("/trials/profiles/car_t_core/").content.decode()
    assert "Annual review" in html and "After the 2027 guidance" in html and ">Old<" in html


def test_a_profile_name_must_be_given_and_unique(personas):
    RequirementProfileFactory(code="other", name="Gene therapy core")
    RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    client = personas.client_for(personas.national)
    response = client.post("/trials/profiles/car_t_core/edit/", {"name": "Gene therapy core"})
    assert response.status_code == 400
    assert "Another profile already has this name" in response.content.decode()
    response = client.post("/trials/profiles/car_t_core/edit/", {"name": ""})
    assert "Enter the profile&#x27;s name" in response.content.decode()
    assert RequirementProfile.objects.get(code="car_t_core").name == "CAR-T core"


def test_a_national_coordinator_changes_a_profile_requirement(personas):
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    ln2 = CapabilityFactory(name="LN2 storage")
    requirement = services.capability_requirement_add(
        owner=profile, capabilities=[ln2], level="mandatory", user=personas.national
    )
    client = personas.client_for(personas.national)
    response = client.post(
        f"/trials/profiles/car_t_core/capability/{requirement.pk}/edit/",
        {
            "cap-capabilities": [ln2.pk],
            "cap-level": "recommended",
            "cap-reason": "Relaxed",
        },
    )
    assert response.status_code == 302
    html = client.get("/trials/profiles/car_t_core/").content.decode()
    assert "Capability requirement changed" in html and "LN2 storage (recommended)" in html


def test_a_regional_coordinator_cannot_change_a_profile(personas):
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    requirement = CapabilityRequirementFactory(profile=profile, capabilities=[CapabilityFactory()])
    client = personas.client_for(personas.network)
    assert client.post("/trials/profiles/car_t_core/edit/", {"name": "X"}).status_code == 404
    assert (
        client.get(f"/trials/profiles/car_t_core/capability/{requirement.pk}/edit/").status_code
        == 404
    )
    assert "Change the name" not in client.get("/trials/profiles/car_t_core/").content.decode()
    profile.refresh_from_db()
    assert profile.name == "CAR-T core"


# --- the trial form's readiness preview, before the first save --------------------------------


@pytest.fixture
def cart_world(personas):
    """CAR-T core asks for LN2 storage: site A (North) has it, site B (South) has not."""
    from tests.sites.factories import SiteCapabilityFactory

    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    ln2 = CapabilityFactory(name="LN2 storage")
    CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
    SiteCapabilityFactory(
        site=personas.site_a, capability=ln2, status="in_place", evidence_expires_on=None
    )
    SiteCapabilityFactory(site=personas.site_b, capability=ln2, status="not_in_place")
    return profile


def _ready_count(html: str) -> str:
    return re.search(r'data-testid="ready-count">([^<]+)<', html).group(1)


def test_the_htmx_preview_counts_ready_sites_for_the_profiles_ticked(personas, cart_world):
    client = personas.client_for(personas.national)
    assert _ready_count(client.get("/trials/preview/").content.decode()) == "2 of 2"
    html = client.get("/trials/preview/", {"profiles": [cart_world.pk]}).content.decode()
    assert _ready_count(html) == "1 of 2" and "LN2 storage — blocks 1 of 2 sites" in html
    # A regional coordinator's preview counts only their own region's sites.
    regional = personas.client_for(personas.network)
    html = regional.get("/trials/preview/", {"profiles": [cart_world.pk]}).content.decode()
    assert _ready_count(html) == "1 of 1"


def test_the_preview_button_works_without_javascript_and_saves_nothing(personas, cart_world):
    from tests.trials.test_views import TRIAL_POST
    from trials.models import Trial

    client = personas.client_for(personas.national)
    response = client.post(
        "/trials/new/",
        {
            **TRIAL_POST,
            "short_title": "",
            "profiles": [cart_world.pk],
            "preview": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Trial.objects.exists()
    assert _ready_count(html) == "1 of 2" and "LN2 storage — blocks 1 of 2 sites" in html
    assert "Enter the short title" not in html  # a preview is not a failed save
    assert re.search(rf'name="profiles" value="{cart_world.pk}"[^>]*checked', html) or re.search(
        rf'value="{cart_world.pk}"[^>]*checked', html
    )
    assert 'value="Renew Bio (demo)"' in html


def test_the_edit_form_preview_keeps_the_trials_own_requirements_and_overrides(
    personas, cart_world
):
    trial = TrialFactory()
    trial.profiles.add(cart_world)
    inherited = cart_world.capability_requirements.get()
    services.override_set(
        trial=trial,
        requirement=inherited,
        level="excluded",
        reason="Not needed",
        user=personas.national,
    )
    client = personas.client_for(personas.national)
    html = client.get(
        "/trials/preview/", {"trial": trial.pk, "profiles": [cart_world.pk]}
    ).content.decode()
    assert _ready_count(html) == "2 of 2"  # the override drops LN2 storage
    own = CapabilityFactory(name="Apheresis unit")
    CapabilityRequirementFactory(trial=trial, capabilities=[own])
    html = client.get("/trials/preview/", {"trial": trial.pk}).content.decode()
    assert _ready_count(html) == "0 of 2"  # no profile ticked; the own requirement stays


@pytest.mark.parametrize("persona", ["coordinator_a", "pharmacist_a", "editor"])
def test_only_network_coordinators_get_the_form_preview(personas, cart_world, persona):
    client = personas.client_for(getattr(personas, persona))
    assert client.get("/trials/preview/", {"profiles": [cart_world.pk]}).status_code == 404


def test_the_form_preview_ignores_values_that_are_not_profiles(personas, cart_world):
    client = personas.client_for(personas.national)
    response = client.get("/trials/preview/", {"profiles": ["x", "99999"], "trial": "abc"})
    assert response.status_code == 404  # a trial id that is not one
    response = client.get("/trials/preview/", {"profiles": ["x", "99999"]})
    assert response.status_code == 200 and _ready_count(response.content.decode()) == "2 of 2"
