"""One site's detailed assessments (every row), cached in Django's cache (Redis in production).

A site's page (dashboard, readiness, checklist: `assess_site`, `assess_site_for`) assesses one
site against several requirement sets in full. (`assess` keeps its fixed queries whatever the
number of sites, so it does not read the stamp.) What the rules decide and write in each row
depends on two things only:

- the site's own rows: its checklist entries, its staff and their training records, and for a
  past date their change history. Every write to those tables, however it is made, moves the
  site's `ReadinessStamp` (PostgreSQL triggers, reports migration 0005);
- everything else the rules read, all of it carried by the requirement set the caller has
  just built from the catalogue: each requirement's capabilities (ids, names, codes, expected
  evidence), course (title, code, renewal months), role, staff number, level, sources, notes
  and the trial's overrides as applied. A capability rename, a course's new renewal period or
  a requirement edit changes the set, hence its digest.

So an entry is keyed by the database, the site and its stamp, a digest of every field of every
requirement in the set (`dataclasses.fields`, so a field added to `Requirement` is keyed
without anyone remembering to), the date, whether the date is answered from the history (it
becomes so at midnight), the expiring window, the time zone (where a past day ends), and a
digest of the source of the code that writes the rows (a deploy that changes a rule or a
sentence never reads an older release's rows).

What is stored is plain data: per row its outcome, text and dates, in the order of the set's
requirements. The site, the requirement set and each row's `Requirement` are the caller's,
joined back at read time, so nothing read from outside the site's rows is ever served from the
cache, and nothing stored is a model instance or a queryset.

The stamp is read before the site's rows, so an entry is never older than the stamp it is
filed under: a write committed in between gives the site a newer stamp, and the entry under the
older one is asked for only by a request that read that stamp before the write (a read racing
the write, which may see either). Stamps come from one sequence, never reused, so an entry
written inside a transaction that rolls back is never found. PostgreSQL only: elsewhere there
are no stamps and every call is assessed afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from atmp_portal.expiring import expiring_days
from reports.readiness.history import is_past
from reports.readiness.outcome import Outcome
from reports.readiness.requirements import Requirement, RequirementSet
from reports.readiness.results import GapRow, SiteAssessment, from_rows
from reports.readiness.summary_cache import stamps
from sites.models import Site
from sites.selectors import SiteRef

TIMEOUT = 2 * 24 * 3600  # entries of superseded stamps or past days go after two days


def _code_digest() -> str:
    """The source of everything that decides or words a row: the engine, the expiring window,
    and the models whose labels and date arithmetic the rows use."""
    here = Path(__file__).resolve().parent
    root = here.parents[1]
    files = sorted(here.glob("*.py")) + [
        root / "atmp_portal" / "expiring.py",
        root / "sites" / "models.py",
        root / "training" / "models.py",
    ]
    hashed = hashlib.sha256()
    for path in files:
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()[:16]


_CODE = _code_digest()
_REQUIREMENT_FIELDS = attrgetter(*(f.name for f in fields(Requirement)))


def enabled() -> bool:
    """Only PostgreSQL has the stamps (migration 0005)."""
    return connection.vendor == "postgresql"


def set_digest(requirements: RequirementSet) -> str:
    """Every field of every requirement, and the set's label, as a short stable text.

    The fields are strings, numbers, None and tuples of them, whose repr is unambiguous."""
    text = repr((requirements.label, [_REQUIREMENT_FIELDS(r) for r in requirements.requirements]))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _context(on: dt.date) -> str:
    """What besides the set and the site's rows the rows depend on, for one date."""
    return f"{_CODE}:{on.isoformat()}:{'past' if is_past(on) else 'now'}:" + (
        f"{expiring_days()}:{settings.TIME_ZONE}"
    )


def key(site_id: int, version: int, context: str, requirements_digest: str) -> str:
    database = connection.settings_dict["NAME"]
    tail = hashlib.sha256(f"{context}:{requirements_digest}".encode()).hexdigest()[:32]
    return f"rd:{database}:{site_id}:{version}:{tail}"


Row = tuple  # (outcome, detail, met_by, status, expires_on, expired_on, staff, count, needed)


def _plain(assessment: SiteAssessment) -> tuple[Row, ...]:
    return tuple(
        (row.outcome.value, row.detail, row.met_by, row.status, row.expires_on,
         row.expired_on, tuple(row.trained_staff), row.trained_count, row.needed)
        for row in assessment.rows
    )  # fmt: skip


def _rebuilt(
    site: Site | SiteRef, on: dt.date, requirements: RequirementSet, rows: tuple[Row, ...]
) -> SiteAssessment:
    """The assessment from its stored rows, with the caller's site, set and requirements."""
    gap_rows = [
        GapRow(
            requirement=requirement, outcome=Outcome(outcome), detail=detail, met_by=met_by,
            status=status, expires_on=expires_on, expired_on=expired_on,
            trained_staff=list(staff), trained_count=count, needed=needed,
        )
        for requirement, (outcome, detail, met_by, status, expires_on, expired_on, staff,
                          count, needed) in zip(requirements.requirements, rows, strict=True)
    ]  # fmt: skip
    return from_rows(site, on, requirements, gap_rows)


def cached_site_assessments(
    site: Site | SiteRef,
    sets: list[RequirementSet],
    on: dt.date,
    assess: Callable[[list[RequirementSet]], list[SiteAssessment]],
) -> list[SiteAssessment]:
    """The site's assessment against each set, in order: from the cache, or `assess(the sets
    missing)`. One query (the stamp) and one cache read when every set is cached."""
    version = stamps([site.pk]).get(site.pk, 0)
    context = _context(on)
    keys = [key(site.pk, version, context, set_digest(s)) for s in sets]
    found = cache.get_many(list(set(keys)))
    missing = [index for index, k in enumerate(keys) if k not in found]
    result: list[SiteAssessment | None] = [None] * len(sets)
    for index, k in enumerate(keys):
        if k in found:
            result[index] = _rebuilt(site, on, sets[index], found[k])
    if missing:
        fresh = assess([sets[index] for index in missing])
        stored = {}
        for index, assessment in zip(missing, fresh, strict=True):
            result[index] = assessment
            stored[keys[index]] = _plain(assessment)
        if _context(on) == context:  # not if midnight made the date past meanwhile
            cache.set_many(stored, timeout=TIMEOUT)
    return result  # type: ignore[return-value]
