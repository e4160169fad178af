"""Reads for trial set-up pages: inherited requirements, and a trial's change history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

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


def training_requirement_label(requirement: TrainingRequirement) -> str:
    who = _ROLES.get(requirement.role, "staff in any role") if requirement.role else "any role"
    return (
        f"{requirement.course.title} — {requirement.min_staff} × {who} "
        f"({_LEVELS.get(requirement.level, requirement.level).lower()})"
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


def trial_overrides(trial: Trial) -> list[RequirementOverride]:
    """The trial's overrides, each with a `label` naming the requirement it changes."""
    overrides = list(
        trial.overrides.select_related(
            "capability_requirement__profile", "training_requirement__profile",
            "training_requirement__course",
        ).prefetch_related("capability_requirement__capabilities")
    )
    for override in overrides:
        override.label = f"{requirement_label(override.requirement)}, from {override.requirement.profile}"
    return overrides


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str
    what: str
    old: str
    new: str
    reason: str


def _who(record) -> str:
    user = record.history_user
    return (user.full_name or user.email) if user is not None else "System"


_TRIAL_FIELDS = {f.name: f for f in Trial._meta.fields}


def _display(field_name: str, value) -> str:
    field = _TRIAL_FIELDS.get(field_name)
    if field is not None and field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value) if value not in (None, "") else "—"


def _trial_rows(trial: Trial) -> list[HistoryRow]:
    records = list(trial.history.select_related("history_user").order_by("history_date"))
    profiles = dict(RequirementProfile.objects.values_list("pk", "name"))
    rows, previous = [], None
    for record in records:
        if previous is None:
            rows.append(HistoryRow(record.history_date, _who(record), "Trial created", "", "",
                                   record.history_change_reason or ""))
        else:
            for change in record.diff_against(previous).changes:
                if change.field == "profiles":
                    old = {profiles.get(r["requirementprofile"], "?") for r in change.old}
                    new = {profiles.get(r["requirementprofile"], "?") for r in change.new}
                    what, old_text, new_text = "Profiles", ", ".join(sorted(old)) or "—", \
                        ", ".join(sorted(new)) or "—"
                else:
                    label = _TRIAL_FIELDS[change.field].verbose_name
                    what = label[:1].upper() + label[1:]
                    old_text, new_text = _display(change.field, change.old), \
                        _display(change.field, change.new)
                rows.append(HistoryRow(record.history_date, _who(record), what, old_text,
                                       new_text, record.history_change_reason or ""))
        previous = record
    return rows


def _capability_names(owner: dict) -> dict[int, list[str]]:
    """Each historical record of the owner's capability requirements (history_id) → the
    alternatives it recorded (one query)."""
    through = CapabilityRequirement.history.model.capabilities.model
    names: dict[int, list[str]] = {}
    by_owner = {f"history__{key}": value for key, value in owner.items()}
    for history_id, name in through.objects.filter(**by_owner).values_list(
        "history__history_id", "capability__name"
    ):
        names.setdefault(history_id, []).append(name)
    return names


def _with_note(label: str, note: str) -> str:
    return f"{label}; note: {note}" if note else label


def _changes(records, label_of, noun: str) -> list[HistoryRow]:
    """Added / changed (old → new) / removed rows of one kind of requirement. `label_of(record)`
    is the record's label, or None while it is not complete (a capability requirement is
    saved before its alternatives are set)."""
    rows, last = [], {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        label = label_of(record)
        previous = last.get(record.id)
        if record.history_type == "-":
            what, old, new = "removed", previous or label or "", ""
        elif label is None or label == previous:
            continue
        elif previous is None:
            what, old, new = "added", "", label
        else:
            what, old, new = "changed", previous, label
        last[record.id] = label or previous
        rows.append(HistoryRow(record.history_date, _who(record), f"{noun} {what}", old, new,
                               record.history_change_reason or ""))
    return rows


def _requirement_rows(**owner) -> list[HistoryRow]:
    """Requirements added, changed and removed, of a trial (trial_id=) or a profile
    (profile_id=)."""
    names = _capability_names(owner)

    def capability_label(record) -> str | None:
        alternatives = names.get(record.history_id)
        if not alternatives:
            return None
        return _with_note(capability_requirement_label(alternatives, record.level), record.note)

    capability = CapabilityRequirement.history.filter(**owner).select_related("history_user")
    training = TrainingRequirement.history.filter(**owner).select_related(
        "history_user", "course"
    )
    return _changes(capability, capability_label, "Capability requirement") + _changes(
        training, training_requirement_label, "Training requirement"
    )


def _override_rows(trial: Trial) -> list[HistoryRow]:
    rows, last_level = [], {}
    levels = dict(RequirementOverride.Level.choices)
    for record in RequirementOverride.history.filter(trial_id=trial.pk).select_related(
        "history_user", "capability_requirement__profile", "training_requirement__course",
    ).prefetch_related("capability_requirement__capabilities").order_by("history_date"):
        target = record.capability_requirement or record.training_requirement
        label = requirement_label(target) if target is not None else "a removed requirement"
        old = last_level.get(record.id, "Inherited as the profile states")
        new = levels.get(record.level, record.level)
        if record.history_type == "-":
            old, new = new, "Inherited as the profile states"
        last_level[record.id] = levels.get(record.level, record.level)
        rows.append(HistoryRow(record.history_date, _who(record), f"Override: {label}", old, new,
                               record.reason if record.history_type != "-"
                               else record.history_change_reason or ""))
    return rows


def _selection_rows(trial: Trial, sites: QuerySet[Site]) -> list[HistoryRow]:
    rows, last = [], {}
    for record in TrialSite.history.filter(trial_id=trial.pk, site__in=sites).select_related(
        "history_user", "site"
    ).order_by("history_date"):
        status = TrialSite.Status(record.status).label
        old = last.get(record.id, "")
        if old != status:
            rows.append(HistoryRow(record.history_date, _who(record), f"Site: {record.site.name}",
                                   old, status, record.reason or record.history_change_reason
                                   or ""))
        last[record.id] = status
    return rows


def trial_history(trial: Trial, *, sites: QuerySet[Site]) -> list[HistoryRow]:
    """Every recorded change to the trial, its requirements, overrides and the selection of
    `sites` (those the reader may see), newest first (who, when, old → new, why)."""
    rows = _trial_rows(trial) + _requirement_rows(trial_id=trial.pk) + _override_rows(trial)
    rows += _selection_rows(trial, sites)
    return sorted(rows, key=lambda row: row.when, reverse=True)


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


_PROFILE_FIELDS = {"code": "Code", "name": "Name", "description": "Description"}


def _profile_rows(profile: RequirementProfile) -> list[HistoryRow]:
    records = list(profile.history.select_related("history_user").order_by(
        "history_date", "history_id"))
    rows = [HistoryRow(r.history_date, _who(r), "Profile created", "", r.name,
                       r.history_change_reason or "") for r in records[:1]]
    for previous, record in zip(records, records[1:], strict=False):
        rows += [
            HistoryRow(record.history_date, _who(record), _PROFILE_FIELDS.get(c.field, c.field),
                       c.old or "", c.new or "", record.history_change_reason or "")
            for c in record.diff_against(previous).changes
        ]
    return rows


def profile_history(profile: RequirementProfile) -> list[HistoryRow]:
    """The profile's name and description changes and its requirements added, changed and
    removed, newest first."""
    rows = _profile_rows(profile) + _requirement_rows(profile_id=profile.pk)
    return sorted(rows, key=lambda r: r.when, reverse=True)
