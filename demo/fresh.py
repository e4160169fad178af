"""Which sites a rerun of the seed can leave as they are (one query), and noting what it wrote.

A site's plan (demo/planner.py) is a pure function of its profile's inputs (seed.ProfileInputs:
its code, tier and trials), the catalogue, the anchor date and the demo's own code and data.
The digest covers all of them: inputs and catalogue by value, the code and data by the bytes of
every demo/*.py and demo/data/* file. A site is left alone when its digest is the one noted at
the last run and its readiness stamp (reports.ReadinessStamp, moved by PostgreSQL triggers on
any write to its checklist, staff, training or their history) is the one noted just after
that run's writes: nobody has changed its records since, so planning and comparing it again
would write nothing. Anything else (a new day, a changed story, a coordinator's edit, a
record deleted by hand, SQLite where there are no stamps) plans and syncs the site as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from functools import cache
from pathlib import Path

from django.db import connection

from demo.models import SeededSite
from reports.models import ReadinessStamp
from sites.models import Site

DEMO = Path(__file__).resolve().parent


def _canonical(value):
    """A value whose repr is the same in every run (sets sorted, dataclasses by field)."""
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, *(
            (f.name, _canonical(getattr(value, f.name))) for f in dataclasses.fields(value)
        ))  # fmt: skip
    if isinstance(value, dict):
        return tuple(sorted((repr(_canonical(k)), _canonical(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


@cache
def code_fingerprint() -> str:
    """The demo's code and data, as they are on disk."""
    digest = hashlib.sha256()
    files = sorted([*DEMO.glob("*.py"), *(DEMO / "data").rglob("*")])
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(DEMO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def site_digests(
    profiles: dict[Site, object], anchor: dt.date, catalogue: object
) -> dict[Site, str]:
    """Per site, the digest of everything its plan and its rows are made from."""
    common = repr((code_fingerprint(), anchor.isoformat(), _canonical(catalogue)))
    return {
        site: hashlib.sha256(f"{common}|{site.pk}|{_canonical(profile)!r}".encode()).hexdigest()
        for site, profile in profiles.items()
    }


def unchanged_sites(digests: dict[Site, str]) -> set[int]:
    """Ids of the sites whose noted digest matches and whose stamp has not moved: one query."""
    if connection.vendor != "postgresql" or not digests:
        return set()
    wanted = {site.pk: digest for site, digest in digests.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.site_id, s.digest FROM {SeededSite._meta.db_table} s "
            f"LEFT JOIN {ReadinessStamp._meta.db_table} r ON r.site_id = s.site_id "
            "WHERE s.site_id = ANY(%s) AND s.stamp = coalesce(r.version, 0)",
            [list(wanted)],
        )
        return {site_id for site_id, digest in cursor.fetchall() if wanted[site_id] == digest}


def note_seeded(digests: dict[Site, str]) -> None:
    """After the writes: each planned site's digest and its stamp as they left it."""
    if connection.vendor != "postgresql" or not digests:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT site_id, version FROM {ReadinessStamp._meta.db_table} WHERE site_id = ANY(%s)",
            [[site.pk for site in digests]],
        )
        stamps = dict(cursor.fetchall())
    SeededSite.objects.bulk_create(
        [
            SeededSite(site_id=site.pk, digest=digest, stamp=stamps.get(site.pk, 0))
            for site, digest in digests.items()
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=["digest", "stamp"],
    )
