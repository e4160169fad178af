"""The readiness engine: what a site lacks for a trial or requirement profile, as of a date.

Pure: no request, no templates. The web pages, the API, the PDF and the CSV all call
`assess()`; it uses a constant number of queries whatever the number of sites, staff or
records (ARCHITECTURE.md, "Readiness semantics"; the finer rules are in docs/readiness.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from sites.models import Capability, Site, SiteCapability
from sites.selectors import SiteRef
from training.models import StaffMember, StaffRole, TrainingRecord, add_months
from trials.models import (
    CapabilityRequirement,
    RequirementLevel,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
)

MANDATORY = RequirementLevel.MANDATORY.value
RECOMMENDED = RequirementLevel.RECOMMENDED.value
CAPABILITY = "capability"
TRAINING = "training"

MET = "met"
BLOCKER = "blocker"
WARNING = "warning"
EXPIRING = "expiring"
OUTCOMES = (BLOCKER, WARNING, EXPIRING, MET)

NO_RECORD = "no_record"
TRIAL_SPECIFIC = "Trial-specific"
AD_HOC_LABEL = "Selected capabilities"

_LEVEL_RANK = {MANDATORY: 2, RECOMMENDED: 1}
_ROLE_LABELS = dict(StaffRole.choices)
_ROLE_PLURALS = {StaffRole.GMSC_CHAIR.value: "GMSC chairs or secretaries"}
_STATUS_RANK = {  # which alternative to describe when none is met: the closest to being met
    SiteCapability.Status.IN_PLACE.value: 0,  # in place but its evidence expired
    SiteCapability.Status.IN_PROGRESS.value: 1,
    SiteCapability.Status.NOT_IN_PLACE.value: 2,
    SiteCapability.Status.NOT_APPLICABLE.value: 3,
    NO_RECORD: 4,
}


def expiring_days() -> int:
    return getattr(settings, "READINESS_EXPIRING_DAYS", 90)


def is_expiring(expires_on: dt.date | None, on: dt.date) -> bool:
    """Still valid on `on`, but stops within the window: 0..89 days left with the default 90.

    Matches TrainingRecord.status_on(): an expiry exactly 90 days away is not yet "expiring".
    """
    if expires_on is None:
        return False
    return 0 <= (expires_on - on).days < expiring_days()


@lru_cache(maxsize=65536)
def _renewal_due(completed_on: dt.date, months: int) -> dt.date:
    """A record's expiry from its completion date: memoised, as thousands of records share
    a few hundred completion dates."""
    return add_months(completed_on, months)


@lru_cache(maxsize=4096)
def long_date(day: dt.date) -> str:
    """3 March 2026 (GOV.UK date style, no leading zero)."""
    return f"{day.day} {day:%B %Y}"


# --- requirements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    key: str
    kind: str
    level: str
    label: str
    category: str
    capability_ids: tuple[int, ...] = ()
    course_id: int | None = None
    role: str = ""
    min_staff: int = 1
    sources: tuple[str, ...] = ()
    closes_with: tuple[str, ...] = ()
    capability_names: tuple[str, ...] = ()
    capability_codes: tuple[str, ...] = ()
    course_code: str = ""
    course_title: str = ""
    renewal_months: int | None = None  # training: months a completion stays valid; None: never
    notes: tuple[str, ...] = ()

    @property
    def is_mandatory(self) -> bool:
        return self.level == MANDATORY

    @property
    def level_label(self) -> str:
        return RequirementLevel(self.level).label

    @property
    def category_label(self) -> str:
        if self.kind == TRAINING:
            return "Training"
        return dict(Capability.Category.choices).get(self.category, self.category)

    @property
    def role_label(self) -> str:
        return _ROLE_LABELS.get(self.role, self.role) if self.role else "Any role"


@dataclass
class RequirementSet:
    label: str
    requirements: list[Requirement]

    @property
    def capability_ids(self) -> set[int]:
        return {pk for r in self.requirements for pk in r.capability_ids}

    @property
    def course_ids(self) -> set[int]:
        return {r.course_id for r in self.requirements if r.course_id is not None}

    @property
    def mandatory_count(self) -> int:
        return sum(1 for r in self.requirements if r.is_mandatory)


def _staff_noun(role: str, count: int) -> str:
    if not role:
        return "staff member" if count == 1 else "staff members"
    label = _ROLE_LABELS.get(role, role)
    if count == 1:
        return label
    return _ROLE_PLURALS.get(role, f"{label}s")


def _capability_requirement(
    capabilities: list[Capability], level: str, sources: tuple[str, ...], notes: tuple[str, ...]
) -> Requirement:
    caps = sorted(capabilities, key=lambda c: (c.name.lower(), c.code))
    closes: list[str] = []
    for cap in caps:
        for item in cap.evidence_expected or []:
            label = item.get("label") if isinstance(item, dict) else str(item)
            if label and label not in closes:
                closes.append(label)
    return Requirement(
        key="cap:" + "|".join(sorted(c.code for c in caps)),
        kind=CAPABILITY,
        level=level,
        label=" or ".join(c.name for c in caps),
        category=caps[0].category,
        capability_ids=tuple(c.pk for c in caps),
        sources=sources,
        closes_with=tuple(closes),
        capability_names=tuple(c.name for c in caps),
        capability_codes=tuple(c.code for c in caps),
        notes=notes,
    )


def _training_requirement(req: TrainingRequirement, sources: tuple[str, ...]) -> Requirement:
    course = req.course
    who = _staff_noun(req.role, 1) if req.role else "staff member (any role)"
    return Requirement(
        key=f"train:{course.code}:{req.role or 'any'}",
        kind=TRAINING,
        level=req.level,
        label=f"{course.title} — {req.min_staff} × {who}",
        category=TRAINING,
        course_id=course.pk,
        role=req.role,
        min_staff=req.min_staff,
        sources=sources,
        closes_with=(course.title,),
        course_code=course.code,
        course_title=course.title,
        renewal_months=course.renewal_months,
    )


def _merge(a: Requirement, b: Requirement) -> Requirement:
    """Same requirement from two owners: strictest level, highest staff number, all sources."""
    level = a.level if _LEVEL_RANK[a.level] >= _LEVEL_RANK[b.level] else b.level
    min_staff = max(a.min_staff, b.min_staff)
    sources = a.sources + tuple(s for s in b.sources if s not in a.sources)
    notes = a.notes + tuple(n for n in b.notes if n not in a.notes)
    label = a.label
    if a.kind == TRAINING and min_staff != a.min_staff:
        label = b.label
    return Requirement(
        **{
            **a.__dict__,
            "level": level,
            "min_staff": min_staff,
            "sources": sources,
            "notes": notes,
            "label": label,
        }
    )


@dataclass
class _LoadedRequirement:
    """A capability or training requirement row, with its alternatives, as loaded in bulk."""

    trial_id: int | None
    profile_id: int | None
    requirement: Requirement
    row: tuple[str, int]  # (kind, pk) of the requirement row, which an override names


def _load_requirements(condition: Q) -> list[_LoadedRequirement]:
    """Every capability and training requirement matching `condition`: two queries in all."""
    through = CapabilityRequirement.capabilities.through
    links = (
        through.objects.filter(
            capabilityrequirement__in=CapabilityRequirement.objects.filter(condition)
        )
        .select_related("capability", "capabilityrequirement__profile")
        .order_by("capabilityrequirement__profile__name", "capabilityrequirement_id")
    )
    grouped: dict[int, tuple[CapabilityRequirement, list[Capability]]] = {}
    for link in links:
        req = link.capabilityrequirement
        grouped.setdefault(req.pk, (req, []))[1].append(link.capability)
    loaded = []
    # A requirement with no capability left names nothing to check, so it is not loaded.
    for req, capabilities in grouped.values():
        source = req.profile.name if req.profile_id else TRIAL_SPECIFIC
        notes = (req.note,) if req.note else ()
        requirement = _capability_requirement(capabilities, req.level, (source,), notes)
        loaded.append(
            _LoadedRequirement(req.trial_id, req.profile_id, requirement, (CAPABILITY, req.pk))
        )
    training = (
        TrainingRequirement.objects.filter(condition)
        .select_related("profile", "course")
        .order_by("profile__name", "pk")
    )
    for req in training:
        source = req.profile.name if req.profile_id else TRIAL_SPECIFIC
        loaded.append(
            _LoadedRequirement(
                req.trial_id, req.profile_id, _training_requirement(req, (source,)),
                (TRAINING, req.pk),
            )
        )
    return loaded


def _identity(requirement: Requirement) -> object:
    """Same alternative set, or same course and role: the same requirement (docs/readiness.md)."""
    if requirement.kind == CAPABILITY:
        return frozenset(requirement.capability_ids)
    return ("course", requirement.course_id, requirement.role)


def _merged(requirements: Iterable[Requirement]) -> dict[object, Requirement]:
    merged: dict[object, Requirement] = {}
    for requirement in requirements:
        identity = _identity(requirement)
        merged[identity] = (
            _merge(merged[identity], requirement) if identity in merged else requirement
        )
    return merged


def _ordered(label: str, merged: dict[object, Requirement]) -> RequirementSet:
    ordered = sorted(
        merged.values(),
        key=lambda r: (r.kind != CAPABILITY, r.category, r.label.lower(), r.key),
    )
    return RequirementSet(label=label, requirements=ordered)


def _build_set(label: str, requirements: Iterable[Requirement]) -> RequirementSet:
    return _ordered(label, _merged(requirements))


@dataclass(frozen=True)
class Override:
    """A trial's override of one inherited requirement row: relax it, or exclude it."""

    row: tuple[str, int]
    level: str  # RECOMMENDED or EXCLUDED
    reason: str


EXCLUDED = RequirementOverride.Level.EXCLUDED.value


def _apply_overrides(
    merged: dict[object, Requirement],
    overrides: Iterable[Override],
    rows: dict[tuple[str, int], Requirement],
) -> None:
    """Relax or drop the merged requirement each override names (docs/readiness.md)."""
    for override in overrides:
        named = rows.get(override.row)
        if named is None:
            continue
        identity = _identity(named)
        if identity not in merged:
            continue
        if override.level == EXCLUDED:
            del merged[identity]
            continue
        current = merged[identity]
        note = f"Recommended for this trial: {override.reason}"
        merged[identity] = Requirement(
            **{**current.__dict__, "level": RECOMMENDED, "notes": (*current.notes, note)}
        )


def assemble(
    label: str,
    *,
    inherited: Iterable[_LoadedRequirement],
    overrides: Iterable[Override] = (),
    own: Iterable[Requirement] = (),
) -> RequirementSet:
    """A trial's set: its profiles' requirements merged strictest-wins, then its overrides,
    then its own requirements (merged strictest-wins with what is left)."""
    inherited = list(inherited)
    merged = _merged(item.requirement for item in inherited)
    _apply_overrides(merged, overrides, {item.row: item.requirement for item in inherited})
    for requirement in own:
        identity = _identity(requirement)
        merged[identity] = (
            _merge(merged[identity], requirement) if identity in merged else requirement
        )
    return _ordered(label, merged)


def _load_overrides(trial_ids: list[int]) -> dict[int, list[Override]]:
    """Every override of these trials: one query."""
    found: dict[int, list[Override]] = defaultdict(list)
    for trial_id, cap_id, train_id, level, reason in RequirementOverride.objects.filter(
        trial_id__in=trial_ids
    ).values_list("trial_id", "capability_requirement_id", "training_requirement_id", "level",
                  "reason"):
        row = (CAPABILITY, cap_id) if cap_id is not None else (TRAINING, train_id)
        found[trial_id].append(Override(row, level, reason))
    return found


def requirement_sets(
    *, trials: Iterable[Trial] = (), profiles: Iterable[RequirementProfile] = ()
) -> tuple[dict[int, RequirementSet], dict[int, RequirementSet]]:
    """Requirement sets of many trials and profiles at once (keyed by pk): four queries."""
    trials, profiles = list(trials), list(profiles)
    trial_profiles: dict[int, set[int]] = {trial.pk: set() for trial in trials}
    if trials:
        links = Trial.profiles.through.objects.filter(trial_id__in=list(trial_profiles))
        for trial_id, profile_id in links.values_list("trial_id", "requirementprofile_id"):
            trial_profiles[trial_id].add(profile_id)
    profile_ids = {p.pk for p in profiles}.union(*trial_profiles.values())
    if not trial_profiles and not profile_ids:
        return {}, {}
    loaded = _load_requirements(
        Q(trial_id__in=list(trial_profiles)) | Q(profile_id__in=list(profile_ids))
    )
    overrides = _load_overrides(list(trial_profiles)) if trial_profiles else {}
    trial_sets = {
        trial.pk: assemble(
            trial.short_title,
            inherited=(item for item in loaded if item.profile_id in trial_profiles[trial.pk]),
            overrides=overrides.get(trial.pk, ()),
            own=(item.requirement for item in loaded if item.trial_id == trial.pk),
        )
        for trial in trials
    }
    profile_sets = {
        profile.pk: _build_set(
            profile.name,
            (item.requirement for item in loaded if item.profile_id == profile.pk),
        )
        for profile in profiles
    }
    return trial_sets, profile_sets


def requirement_set_for_trial(trial: Trial) -> RequirementSet:
    """The trial's profiles plus its own requirements, merged (docs/readiness.md)."""
    trial_sets, _ = requirement_sets(trials=[trial])
    return trial_sets[trial.pk]


def requirement_set_for_draft(
    trial: Trial,
    *,
    capabilities: Iterable[Capability] = (),
    capability_level: str = MANDATORY,
    training: TrainingRequirement | None = None,
    override: tuple[CapabilityRequirement | TrainingRequirement, str] | None = None,
) -> RequirementSet:
    """The trial's set as it would be with one more requirement or override (the set-up
    page's preview). `training` is an unsaved TrainingRequirement; `override` is
    (an inherited requirement row, RECOMMENDED or EXCLUDED). Four queries."""
    profile_ids = set(trial.profiles.values_list("pk", flat=True))
    loaded = _load_requirements(Q(trial_id=trial.pk) | Q(profile_id__in=profile_ids))
    overrides = {o.row: o for o in _load_overrides([trial.pk]).get(trial.pk, ())}
    if override is not None:
        row, level = override
        kind = CAPABILITY if isinstance(row, CapabilityRequirement) else TRAINING
        overrides[(kind, row.pk)] = Override((kind, row.pk), level, "proposed")
    own = [item.requirement for item in loaded if item.trial_id == trial.pk]
    capabilities = list(capabilities)
    if capabilities:
        own.append(_capability_requirement(capabilities, capability_level, (TRIAL_SPECIFIC,), ()))
    if training is not None:
        own.append(_training_requirement(training, (TRIAL_SPECIFIC,)))
    return assemble(
        trial.short_title,
        inherited=(item for item in loaded if item.profile_id in profile_ids),
        overrides=overrides.values(),
        own=own,
    )


def requirement_set_for_profile(profile: RequirementProfile) -> RequirementSet:
    _, profile_sets = requirement_sets(profiles=[profile])
    return profile_sets[profile.pk]


def requirement_set_for_capabilities(
    capabilities: Iterable[Capability], level: str = MANDATORY
) -> RequirementSet:
    """An ad-hoc list: each capability is its own requirement at the given level."""
    if level not in _LEVEL_RANK:
        raise ValueError(f"Unknown requirement level {level!r}.")
    seen: dict[int, Requirement] = {}
    for capability in capabilities:
        seen.setdefault(capability.pk, _capability_requirement([capability], level, (), ()))
    requirements = sorted(seen.values(), key=lambda r: (r.category, r.label.lower(), r.key))
    return RequirementSet(label=AD_HOC_LABEL, requirements=requirements)


# --- assessment -------------------------------------------------------------------------------


@dataclass
class GapRow:
    requirement: Requirement
    outcome: str
    detail: str
    met_by: str = ""
    status: str = ""
    expires_on: dt.date | None = None
    expired_on: dt.date | None = None
    trained_staff: list[str] = field(default_factory=list)
    trained_count: int = 0
    needed: int = 0

    @property
    def is_met(self) -> bool:
        return self.outcome in (MET, EXPIRING)

    @property
    def is_gap(self) -> bool:
        return self.outcome in (BLOCKER, WARNING)

    @property
    def status_label(self) -> str:
        if self.status == NO_RECORD:
            return "No record"
        return dict(SiteCapability.Status.choices).get(self.status, self.status)


@dataclass
class SiteAssessment:
    """One site against one requirement set. From `assess(summary_only=True)` it has the same
    score, readiness and counts, but `rows` is empty (so are the properties built on it)."""

    site: Site | SiteRef  # the ranking passes SiteRefs: it shows only names, codes and regions
    on: dt.date
    requirement_set: RequirementSet
    rows: list[GapRow]
    score: float | None
    ready: bool
    blockers: int
    warnings: int
    expiring: int
    met: int

    @property
    def score_percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)

    @property
    def gaps(self) -> list[GapRow]:
        return [row for row in self.rows if row.is_gap]

    @property
    def capability_gaps(self) -> list[GapRow]:
        return [row for row in self.gaps if row.requirement.kind == CAPABILITY]

    @property
    def training_gaps(self) -> list[GapRow]:
        return [row for row in self.gaps if row.requirement.kind == TRAINING]

    @property
    def expiring_rows(self) -> list[GapRow]:
        return [row for row in self.rows if row.outcome == EXPIRING]

    @property
    def met_rows(self) -> list[GapRow]:
        return [row for row in self.rows if row.outcome == MET]

    @property
    def mandatory_total(self) -> int:
        return sum(1 for row in self.rows if row.requirement.is_mandatory)

    @property
    def mandatory_met(self) -> int:
        return sum(1 for row in self.rows if row.requirement.is_mandatory and row.is_met)


class _CapabilityState(NamedTuple):
    status: str
    expires_on: dt.date | None


class _StaffCover(NamedTuple):
    """One staff member's cover for one course on the assessment date."""

    name: str
    roles: frozenset[str]
    valid_until: dt.date | None  # None: not valid on the date; _NEVER: never lapses
    lapsed_on: dt.date | None  # when not valid: the latest expiry of a record, lapsed by then

    @property
    def valid(self) -> bool:
        return self.valid_until is not None


# "Never expires", as a date that sorts after every real one: comparisons stay plain dates.
_NEVER = dt.date.max
_IN_PLACE = SiteCapability.Status.IN_PLACE.value


def _gap_outcome(requirement: Requirement) -> str:
    return BLOCKER if requirement.is_mandatory else WARNING


def _horizon(on: dt.date) -> dt.date:
    """The first day that is no longer "expiring": validity ending before it is (is_expiring)."""
    return on + dt.timedelta(days=expiring_days())


def _describe_capability_gap(name: str, state: _CapabilityState | None) -> str:
    if state is None:
        return f"{name}: no record"
    if state.status == SiteCapability.Status.IN_PLACE:
        return f"{name}: evidence expired on {long_date(state.expires_on)}"
    if state.status == SiteCapability.Status.NOT_APPLICABLE:
        return f"{name}: marked not applicable to this site"
    return f"{name}: {SiteCapability.Status(state.status).label.lower()}"


def _capability_row(
    requirement: Requirement,
    states: dict[int, _CapabilityState],
    on: dt.date,
) -> GapRow:
    met: list[tuple[int, _CapabilityState]] = [
        (pk, s)
        for pk, s in ((pk, states.get(pk)) for pk in requirement.capability_ids)
        if s is not None and s.status == _IN_PLACE and (s.expires_on is None or s.expires_on >= on)
    ]
    names = dict(zip(requirement.capability_ids, requirement.capability_names, strict=True))
    alternatives = len(requirement.capability_ids) > 1
    if met:
        # The alternative that stays valid longest carries the requirement.
        pk, state = max(met, key=lambda m: (m[1].expires_on or dt.date.max, -m[0]))
        met_by = names[pk]
        prefix = f"Met by {met_by}; evidence" if alternatives else "In place; evidence"
        if state.expires_on is None:
            detail = f"{prefix} does not expire."
        elif is_expiring(state.expires_on, on):
            days = (state.expires_on - on).days
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            detail = f"{prefix} expires on {long_date(state.expires_on)} ({when})."
        else:
            detail = f"{prefix} valid until {long_date(state.expires_on)}."
        return GapRow(
            requirement=requirement,
            outcome=EXPIRING if is_expiring(state.expires_on, on) else MET,
            detail=detail,
            met_by=met_by,
            status=state.status,
            expires_on=state.expires_on,
        )
    # Not met: describe the alternative closest to being met.
    ranked = sorted(
        requirement.capability_ids,
        key=lambda pk: _STATUS_RANK[states[pk].status if pk in states else NO_RECORD],
    )
    best = states.get(ranked[0])
    status = best.status if best else NO_RECORD
    expired_on = best.expires_on if best and best.status == SiteCapability.Status.IN_PLACE else None
    if alternatives:
        parts = "; ".join(_describe_capability_gap(names[pk], states.get(pk)) for pk in ranked)
        detail = f"None of the alternatives is met ({parts})."
    elif best is None:
        detail = "No record: the site has not assessed this capability."
    elif expired_on is not None:
        detail = f"Evidence expired on {long_date(expired_on)}."
    elif status == SiteCapability.Status.NOT_APPLICABLE:
        detail = "Marked not applicable to this site's services, but this requirement needs it."
    elif status == SiteCapability.Status.IN_PROGRESS:
        detail = "In progress: not yet in place."
    else:
        detail = "Not in place."
    return GapRow(
        requirement=requirement,
        outcome=_gap_outcome(requirement),
        detail=detail,
        status=status,
        expired_on=expired_on,
    )


def _training_row(
    requirement: Requirement,
    covers: Iterable[_StaffCover],
    on: dt.date,
) -> GapRow:
    eligible = [c for c in covers if not requirement.role or requirement.role in c.roles]
    valid = sorted((c for c in eligible if c.valid), key=lambda c: c.name.lower())
    needed = requirement.min_staff
    names = [c.name for c in valid]
    noun = _staff_noun(requirement.role, needed)
    summary = f"{len(valid)} of {needed} {noun} trained"
    summary += f": {', '.join(names)}." if names else "."
    if len(valid) >= needed:
        # Cover drops below N the day after the N-th longest-lasting record lapses.
        lasting = sorted((c.valid_until for c in valid), reverse=True)
        expires_on = None if lasting[needed - 1] == _NEVER else lasting[needed - 1]
        outcome = EXPIRING if is_expiring(expires_on, on) else MET
        if outcome == EXPIRING:
            summary += f" Cover falls below {needed} after {long_date(expires_on)}."
        return GapRow(
            requirement=requirement,
            outcome=outcome,
            detail=summary,
            expires_on=expires_on,
            trained_staff=names,
            trained_count=len(valid),
            needed=needed,
        )
    lapsed = sorted(
        (c for c in eligible if not c.valid and c.lapsed_on is not None),
        key=lambda c: (c.lapsed_on, c.name.lower()),
        reverse=True,
    )
    expired_on = lapsed[0].lapsed_on if lapsed else None
    if lapsed:
        summary += (
            " Expired: " + ", ".join(f"{c.name} on {long_date(c.lapsed_on)}" for c in lapsed) + "."
        )
    return GapRow(
        requirement=requirement,
        outcome=_gap_outcome(requirement),
        detail=summary,
        expired_on=expired_on,
        trained_staff=names,
        trained_count=len(valid),
        needed=needed,
    )


# --- outcomes only (the ranking): the same decisions as the rows above, without details -------


def _capability_outcome(
    requirement: Requirement, states: dict[int, _CapabilityState], on: dt.date, horizon: dt.date
) -> str:
    """_capability_row's outcome: met by the alternative valid longest; expiring if it lapses
    before the horizon."""
    longest: dt.date | None = None
    for pk in requirement.capability_ids:
        state = states.get(pk)
        if state is None or state.status != _IN_PLACE:
            continue
        expires_on = state.expires_on
        if expires_on is None:
            return MET
        if expires_on >= on and (longest is None or expires_on > longest):
            longest = expires_on
    if longest is None:
        return _gap_outcome(requirement)
    return EXPIRING if longest < horizon else MET


def _training_outcome(
    requirement: Requirement, covers: Iterable[_StaffCover], horizon: dt.date
) -> str:
    """_training_row's outcome: N staff valid, expiring if the N-th longest cover lapses first."""
    role = requirement.role
    lasting = [
        c.valid_until for c in covers if c.valid_until is not None and (not role or role in c.roles)
    ]
    needed = requirement.min_staff
    if len(lasting) < needed:
        return _gap_outcome(requirement)
    lasting.sort(reverse=True)
    return EXPIRING if lasting[needed - 1] < horizon else MET


# --- loading ------------------------------------------------------------------------------------


def _load_capability_states(
    site_ids: list[int], capability_ids: set[int]
) -> dict[int, dict[int, _CapabilityState]]:
    states: dict[int, dict[int, _CapabilityState]] = defaultdict(dict)
    if not site_ids or not capability_ids:
        return states
    rows = SiteCapability.objects.filter(
        site_id__in=site_ids, capability_id__in=capability_ids
    ).values_list("site_id", "capability_id", "status", "evidence_expires_on")
    for site_id, capability_id, status, expires_on in rows:
        states[site_id][capability_id] = _CapabilityState(status, expires_on)
    return states


def _in_post(on: dt.date, prefix: str = "") -> Q:
    """Count only staff in post on the date: leavers keep their records for audit.

    An active member who has a leaving date counts until the day before it; a deactivated
    member counts only for dates before a recorded leaving date (never without one).
    """
    return Q(**{f"{prefix}left_on__gt": on}) | Q(
        **{f"{prefix}left_on__isnull": True, f"{prefix}active": True}
    )


def _load_staff_cover(
    site_ids: list[int], course_ids: set[int], on: dt.date
) -> dict[int, dict[int, list[_StaffCover]]]:
    """site id -> course id -> cover of each staff member in post holding any record.

    Only the longest-lasting record of a staff member for a course matters: if it is valid, it
    is their cover (a staff member counts once); if not, every record had lapsed and it is the
    latest to lapse. A leaving date caps it at the day before.
    """
    result: dict[int, dict[int, list[_StaffCover]]] = defaultdict(lambda: defaultdict(list))
    if not site_ids or not course_ids:
        return result
    rows = (
        TrainingRecord.objects.filter(
            course_id__in=course_ids,
            staff__site_id__in=site_ids,
            completed_on__lte=on,
        )
        .filter(_in_post(on, "staff__"))
        # Roles as JSON text, parsed once per staff member below rather than once per record.
        .annotate(roles_text=Cast("staff__roles", output_field=TextField()))
        .values_list(
            "staff_id",
            "staff__site_id",
            "staff__full_name",
            "roles_text",
            "staff__left_on",
            "course_id",
            "course__renewal_months",
            "completed_on",
            "expiry_override",
        )
    )
    longest: dict[tuple[int, int], dt.date] = {}
    staff: dict[int, tuple[int, str, frozenset[str], dt.date | None]] = {}
    for (
        staff_id,
        site_id,
        name,
        roles,
        left_on,
        course_id,
        renewal_months,
        completed_on,
        override,
    ) in rows:
        if override:
            expires = override
        elif renewal_months is None:
            expires = _NEVER
        else:
            expires = _renewal_due(completed_on, renewal_months)
        held = (staff_id, course_id)
        if expires > longest.get(held, dt.date.min):
            longest[held] = expires
        if staff_id not in staff:
            last_day = left_on - dt.timedelta(days=1) if left_on is not None else None
            staff[staff_id] = (
                site_id,
                name,
                frozenset(json.loads(roles) if roles else ()),
                last_day,
            )
    for (staff_id, course_id), expires in longest.items():
        site_id, name, roles, last_day = staff[staff_id]
        if last_day is not None and last_day < expires:
            expires = last_day  # in post on the date, so the last day is on or after it
        if expires >= on:
            cover = _StaffCover(name, roles, expires, None)
        else:
            cover = _StaffCover(name, roles, None, expires)
        result[site_id][course_id].append(cover)
    return result


# --- outcomes counted by the database (the ranking on PostgreSQL) ---------------------------------
#
# The same decisions as _capability_outcome and _training_outcome, taken in one SQL statement so
# that the ranking fetches neither checklist rows nor training records: one row per site with how
# many requirements it meets (not expiring), meets but expiring, and meets of the mandatory ones.
#
# Training is counted, not sorted: a requirement for N staff is met when at least N staff in post
# hold a record valid on the date, and expiring when fewer than N hold one still valid on the
# horizon (the N-th longest cover lapses before it). A record without an override is valid on a
# day when it was completed on or after the earliest completion whose renewal reaches that day
# (_earliest_completion, worked out here once per course), so no row needs date arithmetic.

_SUMMARY_SQL = """
WITH visible AS (
    SELECT unnest(%(site_ids)s::int[]) AS site_id
), cap_req AS (
    SELECT * FROM unnest(%(cap_idx)s::int[], %(cap_id)s::int[], %(cap_mandatory)s::bool[])
        AS r(idx, capability_id, mandatory)
), cap_met AS (
    -- Met by any alternative in place with evidence valid on the date; expiring when the one
    -- valid longest lapses before the horizon.
    SELECT sc.site_id, bool_or(r.mandatory) AS mandatory,
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
    GROUP BY s.site_id, s.id, r.idx, r.min_staff, r.mandatory
), train_met AS (
    SELECT site_id, mandatory, count(*) FILTER (WHERE lasting) < min_staff AS expiring
    FROM trained
    GROUP BY site_id, idx, min_staff, mandatory
    HAVING count(*) >= min_staff
), met AS (
    SELECT site_id, mandatory, expiring FROM cap_met
    UNION ALL
    SELECT site_id, mandatory, expiring FROM train_met
)
SELECT site_id,
       count(*) FILTER (WHERE NOT expiring),
       count(*) FILTER (WHERE expiring),
       count(*) FILTER (WHERE mandatory)
FROM met
GROUP BY site_id
"""


@lru_cache(maxsize=1024)
def _earliest_completion(months: int, day: dt.date) -> dt.date:
    """The earliest completion date whose renewal falls on or after `day`.

    A record completed on it or later (without an override) is still valid on `day`. Renewal
    (add_months, clamped to the month end) never decreases as the completion date increases,
    so a binary search over the days before `day` finds it.
    """
    low, high = day - dt.timedelta(days=31 * months + 31), day
    while low < high:
        middle = low + (high - low) // 2
        if _renewal_due(middle, months) >= day:
            high = middle
        else:
            low = middle + dt.timedelta(days=1)
    return low


def _counts_in_database() -> bool:
    return connection.vendor == "postgresql"


def _summary_params(
    site_ids: list[int], requirements: RequirementSet, on: dt.date, horizon: dt.date
) -> dict[str, object]:
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
        params["valid_from"].append(None if months is None else _earliest_completion(months, on))
        params["lasting_from"].append(
            None if months is None else _earliest_completion(months, horizon)
        )
    return {
        **params,
        "site_ids": site_ids,
        "on": on,
        "horizon": horizon,
        "in_place": _IN_PLACE,
    }


def _summaries_in_database(
    site_list: list[Site | SiteRef], requirements: RequirementSet, on: dt.date
) -> list[SiteAssessment]:
    """assess(summary_only=True) on PostgreSQL: one query whatever the number of sites."""
    if not site_list:
        return []
    sql = _SUMMARY_SQL.format(
        site_capability=SiteCapability._meta.db_table,
        record=TrainingRecord._meta.db_table,
        staff=StaffMember._meta.db_table,
    )
    params = _summary_params([site.pk for site in site_list], requirements, on, _horizon(on))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {site_id: rest for site_id, *rest in cursor.fetchall()}
    mandatory = requirements.mandatory_count
    recommended = len(requirements.requirements) - mandatory
    assessments = []
    for site in site_list:
        met, expiring, met_mandatory = counts.get(site.pk, (0, 0, 0))
        outcome_counts = {
            BLOCKER: mandatory - met_mandatory,
            WARNING: recommended - (met + expiring - met_mandatory),
            EXPIRING: expiring,
            MET: met,
        }
        assessments.append(
            _counted(site, on, requirements, [], outcome_counts, mandatory, met_mandatory)
        )
    return assessments


# --- assessing ----------------------------------------------------------------------------------


def _summarise(
    site: Site, on: dt.date, requirements: RequirementSet, rows: list[GapRow]
) -> SiteAssessment:
    return _assessment(
        site, on, requirements, rows, [(row.requirement.is_mandatory, row.outcome) for row in rows]
    )


def _assessment(
    site: Site | SiteRef,
    on: dt.date,
    requirements: RequirementSet,
    rows: list[GapRow],
    outcomes: Iterable[tuple[bool, str]],
) -> SiteAssessment:
    counts = dict.fromkeys(OUTCOMES, 0)
    mandatory = met_mandatory = 0
    for is_mandatory, outcome in outcomes:
        counts[outcome] += 1
        if is_mandatory:
            mandatory += 1
            if outcome in (MET, EXPIRING):
                met_mandatory += 1
    return _counted(site, on, requirements, rows, counts, mandatory, met_mandatory)


def _counted(
    site: Site | SiteRef,
    on: dt.date,
    requirements: RequirementSet,
    rows: list[GapRow],
    counts: dict[str, int],
    mandatory: int,
    met_mandatory: int,
) -> SiteAssessment:
    """Score and readiness from the outcome counts, however they were counted."""
    return SiteAssessment(
        site=site,
        on=on,
        requirement_set=requirements,
        rows=rows,
        score=(met_mandatory / mandatory) if mandatory else None,
        ready=counts[BLOCKER] == 0,
        blockers=counts[BLOCKER],
        warnings=counts[WARNING],
        expiring=counts[EXPIRING],
        met=counts[MET],
    )


def _rows(
    requirements: RequirementSet,
    states: dict[int, _CapabilityState],
    cover: dict[int, list[_StaffCover]],
    on: dt.date,
) -> list[GapRow]:
    return [
        _capability_row(req, states, on)
        if req.kind == CAPABILITY
        else _training_row(req, cover.get(req.course_id, ()), on)
        for req in requirements.requirements
    ]


def _outcomes(
    requirements: RequirementSet,
    states: dict[int, _CapabilityState],
    cover: dict[int, list[_StaffCover]],
    on: dt.date,
    horizon: dt.date,
) -> list[tuple[bool, str]]:
    return [
        (
            req.is_mandatory,
            _capability_outcome(req, states, on, horizon)
            if req.kind == CAPABILITY
            else _training_outcome(req, cover.get(req.course_id, ()), horizon),
        )
        for req in requirements.requirements
    ]


def assess(
    *,
    sites: Iterable[Site | SiteRef],
    requirements: RequirementSet,
    on: dt.date,
    summary_only: bool = False,
) -> list[SiteAssessment]:
    """One assessment per site, in the order given. At most three queries in all.

    With `summary_only` (the ranking), each assessment has the same score, readiness and
    counts but no rows: building every row's detail for hundreds of sites is most of the work.
    On PostgreSQL the database then counts the outcomes (one query, _summaries_in_database)
    instead of the checklist rows and training records being fetched and folded here.
    """
    if isinstance(sites, QuerySet):
        sites = sites.select_related("region")
    site_list = list(sites)
    if summary_only and _counts_in_database():
        return _summaries_in_database(site_list, requirements, on)
    site_ids = [site.pk for site in site_list]
    states = _load_capability_states(site_ids, requirements.capability_ids)
    cover = _load_staff_cover(site_ids, requirements.course_ids, on)
    if summary_only:
        horizon = _horizon(on)
        return [
            _assessment(
                site,
                on,
                requirements,
                [],
                _outcomes(
                    requirements, states.get(site.pk, {}), cover.get(site.pk, {}), on, horizon
                ),
            )
            for site in site_list
        ]
    return [
        _summarise(
            site,
            on,
            requirements,
            _rows(requirements, states.get(site.pk, {}), cover.get(site.pk, {}), on),
        )
        for site in site_list
    ]


def assess_site(
    *, site: Site, requirement_sets: Iterable[RequirementSet], on: dt.date
) -> list[SiteAssessment]:
    """One site against several requirement sets (its page): two queries in all."""
    sets = list(requirement_sets)
    capability_ids = set().union(*(s.capability_ids for s in sets))
    course_ids = set().union(*(s.course_ids for s in sets))
    states = _load_capability_states([site.pk], capability_ids).get(site.pk, {})
    cover = _load_staff_cover([site.pk], course_ids, on).get(site.pk, {})
    return [_summarise(site, on, s, _rows(s, states, cover, on)) for s in sets]


def assess_site_for(
    *,
    site: Site,
    trials: list[Trial],
    profiles: list[RequirementProfile],
    on: dt.date,
) -> tuple[list[SiteAssessment], list[SiteAssessment]]:
    """One site against each trial and each profile (its pages): the trials' assessments and
    the profiles', in the order given. Five queries in all."""
    trial_sets, profile_sets = requirement_sets(trials=trials, profiles=profiles)
    sets = [trial_sets[t.pk] for t in trials] + [profile_sets[p.pk] for p in profiles]
    assessments = assess_site(site=site, requirement_sets=sets, on=on)
    return assessments[: len(trials)], assessments[len(trials) :]


def rank(assessments: list[SiteAssessment]) -> list[SiteAssessment]:
    """Ready first, then score (highest first; no score last), fewest blockers, then name."""
    return sorted(
        assessments,
        key=lambda a: (
            not a.ready,
            -(a.score if a.score is not None else -1.0),
            a.blockers,
            a.site.name.lower(),
            a.site.pk,
        ),
    )
