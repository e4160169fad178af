"""A digest of the code whose output the engine's caches keep (detail_cache.py,
catalogue_cache.py): a release that changes a rule, a sentence or how a set is assembled
never reads what an older release stored."""

from __future__ import annotations

import hashlib
from pathlib import Path


def _source_digest() -> str:
    """The engine, the expiring window, and the models whose labels and date arithmetic the
    rows and requirements use."""
    here = Path(__file__).resolve().parent
    root = here.parents[1]
    files = sorted(here.glob("*.py")) + [
        root / "atmp_portal" / "expiring.py",
        root / "sites" / "models.py",
        root / "training" / "models.py",
        root / "trials" / "models.py",
    ]
    hashed = hashlib.sha256()
    for path in files:
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()[:16]


ENGINE_SOURCE = _source_digest()
