"""Requirement sets, cached in Django's cache (Redis in production) under the catalogue's stamp.

Every readiness page builds the requirement sets of its trials and profiles (four queries and
some hundred requirements merged). What they are built from is the catalogue: capabilities,
courses, requirement profiles, their capability (with alternatives) and training requirements,
the trials' own requirements, overrides and profile lists. Every write to those tables, however
it is made, moves the one `CatalogueStamp` (PostgreSQL triggers, reports migration 0006). The
rest comes from the caller's trial and profile instances: their ids, a trial's short title
and a profile's name (the sets' labels). So the sets are kept under a key naming the database,
the stamp, those ids and labels, and a digest of this package's source.

The stamp is read before the catalogue, so an entry is never older than the stamp it is filed
under (as in summary_cache.py); while the stamp's row is missing nothing is cached. The value
is the sets themselves: dataclasses of strings, numbers and tuples, no model instance; each
read unpickles a fresh copy, so a caller changing one changes nothing for the next.
PostgreSQL only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from reports.models import CatalogueStamp
from reports.readiness.source import ENGINE_SOURCE
from reports.readiness.summary_cache import TIMEOUT

Sets = tuple[dict, dict]  # trial id -> RequirementSet, profile id -> RequirementSet


def enabled() -> bool:
    """Only PostgreSQL has the stamp (migration 0006)."""
    return connection.vendor == "postgresql"


def stamp() -> int | None:
    """The catalogue's version, or None while its row is missing (deleted by hand; the next
    catalogue write puts it back): one query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {CatalogueStamp._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def key(version: int, trials: list, profiles: list) -> str:
    asked = repr(([(t.pk, t.short_title) for t in trials], [(p.pk, p.name) for p in profiles]))
    digest = hashlib.sha256(f"{ENGINE_SOURCE}:{asked}".encode()).hexdigest()[:32]
    return f"rq:{connection.settings_dict['NAME']}:{version}:{digest}"


def cached_sets(trials: list, profiles: list, build: Callable[[list, list], Sets]) -> Sets:
    """`build(trials, profiles)`, or what it returned for the same catalogue stamp.

    Without a stamp nothing is read or stored: an entry filed under a stand-in version would
    be found again after the row's next deletion, whatever was written in between."""
    version = stamp()
    if version is None:
        return build(trials, profiles)
    entry = key(version, trials, profiles)
    found = cache.get(entry)
    if found is not None:
        return found
    sets = build(trials, profiles)
    cache.set(entry, sets, timeout=TIMEOUT)
    return sets
