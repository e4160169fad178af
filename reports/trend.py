"""Readiness over time: sites ready and the median score at each month end.

Each point is `readiness.assess_series`' answer for its date (past dates as recorded then, from
the change history: docs/readiness.md, "Dates"). A point whose date is safely past cannot change
any more, so it is computed once and stored (`TrendSnapshot`, keyed by fingerprints of the
requirement set and of the sites); later requests read it. "Safely past" is the date's end
(midnight) plus an edit session's 30 minutes: until then a checklist edit session
(sites.services) may still move a change saved just before midnight past it, so today, and
yesterday until 00:30, are computed afresh.

Queries: one to read the stored points, one per date not stored (the first request for a set
of sites and requirements: one per month), one to store them; whatever the number of sites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from reports import readiness
from reports.models import TrendSnapshot
from reports.readiness.history import end_of
from sites.selectors import SiteRef
from sites.services import EDIT_SESSION_MINUTES


class MedianPercent:
    """`median_percent` for a row with a `median_score` (0–1, or None): the overview's
    region rows and trend points."""

    median_score: float | None

    @property
    def median_percent(self) -> int | None:
        return None if self.median_score is None else round(self.median_score * 100)


@dataclass(frozen=True)
class TrendPoint(MedianPercent):
    on: dt.date
    sites: int
    ready: int
    median_score: float | None


def median_score(assessments: Iterable[readiness.SiteAssessment]) -> float | None:
    scores = [a.score for a in assessments if a.score is not None]
    return statistics.median(scores) if scores else None


def month_ends(today: dt.date, months: int = 12) -> list[dt.date]:
    """The last day of each of the previous `months - 1` months, then today: oldest first."""
    dates = [today]
    day = today.replace(day=1) - dt.timedelta(days=1)
    while len(dates) < months:
        dates.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return dates[::-1]


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":")).encode()).hexdigest()


def requirements_key(requirements: readiness.RequirementSet) -> str:
    """What the rules read of a requirement set (not its wording): equal sets, equal keys."""
    return _digest(sorted(
        [r.kind, r.level, sorted(r.capability_ids), r.course_id, r.role, r.min_staff,
         r.renewal_months]
        for r in requirements.requirements
    ))  # fmt: skip


def sites_key(sites: Iterable[SiteRef]) -> str:
    return _digest(sorted(site.pk for site in sites))


def storable(on: dt.date) -> bool:
    """Nothing saved from now on can change what is read for the date: its end is past by
    more than an edit session (whose later saves move its history entry to their own time)."""
    return timezone.now() >= end_of(on) + dt.timedelta(minutes=EDIT_SESSION_MINUTES)


def _point(on: dt.date, assessed: list[readiness.SiteAssessment]) -> TrendPoint:
    return TrendPoint(
        on, len(assessed), sum(1 for a in assessed if a.ready), median_score(assessed)
    )


def readiness_trend(
    *,
    sites: list[SiteRef],
    requirements: readiness.RequirementSet,
    today: dt.date,
    months: int = 12,
    today_assessed: list[readiness.SiteAssessment] | None = None,
) -> list[TrendPoint]:
    """Sites ready and the median score at each month end and `today` (oldest first): the
    stored points, the others assessed (`readiness.assess_series`) and stored if past.
    `today_assessed`: the sites' assessments as of `today`, when the caller has them."""
    dates = month_ends(today, months)
    keys = {"requirements_key": requirements_key(requirements), "sites_key": sites_key(sites)}
    known = {
        row.on: TrendPoint(row.on, row.sites, row.ready, row.median_score)
        for row in TrendSnapshot.objects.filter(on__in=[on for on in dates if storable(on)], **keys)
    }
    if today_assessed is not None:
        known[today] = _point(today, today_assessed)
    missing = [on for on in dates if on not in known]
    series = (
        readiness.assess_series(
            sites=sites, requirements=requirements, dates=missing, summary_only=True
        )
        if missing
        else {}
    )
    fresh = {on: _point(on, assessed) for on, assessed in series.items()}
    TrendSnapshot.objects.bulk_create(
        [
            TrendSnapshot(
                on=p.on, sites=p.sites, ready=p.ready, median_score=p.median_score, **keys
            )
            for p in fresh.values()
            if storable(p.on)
        ],
        ignore_conflicts=True,  # another request stored the same point first: it is equal
    )
    points = {**known, **fresh}
    return [points[on] for on in dates]


def forget_stored_points() -> int:
    """Drop every stored point (after history was rewritten, as seed_demo does)."""
    deleted, _ = TrendSnapshot.objects.all().delete()
    return deleted


def fill_stored_points(today: dt.date, months: int = 12) -> int:
    """Store the past month ends of every trial's and profile's trend for the scopes the
    overview is asked for: every site, each region, and each regional coordinator's sites
    (Celery beat, nightly: the first visit of a scope then reads instead of assessing 11 dates
    from the history). Only points not stored yet are assessed; returns how many were."""
    from accounts.models import User
    from sites.access import visible_sites
    from sites.models import Region, Site
    from sites.selectors import site_refs
    from trials.models import RequirementProfile, Trial

    scopes = [Site.objects.all()]
    scopes += [Site.objects.filter(region=region) for region in Region.objects.all()]
    scopes += [
        visible_sites(user)
        for user in User.objects.filter(is_active=True)
        .exclude(network_scope="")
        .exclude(network_scope=User.NetworkScope.NATIONAL)
    ]
    trial_sets, profile_sets = readiness.requirement_sets(
        trials=list(Trial.objects.all()), profiles=list(RequirementProfile.objects.all())
    )
    before = TrendSnapshot.objects.count()
    seen = set()
    for sites in scopes:
        refs = site_refs(sites.order_by("name", "pk"))
        if not refs or sites_key(refs) in seen:
            continue
        seen.add(sites_key(refs))
        for requirements in [*trial_sets.values(), *profile_sets.values()]:
            past = [on for on in month_ends(today, months) if storable(on)]
            if past:  # assesses (and stores) only the points not stored yet
                readiness_trend(
                    sites=refs, requirements=requirements, today=past[-1], months=len(past)
                )
    return TrendSnapshot.objects.count() - before
