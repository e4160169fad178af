"""The demo's story: which site is meant to be ready, near-ready or far from ready for what.

Pure, deterministic (every choice from `seeded_rng(site, ...)`). For each site and each
requirement set (4 profiles, 8 trials) the story picks a target:

- READY: no blocker. The commissioned CAR-T centres for CAR-T core (at most two recommended
  items short), the cell-therapy core and most CAR-T trials; every site open to recruitment
  for that trial (it was ready on the day it opened, and still is, but for one lapse on purpose).
- NEAR: one or two blockers. Every site in set-up for the trial; ATTC members for the gene
  therapy core.
- FAR: three or more blockers. The rest, spread at random.

`site_intent` turns the targets into constraints on the records: capability codes that must
be met or unmet, and for each (course, role) how many active staff at least (floor) or at most
(ceiling) hold valid training. demo/plans.py then writes records that obey them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from demo.requirements import Need, requirement_sets, trial_profiles

READY, NEAR, FAR = "ready", "near", "far"
_ORDER = {READY: 0, NEAR: 1, FAR: 2}

# First-wave CAR-T centres and later CAR-T providers named in domain.md §6.3.
CAR_T_CENTRES = frozenset(
    {"RTD", "R0A", "RBV", "RRK", "RRV", "RP4", "RJZ", "RA7", "RHQ", "7A4", "S08000031"}
)
CAR_T_CORE = "profile:car_t_core"
CELL_CORE = "profile:cell_therapy_cryo_core"
GENE_CORE = "profile:gmo_gene_therapy_core"
CAR_T_TRIALS = frozenset(
    name for name, profiles in trial_profiles().items() if CAR_T_CORE in profiles
)
# Targets the story needs that no rule gives: Southampton (ocular service) is the site ready
# for RETINA-AAV, so that trial has a ready site although none has opened yet.
OVERRIDES = {"RHM": {GENE_CORE: READY, "trial:9905550": READY}}
# The one open site whose record lapsed after it opened (docs/demo-data.md): Nottingham's
# JACIE accreditation for STROMA-GVHD expired 18 days ago.
LAPSE = ("RX1", "trial:999712", "jacie_hct_accreditation", 18)


@dataclass(frozen=True)
class Participation:
    set_name: str  # "trial:<IRAS ID>"
    status: str
    opened_days_ago: int | None = None  # open sites: when they opened


@dataclass
class Intent:
    """Constraints on a site's records; what is not named is left to chance."""

    targets: dict[str, str] = field(default_factory=dict)
    met: set[str] = field(default_factory=set)
    unmet: set[str] = field(default_factory=set)
    floor: dict[tuple[str, str], int] = field(default_factory=dict)
    ceiling: dict[tuple[str, str], int] = field(default_factory=dict)
    # Days ago since which a code / a (course, role) floor must have held (open trials).
    met_since: dict[str, int] = field(default_factory=dict)
    floor_since: dict[tuple[str, str], int] = field(default_factory=dict)
    lapsed: dict[str, int] = field(default_factory=dict)  # code: expired N days ago

    def state(self, need: Need) -> bool | None:
        """True met, False unmet, None not decided yet."""
        if need.codes:
            if any(code in self.met for code in need.codes):
                return True
            return False if all(code in self.unmet for code in need.codes) else None
        key = (need.course, need.role)
        if self.floor.get(key, 0) >= need.min_staff:
            return True
        return False if self.ceiling.get(key, 10**6) < need.min_staff else None

    def protect(self, need: Need, since: int | None = None) -> None:
        if self.state(need) is None:
            if need.codes:
                self.met.add(next(code for code in need.codes if code not in self.unmet))
            else:
                self.floor[(need.course, need.role)] = need.min_staff
        if since is not None and self.state(need):
            if need.codes:
                code = next(code for code in need.codes if code in self.met)
                self.met_since[code] = max(self.met_since.get(code, 0), since)
            else:
                key = (need.course, need.role)
                self.floor_since[key] = max(self.floor_since.get(key, 0), since)

    def can_fail(self, need: Need) -> bool:
        return self.state(need) is None and (bool(need.codes) or bool(need.role))

    def fail(self, need: Need) -> None:
        if need.codes:
            self.unmet.update(need.codes)
        else:
            self.ceiling[(need.course, need.role)] = need.min_staff - 1


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded with what it is for, e.g. seeded_rng("RTD", "staff")."""
    return random.Random(":".join(str(part) for part in parts))


def _profile_targets(ods_code: str, attc: bool, rng: random.Random) -> dict[str, str]:
    spread = lambda: rng.choices([READY, NEAR, FAR], weights=[2, 3, 5])[0]  # noqa: E731
    profiles = [name for name in requirement_sets() if name.startswith("profile:")]
    targets = {name: spread() for name in profiles}
    if ods_code in CAR_T_CENTRES:
        targets[CAR_T_CORE] = targets[CELL_CORE] = READY
        targets[GENE_CORE] = NEAR if attc else rng.choice([NEAR, FAR])
    elif attc:
        targets[GENE_CORE] = NEAR
        targets[CAR_T_CORE] = rng.choice([NEAR, FAR])
    return targets


def targets_for(ods_code: str, attc: bool, participations: list[Participation]) -> dict:
    rng = seeded_rng(ods_code, "targets")
    targets = _profile_targets(ods_code, attc, rng)
    status = {p.set_name: p.status for p in participations}
    for name, profiles in trial_profiles().items():
        if status.get(name) == "open":
            targets[name] = READY
        elif status.get(name) == "in_setup":
            targets[name] = NEAR
        else:
            base = max((targets[p] for p in profiles), key=_ORDER.get)
            if base == READY and ods_code in CAR_T_CENTRES and name in CAR_T_TRIALS:
                targets[name] = READY if rng.random() < 0.75 else NEAR
            elif base == READY:
                targets[name] = rng.choice([READY, NEAR])
            else:
                targets[name] = NEAR if base == NEAR and rng.random() < 0.6 else FAR
        for profile in profiles:  # a trial's set includes its profiles' requirements
            if _ORDER[targets[profile]] > _ORDER[targets[name]]:
                targets[profile] = targets[name]
    targets.update(OVERRIDES.get(ods_code, {}))
    return targets


def _gaps(intent: Intent, needs: tuple[Need, ...], wanted: int, rng: random.Random) -> None:
    already = sum(1 for need in needs if need.mandatory and intent.state(need) is False)
    candidates = [need for need in needs if need.mandatory and intent.can_fail(need)]
    rng.shuffle(candidates)
    for need in candidates[: max(0, wanted - already)]:
        intent.fail(need)


def site_intent(
    ods_code: str, attc: bool, participations: list[Participation], not_applicable: set[str]
) -> Intent:
    """Targets for every set, then constraints that meet them: ready sets first."""
    intent = Intent(targets=targets_for(ods_code, attc, participations), unmet=set(not_applicable))
    sets = requirement_sets()
    opened = {p.set_name: p.opened_days_ago for p in participations if p.status == "open"}
    order = sorted(
        intent.targets,
        key=lambda name: (_ORDER[intent.targets[name]], not name.startswith("profile:"), name),
    )
    for name in order:
        target, needs = intent.targets[name], sets[name]
        rng = seeded_rng(ods_code, "gaps", name)
        if target == NEAR:
            _gaps(intent, needs, rng.randint(1, 2), rng)
        elif target == FAR:
            _gaps(intent, needs, rng.randint(3, 6), rng)
            continue
        for need in needs:
            if need.mandatory:
                intent.protect(need, since=opened.get(name))
    if ods_code in CAR_T_CENTRES:  # ready for CAR-T core, at most two recommended items short
        recommended = [need for need in sets[CAR_T_CORE] if not need.mandatory]
        rng = seeded_rng(ods_code, "recommended")
        short = rng.sample(recommended, rng.randint(0, 2))
        for need in recommended:
            if need in short and intent.can_fail(need):
                intent.fail(need)
            else:
                intent.protect(need)
    site, trial, code, days = LAPSE
    if ods_code == site and code in intent.met and trial in opened:
        intent.lapsed[code] = days
    return intent
