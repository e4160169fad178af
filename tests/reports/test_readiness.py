"""The readiness engine, rule by rule (docs/architecture.md "Readiness", docs/readiness.md)."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import readiness
from reports.readiness import BLOCKER, EXPIRING, MET, NO_RECORD, WARNING, assessing
from sites.models import SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
)

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 15)
LONDON = ZoneInfo("Europe/London")
IN_PLACE = SiteCapability.Status.IN_PLACE
IN_PROGRESS = SiteCapability.Status.IN_PROGRESS
NOT_IN_PLACE = SiteCapability.Status.NOT_IN_PLACE
NOT_APPLICABLE = SiteCapability.Status.NOT_APPLICABLE


@pytest.fixture(autouse=True)
def _today_is_on():
    """The rules' tests are written as of ON: make it today, so what they record is current.
    (A past date reads the change history: see the tests under "past dates" below.)"""
    with time_machine.travel(dt.datetime.combine(ON, dt.time(12), tzinfo=LONDON)):
        yield


def at(day: dt.date, hour: int = 12, minute: int = 0):
    """Record what follows at that time of that day (the history dates it then)."""
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)
    return time_machine.travel(moment, tick=False)


def days(n: int) -> dt.date:
    return ON + dt.timedelta(days=n)


def assess_one(site, requirement_set, on=ON):
    (assessment,) = readiness.assess(sites=[site], requirements=requirement_set, on=on)
    return assessment


def site_capability(site, capability, status, expires_on=None):
    extra = {"not_applicable_reason": "Not our service."} if status == NOT_APPLICABLE else {}
    return SiteCapabilityFactory(
        site=site, capability=capability, status=status, evidence_expires_on=expires_on, **extra
    )


# --- capabilities -----------------------------------------------------------------------------

CAPABILITY_CASES = [
    # (case, status or None for no record, expiry offset in days or None, level,
    #  outcome, expires_on offset, expired_on offset)
    ("in place, no expiry", IN_PLACE, None, "mandatory", MET, None, None),
    ("expires today: still valid, expiring", IN_PLACE, 0, "mandatory", EXPIRING, 0, None),
    ("expired yesterday", IN_PLACE, -1, "mandatory", BLOCKER, None, -1),
    ("expires in 89 days", IN_PLACE, 89, "mandatory", EXPIRING, 89, None),
    ("expires in exactly 90 days: outside the window", IN_PLACE, 90, "mandatory", MET, 90, None),
    ("expires in 91 days", IN_PLACE, 91, "mandatory", MET, 91, None),
    ("in progress", IN_PROGRESS, None, "mandatory", BLOCKER, None, None),
    ("not in place", NOT_IN_PLACE, None, "mandatory", BLOCKER, None, None),
    ("not applicable is still a gap", NOT_APPLICABLE, None, "mandatory", BLOCKER, None, None),
    ("no record", None, None, "mandatory", BLOCKER, None, None),
    ("recommended gap is a warning", NOT_IN_PLACE, None, "recommended", WARNING, None, None),
    ("recommended, evidence expired", IN_PLACE, -30, "recommended", WARNING, None, -30),
    ("recommended, expiring", IN_PLACE, 10, "recommended", EXPIRING, 10, None),
]


@pytest.mark.parametrize(
    ("status", "expiry", "level", "outcome", "expires_on", "expired_on"),
    [case[1:] for case in CAPABILITY_CASES],
    ids=[case[0] for case in CAPABILITY_CASES],
)
def test_it_applies_each_capability_rule(status, expiry, level, outcome, expires_on, expired_on):
    site = SiteFactory()
    capability = CapabilityFactory(name="LN2 storage")
    if status is not None:
        site_capability(site, capability, status, None if expiry is None else days(expiry))
    requirement_set = readiness.requirement_set_for_capabilities([capability], level=level)

    (row,) = assess_one(site, requirement_set).rows

    assert row.outcome == outcome
    assert row.status == (status or NO_RECORD)
    assert row.expires_on == (None if expires_on is None else days(expires_on))
    assert row.expired_on == (None if expired_on is None else days(expired_on))
    assert row.met_by == ("LN2 storage" if outcome in (MET, EXPIRING) else "")


def test_it_says_which_date_the_evidence_expired_on():
    site = SiteFactory()
    capability = CapabilityFactory()
    site_capability(site, capability, IN_PLACE, dt.date(2026, 3, 3))
    requirement_set = readiness.requirement_set_for_capabilities([capability])

    (row,) = assess_one(site, requirement_set).rows

    assert row.detail == "Evidence expired on 3 March 2026."


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (None, "No record: the site has not assessed this capability."),
        (
            NOT_APPLICABLE,
            "Marked not applicable to this site's services, but this requirement needs it.",
        ),
        (IN_PROGRESS, "In progress: not yet in place."),
        (NOT_IN_PLACE, "Not in place."),
    ],
)
def test_it_explains_each_kind_of_capability_gap(status, detail):
    site = SiteFactory()
    capability = CapabilityFactory()
    if status:
        site_capability(site, capability, status)
    (row,) = assess_one(site, readiness.requirement_set_for_capabilities([capability])).rows
    assert row.detail == detail


ALTERNATIVE_CASES = [
    # (case, HCT state, IEC state, outcome, met_by); state = (status, expiry offset) or None
    ("first alternative met", (IN_PLACE, None), None, MET, "JACIE HCT accreditation"),
    (
        "second alternative met",
        (NOT_IN_PLACE, None),
        (IN_PLACE, 200),
        MET,
        "JACIE IEC accreditation",
    ),
    (
        "both met: the longer-lasting one",
        (IN_PLACE, 30),
        (IN_PLACE, 400),
        MET,
        "JACIE IEC accreditation",
    ),
    ("only an expiring one", (IN_PLACE, 30), (IN_PLACE, -5), EXPIRING, "JACIE HCT accreditation"),
    ("neither met", (IN_PLACE, -5), (NOT_APPLICABLE, None), BLOCKER, ""),
    ("no record for either", None, None, BLOCKER, ""),
]


@pytest.mark.parametrize(
    ("hct_state", "iec_state", "outcome", "met_by"),
    [case[1:] for case in ALTERNATIVE_CASES],
    ids=[case[0] for case in ALTERNATIVE_CASES],
)
def test_it_meets_a_requirement_with_any_one_alternative(hct_state, iec_state, outcome, met_by):
    site = SiteFactory()
    hct = CapabilityFactory(code="jacie_hct_accreditation", name="JACIE HCT accreditation")
    iec = CapabilityFactory(code="jacie_iec_accreditation", name="JACIE IEC accreditation")
    for capability, state in ((hct, hct_state), (iec, iec_state)):
        if state:
            site_capability(
                site, capability, state[0], None if state[1] is None else days(state[1])
            )
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=[iec, hct])

    requirement_set = readiness.requirement_set_for_profile(profile)
    (row,) = assess_one(site, requirement_set).rows

    assert row.requirement.key == "cap:jacie_hct_accreditation|jacie_iec_accreditation"
    assert row.requirement.label == "JACIE HCT accreditation or JACIE IEC accreditation"
    assert row.outcome == outcome
    assert row.met_by == met_by


def test_it_names_every_alternative_when_none_is_met():
    site = SiteFactory()
    hct = CapabilityFactory(name="JACIE HCT accreditation")
    iec = CapabilityFactory(name="JACIE IEC accreditation")
    site_capability(site, hct, IN_PLACE, dt.date(2026, 3, 3))
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=[hct, iec])

    (row,) = assess_one(site, readiness.requirement_set_for_profile(profile)).rows

    assert row.status == IN_PLACE
    assert row.expired_on == dt.date(2026, 3, 3)
    assert row.detail == (
        "None of the alternatives is met (JACIE HCT accreditation: evidence expired on "
        "3 March 2026; JACIE IEC accreditation: no record)."
    )


def test_it_lists_the_evidence_that_closes_a_gap():
    capability = CapabilityFactory(
        evidence_expected=[
            {"type": "sop", "label": "Cryostorage SOP", "validity_months": 24},
            {"type": "audit", "label": "Annual audit", "validity_months": 12},
        ]
    )
    (requirement,) = readiness.requirement_set_for_capabilities([capability]).requirements
    assert requirement.closes_with == ("Cryostorage SOP", "Annual audit")


# --- training ---------------------------------------------------------------------------------


def training_set(course, *, min_staff=1, role="", level="mandatory"):
    profile = RequirementProfileFactory()
    TrainingRequirementFactory(
        profile=profile, course=course, min_staff=min_staff, role=role, level=level
    )
    return readiness.requirement_set_for_profile(profile)


def trained(site, course, name, *, roles=("TRIAL_PHARM",), completed=-30, active=True, **extra):
    staff = StaffMemberFactory(site=site, full_name=name, roles=list(roles), active=active)
    TrainingRecordFactory(staff=staff, course=course, completed_on=days(completed), **extra)
    return staff


TRAINING_CASES = [
    # (case, staff [(name, roles, completed offset, active)], min_staff, role, outcome, count)
    ("one of two needed", [("A. Patel", ["TRIAL_PHARM"], -30, True)], 2, "TRIAL_PHARM", BLOCKER, 1),
    (
        "two of two needed",
        [("A. Patel", ["TRIAL_PHARM"], -30, True), ("B. Jones", ["TRIAL_PHARM"], -60, True)],
        2,
        "TRIAL_PHARM",
        MET,
        2,
    ),
    (
        "role filter leaves out other roles",
        [("A. Patel", ["TRIAL_PHARM"], -30, True), ("C. Nurse", ["RESEARCH_NURSE"], -30, True)],
        2,
        "TRIAL_PHARM",
        BLOCKER,
        1,
    ),
    (
        "no role: anyone counts",
        [("A. Patel", ["TRIAL_PHARM"], -30, True), ("C. Nurse", ["RESEARCH_NURSE"], -30, True)],
        2,
        "",
        MET,
        2,
    ),
    (
        "staff holding several roles count for each",
        [("D. Dual", ["RESEARCH_NURSE", "APH_NURSE"], -30, True)],
        1,
        "APH_NURSE",
        MET,
        1,
    ),
    (
        "inactive staff do not count",
        [("A. Patel", ["TRIAL_PHARM"], -30, True), ("E. Leaver", ["TRIAL_PHARM"], -30, False)],
        2,
        "TRIAL_PHARM",
        BLOCKER,
        1,
    ),
    (
        "training completed after the date does not count yet",
        [("A. Patel", ["TRIAL_PHARM"], 5, True)],
        1,
        "TRIAL_PHARM",
        BLOCKER,
        0,
    ),
    ("completed on the day counts", [("A. Patel", ["TRIAL_PHARM"], 0, True)], 1, "", MET, 1),
]


@pytest.mark.parametrize(
    ("staff", "min_staff", "role", "outcome", "count"),
    [case[1:] for case in TRAINING_CASES],
    ids=[case[0] for case in TRAINING_CASES],
)
def test_it_applies_each_training_rule(staff, min_staff, role, outcome, count):
    site = SiteFactory()
    course = CourseFactory(renewal_months=24)
    for name, roles, completed, active in staff:
        trained(site, course, name, roles=roles, completed=completed, active=active)

    (row,) = assess_one(site, training_set(course, min_staff=min_staff, role=role)).rows

    assert row.outcome == outcome
    assert row.trained_count == count
    assert row.needed == min_staff


def test_it_names_the_trained_staff_and_the_shortfall():
    site = SiteFactory()
    course = CourseFactory(title="GCP", code="gcp")
    trained(site, course, "A. Patel")

    (row,) = assess_one(site, training_set(course, min_staff=2, role="TRIAL_PHARM")).rows

    assert row.requirement.key == "train:gcp:TRIAL_PHARM"
    assert row.requirement.label == "GCP — 2 × Clinical trials pharmacist"
    assert row.trained_staff == ["A. Patel"]
    assert row.detail == "1 of 2 Clinical trials pharmacists trained: A. Patel."


def test_it_counts_a_staff_member_once_whatever_their_number_of_records():
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    staff = trained(site, course, "A. Patel", completed=-400)
    TrainingRecordFactory(staff=staff, course=course, completed_on=days(-10))

    (row,) = assess_one(site, training_set(course, min_staff=2)).rows

    assert (row.outcome, row.trained_count, row.trained_staff) == (BLOCKER, 1, ["A. Patel"])


def test_it_ignores_staff_at_other_sites():
    site, other = SiteFactory(), SiteFactory()
    course = CourseFactory()
    trained(other, course, "Z. Elsewhere")
    (row,) = assess_one(site, training_set(course)).rows
    assert row.outcome == BLOCKER
    assert row.trained_count == 0


RENEWAL_CASES = [
    # (case, renewal months, completed on, override, outcome, expires_on / expired_on)
    ("never expires", None, dt.date(2010, 1, 1), None, MET, None),
    ("within renewal", 12, dt.date(2025, 6, 20), None, MET, dt.date(2026, 6, 20)),
    ("renewal ends today: expiring", 12, dt.date(2025, 3, 15), None, EXPIRING, ON),
    ("renewal ended yesterday", 12, dt.date(2025, 3, 14), None, BLOCKER, dt.date(2026, 3, 14)),
    (
        "override extends an expired course",
        12,
        dt.date(2024, 1, 1),
        dt.date(2027, 1, 1),
        MET,
        dt.date(2027, 1, 1),
    ),
    (
        "override shortens a valid course",
        24,
        dt.date(2025, 6, 1),
        dt.date(2026, 3, 1),
        BLOCKER,
        dt.date(2026, 3, 1),
    ),
]


@pytest.mark.parametrize(
    ("renewal", "completed", "override", "outcome", "date"),
    [case[1:] for case in RENEWAL_CASES],
    ids=[case[0] for case in RENEWAL_CASES],
)
def test_it_applies_course_renewal_and_certificate_overrides(
    renewal, completed, override, outcome, date
):
    site = SiteFactory()
    course = CourseFactory(renewal_months=renewal)
    staff = StaffMemberFactory(site=site, full_name="A. Patel")
    TrainingRecordFactory(
        staff=staff, course=course, completed_on=completed, expiry_override=override
    )

    (row,) = assess_one(site, training_set(course)).rows

    assert row.outcome == outcome
    if outcome == BLOCKER:
        assert (row.expired_on, row.expires_on) == (date, None)
        assert f"A. Patel on {readiness.long_date(date)}" in row.detail
    else:
        assert (row.expires_on, row.expired_on) == (date, None)


def test_it_dates_training_cover_by_the_nth_longest_lasting_record():
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    for name, expiry in (("A", days(400)), ("B", days(40)), ("C", days(10))):
        staff = StaffMemberFactory(site=site, full_name=name)
        TrainingRecordFactory(
            staff=staff, course=course, completed_on=days(-5), expiry_override=expiry
        )

    (row,) = assess_one(site, training_set(course, min_staff=2)).rows

    # With two needed, cover drops below two after B's training lapses.
    assert row.outcome == EXPIRING
    assert row.expires_on == days(40)
    assert row.trained_count == 3
    assert row.detail.endswith(f"Cover falls below 2 after {readiness.long_date(days(40))}.")


# --- merging requirement sets -----------------------------------------------------------------

MERGE_CASES = [
    # (case, profile level, trial level, merged level)
    ("profile mandatory, trial recommended", "mandatory", "recommended", "mandatory"),
    ("profile recommended, trial mandatory", "recommended", "mandatory", "mandatory"),
    ("both recommended", "recommended", "recommended", "recommended"),
]


@pytest.mark.parametrize(
    ("profile_level", "trial_level", "merged"),
    [case[1:] for case in MERGE_CASES],
    ids=[case[0] for case in MERGE_CASES],
)
def test_it_merges_profile_and_trial_requirements_with_the_strictest_level(
    profile_level, trial_level, merged
):
    hct = CapabilityFactory(name="JACIE HCT accreditation")
    iec = CapabilityFactory(name="JACIE IEC accreditation")
    profile = RequirementProfileFactory(name="CAR-T core")
    trial = TrialFactory()
    trial.profiles.add(profile)
    CapabilityRequirementFactory(profile=profile, capabilities=[hct, iec], level=profile_level)
    CapabilityRequirementFactory(trial=trial, capabilities=[iec, hct], level=trial_level)

    (requirement,) = readiness.requirement_set_for_trial(trial).requirements

    assert requirement.level == merged
    assert requirement.sources == ("CAR-T core", readiness.TRIAL_SPECIFIC)


def test_it_keeps_different_alternative_sets_apart():
    hct = CapabilityFactory(name="JACIE HCT accreditation")
    iec = CapabilityFactory(name="JACIE IEC accreditation")
    trial = TrialFactory()
    CapabilityRequirementFactory(trial=trial, capabilities=[hct, iec])
    CapabilityRequirementFactory(trial=trial, capabilities=[hct])
    keys = [r.key for r in readiness.requirement_set_for_trial(trial).requirements]
    assert len(keys) == 2


def test_it_merges_training_requirements_with_the_highest_staff_number_and_strictest_level():
    course = CourseFactory(title="GCP")
    first = RequirementProfileFactory(name="CAR-T core")
    second = RequirementProfileFactory(name="GMO core")
    trial = TrialFactory()
    trial.profiles.add(first, second)
    TrainingRequirementFactory(
        profile=first, course=course, role="TRIAL_PHARM", min_staff=1, level="mandatory"
    )
    TrainingRequirementFactory(
        profile=second, course=course, role="TRIAL_PHARM", min_staff=3, level="recommended"
    )
    TrainingRequirementFactory(trial=trial, course=course, role="", min_staff=2)

    requirements = readiness.requirement_set_for_trial(trial).requirements

    by_role = {r.role: r for r in requirements}
    assert set(by_role) == {"TRIAL_PHARM", ""}
    pharmacists = by_role["TRIAL_PHARM"]
    assert (pharmacists.level, pharmacists.min_staff) == ("mandatory", 3)
    assert pharmacists.sources == ("CAR-T core", "GMO core")
    assert pharmacists.label == "GCP — 3 × Clinical trials pharmacist"
    assert by_role[""].sources == (readiness.TRIAL_SPECIFIC,)


def test_it_leaves_out_profiles_the_trial_does_not_inherit():
    capability = CapabilityFactory()
    other = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=other, capabilities=[capability])
    assert readiness.requirement_set_for_trial(TrialFactory()).requirements == []


# --- dates, score and ranking -----------------------------------------------------------------


def test_it_assesses_future_dates_from_the_current_records():
    site = SiteFactory()
    capability = CapabilityFactory()
    site_capability(site, capability, IN_PLACE, dt.date(2026, 6, 30))
    course = CourseFactory(renewal_months=12)
    trained(site, course, "A. Patel", completed=0)  # completed on ON, valid to 15 March 2027
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    TrainingRequirementFactory(profile=profile, course=course)
    requirement_set = readiness.requirement_set_for_profile(profile)

    def outcomes(on):
        return [row.outcome for row in assess_one(site, requirement_set, on).rows]

    assert outcomes(ON) == [MET, MET]
    assert outcomes(dt.date(2026, 5, 1)) == [EXPIRING, MET]
    assert outcomes(dt.date(2026, 7, 1)) == [BLOCKER, MET]  # evidence lapsed
    assert outcomes(dt.date(2027, 3, 16)) == [BLOCKER, BLOCKER]  # training lapsed too


def test_it_counts_a_leaver_for_dates_before_they_left():
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    with at(days(-300)):
        staff = trained(site, course, "E. Leaver", completed=-300)
    with at(days(-10)):
        staff.active, staff.left_on = False, days(-10)
        staff.save()
    requirement_set = training_set(course)

    assert assess_one(site, requirement_set, days(-20)).rows[0].outcome == MET
    assert assess_one(site, requirement_set, days(-10)).rows[0].outcome == BLOCKER
    assert assess_one(site, requirement_set, ON).rows[0].outcome == BLOCKER


def test_it_stops_counting_staff_on_their_leaving_date():
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    staff = trained(site, course, "F. Notice", completed=-300)
    staff.left_on = days(30)
    staff.save()

    (row,) = assess_one(site, training_set(course)).rows

    assert (row.outcome, row.expires_on) == (EXPIRING, days(29))
    assert assess_one(site, training_set(course), days(30)).rows[0].outcome == BLOCKER


# --- past dates: what was recorded then (docs/readiness.md, "Dates") --------------------------

JULY_1, OCTOBER_1 = dt.date(2025, 7, 1), dt.date(2025, 10, 1)


def outcomes_on(site, requirement_set, *dates):
    return [assess_one(site, requirement_set, day).rows[0].outcome for day in dates]


def test_a_capability_in_place_in_june_and_withdrawn_in_september_is_met_in_july_only():
    site = SiteFactory()
    capability = CapabilityFactory()
    with at(dt.date(2025, 6, 2)):
        item = site_capability(site, capability, IN_PLACE)
    with at(dt.date(2025, 9, 15)):
        item.status = NOT_IN_PLACE
        item.save()
    requirement_set = readiness.requirement_set_for_capabilities([capability])

    assert outcomes_on(site, requirement_set, JULY_1, OCTOBER_1, ON) == [MET, BLOCKER, BLOCKER]
    (row,) = assess_one(site, requirement_set, OCTOBER_1).rows
    assert row.status == NOT_IN_PLACE


def test_evidence_renewed_later_does_not_cover_the_months_it_had_lapsed():
    site = SiteFactory()
    capability = CapabilityFactory()
    with at(dt.date(2025, 1, 10)):
        item = site_capability(site, capability, IN_PLACE, dt.date(2025, 6, 30))
    with at(dt.date(2025, 9, 1)):
        item.evidence_expires_on = dt.date(2026, 8, 31)
        item.save()
    requirement_set = readiness.requirement_set_for_capabilities([capability])

    # 1 July: the evidence recorded then had expired the day before, whatever came later.
    assert outcomes_on(site, requirement_set, JULY_1, OCTOBER_1) == [BLOCKER, MET]
    assert assess_one(site, requirement_set, JULY_1).rows[0].expired_on == dt.date(2025, 6, 30)


def test_nothing_counts_before_it_was_recorded():
    site = SiteFactory()
    capability = CapabilityFactory()
    with at(dt.date(2025, 8, 1)):
        site_capability(site, capability, IN_PLACE)
    requirement_set = readiness.requirement_set_for_capabilities([capability])

    (row,) = assess_one(site, requirement_set, JULY_1).rows
    assert (row.outcome, row.status) == (BLOCKER, NO_RECORD)


def test_a_change_counts_from_the_day_it_was_saved_in_the_portals_time_zone():
    """23:30 on 1 July (British Summer Time, 22:30 UTC) is still 1 July; 00:10 on 2 July is not."""
    site = SiteFactory()
    late, early = CapabilityFactory(), CapabilityFactory()
    with at(JULY_1, 23, 30):
        site_capability(site, late, IN_PLACE)
    with at(JULY_1 + dt.timedelta(days=1), 0, 10):
        site_capability(site, early, IN_PLACE)

    assert outcomes_on(site, readiness.requirement_set_for_capabilities([late]), JULY_1) == [MET]
    assert outcomes_on(site, readiness.requirement_set_for_capabilities([early]), JULY_1) == [
        BLOCKER
    ]


def test_a_leavers_cover_counts_until_they_were_recorded_as_leaving():
    """Deactivated in September with no leaving date: today they never count, but on 1 July
    they were in post (the current record alone cannot say so)."""
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    with at(dt.date(2025, 5, 20)):
        staff = trained(site, course, "L. Eaver", completed=-500)
    with at(dt.date(2025, 9, 10)):
        staff.active = False
        staff.save()

    assert outcomes_on(site, training_set(course), JULY_1, OCTOBER_1, ON) == [
        MET,
        BLOCKER,
        BLOCKER,
    ]


def test_a_newly_trained_persons_cover_counts_from_when_it_was_recorded():
    site = SiteFactory()
    course = CourseFactory(renewal_months=24)
    with at(dt.date(2025, 5, 20)):
        staff = StaffMemberFactory(site=site, full_name="N. Ewstarter", roles=["TRIAL_PHARM"])
        late = StaffMemberFactory(site=site, full_name="L. Atecomer", roles=["TRIAL_PHARM"])
    with at(dt.date(2025, 9, 5)):
        TrainingRecordFactory(staff=staff, course=course, completed_on=dt.date(2025, 9, 1))
    # Trained in May, but the certificate was only entered in September.
    with at(dt.date(2025, 9, 20)):
        TrainingRecordFactory(staff=late, course=course, completed_on=dt.date(2025, 5, 1))

    assert outcomes_on(site, training_set(course), JULY_1, OCTOBER_1) == [BLOCKER, MET]
    assert outcomes_on(site, training_set(course, min_staff=2), JULY_1, OCTOBER_1) == [
        BLOCKER,
        MET,
    ]


def test_a_deleted_training_record_counts_until_it_was_deleted():
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    with at(dt.date(2025, 5, 20)):
        staff = StaffMemberFactory(site=site, roles=["TRIAL_PHARM"])
        record = TrainingRecordFactory(staff=staff, course=course, completed_on=dt.date(2025, 5, 1))
    with at(dt.date(2025, 9, 1)):
        record.delete()

    assert outcomes_on(site, training_set(course), JULY_1, OCTOBER_1) == [MET, BLOCKER]


def test_a_person_who_moved_site_counts_where_they_were_then():
    site, other = SiteFactory(), SiteFactory()
    course = CourseFactory(renewal_months=None)
    with at(dt.date(2025, 5, 20)):
        staff = trained(site, course, "M. Over", completed=-500)
    with at(dt.date(2025, 9, 1)):
        staff.site = other
        staff.save()

    assert outcomes_on(site, training_set(course), JULY_1, OCTOBER_1) == [MET, BLOCKER]
    assert outcomes_on(other, training_set(course), JULY_1, OCTOBER_1) == [BLOCKER, MET]


def history_network(n_sites: int, capabilities, course):
    """Sites whose checklist and training changed over 2025: a version a quarter each."""
    sites = SiteFactory.create_batch(n_sites)
    for i, site in enumerate(sites):
        with at(dt.date(2025, 1, 5)):
            items = [site_capability(site, c, IN_PROGRESS) for c in capabilities]
            staff = trained(site, course, f"Staff {i}", completed=-400)
        for month in (4, 7, 10):
            with at(dt.date(2025, month, 5)):
                for item in items:
                    item.status = IN_PLACE if (i + month) % 2 else NOT_IN_PLACE
                    item.save()
                TrainingRecordFactory(
                    staff=staff, course=course, completed_on=dt.date(2025, month, 1)
                )
    return sites


def test_a_past_date_costs_the_same_queries_for_one_site_and_ten(django_assert_num_queries):
    capabilities = CapabilityFactory.create_batch(3)
    course = CourseFactory(renewal_months=12)
    profile = RequirementProfileFactory()
    for capability in capabilities:
        CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    TrainingRequirementFactory(profile=profile, course=course)
    requirement_set = readiness.requirement_set_for_profile(profile)
    one = history_network(1, capabilities, course)
    ten = history_network(10, capabilities, course)

    for sites in (one, ten):
        with django_assert_num_queries(3):
            assessments = readiness.assess(sites=sites, requirements=requirement_set, on=JULY_1)
        assert len(assessments) == len(sites)
        assert {a.met for a in assessments} >= {1}


def test_a_series_of_dates_is_each_dates_assessment_in_constant_queries(
    django_assert_num_queries,
):
    capabilities = CapabilityFactory.create_batch(3)
    course = CourseFactory(renewal_months=12)
    profile = RequirementProfileFactory()
    for capability in capabilities[:2]:
        CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    CapabilityRequirementFactory(
        profile=profile, capabilities=[capabilities[2]], level="recommended"
    )
    TrainingRequirementFactory(profile=profile, course=course, min_staff=2)
    requirement_set = readiness.requirement_set_for_profile(profile)
    month_ends = [dt.date(2025, month, 1) - dt.timedelta(days=1) for month in range(2, 13)]
    sites = history_network(4, capabilities, course)

    def summary(assessment):
        return (assessment.site.pk, assessment.score, assessment.ready, assessment.blockers,
                assessment.warnings, assessment.expiring, assessment.met)  # fmt: skip

    for dates in (month_ends[:1], month_ends):
        # One read of the history for every date (as on SQLite, or with every row)...
        with mock.patch.object(assessing, "counts_in_database", return_value=False):
            with django_assert_num_queries(3):
                series = readiness.assess_series(
                    sites=sites, requirements=requirement_set, dates=dates
                )
        assert list(series) == dates
        # ... or, on PostgreSQL, the sites' stamps and the ranking's one statement per date;
        # asked again, the stamps alone (each date's counts come from the cache).
        cache.clear()
        postgresql = connection.vendor == "postgresql"
        with django_assert_num_queries(1 + len(dates) if postgresql else 3):
            per_date = readiness.assess_series(
                sites=sites, requirements=requirement_set, dates=dates
            )
        with django_assert_num_queries(1 if postgresql else 3):
            again = readiness.assess_series(sites=sites, requirements=requirement_set, dates=dates)
        assert again == per_date
        assert {day: [summary(a) for a in per_date[day]] for day in dates} == {
            day: [summary(a) for a in series[day]] for day in dates
        }
    for day, assessments in series.items():
        expected = readiness.assess(sites=sites, requirements=requirement_set, on=day)
        assert [summary(a) for a in assessments] == [summary(a) for a in expected]
    full = readiness.assess_series(
        sites=sites, requirements=requirement_set, dates=month_ends, summary_only=False
    )
    assert (
        full[month_ends[-1]][0].rows
        == readiness.assess(sites=sites[:1], requirements=requirement_set, on=month_ends[-1])[
            0
        ].rows
    )
    assert len({summary(a)[1:] for a in series[month_ends[-1]]}) > 1  # the sites differ


def test_a_series_reads_today_from_the_current_records():
    site = SiteFactory()
    capability = CapabilityFactory()
    with at(dt.date(2025, 6, 2)):
        item = site_capability(site, capability, IN_PLACE)
    item.status = NOT_IN_PLACE  # today
    item.save()
    requirement_set = readiness.requirement_set_for_capabilities([capability])

    series = readiness.assess_series(sites=[site], requirements=requirement_set, dates=[ON, JULY_1])

    assert list(series) == [JULY_1, ON]
    assert [series[day][0].blockers for day in series] == [0, 1]


def test_it_scores_met_mandatory_items_over_all_mandatory_items():
    site = SiteFactory()
    caps = [CapabilityFactory() for _ in range(4)]
    site_capability(site, caps[0], IN_PLACE)
    site_capability(site, caps[1], IN_PLACE, days(10))  # expiring still counts as met
    profile = RequirementProfileFactory()
    for capability in caps[:3]:
        CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    CapabilityRequirementFactory(profile=profile, capabilities=[caps[3]], level="recommended")

    assessment = assess_one(site, readiness.requirement_set_for_profile(profile))

    assert assessment.score == pytest.approx(2 / 3)
    assert (assessment.met, assessment.expiring, assessment.blockers, assessment.warnings) == (
        1,
        1,
        1,
        1,
    )
    assert assessment.ready is False


def test_it_has_no_score_without_mandatory_items_and_is_ready_without_blockers():
    site = SiteFactory()
    capability = CapabilityFactory()
    requirement_set = readiness.requirement_set_for_capabilities([capability], level="recommended")

    assessment = assess_one(site, requirement_set)

    assert assessment.score is None
    assert assessment.ready is True
    assert assessment.warnings == 1


def test_it_ranks_ready_sites_first_then_by_score_blockers_and_name():
    caps = [CapabilityFactory() for _ in range(4)]
    requirement_set = readiness.requirement_set_for_capabilities(caps[:3])
    recommended = readiness.requirement_set_for_capabilities([caps[3]], level="recommended")
    requirement_set.requirements.extend(recommended.requirements)
    sites = {
        name: SiteFactory(name=name)
        for name in (
            "Zeta ready",
            "Alpha ready",
            "Beta two-thirds",
            "Gamma one-third",
            "Delta none",
        )
    }
    for name, met in (
        ("Zeta ready", 3),
        ("Alpha ready", 3),
        ("Beta two-thirds", 2),
        ("Gamma one-third", 1),
    ):
        for capability in caps[:met]:
            site_capability(sites[name], capability, IN_PLACE)
    site_capability(sites["Zeta ready"], caps[3], IN_PLACE)

    ranked = readiness.rank(
        readiness.assess(sites=list(sites.values()), requirements=requirement_set, on=ON)
    )

    assert [a.site.name for a in ranked] == [
        "Alpha ready",
        "Zeta ready",
        "Beta two-thirds",
        "Gamma one-third",
        "Delta none",
    ]


def test_it_ranks_by_fewest_blockers_when_scores_tie():
    caps = [CapabilityFactory() for _ in range(2)]
    first = readiness.assess(
        sites=[SiteFactory(name="A")],
        requirements=readiness.requirement_set_for_capabilities(caps),
        on=ON,
    )[0]
    second = readiness.assess(
        sites=[SiteFactory(name="B")],
        requirements=readiness.requirement_set_for_capabilities(caps[:1]),
        on=ON,
    )[0]
    # Both score 0; B has one blocker, A two.
    assert [a.site.name for a in readiness.rank([first, second])] == ["B", "A"]


# --- queries ----------------------------------------------------------------------------------


def build_network(n_sites: int, profile, capabilities, course):
    sites = []
    for i in range(n_sites):
        site = SiteFactory()
        for j, capability in enumerate(capabilities):
            site_capability(site, capability, IN_PLACE, days(30 * (i + j) - 60))
        for k in range(2):
            trained(site, course, f"Staff {i}-{k}", completed=-40 * (i + k))
        sites.append(site)
    return sites


def test_it_uses_the_same_few_queries_for_one_site_and_fifty():
    capabilities = [CapabilityFactory() for _ in range(5)]
    course = CourseFactory()
    profile = RequirementProfileFactory()
    for capability in capabilities:
        CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    CapabilityRequirementFactory(
        profile=profile, capabilities=capabilities[:2], level="recommended"
    )
    TrainingRequirementFactory(profile=profile, course=course, min_staff=2, role="TRIAL_PHARM")
    trial = TrialFactory()
    trial.profiles.add(profile)
    build_network(50, profile, capabilities, course)
    from sites.models import Site

    counts = []
    for n in (1, 50):
        cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
        with CaptureQueriesContext(connection) as captured:
            requirement_set = readiness.requirement_set_for_trial(trial)
            assessments = readiness.assess(
                sites=Site.objects.order_by("pk")[:n], requirements=requirement_set, on=ON
            )
            [a.site.region.name for a in assessments]
        assert len(assessments) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 10
