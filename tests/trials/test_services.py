"""Trial set-up and site selection services: the rules, the history and the e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from sites.models import Site, SiteMembership
from tests.sites.factories import CapabilityFactory, MembershipFactory, SiteFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrialFactory,
)
from trials import services
from trials.history import trial_history
from trials.models import RequirementOverride, TrialSite

pytestmark = pytest.mark.django_db
S = TrialSite.Status
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def inherited(personas):
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory(short_title="RENEW-SCD")
    trial.profiles.add(profile)
    requirement = CapabilityRequirementFactory(
        profile=profile, capabilities=[CapabilityFactory(name="Tocilizumab availability")]
    )
    return trial, requirement


def test_an_override_needs_a_reason(personas, inherited):
    trial, requirement = inherited
    with pytest.raises(ValidationError) as error:
        services.override_set(
            trial=trial,
            requirement=requirement,
            level="recommended",
            reason="  ",
            user=personas.national,
        )
    assert error.value.message_dict == {"reason": [services.REASON_REQUIRED]}


def test_an_override_must_name_an_inherited_requirement(personas, inherited):
    trial, _ = inherited
    elsewhere = CapabilityRequirementFactory(
        profile=RequirementProfileFactory(), capabilities=[CapabilityFactory()]
    )
    own = CapabilityRequirementFactory(trial=trial, capabilities=[CapabilityFactory()])
    for requirement in (elsewhere, own):
        with pytest.raises(ValidationError) as error:
            services.override_set(
                trial=trial,
                requirement=requirement,
                level="excluded",
                reason="Not needed",
                user=personas.national,
            )
        assert error.value.message_dict == {"requirement": [services.NOT_INHERITED]}


def test_a_second_override_replaces_the_first_and_both_are_in_the_history(personas, inherited):
    trial, requirement = inherited
    services.override_set(
        trial=trial,
        requirement=requirement,
        level="recommended",
        reason="No CRS expected",
        user=personas.national,
    )
    services.override_set(
        trial=trial,
        requirement=requirement,
        level="excluded",
        reason="Sponsor supplies it",
        user=personas.national,
    )

    assert RequirementOverride.objects.get(trial=trial).level == "excluded"
    rows = [
        r for r in trial_history(trial, sites=Site.objects.all()) if r.what.startswith("Override")
    ]
    assert [(r.old, r.new, r.reason) for r in rows] == [
        ("Relaxed to recommended", "Excluded for this trial", "Sponsor supplies it"),
        ("Inherited as the profile states", "Relaxed to recommended", "No CRS expected"),
    ]
    assert rows[0].who == personas.national.full_name or personas.national.email


def test_dropping_a_profile_drops_its_overrides(personas, inherited):
    trial, requirement = inherited
    services.override_set(
        trial=trial,
        requirement=requirement,
        level="excluded",
        reason="Not needed",
        user=personas.national,
    )
    services.trial_save(trial=trial, user=personas.national, profiles=[], reason="Wrong profile")
    assert not RequirementOverride.objects.filter(trial=trial).exists()
    profile_rows = [
        r for r in trial_history(trial, sites=Site.objects.all()) if r.what == "Profiles"
    ]
    assert [(r.old, r.new, r.reason) for r in profile_rows] == [
        ("CAR-T core", "—", "Wrong profile"),
        ("—", "CAR-T core", ""),  # the fixture's profiles.add()
    ]


def test_the_history_shows_own_requirements_added_and_removed(personas):
    trial = TrialFactory()
    cap = CapabilityFactory(name="Myeloablative conditioning")
    requirement = services.capability_requirement_add(
        owner=trial,
        capabilities=[cap],
        level="mandatory",
        user=personas.national,
        reason="Transplant",
    )
    services.requirement_remove(requirement=requirement, user=personas.national, reason="Oops")
    rows = [
        (r.what, r.old, r.new, r.reason) for r in trial_history(trial, sites=Site.objects.all())
    ]
    assert rows[-1][0] == "Trial created"
    assert rows[:-1] == [
        ("Capability requirement removed", "Myeloablative conditioning (mandatory)", "", "Oops"),
        (
            "Capability requirement added",
            "",
            "Myeloablative conditioning (mandatory)",
            "Transplant",
        ),
    ]


def test_a_capability_requirement_needs_a_capability(personas):
    with pytest.raises(ValidationError):
        services.capability_requirement_add(
            owner=TrialFactory(), capabilities=[], level="mandatory", user=personas.national
        )


# --- site selection ---------------------------------------------------------------------------


def invite(personas, trial, site, **kwargs):
    return services.trial_site_add(
        trial=trial,
        site=site,
        status=S.INVITED,
        user=personas.network,
        respond_by=TODAY + dt.timedelta(days=14),
        message="Would you host it?",
        today=TODAY,
        **kwargs,
    )


def test_an_invitation_mails_the_sites_coordinators(personas, django_capture_on_commit_callbacks):
    trial = TrialFactory(short_title="ORION-19")
    with django_capture_on_commit_callbacks(execute=True):
        trial_site = invite(personas, trial, personas.site_a)
    assert trial_site.invited_by == personas.network
    (message,) = mail.outbox
    assert message.to == [personas.coordinator_a.email]
    assert "ORION-19" in message.subject and "Would you host it?" in message.body
    assert f"/trials/{trial.pk}/sites/{personas.site_a.pk}/answer/" in message.body


def test_the_answer_mails_whoever_invited(personas, django_capture_on_commit_callbacks):
    trial_site = invite(personas, TrialFactory(), personas.site_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.trial_site_move(
            trial_site=trial_site,
            status=S.INTERESTED,
            user=personas.coordinator_a,
            reason="We have the unit",
        )
    (message,) = mail.outbox
    assert message.to == [personas.network.email]
    assert "interested" in message.subject and "We have the unit" in message.body


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([S.INVITED, S.INTERESTED, S.SELECTED, S.IN_SETUP, S.OPEN, S.CLOSED], True),
        ([S.INVITED, S.DECLINED], True),
        ([S.NOT_SELECTED], True),
        ([S.SELECTED], False),  # a shortlisted site has not said it is interested
        ([S.INVITED, S.DECLINED, S.SELECTED], False),
        ([S.INVITED, S.INTERESTED, S.OPEN], False),
    ],
)
def test_it_moves_only_along_the_selection_flow(personas, path, allowed):
    trial_site = services.trial_site_add(
        trial=TrialFactory(), site=personas.site_a, status=S.SHORTLISTED, user=personas.network
    )

    def walk():
        for status in path:
            services.trial_site_move(
                trial_site=trial_site,
                status=status,
                user=personas.network,
                reason=f"to {status}",
                today=TODAY,
            )

    if allowed:
        walk()
        trial_site.refresh_from_db()
        assert trial_site.status == path[-1]
        assert trial_site.history.count() == len(path) + 1
    else:
        with pytest.raises(ValidationError) as error:
            walk()
        assert "status" in error.value.message_dict


def test_a_deadline_in_the_past_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        services.trial_site_add(
            trial=TrialFactory(),
            site=personas.site_a,
            status=S.INVITED,
            user=personas.network,
            respond_by=TODAY - dt.timedelta(days=1),
            today=TODAY,
        )
    assert error.value.message_dict == {"respond_by": [services.RESPOND_BY_PAST]}


def test_bulk_invitation_moves_shortlisted_sites_on_and_skips_the_rest(personas):
    trial = TrialFactory()
    other = SiteFactory(region=personas.north)
    MembershipFactory(site=other, role=SiteMembership.Role.COORDINATOR)
    services.trial_site_add(
        trial=trial, site=personas.site_a, status=S.SHORTLISTED, user=personas.network
    )
    declined = invite(personas, trial, other)
    services.trial_site_move(trial_site=declined, status=S.DECLINED, user=personas.network)
    new = SiteFactory(region=personas.north)

    changed, skipped = services.trial_sites_add(
        trial=trial, sites=[personas.site_a, other, new], status=S.INVITED, user=personas.network
    )

    assert {ts.site for ts in changed} == {personas.site_a, new}
    assert skipped == [other]
    assert set(TrialSite.objects.filter(trial=trial).values_list("status", flat=True)) == {
        S.INVITED,
        S.DECLINED,
    }
