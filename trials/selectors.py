"""Reads for trial set-up pages: requirement labels, inherited requirements and
overrides, and open invitations. A trial's change history is in trials/history.py."""

from __future__ import annotations

from sites.models import Site, SiteMembership
from training.models import StaffRole
from trials.models import (
    CapabilityRequirement,
    RequirementLevel,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

_ROLES = dict(StaffRole.choices)
_LEVELS = dict(RequirementLevel.choices)


def capability_requirement_label(names: list[str], level: str) -> str:
    return f"{' or '.join(sorted(names, key=str.lower))} ({_LEVELS.get(level, level).lower()})"


def _training_label(course_title: str, min_staff: int, role: str, level: str) -> str:
    who = _ROLES.get(role, "staff in any role") if role else "any role"
    return f"{course_title} — {min_staff} × {who} ({_LEVELS.get(level, level).lower()})"


def training_requirement_label(requirement: TrainingRequirement) -> str:
    return _training_label(
        requirement.course.title, requirement.min_staff, requirement.role, requirement.level
    )


def requirement_label(requirement: CapabilityRequirement | TrainingRequirement) -> str:
    if isinstance(requirement, TrainingRequirement):
        return training_requirement_label(requirement)
    return capability_requirement_label(
        [c.name for c in requirement.capabilities.all()], requirement.level
    )


def inherited_requirements(
    trial: Trial,
) -> list[tuple[RequirementProfile, CapabilityRequirement | TrainingRequirement, str]]:
    """Every requirement of the trial's profiles, as (profile, requirement, label): 3 queries."""
    profile_ids = list(trial.profiles.values_list("pk", flat=True))
    capability = (
        CapabilityRequirement.objects.filter(profile_id__in=profile_ids)
        .select_related("profile")
        .prefetch_related("capabilities")
        .order_by("profile__name", "pk")
    )
    training = (
        TrainingRequirement.objects.filter(profile_id__in=profile_ids)
        .select_related("profile", "course")
        .order_by("profile__name", "pk")
    )
    rows = [(r.profile, r, requirement_label(r)) for r in capability]
    rows += [(r.profile, r, requirement_label(r)) for r in training]
    return sorted(rows, key=lambda row: (row[0].name, row[2].lower()))


def own_capability_requirements(trial: Trial) -> list[dict]:
    """The trial's own capability requirements as {alternatives, level, note}, for reading:
    one query (instances with their alternatives prefetched take two)."""
    through = CapabilityRequirement.capabilities.through
    rows: dict[int, dict] = {}
    for requirement_id, level, note, name in (
        through.objects.filter(capabilityrequirement__trial=trial)
        .order_by("capabilityrequirement_id", "capability__category", "capability__name")
        .values_list(
            "capabilityrequirement_id",
            "capabilityrequirement__level",
            "capabilityrequirement__note",
            "capability__name",
        )
    ):
        row = rows.setdefault(
            requirement_id,
            {
                "alternatives": [],
                "level": _LEVELS.get(level, level),
                "note": note,
            },
        )
        row["alternatives"].append(name)
    return list(rows.values())


def trial_overrides(trial: Trial) -> list[RequirementOverride]:
    """The trial's overrides, each with a `label` naming the requirement it changes."""
    overrides = list(
        trial.overrides.select_related(
            "capability_requirement__profile",
            "training_requirement__profile",
            "training_requirement__course",
        ).prefetch_related("capability_requirement__capabilities")
    )
    for override in overrides:
        override.label = (
            f"{requirement_label(override.requirement)}, from {override.requirement.profile}"
        )
    return overrides


def open_invitations(user, *, site: Site | None = None) -> list[TrialSite]:
    """Invitations awaiting an answer at the sites this user coordinates (optionally one)."""
    rows = TrialSite.objects.filter(
        status=TrialSite.Status.INVITED,
        site__memberships__user=user,
        site__memberships__role=SiteMembership.Role.COORDINATOR,
    )
    if site is not None:
        rows = rows.filter(site=site)
    return list(rows.select_related("trial", "site").order_by("respond_by", "trial__short_title"))
