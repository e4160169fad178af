"""Trial set-up and site selection pages: who may use them, and that each form does its job
without JavaScript."""

from __future__ import annotations

import pytest

from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrialFactory,
    TrialSiteFactory,
)
from trials import forms, services
from trials.models import RequirementOverride, Trial, TrialSite

pytestmark = pytest.mark.django_db
S = TrialSite.Status

TRIAL_POST = {
    "short_title": "RENEW-SCD",
    "full_title": "Lentiviral HSC gene therapy in sickle cell disease",
    "sponsor": "Renew Bio (demo)",
    "phase": "1_2",
    "atmp_class": "gtmp_ex_vivo",
    "origin": "autologous",
    "gmo": "on",
    "presentation": "cryopreserved",
    "status": "in_setup",
    "iras_id": "9903391",
    "isrctn": "ISRCTN99900029",
    "nct_number": "NCT09990018",
    "eudract_number": "",
    "eu_ct_number": "",
}


@pytest.mark.parametrize("persona", ["coordinator_a", "pharmacist_a", "editor"])
def test_only_network_coordinators_reach_the_set_up_pages(personas, persona):
    trial = TrialFactory()
    TrialSiteFactory(trial=trial, site=personas.site_a)
    client = personas.client_for(getattr(personas, persona))
    for url in [
        "/trials/new/",
        f"/trials/{trial.pk}/edit/",
        f"/trials/{trial.pk}/requirements/",
        f"/trials/{trial.pk}/sites/",
        f"/trials/{trial.pk}/sites/{personas.site_a.pk}/",
        "/trials/profiles/",
        f"/trials/{trial.pk}/preview/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post("/trials/new/", TRIAL_POST).status_code == 404
    assert not Trial.objects.filter(short_title="RENEW-SCD").exists()


def test_a_network_coordinator_creates_a_trial_with_a_profile(personas):
    profile = RequirementProfileFactory(name="CAR-T core")
    client = personas.client_for(personas.national)
    response = client.post("/trials/new/", {**TRIAL_POST, "profiles": [profile.pk]})
    trial = Trial.objects.get(short_title="RENEW-SCD")
    assert (
        response.status_code == 302 and response["Location"] == f"/trials/{trial.pk}/requirements/"
    )
    assert list(trial.profiles.all()) == [profile]
    page = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "Trial created" in page and "History" in page


def test_the_trial_form_names_a_bad_identifier_by_its_field(personas):
    client = personas.client_for(personas.network)
    response = client.post("/trials/new/", {**TRIAL_POST, "iras_id": "12", "short_title": ""})
    html = response.content.decode()
    assert 'href="#id_iras_id"' in html and "Enter the short title" in html
    assert not Trial.objects.exists()


def test_editing_records_the_old_and_new_value_and_the_reason(personas):
    trial = TrialFactory(sponsor="Old Ltd")
    client = personas.client_for(personas.network)
    post = {
        **TRIAL_POST,
        "short_title": trial.short_title,
        "iras_id": trial.iras_id,
        "sponsor": "New plc",
        "reason": "Sponsor renamed",
    }
    assert client.post(f"/trials/{trial.pk}/edit/", post).status_code == 302
    html = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "Old Ltd" in html and "New plc" in html and "Sponsor renamed" in html


@pytest.fixture
def inherited(personas):
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory()
    trial.profiles.add(profile)
    requirement = CapabilityRequirementFactory(
        profile=profile, capabilities=[CapabilityFactory(name="Neurology support")]
    )
    return trial, requirement


def test_the_capability_picker_filters_without_javascript_and_keeps_the_ticked(personas, inherited):
    trial, _ = inherited
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage", description="Cryogenic storage")
    CapabilityFactory(name="Apheresis unit", description="Collection")
    client = personas.client_for(personas.network)
    html = client.get(
        f"/trials/{trial.pk}/requirements/", {"q": "apheresis", "cap-capabilities": [ln2.pk]}
    ).content.decode()
    assert "Apheresis unit" in html
    assert "Vapour-phase LN2 storage" in html  # ticked, so it stays
    assert f'value="{ln2.pk}" checked' in html


def test_it_adds_a_capability_requirement_with_alternatives(personas, inherited):
    trial, _ = inherited
    hct, iec = CapabilityFactory(name="JACIE HCT"), CapabilityFactory(name="JACIE IEC")
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/capability/",
        {
            "cap-capabilities": [hct.pk, iec.pk],
            "cap-level": "mandatory",
            "cap-note": "Transplant",
        },
    )
    assert response.status_code == 302
    (requirement,) = trial.capability_requirements.all()
    assert set(requirement.capabilities.all()) == {hct, iec}


def test_an_empty_capability_requirement_is_refused_by_the_field(personas, inherited):
    trial, _ = inherited
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/capability/", {"cap-level": "mandatory"}
    )
    assert response.status_code == 400
    assert forms.CAPABILITIES_REQUIRED in response.content.decode()


def test_it_adds_a_training_requirement(personas, inherited):
    trial, _ = inherited
    course = CourseFactory(title="Apheresis operator")
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/requirements/training/",
        {
            "train-course": course.pk,
            "train-role": "APH_NURSE",
            "train-min_staff": 3,
            "train-level": "mandatory",
        },
    )
    assert response.status_code == 302
    (requirement,) = trial.training_requirements.all()
    assert (requirement.course, requirement.role, requirement.min_staff) == (course, "APH_NURSE", 3)


def test_an_override_needs_a_reason_on_the_page_too(personas, inherited):
    trial, requirement = inherited
    client = personas.client_for(personas.network)
    post = {"ovr-requirement": f"cap:{requirement.pk}", "ovr-level": "excluded"}
    response = client.post(f"/trials/{trial.pk}/requirements/override/", post)
    assert response.status_code == 400 and forms.REASON_REQUIRED in response.content.decode()
    response = client.post(
        f"/trials/{trial.pk}/requirements/override/", {**post, "ovr-reason": "No ICANS risk"}
    )
    assert response.status_code == 302
    assert RequirementOverride.objects.get(trial=trial).reason == "No ICANS risk"


def test_the_preview_changes_with_the_override_being_entered(personas, inherited):
    trial, requirement = inherited
    client = personas.client_for(personas.network)
    before = client.get(f"/trials/{trial.pk}/preview/").content.decode()
    after = client.get(
        f"/trials/{trial.pk}/preview/",
        {
            "ovr-requirement": f"cap:{requirement.pk}",
            "ovr-level": "excluded",
        },
    ).content.decode()
    assert "0 of 1" in before and "Neurology support" in before
    assert "1 of 1" in after and "With this change" in after
    assert not RequirementOverride.objects.exists()


# --- site selection -----------------------------------------------------------------------------


def test_bulk_invite_outside_scope_is_404_and_changes_nothing(personas):
    trial = TrialFactory()
    client = personas.client_for(personas.network)  # North only; site B is South
    response = client.post(
        f"/trials/{trial.pk}/sites/bulk/",
        {
            "sites": [personas.site_a.pk, personas.site_b.pk],
            "action": S.INVITED,
        },
    )
    assert response.status_code == 404
    assert not TrialSite.objects.exists()


def test_bulk_invite_in_scope(personas):
    trial = TrialFactory()
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/sites/bulk/",
        {
            "sites": [personas.site_a.pk],
            "action": S.INVITED,
            "message": "Please",
        },
    )
    assert response.status_code == 302
    assert TrialSite.objects.get(trial=trial).status == S.INVITED


def test_the_site_coordinator_answers_their_own_invitation_only(personas):
    trial = TrialFactory()
    for site in (personas.site_a, personas.site_b):
        services.trial_site_add(trial=trial, site=site, status=S.INVITED, user=personas.national)
    client = personas.client_for(personas.coordinator_a)
    answer = {"status": S.INTERESTED, "reason": "We have the unit"}
    assert (
        client.post(f"/trials/{trial.pk}/sites/{personas.site_b.pk}/answer/", answer).status_code
        == 404
    )
    assert (
        client.post(f"/trials/{trial.pk}/sites/{personas.site_a.pk}/answer/", answer).status_code
        == 302
    )
    assert TrialSite.objects.get(site=personas.site_a).status == S.INTERESTED
    assert TrialSite.objects.get(site=personas.site_b).status == S.INVITED
    # The pharmacist sees the trial but does not answer for the site.
    pharmacist = personas.client_for(personas.pharmacist_a)
    assert (
        pharmacist.get(f"/trials/{trial.pk}/sites/{personas.site_a.pk}/answer/").status_code == 404
    )


def test_the_network_coordinator_cannot_answer_for_the_site(personas):
    trial = TrialFactory()
    services.trial_site_add(
        trial=trial, site=personas.site_a, status=S.INVITED, user=personas.network
    )
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/sites/{personas.site_a.pk}/", {"status": S.INTERESTED, "reason": "x"}
    )
    assert response.status_code == 400
    assert TrialSite.objects.get().status == S.INVITED


def test_the_network_coordinator_selects_an_interested_site(personas):
    trial = TrialFactory()
    ts = services.trial_site_add(
        trial=trial, site=personas.site_a, status=S.INVITED, user=personas.network
    )
    services.trial_site_move(trial_site=ts, status=S.INTERESTED, user=personas.coordinator_a)
    client = personas.client_for(personas.network)
    response = client.post(
        f"/trials/{trial.pk}/sites/{personas.site_a.pk}/",
        {"status": S.SELECTED, "reason": "Best placed"},
    )
    assert response.status_code == 302
    html = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "Best placed" in html and "Selected" in html


def test_the_ranking_offers_shortlisting_for_a_trial_to_network_coordinators_only(personas):
    trial = TrialFactory()
    TrialSiteFactory(trial=trial, site=personas.site_a, status=S.INVITED)
    html = (
        personas.client_for(personas.network).get(f"/readiness/?trial={trial.pk}").content.decode()
    )
    assert f'action="/trials/{trial.pk}/sites/bulk/"' in html
    assert f'value="{personas.site_a.pk}"' in html and "Invited" in html
    html = (
        personas.client_for(personas.coordinator_a)
        .get(f"/readiness/?trial={trial.pk}")
        .content.decode()
    )
    assert "/sites/bulk/" not in html


def test_site_coordinators_see_invitations_on_home_and_dashboard(personas):
    trial = TrialFactory(short_title="ORION-19")
    services.trial_site_add(
        trial=trial, site=personas.site_a, status=S.INVITED, user=personas.network
    )
    answer_url = f"/trials/{trial.pk}/sites/{personas.site_a.pk}/answer/"
    coordinator = personas.client_for(personas.coordinator_a)
    assert answer_url in coordinator.get("/").content.decode()
    assert answer_url in coordinator.get(f"/sites/{personas.site_a.pk}/dashboard/").content.decode()
    gaps = f"/sites/{personas.site_a.pk}/readiness/?trial={trial.pk}"
    assert gaps in coordinator.get("/").content.decode()
    # Not the pharmacist's to answer, and not site B's.
    assert answer_url not in personas.client_for(personas.pharmacist_a).get("/").content.decode()
    assert (
        "ORION-19 at" not in personas.client_for(personas.coordinator_b).get("/").content.decode()
    )


def test_a_national_coordinator_edits_a_profile_with_history(personas):
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage")
    client = personas.client_for(personas.national)
    response = client.post(
        "/trials/profiles/car_t_core/capability/",
        {
            "cap-capabilities": [ln2.pk],
            "cap-level": "mandatory",
            "cap-reason": "New guidance",
        },
    )
    assert response.status_code == 302
    (requirement,) = profile.capability_requirements.all()
    html = client.get("/trials/profiles/car_t_core/").content.decode()
    assert "Capability requirement added" in html and "New guidance" in html
    client.post(
        f"/trials/profiles/car_t_core/capability/{requirement.pk}/remove/", {"reason": "Withdrawn"}
    )
    assert not profile.capability_requirements.exists()
    assert "Withdrawn" in client.get("/trials/profiles/car_t_core/").content.decode()


def test_a_regional_coordinator_reads_but_does_not_edit_profiles(personas):
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage")
    client = personas.client_for(personas.network)
    html = client.get("/trials/profiles/car_t_core/").content.decode()
    assert "CAR-T core" in html and "Add a capability requirement" not in html
    response = client.post(
        "/trials/profiles/car_t_core/capability/",
        {
            "cap-capabilities": [ln2.pk],
            "cap-level": "mandatory",
        },
    )
    assert response.status_code == 404
    assert not profile.capability_requirements.exists()


def test_the_trial_page_links_each_site_the_reader_may_see(personas):
    trial = TrialFactory()
    personas.site_a.name = "Alpha <Hospital> & Co"
    personas.site_a.save()
    for site in (personas.site_a, personas.site_b):
        TrialSiteFactory(trial=trial, site=site, status=S.INVITED)
    national = personas.client_for(personas.national).get(f"/trials/{trial.pk}/").content.decode()
    assert (
        f'<a href="/trials/{trial.pk}/sites/{personas.site_a.pk}/">Alpha &lt;Hospital&gt; '
        f"&amp; Co</a> (North) — Invited"
    ) in national
    assert f'href="/trials/{trial.pk}/sites/{personas.site_b.pk}/"' in national
    own = personas.client_for(personas.coordinator_a).get(f"/trials/{trial.pk}/").content.decode()
    assert f'<a href="/sites/{personas.site_a.pk}/">Alpha &lt;Hospital&gt;' in own
    assert "Beta Hospital" not in own and "/trials/" + str(trial.pk) + "/sites/" not in own
