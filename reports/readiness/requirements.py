"""Requirement sets: what a trial, a profile or an ad-hoc list of capabilities asks of a site.

A trial's set is assembled in steps (`_trial_set`): its profiles' requirements merged
strictest-wins, then the trial's overrides (relax an inherited requirement to recommended, or
exclude it), then the trial's own requirements merged in (`assemble`). The rules are in docs/readiness.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.db.models import Q

from reports.readiness import catalogue_cache
from sites.models import Capability
from training.models import StaffRole
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

TRIAL_SPECIFIC = "Trial-specific"
AD_HOC_LABEL = "Selected capabilities"

_LEVEL_RANK = {MANDATORY: 2, RECOMMENDED: 1}
_ROLE_LABELS = dict(StaffRole.choices)
_ROLE_PLURALS = {StaffRole.GMSC_CHAIR.value: "GMSC chairs or secretaries"}
_CATEGORY_LABELS = dict(Capability.Category.choices)


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
        return _CATEGORY_LABELS.get(self.category, self.category)

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


def staff_noun(role: str, count: int) -> str:
    """ "pharmacist", "pharmacists", "staff member(s)": how a row names the staff it counts."""
    if not role:
        return "staff member" if count == 1 else "staff members"
    label = _ROLE_LABELS.get(role, role)
    if count == 1:
        return label
    return _ROLE_PLURALS.get(role, f"{label}s")


def _capability_requirement(
    capabilities: list[Capability] | list[_CapabilityRow],
    level: str,
    sources: tuple[str, ...],
    notes: tuple[str, ...],
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


def _training_requirement(
    req: TrainingRequirement | _TrainingRow, sources: tuple[str, ...]
) -> Requirement:
    course = req.course
    who = staff_noun(req.role, 1) if req.role else "staff member (any role)"
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
    min_staff = max(a.min_staff, b.min_staff)
    return replace(
        a,
        level=a.level if _LEVEL_RANK[a.level] >= _LEVEL_RANK[b.level] else b.level,
        min_staff=min_staff,
        sources=a.sources + tuple(s for s in b.sources if s not in a.sources),
        notes=a.notes + tuple(n for n in b.notes if n not in a.notes),
        label=b.label if a.kind == TRAINING and min_staff != a.min_staff else a.label,
    )


def _identity(requirement: Requirement) -> object:
    """Same alternative set, or same course and role: the same requirement (docs/readiness.md)."""
    if requirement.kind == CAPABILITY:
        return frozenset(requirement.capability_ids)
    return ("course", requirement.course_id, requirement.role)


def merge_requirements(requirements: Iterable[Requirement]) -> dict[object, Requirement]:
    """Requirements by identity, each merged with its namesakes (strictest wins)."""
    merged: dict[object, Requirement] = {}
    for requirement in requirements:
        identity = _identity(requirement)
        merged[identity] = (
            _merge(merged[identity], requirement) if identity in merged else requirement
        )
    return merged


def _ordered_set(label: str, merged: dict[object, Requirement]) -> RequirementSet:
    ordered = sorted(
        merged.values(),
        key=lambda r: (r.kind != CAPABILITY, r.category, r.label.lower(), r.key),
    )
    return RequirementSet(label=label, requirements=ordered)


@dataclass
class _LoadedRequirement:
    """A capability or training requirement row, with its alternatives, as loaded in bulk."""

    trial_id: int | None
    profile_id: int | None
    requirement: Requirement
    row: tuple[str, int]  # (kind, pk) of the requirement row, which an override names


class _CapabilityRow(NamedTuple):
    """The fields of a Capability a requirement uses, read as values (no model instance)."""

    pk: int
    name: str
    code: str
    category: str
    evidence_expected: list


class _CourseRow(NamedTuple):
    pk: int
    code: str
    title: str
    renewal_months: int | None


class _TrainingRow(NamedTuple):
    """The fields of a TrainingRequirement `_training_requirement` uses."""

    role: str
    min_staff: int
    level: str
    course: _CourseRow


def _load_requirements(condition: Q) -> list[_LoadedRequirement]:
    """Every capability and training requirement matching `condition`: two queries in all.

    Read as values, not model instances: every readiness page loads them (building ~450
    instances was two thirds of `requirement_sets`' time, docs/performance.md)."""
    links = (
        CapabilityRequirement.capabilities.through.objects.filter(
            capabilityrequirement__in=CapabilityRequirement.objects.filter(condition)
        )
        .order_by("capabilityrequirement__profile__name", "capabilityrequirement_id")
        .values_list(
            "capabilityrequirement_id",
            "capabilityrequirement__trial_id",
            "capabilityrequirement__profile_id",
            "capabilityrequirement__profile__name",
            "capabilityrequirement__level",
            "capabilityrequirement__note",
            "capability_id",
            "capability__name",
            "capability__code",
            "capability__category",
            "capability__evidence_expected",
        )
    )
    grouped: dict[int, tuple[tuple, list[_CapabilityRow]]] = {}
    for pk, trial_id, profile_id, profile_name, level, note, *capability in links:
        requirement_row = (trial_id, profile_id, profile_name, level, note)
        grouped.setdefault(pk, (requirement_row, []))[1].append(_CapabilityRow(*capability))
    loaded = []
    # A requirement with no capability left names nothing to check, so it is not loaded.
    for pk, ((trial_id, profile_id, profile_name, level, note), capabilities) in grouped.items():
        notes = (note,) if note else ()
        source = (profile_name if profile_id else TRIAL_SPECIFIC,)
        requirement = _capability_requirement(capabilities, level, source, notes)
        loaded.append(_LoadedRequirement(trial_id, profile_id, requirement, (CAPABILITY, pk)))
    training = (
        TrainingRequirement.objects.filter(condition)
        .order_by("profile__name", "pk")
        .values_list(
            "pk",
            "trial_id",
            "profile_id",
            "profile__name",
            "role",
            "min_staff",
            "level",
            "course_id",
            "course__code",
            "course__title",
            "course__renewal_months",
        )
    )
    for pk, trial_id, profile_id, profile_name, role, min_staff, level, *course in training:
        source = (profile_name if profile_id else TRIAL_SPECIFIC,)
        row = _TrainingRow(role, min_staff, level, _CourseRow(*course))
        requirement = _training_requirement(row, source)
        loaded.append(_LoadedRequirement(trial_id, profile_id, requirement, (TRAINING, pk)))
    return loaded


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
    """Relax or drop the merged requirement each override names. The override acts on the
    requirement's identity, so it relaxes what two profiles share (docs/readiness.md)."""
    for override in overrides:
        named = rows.get(override.row)
        if named is None or _identity(named) not in merged:
            continue
        identity = _identity(named)
        if override.level == EXCLUDED:
            del merged[identity]
            continue
        current = merged[identity]
        note = f"Recommended for this trial: {override.reason}"
        merged[identity] = replace(current, level=RECOMMENDED, notes=(*current.notes, note))


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
    merged = merge_requirements(item.requirement for item in inherited)
    _apply_overrides(merged, overrides, {item.row: item.requirement for item in inherited})
    return _ordered_set(label, merge_requirements([*merged.values(), *own]))


def _load_overrides(trial_ids: list[int]) -> dict[int, list[Override]]:
    """Every override of these trials: one query."""
    found: dict[int, list[Override]] = {}
    rows = RequirementOverride.objects.filter(trial_id__in=trial_ids).values_list(
        "trial_id", "capability_requirement_id", "training_requirement_id", "level", "reason"
    )
    for trial_id, cap_id, train_id, level, reason in rows:
        row = (CAPABILITY, cap_id) if cap_id is not None else (TRAINING, train_id)
        found.setdefault(trial_id, []).append(Override(row, level, reason))
    return found


def _trial_set(
    trial: Trial,
    profile_ids: set[int],
    loaded: list[_LoadedRequirement],
    overrides: Iterable[Override],
) -> RequirementSet:
    return assemble(
        trial.short_title,
        inherited=(item for item in loaded if item.profile_id in profile_ids),
        overrides=overrides,
        own=(item.requirement for item in loaded if item.trial_id == trial.pk),
    )


def requirement_sets(
    *, trials: Iterable[Trial] = (), profiles: Iterable[RequirementProfile] = ()
) -> tuple[dict[int, RequirementSet], dict[int, RequirementSet]]:
    """Requirement sets of many trials and profiles at once (keyed by pk): four queries, or on
    PostgreSQL one (the catalogue's stamp) when the same were built since the catalogue was
    last written (catalogue_cache.py)."""
    trials, profiles = list(trials), list(profiles)
    if (trials or profiles) and catalogue_cache.enabled():
        return catalogue_cache.cached_sets(trials, profiles, requirement_sets_afresh)
    return requirement_sets_afresh(trials, profiles)


def requirement_sets_afresh(
    trials: list[Trial], profiles: list[RequirementProfile]
) -> tuple[dict[int, RequirementSet], dict[int, RequirementSet]]:
    """`requirement_sets` without the cache: four queries."""
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
        trial.pk: _trial_set(trial, trial_profiles[trial.pk], loaded, overrides.get(trial.pk, ()))
        for trial in trials
    }
    profile_sets = {
        profile.pk: _ordered_set(
            profile.name,
            merge_requirements(
                item.requirement for item in loaded if item.profile_id == profile.pk
            ),
        )
        for profile in profiles
    }
    return trial_sets, profile_sets


def requirement_set_for_trial(trial: Trial) -> RequirementSet:
    """The trial's profiles plus its own requirements, merged (docs/readiness.md)."""
    trial_sets, _ = requirement_sets(trials=[trial])
    return trial_sets[trial.pk]


def requirement_set_for_draft(
    trial: Trial | None,
    *,
    profiles: Iterable[RequirementProfile] | None = None,
    label: str = "",
    capabilities: Iterable[Capability] = (),
    capability_level: str = MANDATORY,
    training: TrainingRequirement | None = None,
    override: tuple[CapabilityRequirement | TrainingRequirement, str] | None = None,
) -> RequirementSet:
    """The trial's set as it would be with one more requirement or override (the set-up
    page's preview). `training` is an unsaved TrainingRequirement; `override` is
    (an inherited requirement row, RECOMMENDED or EXCLUDED).

    `profiles`, when given, are the profiles the trial would inherit instead of its own (the
    trial form's preview); an override of a profile left out then has nothing to act on, as
    after saving. `trial` is None for a trial not saved yet: no own requirements, no
    overrides. Four queries at most."""
    if profiles is not None:
        profile_ids = {p.pk for p in profiles}
    else:
        profile_ids = set(trial.profiles.values_list("pk", flat=True)) if trial else set()
    own_rows = Q(trial_id=trial.pk) if trial is not None else Q(pk__in=[])
    loaded = _load_requirements(own_rows | Q(profile_id__in=profile_ids))
    overrides = {o.row: o for o in _load_overrides([trial.pk]).get(trial.pk, ())} if trial else {}
    if override is not None:
        row, level = override
        kind = CAPABILITY if isinstance(row, CapabilityRequirement) else TRAINING
        overrides[(kind, row.pk)] = Override((kind, row.pk), level, "proposed")
    extra = []
    if capabilities:
        extra.append(
            _capability_requirement(list(capabilities), capability_level, (TRIAL_SPECIFIC,), ())
        )
    if training is not None:
        extra.append(_training_requirement(training, (TRIAL_SPECIFIC,)))
    return assemble(
        label or (trial.short_title if trial else "The new trial"),
        inherited=(item for item in loaded if item.profile_id in profile_ids),
        overrides=overrides.values(),
        own=[
            *(item.requirement for item in loaded if trial and item.trial_id == trial.pk),
            *extra,
        ],
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
