"""Trial overrides in the requirement assembly (docs/readiness.md, "Trial overrides").

The RENEW-SCD case of domain.md: a trial inherits CAR-T core and a GMO profile; the sponsor
accepts some CAR-T items as recommended and does not need one at all.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reports import readiness
from sites.models import SiteCapability
from tests.reports.test_readiness import _today_is_on  # noqa: F401 (ON is today: records are current)
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
)
from trials.models import RequirementOverride

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 15)
RELAX = RequirementOverride.Level.RECOMMENDED
EXCLUDE = RequirementOverride.Level.EXCLUDED


def override(trial, requirement, level, reason="Sponsor accepts it"):
    field = "training_requirement" if hasattr(requirement, "course") else "capability_requirement"
    return RequirementOverride.objects.create(
        trial=trial, level=level, reason=reason, **{field: requirement}
    )


@pytest.fixture
def renew_scd():
    """Two profiles that share ICU cover (mandatory in one, recommended in the other)."""
    tocilizumab = CapabilityFactory(name="Tocilizumab availability")
    neurology = CapabilityFactory(name="Neurology support")
    icu = CapabilityFactory(name="ICU cover")
    conditioning = CapabilityFactory(name="Myeloablative conditioning")
    cart = RequirementProfileFactory(name="CAR-T core")
    gmo = RequirementProfileFactory(name="GMO core")
    trial = TrialFactory(short_title="RENEW-SCD")
    trial.profiles.add(cart, gmo)
    reqs = {
        "tocilizumab": CapabilityRequirementFactory(profile=cart, capabilities=[tocilizumab]),
        "neurology": CapabilityRequirementFactory(profile=cart, capabilities=[neurology]),
        "icu_cart": CapabilityRequirementFactory(profile=cart, capabilities=[icu]),
        "icu_gmo": CapabilityRequirementFactory(
            profile=gmo, capabilities=[icu], level="recommended"
        ),
    }
    CapabilityRequirementFactory(trial=trial, capabilities=[conditioning])
    caps = {
        "tocilizumab": tocilizumab,
        "neurology": neurology,
        "icu": icu,
        "conditioning": conditioning,
    }
    return trial, reqs, caps


def by_label(trial):
    return {r.label: r for r in readiness.requirement_set_for_trial(trial).requirements}


def test_without_overrides_strictest_wins_across_profiles(renew_scd):
    trial, _, _ = renew_scd
    requirements = by_label(trial)
    assert requirements["ICU cover"].level == "mandatory"
    assert requirements["ICU cover"].sources == ("CAR-T core", "GMO core")
    assert set(requirements) == {
        "Tocilizumab availability",
        "Neurology support",
        "ICU cover",
        "Myeloablative conditioning",
    }


def test_relaxed_and_excluded_overrides_mixed_with_strictest_wins(renew_scd):
    trial, reqs, _ = renew_scd
    override(trial, reqs["tocilizumab"], RELAX, "Not a CAR-T product: no CRS expected")
    override(trial, reqs["neurology"], EXCLUDE, "No ICANS risk")
    # Relaxing ICU cover as CAR-T core states it relaxes the merged requirement: the GMO
    # profile only recommended it, so nothing keeps it mandatory.
    override(trial, reqs["icu_cart"], RELAX, "Transplant unit provides cover")

    requirements = by_label(trial)

    assert "Neurology support" not in requirements
    assert requirements["Tocilizumab availability"].level == "recommended"
    assert requirements["Tocilizumab availability"].notes == (
        "Recommended for this trial: Not a CAR-T product: no CRS expected",
    )
    assert requirements["ICU cover"].level == "recommended"
    assert requirements["ICU cover"].sources == ("CAR-T core", "GMO core")
    assert requirements["Myeloablative conditioning"].level == "mandatory"


def test_the_trials_own_requirement_comes_after_the_overrides(renew_scd):
    trial, reqs, caps = renew_scd
    override(trial, reqs["neurology"], EXCLUDE)
    override(trial, reqs["tocilizumab"], RELAX)
    CapabilityRequirementFactory(trial=trial, capabilities=[caps["tocilizumab"]])

    requirements = by_label(trial)

    assert requirements["Tocilizumab availability"].level == "mandatory"
    assert requirements["Tocilizumab availability"].sources == (
        "CAR-T core",
        readiness.TRIAL_SPECIFIC,
    )
    assert "Neurology support" not in requirements


def test_an_override_changes_who_is_ready(renew_scd):
    trial, reqs, caps = renew_scd
    site = SiteFactory()
    SiteCapabilityFactory(site=site, capability=caps["icu"], status=SiteCapability.Status.IN_PLACE)
    SiteCapabilityFactory(
        site=site, capability=caps["conditioning"], status=SiteCapability.Status.IN_PLACE
    )

    def assessed():
        (assessment,) = readiness.assess(
            sites=[site], requirements=readiness.requirement_set_for_trial(trial), on=ON
        )
        return assessment

    assert (assessed().ready, assessed().blockers) == (False, 2)
    override(trial, reqs["tocilizumab"], RELAX)
    override(trial, reqs["neurology"], EXCLUDE)
    after = assessed()
    assert (after.ready, after.blockers, after.warnings) == (True, 0, 1)
    assert after.score == 1.0


def test_a_training_requirement_can_be_relaxed():
    course = CourseFactory(title="Cryogenic handling")
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory()
    trial.profiles.add(profile)
    requirement = TrainingRequirementFactory(profile=profile, course=course, min_staff=2)
    override(trial, requirement, RELAX)

    (merged,) = readiness.requirement_set_for_trial(trial).requirements

    assert (merged.kind, merged.level, merged.min_staff) == ("training", "recommended", 2)


def test_another_trials_override_does_not_apply(renew_scd):
    trial, reqs, _ = renew_scd
    other = TrialFactory()
    other.profiles.add(*trial.profiles.all())
    override(other, reqs["neurology"], EXCLUDE)

    assert "Neurology support" in by_label(trial)
    assert "Neurology support" not in by_label(other)
    trial_sets, _ = readiness.requirement_sets(trials=[trial, other])
    # RENEW-SCD keeps neurology support and its own conditioning requirement.
    assert len(trial_sets[trial.pk].requirements) == len(trial_sets[other.pk].requirements) + 2
