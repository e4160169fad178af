"""The ranking's counts, cached per site in Django's cache (Redis in production).

A site's three counts (met, met but expiring, met mandatory) for one requirement set and date
depend only on the site's own rows: its checklist entries, its staff and their training
records, and, for a past date, their change history. Every write to those tables, however it is
made (a form, the API's bulk feed, an import, the demo seed's COPY, raw SQL), moves the site's
`ReadinessStamp` (PostgreSQL triggers, reports migration 0005). So each site's counts are kept
under a key naming

- the database (two databases may share one Redis),
- a digest of everything else the statement reads: the requirement set's capabilities,
  courses, roles, numbers and levels, the date, the expiring horizon, and whether the date is
  answered from the history (a date becomes past at midnight),
- the site and its stamp.

A key is never made stale in place: a write gives the site a new stamp, hence a new key, and
the old entry is simply never asked for again (it expires after `TIMEOUT`). Only the sites whose
entry is missing are counted by the database, in one statement that also returns each site's
stamp as that statement saw it, so a write committed in between is never filed under the
older stamp.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from reports.models import ReadinessStamp

Counts = tuple[int, int, int]
TIMEOUT = 2 * 24 * 3600  # entries of superseded stamps or past days go after two days
_FORMAT = "readiness-counts-1"


def digest(params: dict[str, object], *, past: bool) -> str:
    """Everything the statement reads but the site list, as a short stable text."""
    parts = sorted((name, value) for name, value in params.items() if name != "site_ids")
    return hashlib.sha256(repr((_FORMAT, past, parts)).encode()).hexdigest()[:24]


ALL_STAMPS_FROM = 1000


def stamps(site_ids: list[int]) -> dict[int, int]:
    """Each site's stamp (0: nothing of the site was ever written), in one query.

    For a long list every stamp is read instead: sending 5,217 ids (a national ranking at ten
    times the UK's sites) took 27-31 ms on the loaded machine, reading the whole table 17 ms.
    """
    table = ReadinessStamp._meta.db_table
    with connection.cursor() as cursor:
        if len(site_ids) >= ALL_STAMPS_FROM:
            cursor.execute(f"SELECT site_id, version FROM {table}")
            found = dict(cursor.fetchall())
            return {site_id: found[site_id] for site_id in site_ids if site_id in found}
        cursor.execute(
            f"SELECT site_id, version FROM {table} WHERE site_id = ANY(%s::bigint[])", [site_ids]
        )
        return dict(cursor.fetchall())


def _key(database: str, set_digest: str, site_id: int, version: int) -> str:
    return f"rc:{database}:{set_digest}:{site_id}:{version}"


def _all_key(database: str, set_digest: str, versions: list[tuple[int, int]]) -> str:
    """One entry for a whole list of sites at their stamps: a ranking asked again is one
    cache read rather than one per site (5,217 of them at ten times the UK's sites)."""
    sites = hashlib.sha256(repr(versions).encode()).hexdigest()[:24]
    return f"rcs:{database}:{set_digest}:{sites}"


def cached_counts(
    site_ids: list[int],
    digests: dict[dt.date, str],
    count: Callable[[dt.date, list[int]], dict[int, tuple[int, int, int, int]]],
) -> dict[dt.date, dict[int, Counts]]:
    """Per date, each site's counts: from the cache, or `count(date, missing site ids)`.

    `count` returns {site id: (met, expiring, met mandatory, stamp)} for the sites asked, the
    stamp as the counting statement saw it. One query for the stamps, then one cache read for
    the whole list of sites per date; when that misses, one cache read per site and one
    statement per date for the sites still missing.
    """
    database = connection.settings_dict["NAME"]
    found = stamps(site_ids)
    versions = [(site_id, found.get(site_id, 0)) for site_id in site_ids]
    whole = {day: _all_key(database, d, versions) for day, d in digests.items()}
    cached = cache.get_many(list(whole.values()))
    result = {day: cached[key] for day, key in whole.items() if key in cached}
    rest = {day: d for day, d in digests.items() if day not in result}
    if rest:
        result.update(_per_site(database, versions, rest, count, whole))
    return result


def _per_site(database, versions, digests, count, whole) -> dict[dt.date, dict[int, Counts]]:
    keys = {
        (day, site_id): _key(database, day_digest, site_id, version)
        for day, day_digest in digests.items()
        for site_id, version in versions
    }
    found = cache.get_many(list(keys.values()))
    result: dict[dt.date, dict[int, Counts]] = {day: {} for day in digests}
    missing: dict[dt.date, list[int]] = {}
    for (day, site_id), key in keys.items():
        if key in found:
            result[day][site_id] = found[key]
        else:
            missing.setdefault(day, []).append(site_id)
    fresh, moved = {}, set()
    expected = dict(versions)
    for day, site_ids_missing in missing.items():
        for site_id, (*counts, version) in count(day, site_ids_missing).items():
            result[day][site_id] = tuple(counts)
            fresh[_key(database, digests[day], site_id, version)] = tuple(counts)
            if version != expected[site_id]:
                moved.add(day)  # written meanwhile: not the list's entry at the stamps read
    fresh.update({whole[day]: result[day] for day in digests if day not in moved})
    cache.set_many(fresh, timeout=TIMEOUT)
    return result
