"""The demo data tells a story that holds together (issue 16, docs/demo-data.md).

Checked with the readiness engine itself, on data seeded once for the module (inside a
transaction rolled back at the end): the commissioned CAR-T centres are ready for CAR-T core,
every trial has ready, near-ready and not-ready sites, sites in set-up are near-ready, open
sites were ready on the day they opened and are today but for the one lapse, and the history
is a year of plausible movement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db import transaction

from accounts.models import User
from demo.seed import seed_demo
from demo.story import CAR_T_CENTRES, LAPSE
from demo.timeline import HISTORY_DAYS
from reports.readiness import assess, requirement_sets
from reports.trend import readiness_trend
from sites.models import Site, SiteCapability
from training.models import StaffMember, TrainingRecord
from trials.models import RequirementProfile, Trial, TrialSite

ANCHOR = dt.date(2026, 11, 23)


def category(assessment) -> str:
    if assessment.ready:
        return "ready"
    return "near" if assessment.blockers <= 2 else "far"


@pytest.fixture(scope="module")
def story(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(anchor=ANCHOR)
        trials = list(Trial.objects.order_by("short_title"))
        profiles = list(RequirementProfile.objects.order_by("code"))
        trial_sets, profile_sets = requirement_sets(trials=trials, profiles=profiles)
        sites = list(Site.objects.select_related("region").order_by("ods_code"))
        by_trial = {
            trial.short_title: {
                a.site.ods_code: a
                for a in assess(sites=sites, requirements=trial_sets[trial.pk], on=ANCHOR)
            }
            for trial in trials
        }
        car_t_core = next(p for p in profiles if p.code == "car_t_core")
        yield {
            "trials": trials,
            "trial_sets": trial_sets,
            "sites": sites,
            "by_trial": by_trial,
            "car_t_core": profile_sets[car_t_core.pk],
        }
        transaction.set_rollback(True)


@pytest.fixture
def data(story, db):
    return story


def test_every_commissioned_car_t_centre_meets_car_t_core(data):
    centres = [site for site in data["sites"] if site.ods_code in CAR_T_CENTRES]
    assert len(centres) == len(CAR_T_CENTRES) == 11
    for assessment in assess(sites=centres, requirements=data["car_t_core"], on=ANCHOR):
        assert assessment.blockers == 0, assessment.site.ods_code
        assert assessment.warnings <= 2, assessment.site.ods_code


def test_attc_members_are_near_ready_for_the_gene_therapy_core(data):
    members = [site for site in data["sites"] if site.attc]
    assert len(members) >= 10
    gene_core = RequirementProfile.objects.get(code="gmo_gene_therapy_core")
    (requirements,) = requirement_sets(trials=[], profiles=[gene_core])[1].values()
    for assessment in assess(sites=members, requirements=requirements, on=ANCHOR):
        assert 1 <= assessment.blockers <= 2, assessment.site.ods_code


def test_most_car_t_trials_find_the_car_t_centres_ready(data):
    for title in ("ORION-19", "RENEW-SCD"):
        ready = [code for code in CAR_T_CENTRES if data["by_trial"][title][code].ready]
        assert len(ready) >= 6, (title, ready)


def test_every_trial_has_ready_near_ready_and_not_ready_sites_nationally(data):
    for title, assessments in data["by_trial"].items():
        categories = Counter(category(a) for a in assessments.values())
        assert categories["ready"] >= 1, title
        assert categories["near"] >= 1, title
        assert categories["far"] >= 1, title


def test_every_region_with_several_sites_shows_a_mix(data):
    seen = defaultdict(set)
    for assessments in data["by_trial"].values():
        for assessment in assessments.values():
            seen[assessment.site.region.code].add(category(assessment))
    regions = Counter(site.region.code for site in data["sites"])
    for region, count in regions.items():
        if count > 1:
            assert seen[region] == {"ready", "near", "far"}, region


def _participations(status):
    return TrialSite.objects.filter(status=status).select_related("trial", "site")


def test_sites_in_set_up_are_near_ready(data):
    in_setup = list(_participations(TrialSite.Status.IN_SETUP))
    assert len(in_setup) >= 10
    for trial_site in in_setup:
        assessment = data["by_trial"][trial_site.trial.short_title][trial_site.site.ods_code]
        assert 1 <= assessment.blockers <= 2, str(trial_site)


def test_open_sites_are_ready_today_but_for_the_one_lapse_on_purpose(data):
    not_ready = [
        (trial_site.site.ods_code, trial_site.trial)
        for trial_site in _participations(TrialSite.Status.OPEN)
        if not data["by_trial"][trial_site.trial.short_title][trial_site.site.ods_code].ready
    ]
    site, trial_key, code, days = LAPSE
    assert [(ods, f"trial:{trial.iras_id}") for ods, trial in not_ready] == [(site, trial_key)]
    lapsed = data["by_trial"][not_ready[0][1].short_title][site]
    assert lapsed.blockers == 1
    entry = SiteCapability.objects.get(site__ods_code=site, capability__code=code)
    assert entry.status == SiteCapability.Status.IN_PLACE
    assert entry.evidence_expires_on == ANCHOR - dt.timedelta(days=days)


def _opened_on(trial_site: TrialSite) -> dt.date:
    opened = trial_site.history.filter(status=TrialSite.Status.OPEN).order_by("history_date")
    return opened.first().history_date.date()


def test_every_open_site_was_ready_on_the_day_it_opened(data):
    # A past date reads what was recorded then: the seeded history (reports/readiness/history.py).
    open_sites = list(_participations(TrialSite.Status.OPEN))
    assert len(open_sites) >= 10
    for trial_site in open_sites:
        opened_on = _opened_on(trial_site)
        assert opened_on == trial_site.planned_opening
        (assessment,) = assess(
            sites=[trial_site.site],
            requirements=data["trial_sets"][trial_site.trial.pk],
            on=opened_on,
        )
        assert assessment.ready, (
            str(trial_site),
            opened_on,
            [r.requirement for r in assessment.gaps],
        )


def test_car_t_core_readiness_rises_over_the_year(data):
    """The network workspace's 12-month trend: more sites ready for CAR-T core now than a year
    ago, and never fewer than at the start."""
    points = readiness_trend(sites=data["sites"], requirements=data["car_t_core"], today=ANCHOR)
    ready = [point.ready for point in points]
    assert len(ready) == 12
    assert ready[-1] > ready[0], ready
    assert min(ready) == ready[0], ready


def test_the_history_is_a_year_in_the_past(data):
    earliest = ANCHOR - dt.timedelta(days=HISTORY_DAYS)
    for model in (SiteCapability, StaffMember, TrainingRecord, TrialSite):
        dates = model.history.values_list("history_date", flat=True)
        assert all(earliest <= when.date() < ANCHOR for when in dates), model.__name__


def test_the_history_shows_items_put_in_place_renewed_and_lapsed(data):
    rows = defaultdict(list)
    for pk, when, status, expires, reason in SiteCapability.history.order_by(
        "id", "history_date"
    ).values_list("id", "history_date", "status", "evidence_expires_on", "history_change_reason"):
        rows[pk].append((when.date(), status, expires, reason))
    paths = Counter(tuple(row[1] for row in timeline) for timeline in rows.values())
    assert paths[("not_in_place", "in_progress", "in_place")] >= 50
    renewals = [
        (before, after)
        for timeline in rows.values()
        for before, after in zip(timeline, timeline[1:], strict=False)
        if after[3] == "Evidence renewed"
    ]
    assert len(renewals) >= 100
    late = [(before, after) for before, after in renewals if before[2] < after[0]]
    assert 1 <= len(late) < len(renewals) / 4  # a few renewals came after the evidence ran out


def test_people_join_and_leave_during_the_year(data):
    reasons = Counter(StaffMember.history.values_list("history_change_reason", flat=True))
    assert reasons["Joined the site"] >= 20
    assert reasons["Left the site"] == StaffMember.objects.filter(active=False).count()
    assert TrainingRecord.history.filter(history_change_reason="Training renewed").count() >= 100


def test_invitations_have_a_deadline_and_the_demo_coordinator_has_one_to_answer(data, client):
    invited = list(_participations(TrialSite.Status.INVITED).select_related("invited_by"))
    assert len(invited) >= 4
    for trial_site in invited:
        assert trial_site.respond_by > ANCHOR, str(trial_site)
        assert trial_site.invited_by.email == "national@demo.nhs.uk"
        assert trial_site.message
    declined = _participations(TrialSite.Status.DECLINED)
    assert declined and all(trial_site.reason for trial_site in declined)

    client.force_login(User.objects.get(email="coordinator@demo.nhs.uk"))
    page = client.get("/").content.decode()
    assert "Trial invitations to answer" in page
    assert "ONCOVIR-M at The Newcastle upon Tyne Hospitals" in page
    assert "answer by 14 December 2026" in page
