# ruff: noqa: F811 (the renew_scd fixture, imported, is a test parameter)
"""The set-up previews' requirement set (readiness.requirement_set_for_draft): the same
assembly as a saved trial's, for a trial not saved yet or with other profiles ticked."""

from __future__ import annotations

import pytest

from reports import readiness
from tests.reports.test_readiness_overrides import EXCLUDE, RELAX, override, renew_scd  # noqa: F401
from trials.models import RequirementProfile

pytestmark = pytest.mark.django_db


def _levels(requirement_set) -> dict[str, str]:
    return {r.label: r.level for r in requirement_set.requirements}


def test_a_trial_not_saved_yet_is_its_profiles_merged_strictest_wins(renew_scd):
    profiles = RequirementProfile.objects.filter(name__in=["CAR-T core", "GMO core"])
    draft = readiness.requirement_set_for_draft(None, profiles=profiles)
    assert draft.label == "The new trial"
    assert _levels(draft) == {
        "Tocilizumab availability": "mandatory",
        "Neurology support": "mandatory",
        "ICU cover": "mandatory",
    }
    gmo_only = readiness.requirement_set_for_draft(
        None, profiles=RequirementProfile.objects.filter(name="GMO core")
    )
    assert _levels(gmo_only) == {"ICU cover": "recommended"}
    assert readiness.requirement_set_for_draft(None, profiles=[]).requirements == []


def test_the_saved_trial_with_its_own_profiles_is_its_requirement_set(renew_scd):
    trial, reqs, _ = renew_scd
    override(trial, reqs["neurology"], EXCLUDE, "No ICANS risk")
    draft = readiness.requirement_set_for_draft(trial, profiles=trial.profiles.all())
    assert draft == readiness.requirement_set_for_trial(trial)


def test_untick_a_profile_and_its_overrides_have_nothing_to_act_on(renew_scd):
    trial, reqs, _ = renew_scd
    override(trial, reqs["icu_cart"], RELAX, "Transplant unit provides cover")
    override(trial, reqs["neurology"], EXCLUDE, "No ICANS risk")
    gmo_only = readiness.requirement_set_for_draft(
        trial, profiles=RequirementProfile.objects.filter(name="GMO core")
    )
    # GMO core's own ICU cover (recommended) and the trial's own requirement remain.
    assert _levels(gmo_only) == {
        "ICU cover": "recommended",
        "Myeloablative conditioning": "mandatory",
    }
