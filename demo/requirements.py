"""The demo's requirement sets, read from data/*.json: what each profile and each trial asks.

Pure (no database): the story (demo/story.py) plans each site's records against these sets
before anything is written. A trial's set is its profiles' requirements merged strictest-wins
with its own, as the readiness engine assembles it (docs/readiness.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from demo.catalogue import load


@dataclass(frozen=True)
class Need:
    """One requirement: a capability (any of `codes`) or `min_staff` staff trained in a course."""

    codes: tuple[str, ...] = ()
    course: str = ""
    role: str = ""  # empty: any role
    min_staff: int = 0
    mandatory: bool = True

    @property
    def key(self) -> tuple:
        return ("capability", self.codes) if self.codes else ("training", self.course, self.role)


def _needs(part: dict) -> list[Need]:
    needs = [
        Need(codes=tuple(sorted(row["any_of"])), mandatory=row["level"] == "mandatory")
        for row in part["capability_requirements"]
    ]
    needs += [
        Need(
            course=row["course"],
            role=row.get("role") or "",
            min_staff=row.get("min_staff", 1),
            mandatory=row.get("level", "mandatory") == "mandatory",
        )
        for row in part["training_requirements"]
    ]
    return needs


def _merged(parts: list[dict]) -> tuple[Need, ...]:
    merged: dict[tuple, Need] = {}
    for part in parts:
        for need in _needs(part):
            old = merged.get(need.key)
            if old is None:
                merged[need.key] = need
            else:
                merged[need.key] = replace(
                    old,
                    mandatory=old.mandatory or need.mandatory,
                    min_staff=max(old.min_staff, need.min_staff),
                )
    return tuple(merged[key] for key in sorted(merged, key=repr))


@cache
def requirement_sets() -> dict[str, tuple[Need, ...]]:
    """{"profile:<code>" or "trial:<IRAS ID>": its requirements}, in a fixed order."""
    profiles = {row["code"]: row for row in load("profiles")}
    sets = {f"profile:{code}": _merged([row]) for code, row in sorted(profiles.items())}
    for trial in load("trials"):
        parts = [profiles[code] for code in trial["profiles"]] + [trial]
        sets[f"trial:{trial['iras_id']}"] = _merged(parts)
    return sets


@cache
def trial_profiles() -> dict[str, tuple[str, ...]]:
    """{"trial:<IRAS ID>": ("profile:<code>", ...)}."""
    return {
        f"trial:{trial['iras_id']}": tuple(f"profile:{code}" for code in trial["profiles"])
        for trial in load("trials")
    }
