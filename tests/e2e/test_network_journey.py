"""The network coordinator's journey in real Chromium: set up a trial from a profile with one
own requirement and one override (the preview changes), invite three sites from the ranking,
a site coordinator accepts, the coordinator selects the site, and the trial page shows it all.
The trial form with JavaScript off (its "Preview readiness" button too), and the site list and
the change pages (profile, requirement, override), with axe on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sites.models import Capability, SiteCapability
from tests.e2e.conftest import assert_accessible, login
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.trials.factories import CapabilityRequirementFactory, RequirementProfileFactory
from trials.models import RequirementOverride, Trial, TrialSite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(personas):
    """CAR-T core needs tocilizumab and neurology support; site A has tocilizumab and
    myeloablative conditioning, so excluding neurology makes it ready."""
    tocilizumab = CapabilityFactory(
        name="Tocilizumab availability", category=Capability.Category.PHARMACY
    )
    neurology = CapabilityFactory(name="Neurology support", category=Capability.Category.CLINICAL)
    conditioning = CapabilityFactory(
        name="Myeloablative conditioning", category=Capability.Category.CLINICAL
    )
    CapabilityFactory(name="Vapour-phase LN2 storage", category=Capability.Category.STORAGE)
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    CapabilityRequirementFactory(profile=profile, capabilities=[tocilizumab])
    CapabilityRequirementFactory(profile=profile, capabilities=[neurology])
    for capability in (tocilizumab, conditioning):
        SiteCapabilityFactory(
            site=personas.site_a, capability=capability, status=SiteCapability.Status.IN_PLACE
        )
    SiteFactory(name="Gamma Hospital", region=personas.north)
    return profile


def fill_trial_form(page, short_title: str) -> None:
    page.get_by_label("Short title").fill(short_title)
    page.get_by_label("Full title").fill("Lentiviral HSC gene therapy in sickle cell disease")
    page.get_by_label("Sponsor").fill("Renew Bio (demo)")
    page.get_by_label("Phase 1/2").check()
    page.get_by_label("ATMP class").select_option(index=1)
    page.get_by_label("Autologous").check()
    page.get_by_label("Cryopreserved").check()
    page.get_by_label("The product is a genetically modified organism (GMO)").check()
    page.get_by_label("IRAS ID").fill("9903391")
    page.get_by_label("CAR-T core").check()


def test_a_national_coordinator_sets_up_a_trial_and_selects_a_site(
    page, live_server, personas, catalogue
):
    login(page, live_server, personas.national)
    page.goto(f"{live_server.url}/trials/")
    page.get_by_role("button", name="Set up a trial").click()
    assert_accessible(page)
    preview = page.locator("#readiness-preview")
    # Before the first save the card already answers for the profiles ticked so far.
    expect(preview.get_by_test_id("ready-count")).to_have_text("3 of 3")
    fill_trial_form(page, "RENEW-SCD")
    expect(preview.get_by_test_id("ready-count")).to_have_text("0 of 3")
    expect(preview).to_contain_text("Neurology support — blocks 3 of 3 sites")
    assert not Trial.objects.exists()
    assert_accessible(page)
    page.get_by_role("button", name="Save and add requirements").click()
    trial = Trial.objects.get(short_title="RENEW-SCD")
    expect(preview.get_by_test_id("ready-count")).to_have_text("0 of 3")
    assert_accessible(page)

    # One own requirement, picked by name after filtering the list as one types.
    page.get_by_label("Filter capabilities by name").fill("conditioning")
    expect(page.get_by_label("Vapour-phase LN2 storage")).to_be_hidden()
    page.get_by_label("Myeloablative conditioning").check()
    page.get_by_role("button", name="Add capability requirement").click()
    expect(page.get_by_text("Myeloablative conditioning (mandatory)")).to_be_visible()

    # One override: the preview shows its effect before it is saved.
    page.get_by_label("Inherited requirement").select_option(label="Neurology support (mandatory)")
    page.get_by_label("Excluded for this trial").check()
    expect(preview.get_by_role("heading")).to_have_text("With this change")
    expect(preview.get_by_test_id("ready-count")).to_have_text("1 of 3")
    page.get_by_label("Why the trial does not need it as the profile says").fill("No ICANS risk")
    page.get_by_role("button", name="Save override").click()
    expect(preview.get_by_test_id("ready-count")).to_have_text("1 of 3")
    assert RequirementOverride.objects.get(trial=trial).level == "excluded"
    assert_accessible(page)

    # The own requirement is changed in place, with a reason.
    page.get_by_role("link", name="Change this capability requirement").click()
    assert_accessible(page)
    page.get_by_label("Recommended", exact=True).check()
    page.get_by_label("Reason for the change").fill("Sponsor accepts reduced intensity")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Myeloablative conditioning (recommended)")).to_be_visible()

    # Invite three sites from the ranking.
    page.goto(f"{live_server.url}/readiness/?trial={trial.pk}")
    assert_accessible(page)
    for name in ("Alpha Hospital", "Beta Hospital", "Gamma Hospital"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_label("Invite").check()
    page.get_by_label("Message to the sites (if inviting)").fill("Would you host RENEW-SCD?")
    page.get_by_role("button", name="Shortlist or invite the ticked sites").click()
    expect(page.get_by_text("3 sites invited.")).to_be_visible()
    assert_accessible(page)
    assert TrialSite.objects.filter(trial=trial, status="invited").count() == 3

    # The site coordinator of site A accepts.
    page.context.clear_cookies()
    login(page, live_server, personas.coordinator_a)
    page.get_by_role("link", name="RENEW-SCD at Alpha Hospital").click()
    assert_accessible(page)
    page.get_by_label("Interested").check()
    page.get_by_label("Your reason").fill("We have a transplant unit and apheresis capacity")
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Your answer has been sent")).to_be_visible()

    # The coordinator selects it; the trial page tells the story.
    page.context.clear_cookies()
    login(page, live_server, personas.national)
    page.goto(f"{live_server.url}/trials/{trial.pk}/sites/")
    page.get_by_role("link", name="Alpha Hospital").click()
    assert_accessible(page)
    page.get_by_label("Selected", exact=True).check()
    page.get_by_label("Reason").fill("Ready now, with capacity")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server.url}/trials/{trial.pk}/")
    latest = page.locator("#history + table")
    expect(latest).to_contain_text("Ready now, with capacity")
    assert_accessible(page)
    page.get_by_role("link", name=f"See all changes to {trial.short_title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    history = page.get_by_role("table")
    for text in (
        "Site: Alpha Hospital",
        "Ready now, with capacity",
        "Interested",
        "We have a transplant unit",
        "No ICANS risk",
        "Capability requirement added",
        "Capability requirement changed",
        "Sponsor accepts reduced intensity",
        "Trial created",
    ):
        expect(history).to_contain_text(text)
    assert_accessible(page)
    page.get_by_role("link", name=trial.short_title).first.click()
    expect(page).to_have_url(f"{live_server.url}/trials/{trial.pk}/")
    assert TrialSite.objects.get(trial=trial, site=personas.site_a).status == "selected"


def test_the_trial_form_works_without_javascript(browser, live_server, personas, catalogue):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, personas.network)
    page.goto(f"{live_server.url}/trials/new/")
    page.get_by_label("Short title").fill("X")
    page.get_by_label("IRAS ID").fill("12")
    page.get_by_role("button", name="Save and add requirements").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the sponsor")
    # (axe needs scripts; the same pages are checked with axe in the journey above.)
    fill_trial_form(page, "RENEW-SCD")
    # "Preview readiness" shows the card for the ticked profiles: nothing saved, no errors.
    page.get_by_role("button", name="Preview readiness").click()
    expect(page.get_by_test_id("ready-count")).to_have_text("0 of 2")
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.get_by_label("CAR-T core")).to_be_checked()
    assert not Trial.objects.exists()
    page.get_by_role("button", name="Save and add requirements").click()
    trial = Trial.objects.get(short_title="RENEW-SCD")
    # The readiness summary is rendered on the server: no script needed.
    expect(page.get_by_test_id("ready-count")).to_have_text("0 of 2")

    # Filtering the picker is a plain GET that keeps the ticked boxes.
    page.get_by_label("Vapour-phase LN2 storage").check()
    page.get_by_label("Filter capabilities by name").fill("conditioning")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Vapour-phase LN2 storage")).to_be_checked()
    expect(page.get_by_label("Tocilizumab availability")).to_have_count(0)
    page.get_by_label("Myeloablative conditioning").check()
    page.get_by_role("button", name="Add capability requirement").click()
    assert trial.capability_requirements.count() == 1
    assert {c.name for c in trial.capability_requirements.get().capabilities.all()} == {
        "Vapour-phase LN2 storage",
        "Myeloablative conditioning",
    }

    page.get_by_label("Inherited requirement").select_option(label="Neurology support (mandatory)")
    page.get_by_label("Relaxed to recommended").check()
    page.get_by_role("button", name="Save override").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the reason")
    page.get_by_label("Why the trial does not need it as the profile says").fill("Sponsor agrees")
    page.get_by_role("button", name="Save override").click()
    expect(page.get_by_text(re.compile("Relaxed to recommended:"))).to_be_visible()
    assert RequirementOverride.objects.get(trial=trial).level == "recommended"
    context.close()


def test_the_site_list_and_the_change_pages(page, live_server, personas, catalogue):
    """Filter the site list to the sites ready for a trial (GET form), change a profile's
    description and look at the requirement and override change pages: axe on each."""
    from trials import services

    trial = Trial.objects.create(
        short_title="RENEW-SCD",
        full_title="x",
        sponsor="x",
        phase="1_2",
        atmp_class="gtmp_ex_vivo",
        origin="autologous",
        presentation="cryopreserved",
        iras_id="9903391",
    )
    trial.profiles.add(catalogue)
    neurology = catalogue.capability_requirements.get(capabilities__name="Neurology support")
    override = services.override_set(
        trial=trial,
        requirement=neurology,
        level="excluded",
        reason="No ICANS risk",
        user=personas.national,
    )
    login(page, live_server, personas.national)
    page.goto(f"{live_server.url}/sites/")
    assert_accessible(page)
    page.get_by_label("Trial", exact=True).select_option(label="RENEW-SCD")
    page.get_by_label("Only sites ready for this trial").check()
    page.get_by_label("Sort by").select_option(label="Score for the trial, ready sites first")
    page.get_by_role("button", name="Show sites").click()
    expect(page.get_by_test_id("site-count")).to_contain_text("1 site, assessed for RENEW-SCD")
    expect(page.get_by_role("link", name="Alpha Hospital", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Gamma Hospital", exact=True)).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{live_server.url}/trials/profiles/car_t_core/")
    assert_accessible(page)
    page.get_by_role("link", name="Change the name and description of CAR-T core").click()
    assert_accessible(page)
    page.get_by_label("Description").fill("What a CAR-T site needs, after the 2027 guidance")
    page.get_by_label("Reason for the change").fill("Annual review")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Annual review")).to_be_visible()
    page.get_by_role("link", name="Change this capability requirement").first.click()
    assert_accessible(page)

    page.goto(f"{live_server.url}/trials/{trial.pk}/requirements/override/{override.pk}/edit/")
    assert_accessible(page)
    page.get_by_label("Relaxed to recommended").check()
    page.get_by_label("Why the trial does not need it as the profile says").fill("Some ICANS risk")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Relaxed to recommended:")).to_be_visible()
    override.refresh_from_db()
    assert override.level == "recommended"
