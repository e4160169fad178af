"""Writes to trials, their requirements, overrides and site selection.

Every write records who made it and why (django-simple-history), so the trial page can show
the whole story. Callers check access first (trials.access); these functions check the rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from atmp_portal.links import absolute_url
from sites.models import Capability, Site, SiteMembership
from training.models import Course
from trials.models import (
    SITE_ANSWERS,
    TRANSITIONS,
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

logger = logging.getLogger(__name__)

DEFAULT_REASON = "Changed in the portal"
REASON_REQUIRED = "Enter why this trial does not need the requirement as the profile states it"
NOT_INHERITED = "This requirement does not come from a profile the trial uses"
NO_ALTERNATIVES = "Select at least one capability"
BAD_TRANSITION = "A site that is {current} cannot become {target}"
ALREADY_IN_TRIAL = "This site is already in the trial's site selection"
START_STATUSES = (TrialSite.Status.SHORTLISTED, TrialSite.Status.INVITED)
BAD_START = "A site joins the selection as shortlisted or invited"
RESPOND_BY_PAST = "The response deadline must be today or later"

Owner = Trial | RequirementProfile


def _stamp(obj, user: User, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = (reason.strip() or DEFAULT_REASON)[:100]


def _owner_kwargs(owner: Owner) -> dict:
    return {"trial": owner} if isinstance(owner, Trial) else {"profile": owner}


# --- trials and their requirements -----------------------------------------------------------


@transaction.atomic
def trial_save(
    *, trial: Trial, user: User, profiles: Iterable[RequirementProfile], reason: str = ""
) -> Trial:
    """Create or update a trial (already validated) and the profiles it inherits.

    Dropping a profile drops the trial's overrides of that profile's requirements: there is
    nothing left for them to override.
    """
    _stamp(trial, user, reason)
    trial.save()
    profiles = list(profiles)
    if set(trial.profiles.all()) != set(profiles):
        _stamp(trial, user, reason)
        trial.profiles.set(profiles)
        for override in trial.overrides.select_related(
            "capability_requirement", "training_requirement"
        ):
            if override.requirement.profile_id not in {p.pk for p in profiles}:
                override_remove(override=override, user=user, reason="Profile removed from trial")
    return trial


@transaction.atomic
def capability_requirement_add(
    *,
    owner: Owner,
    capabilities: Sequence[Capability],
    level: str,
    user: User,
    note: str = "",
    reason: str = "",
) -> CapabilityRequirement:
    if not capabilities:
        raise ValidationError({"capabilities": NO_ALTERNATIVES})
    requirement = CapabilityRequirement(level=level, note=note, **_owner_kwargs(owner))
    requirement.full_clean()
    _stamp(requirement, user, reason)
    requirement.save()
    _stamp(requirement, user, reason)
    requirement.capabilities.set(capabilities)
    return requirement


@transaction.atomic
def training_requirement_add(
    *,
    owner: Owner,
    course: Course,
    level: str,
    user: User,
    role: str = "",
    min_staff: int = 1,
    reason: str = "",
) -> TrainingRequirement:
    requirement = TrainingRequirement(
        course=course, role=role, min_staff=min_staff, level=level, **_owner_kwargs(owner)
    )
    requirement.full_clean()
    _stamp(requirement, user, reason)
    requirement.save()
    return requirement


def _change(obj, user: User, reason: str, **values) -> None:
    """Set the fields that differ, validate and save (one historical record); nothing at all
    when every field already has its value, so the history shows only real changes."""
    if all(getattr(obj, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    _stamp(obj, user, reason)
    obj.save()


def _save_with_one_record(requirement, user: User, reason: str, capabilities=None) -> None:
    """Save the requirement (and set its alternatives) leaving one historical record of the
    whole change: saving and setting the alternatives would otherwise record each step."""
    requirement.skip_history_when_saving = True
    try:
        requirement.save()
        if capabilities is not None:
            requirement.capabilities.set(capabilities)
    finally:
        del requirement.skip_history_when_saving
    _stamp(requirement, user, reason)
    requirement.save()


@transaction.atomic
def capability_requirement_update(
    *,
    requirement: CapabilityRequirement,
    capabilities: Sequence[Capability],
    level: str,
    user: User,
    note: str = "",
    reason: str = "",
) -> CapabilityRequirement:
    """Change a requirement's alternatives, level or note in place (its overrides stay)."""
    if not capabilities:
        raise ValidationError({"capabilities": NO_ALTERNATIVES})
    wanted = {c.pk for c in capabilities}
    current = set(requirement.capabilities.values_list("pk", flat=True))
    if (current, requirement.level, requirement.note) == (wanted, level, note):
        return requirement
    requirement.level, requirement.note = level, note
    requirement.full_clean()
    _save_with_one_record(
        requirement, user, reason, capabilities=list(capabilities) if current != wanted else None
    )
    return requirement


@transaction.atomic
def training_requirement_update(
    *,
    requirement: TrainingRequirement,
    course: Course,
    level: str,
    user: User,
    role: str = "",
    min_staff: int = 1,
    reason: str = "",
) -> TrainingRequirement:
    """Change a training requirement's course, role, minimum staff or level in place."""
    _change(
        requirement, user, reason, course_id=course.pk, role=role, min_staff=min_staff, level=level
    )
    return requirement


@transaction.atomic
def profile_update(
    *, profile: RequirementProfile, name: str, description: str, user: User, reason: str = ""
) -> RequirementProfile:
    """Rename or re-describe a profile (every trial using it shows the new name)."""
    _change(profile, user, reason, name=name, description=description)
    return profile


@transaction.atomic
def requirement_remove(
    *, requirement: CapabilityRequirement | TrainingRequirement, user: User, reason: str = ""
) -> None:
    _stamp(requirement, user, reason)
    requirement.delete()


@transaction.atomic
def override_set(
    *,
    trial: Trial,
    requirement: CapabilityRequirement | TrainingRequirement,
    level: str,
    reason: str,
    user: User,
) -> RequirementOverride:
    """Relax or exclude one inherited requirement for this trial (a second call replaces it)."""
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    if (
        requirement.profile_id is None
        or not trial.profiles.filter(pk=requirement.profile_id).exists()
    ):
        raise ValidationError({"requirement": NOT_INHERITED})
    field = (
        "capability_requirement"
        if isinstance(requirement, CapabilityRequirement)
        else "training_requirement"
    )
    override = RequirementOverride.objects.filter(trial=trial, **{field: requirement}).first()
    if override is None:
        override = RequirementOverride(trial=trial, **{field: requirement})
    elif override.level == level and override.reason == reason.strip():
        return override
    override.level = level
    override.reason = reason.strip()
    override.full_clean()
    _stamp(override, user, reason)
    override.save()
    return override


@transaction.atomic
def override_remove(*, override: RequirementOverride, user: User, reason: str = "") -> None:
    _stamp(override, user, reason or "Override removed")
    override.delete()


# --- site selection --------------------------------------------------------------------------


def _check_respond_by(respond_by: dt.date | None, today: dt.date) -> None:
    if respond_by is not None and respond_by < today:
        raise ValidationError({"respond_by": RESPOND_BY_PAST})


@transaction.atomic
def trial_site_add(
    *,
    trial: Trial,
    site: Site,
    status: str,
    user: User,
    respond_by: dt.date | None = None,
    message: str = "",
    today: dt.date | None = None,
) -> TrialSite:
    """Shortlist or invite a site (the start of the selection flow)."""
    if status not in START_STATUSES:
        raise ValidationError({"status": BAD_START})
    if TrialSite.objects.filter(trial=trial, site=site).exists():
        raise ValidationError({"site": ALREADY_IN_TRIAL})
    _check_respond_by(respond_by, today or dt.date.today())
    trial_site = TrialSite(trial=trial, site=site, status=status)
    if status == TrialSite.Status.INVITED:
        trial_site.invited_by, trial_site.respond_by, trial_site.message = user, respond_by, message
    _stamp(trial_site, user, "Invited" if status == TrialSite.Status.INVITED else "Shortlisted")
    trial_site.save()
    if status == TrialSite.Status.INVITED:
        transaction.on_commit(lambda: _mail_invitation(trial_site))
    return trial_site


@transaction.atomic
def trial_site_move(
    *,
    trial_site: TrialSite,
    status: str,
    user: User,
    reason: str = "",
    respond_by: dt.date | None = None,
    message: str = "",
    today: dt.date | None = None,
) -> TrialSite:
    """One step of the selection flow (TRANSITIONS); who may take it is trials.access's rule."""
    trial_site = TrialSite.objects.select_for_update().get(pk=trial_site.pk)
    if status not in TRANSITIONS[trial_site.status]:
        raise ValidationError(
            {
                "status": BAD_TRANSITION.format(
                    current=trial_site.get_status_display().lower(),
                    target=TrialSite.Status(status).label.lower(),
                )
            }
        )
    if status == TrialSite.Status.INVITED:
        _check_respond_by(respond_by, today or dt.date.today())
        trial_site.invited_by, trial_site.respond_by, trial_site.message = user, respond_by, message
    trial_site.status = status
    trial_site.reason = reason.strip()
    _stamp(trial_site, user, reason or TrialSite.Status(status).label)
    trial_site.save()
    if status == TrialSite.Status.INVITED:
        transaction.on_commit(lambda: _mail_invitation(trial_site))
    elif status in SITE_ANSWERS:
        transaction.on_commit(lambda: _mail_answer(trial_site, user))
    return trial_site


def trial_sites_add(
    *,
    trial: Trial,
    sites: Iterable[Site],
    status: str,
    user: User,
    respond_by: dt.date | None = None,
    message: str = "",
) -> tuple[list[TrialSite], list[Site]]:
    """Shortlist or invite several sites; a site already in the selection is moved on when it
    can be (shortlisted → invited) and otherwise skipped. Returns (changed, skipped)."""
    existing = {ts.site_id: ts for ts in TrialSite.objects.filter(trial=trial, site__in=sites)}
    changed, skipped = [], []
    with transaction.atomic():
        for site in sites:
            current = existing.get(site.pk)
            if current is None:
                changed.append(
                    trial_site_add(
                        trial=trial,
                        site=site,
                        status=status,
                        user=user,
                        respond_by=respond_by,
                        message=message,
                    )
                )
            elif status in TRANSITIONS[current.status]:
                changed.append(
                    trial_site_move(
                        trial_site=current,
                        status=status,
                        user=user,
                        respond_by=respond_by,
                        message=message,
                    )
                )
            else:
                skipped.append(site)
    return changed, skipped


def _site_coordinator_emails(site: Site) -> list[str]:
    return list(
        SiteMembership.objects.filter(
            site=site, role=SiteMembership.Role.COORDINATOR, user__is_active=True
        )
        .values_list("user__email", flat=True)
        .distinct()
    )


def _send(subject: str, body: str, recipients: list[str]) -> None:
    """Mail after the change is committed; a mail failure is logged, the change stands."""
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:  # noqa: BLE001 - any transport error; the page must not fail
        logger.exception("Could not send trial selection e-mail: %s", subject)


def _link(name: str, *args) -> str:
    return absolute_url(reverse(name, args=args))


def _mail_invitation(trial_site: TrialSite) -> None:
    trial, site = trial_site.trial, trial_site.site
    deadline = (
        f"Please answer by {trial_site.respond_by:%d %B %Y}.\n" if trial_site.respond_by else ""
    )
    body = (
        f"{site.name} is invited to express interest in hosting {trial.short_title} "
        f"({trial.full_title}), sponsored by {trial.sponsor}.\n\n"
        f"{trial_site.message}\n\n{deadline}"
        f"Answer in the portal: {_link('trials:site_answer', trial.pk, site.pk)}\n"
    )
    _send(f"Invitation: {trial.short_title} at {site.name}", body, _site_coordinator_emails(site))


def _mail_answer(trial_site: TrialSite, answered_by: User) -> None:
    trial, site = trial_site.trial, trial_site.site
    answer = trial_site.get_status_display().lower()
    body = (
        f"{site.name} answered the invitation to {trial.short_title}: {answer}.\n"
        f"Answered by {answered_by.full_name or answered_by.email}.\n"
        f"Reason: {trial_site.reason or 'none given'}\n\n"
        f"Site selection: {_link('trials:sites', trial.pk)}\n"
    )
    inviter = trial_site.invited_by
    recipients = [inviter.email] if inviter is not None and inviter.is_active else []
    _send(f"{site.name} is {answer}: {trial.short_title}", body, recipients)


# --- the API's whole-list writes -------------------------------------------------------------


def trial_requirements_replace(
    *,
    trial: Trial,
    user: User,
    capability_requirements: list[dict] | None = None,
    training_requirements: list[dict] | None = None,
    overrides: list[dict] | None = None,
    reason: str = "",
) -> None:
    """Make the trial's own requirements and overrides exactly the given lists (None: leave
    that list alone). Unchanged entries are kept, so the history shows only real changes.

    Entries: {"capabilities": [Capability], "level", "note"}; {"course", "role", "min_staff",
    "level"}; {"requirement": an inherited row, "level", "reason"}.
    """
    with transaction.atomic():
        if capability_requirements is not None:
            _replace_capability_requirements(trial, capability_requirements, user, reason)
        if training_requirements is not None:
            _replace_training_requirements(trial, training_requirements, user, reason)
        if overrides is not None:
            _replace_overrides(trial, overrides, user)


def _replace_in_place(current: list, key, wanted: list[dict], entry_key, *, update, add, remove):
    """Make `current` rows what `wanted` says: an entry whose key (what the requirement asks
    for) matches a row's changes that row in place (`update(row, entry)`); rows left are
    removed, entries left added."""
    rows: dict = {}
    for row in current:
        rows.setdefault(key(row), []).append(row)
    added = []
    for entry in wanted:
        same = rows.get(entry_key(entry))
        if same:
            update(same.pop(0), entry)
        else:
            added.append(entry)
    for row in [row for left in rows.values() for row in left]:
        remove(row)
    for entry in added:
        add(entry)


def _replace_capability_requirements(trial, wanted: list[dict], user, reason) -> None:
    """A requirement is what it asks for: the same alternatives change it in place."""

    def alternatives(capabilities) -> frozenset:
        return frozenset(c.pk for c in capabilities)

    def values(entry: dict) -> dict:
        return {
            "capabilities": entry["capabilities"],
            "level": entry["level"],
            "note": entry.get("note", ""),
            "user": user,
            "reason": reason,
        }

    _replace_in_place(
        list(trial.capability_requirements.prefetch_related("capabilities")),
        lambda row: alternatives(row.capabilities.all()),
        wanted,
        lambda entry: alternatives(entry["capabilities"]),
        update=lambda row, entry: capability_requirement_update(requirement=row, **values(entry)),
        add=lambda entry: capability_requirement_add(owner=trial, **values(entry)),
        remove=lambda row: requirement_remove(requirement=row, user=user, reason=reason),
    )


def _replace_training_requirements(trial, wanted: list[dict], user, reason) -> None:
    """A training requirement is its course and role: the same change it in place."""

    def values(entry: dict) -> dict:
        return {
            "course": entry["course"],
            "role": entry.get("role", ""),
            "min_staff": entry.get("min_staff", 1),
            "level": entry["level"],
            "user": user,
            "reason": reason,
        }

    _replace_in_place(
        list(trial.training_requirements.all()),
        lambda row: (row.course_id, row.role),
        wanted,
        lambda entry: (entry["course"].pk, entry.get("role", "")),
        update=lambda row, entry: training_requirement_update(requirement=row, **values(entry)),
        add=lambda entry: training_requirement_add(owner=trial, **values(entry)),
        remove=lambda row: requirement_remove(requirement=row, user=user, reason=reason),
    )


def _replace_overrides(trial, wanted: list[dict], user) -> None:
    kept = set()
    for entry in wanted:
        override = override_set(
            trial=trial,
            requirement=entry["requirement"],
            level=entry["level"],
            reason=entry["reason"],
            user=user,
        )
        kept.add(override.pk)
    for override in trial.overrides.exclude(pk__in=kept):
        override_remove(override=override, user=user, reason="Not in the new list of overrides")


@transaction.atomic
def trial_setup(
    *,
    trial: Trial,
    user: User,
    profiles: Iterable[RequirementProfile] | None = None,
    capability_requirements: list[dict] | None = None,
    training_requirements: list[dict] | None = None,
    overrides: list[dict] | None = None,
    reason: str = "",
) -> Trial:
    """Save a trial and (where given) its profiles, own requirements and overrides, all or
    nothing (the API's POST and PATCH)."""
    if profiles is None:
        profiles = list(trial.profiles.all()) if trial.pk else []
    trial_save(trial=trial, user=user, profiles=profiles, reason=reason)
    trial_requirements_replace(
        trial=trial,
        user=user,
        capability_requirements=capability_requirements,
        training_requirements=training_requirements,
        overrides=overrides,
        reason=reason,
    )
    return trial
