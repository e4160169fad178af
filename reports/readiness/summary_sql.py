"""The ranking's fast path on PostgreSQL: the rules' outcomes counted by the database.

The same decisions as rules.py, taken in one SQL statement so that the ranking fetches neither
checklist rows nor training records: one row per site with how many requirements it meets (not
expiring), meets but expiring, and meets of the mandatory ones.

Training is counted, not sorted: a requirement for N staff is met when at least N staff in post
hold a record valid on the date, and expiring when fewer than N hold one still valid on the
horizon (the N-th longest cover lapses before it). A record without an override is valid on a
day when it was completed on or after the earliest completion whose renewal reaches that day
(`earliest_completion`, worked out here once per course), so no row needs date arithmetic.

Today and later dates read the tables; a past date reads, in their place, each row's last version
saved before the end of that day from the change history, as the row path does (history.py).

The ranking's counts are cached per site (summary_cache.py): its statement runs only for the
sites whose entry is missing, and returns each site's readiness stamp as it saw it, to file the
counts under. At ten times the UK's sites (5,217, 1 million training records) the statement
takes about 2.4 s for every site (593,000 training records joined to their staff); a ranking
read from the cache, about 90 ms in all (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.db import connection

from atmp_portal.expiring import horizon
from reports.models import ReadinessStamp
from reports.readiness import summary_cache
from reports.readiness.history import end_of, is_past
from reports.readiness.loading import renewal_due
from reports.readiness.outcome import Outcome
from reports.readiness.requirements import CAPABILITY, RequirementSet
from reports.readiness.results import SiteAssessment, from_counts
from reports.readiness.rules import IN_PLACE
from sites.models import Site, SiteCapability
from sites.selectors import SiteRef
from training.models import StaffMember, TrainingRecord

# Each requirement a site meets, as (site_id, idx, mandatory, expiring): the rules' decisions,
# shared by the ranking's count per site (below) and the blockers' count per requirement
# (blockers_sql.py), which end it with their own SELECT ... FROM met.
MET_CTE = """
WITH visible AS (
    SELECT unnest(%(site_ids)s::int[]) AS site_id
), cap_req AS (
    SELECT * FROM unnest(%(cap_idx)s::int[], %(cap_id)s::int[], %(cap_mandatory)s::bool[])
        AS r(idx, capability_id, mandatory)
), cap_met AS (
    -- Met by any alternative in place with evidence valid on the date; expiring when the one
    -- valid longest lapses before the horizon.
    SELECT sc.site_id, r.idx, bool_or(r.mandatory) AS mandatory,
           bool_and(sc.evidence_expires_on IS NOT NULL)
           AND max(sc.evidence_expires_on) < %(horizon)s AS expiring
    FROM cap_req r
    JOIN {site_capability} sc ON sc.capability_id = r.capability_id
    JOIN visible v ON v.site_id = sc.site_id
    WHERE sc.status = %(in_place)s
      AND (sc.evidence_expires_on IS NULL OR sc.evidence_expires_on >= %(on)s)
    GROUP BY sc.site_id, r.idx
), train_req AS (
    SELECT * FROM unnest(%(train_idx)s::int[], %(train_course)s::int[], %(train_role)s::text[],
                         %(train_min)s::int[], %(train_mandatory)s::bool[],
                         %(valid_from)s::date[], %(lasting_from)s::date[])
        AS r(idx, course_id, role, min_staff, mandatory, valid_from, lasting_from)
), trained AS (
    -- Per staff member in post and requirement: valid on the date (every row here is), and
    -- still valid on the horizon (a record lasting that long, and no leaving date before it).
    SELECT s.site_id, r.idx, r.min_staff, r.mandatory,
           bool_or(tr.expiry_override >= %(horizon)s
                   OR (tr.expiry_override IS NULL
                       AND (r.lasting_from IS NULL OR tr.completed_on >= r.lasting_from)))
           AND (s.left_on IS NULL OR s.left_on > %(horizon)s) AS lasting
    FROM {record} tr
    JOIN train_req r ON r.course_id = tr.course_id
    JOIN {staff} s ON s.id = tr.staff_id
    JOIN visible v ON v.site_id = s.site_id
    WHERE tr.course_id = ANY(%(train_course)s::int[])
      AND tr.completed_on <= %(on)s
      AND (tr.expiry_override >= %(on)s
           OR (tr.expiry_override IS NULL
               AND (r.valid_from IS NULL OR tr.completed_on >= r.valid_from)))
      AND (s.left_on > %(on)s OR (s.left_on IS NULL AND s.active))
      AND (r.role = '' OR jsonb_exists(s.roles, r.role))
    GROUP BY s.site_id, s.id, s.left_on, r.idx, r.min_staff, r.mandatory
), train_met AS (
    SELECT site_id, idx, mandatory, count(*) FILTER (WHERE lasting) < min_staff AS expiring
    FROM trained
    GROUP BY site_id, idx, min_staff, mandatory
    HAVING count(*) >= min_staff
), met AS (
    SELECT site_id, idx, mandatory, expiring FROM cap_met
    UNION ALL
    SELECT site_id, idx, mandatory, expiring FROM train_met
)
"""

# Every site asked, with its readiness stamp as this statement saw it (summary_cache.py).
_SUMMARY_SELECT = """, counted AS (
    SELECT site_id,
           count(*) FILTER (WHERE NOT expiring) AS met,
           count(*) FILTER (WHERE expiring) AS expiring,
           count(*) FILTER (WHERE mandatory) AS met_mandatory
    FROM met
    GROUP BY site_id
)
SELECT v.site_id, coalesce(c.met, 0), coalesce(c.expiring, 0), coalesce(c.met_mandatory, 0),
       coalesce(st.version, 0)
FROM visible v
LEFT JOIN counted c ON c.site_id = v.site_id
LEFT JOIN {stamp} st ON st.site_id = v.site_id
"""


# For a past date the same statement reads, instead of each table, the last version of each row
# saved before the end of that day, dropping rows whose last version is a deletion (history.py).
_AS_OF = """(
    SELECT * FROM (
        SELECT DISTINCT ON (id) *
        FROM {history}
        WHERE history_date < %(until)s AND {condition}
        ORDER BY id, history_date DESC, history_id DESC
    ) latest
    WHERE history_type <> '-'
)"""
_AS_OF_CONDITIONS = {
    "site_capability": "site_id = ANY(%(site_ids)s::int[]) AND capability_id = ANY(%(cap_id)s::int[])",
    # Staff ever at one of the sites (they may have moved since); records ever of one of the courses.
    "staff": "id IN (SELECT id FROM {history} WHERE site_id = ANY(%(site_ids)s::int[]))",
    "record": "id IN (SELECT id FROM {history} WHERE course_id = ANY(%(train_course)s::int[]))",
}


def _as_of_sources() -> dict[str, str]:
    models = {"site_capability": SiteCapability, "staff": StaffMember, "record": TrainingRecord}
    sources = {}
    for name, model in models.items():
        history = model.history.model._meta.db_table
        condition = _AS_OF_CONDITIONS[name].format(history=history)
        sources[name] = _AS_OF.format(history=history, condition=condition)
    return sources


def counts_in_database() -> bool:
    return connection.vendor == "postgresql"


@lru_cache(maxsize=1024)
def earliest_completion(months: int, day: dt.date) -> dt.date:
    """The earliest completion date whose renewal falls on or after `day`.

    A record completed on it or later (without an override) is still valid on `day`. Renewal
    (add_months, clamped to the month end) never decreases as the completion date increases,
    so a binary search over the days before `day` finds it.
    """
    low, high = day - dt.timedelta(days=31 * months + 31), day
    while low < high:
        middle = low + (high - low) // 2
        if renewal_due(middle, months) >= day:
            high = middle
        else:
            low = middle + dt.timedelta(days=1)
    return low


def _summary_params(
    site_ids: list[int], requirements: RequirementSet, on: dt.date
) -> dict[str, object]:
    last = horizon(on)
    params: dict[str, list] = {
        name: []
        for name in (
            "cap_idx", "cap_id", "cap_mandatory", "train_idx", "train_course", "train_role",
            "train_min", "train_mandatory", "valid_from", "lasting_from",
        )
    }  # fmt: skip
    for idx, req in enumerate(requirements.requirements):
        if req.kind == CAPABILITY:
            for capability_id in req.capability_ids:
                params["cap_idx"].append(idx)
                params["cap_id"].append(capability_id)
                params["cap_mandatory"].append(req.is_mandatory)
            continue
        months = req.renewal_months
        params["train_idx"].append(idx)
        params["train_course"].append(req.course_id)
        params["train_role"].append(req.role or "")
        params["train_min"].append(req.min_staff)
        params["train_mandatory"].append(req.is_mandatory)
        params["valid_from"].append(None if months is None else earliest_completion(months, on))
        params["lasting_from"].append(None if months is None else earliest_completion(months, last))
    return {**params, "site_ids": site_ids, "on": on, "horizon": last, "in_place": IN_PLACE}


def run_met_query(
    select: str, site_ids: list[int], requirements: RequirementSet, on: dt.date
) -> list[tuple]:
    """Rows of `MET_CTE` + `select` (which reads `met`) for the sites, set and date: the
    tables for today and later, the change history for a past date. One query."""
    params = _summary_params(site_ids, requirements, on)
    if is_past(on):
        sources = _as_of_sources()
        params["until"] = end_of(on)
    else:
        sources = {
            "site_capability": SiteCapability._meta.db_table,
            "record": TrainingRecord._meta.db_table,
            "staff": StaffMember._meta.db_table,
        }
    sources["stamp"] = ReadinessStamp._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute((MET_CTE + select).format(**sources), params)
        return cursor.fetchall()


def assessments_from_counts(
    site_list: list[Site | SiteRef],
    requirements: RequirementSet,
    on: dt.date,
    counts: dict[int, tuple[int, int, int]],
) -> list[SiteAssessment]:
    """Each site's assessment from its (met, expiring, met mandatory) counts, in the order
    given; a site without counts meets nothing."""
    mandatory = requirements.mandatory_count
    recommended = len(requirements.requirements) - mandatory
    assessments = []
    for site in site_list:
        met, expiring, met_mandatory = counts.get(site.pk, (0, 0, 0))
        # Every outcome is present, so a plain dict: a Counter per site costs an ABC check
        # each (0.23 s of a 10x overview's 0.87 s under cProfile).
        outcome_counts = {
            Outcome.BLOCKER: mandatory - met_mandatory,
            Outcome.WARNING: recommended - (met + expiring - met_mandatory),
            Outcome.EXPIRING: expiring,
            Outcome.MET: met,
        }
        assessments.append(
            from_counts(site, on, requirements, outcome_counts, met_mandatory, mandatory=mandatory)
        )
    return assessments


def summaries_in_database(
    site_list: list[Site | SiteRef], requirements: RequirementSet, days: list[dt.date]
) -> dict[dt.date, list[SiteAssessment]]:
    """assess(summary_only=True) on PostgreSQL for each date: each site's counts from the
    cache (summary_cache.py), the missing ones counted by one statement per date whatever the
    number of sites. Queries: one for the stamps, plus one per date with a site not cached."""
    if not site_list:
        return {day: [] for day in days}
    digests = {
        day: summary_cache.digest(_summary_params([], requirements, day), past=is_past(day))
        for day in days
    }

    def count(day: dt.date, site_ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
        rows = run_met_query(_SUMMARY_SELECT, site_ids, requirements, day)
        return {site_id: tuple(rest) for site_id, *rest in rows}

    counts = summary_cache.cached_counts([site.pk for site in site_list], digests, count)
    return {day: assessments_from_counts(site_list, requirements, day, counts[day]) for day in days}
