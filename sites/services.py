"""Writes to a site's readiness checklist."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from sites.models import Capability, EvidenceDocument, Site, SiteCapability

NOT_APPLICABLE_REASON_REQUIRED = "Enter why this capability does not apply to your site"
CONFLICT_MESSAGE = "Someone else changed this item"
STALE_VERSION_MESSAGE = (
    "This item has no saved record at the version your page showed (it may never have been "
    "recorded, or was removed). Your values are kept: save again to record them."
)
DEFAULT_CHANGE_REASON = "Checklist updated"
# The autosaves of one open form amend one history entry for at most this long, so an entry's
# time stays close to the changes it records.
EDIT_SESSION_MINUTES = 30

TRACKED_FIELDS = ("status", "notes", "not_applicable_reason", "evidence_expires_on")


class Conflict(Exception):
    """The item is not at the version the editor read.

    `current` holds the other person's values, or is None when the item has no record at all
    (an editor claimed a version of an item that was never recorded, or was removed).
    """

    def __init__(self, current: SiteCapability | None):
        super().__init__(CONFLICT_MESSAGE if current is not None else STALE_VERSION_MESSAGE)
        self.current = current


def _locked(site: Site, capability: Capability) -> SiteCapability | None:
    return (
        SiteCapability.objects.select_for_update().filter(site=site, capability=capability).first()
    )


def _session_entry(current: SiteCapability, user: User, edit_session: str):
    """The history entry this edit session already wrote, if it is still the latest one."""
    if not edit_session or current.pk is None:
        return None
    latest = current.history.order_by("-history_date", "-history_id").first()
    if (
        latest is not None
        and latest.edit_session == edit_session
        and latest.history_user_id == user.pk
        and latest.history_date >= timezone.now() - dt.timedelta(minutes=EDIT_SESSION_MINUTES)
    ):
        return latest
    return None


def _amend(entry, current: SiteCapability, reason: str, document: EvidenceDocument | None) -> None:
    """Fold one more save of an edit session into its history entry."""
    for name in (*TRACKED_FIELDS, "version"):
        setattr(entry, name, getattr(current, name))
    entry.history_date = timezone.now()
    if reason:
        entry.history_change_reason = reason
    if document is not None:
        entry.evidence_added = "\n".join(
            filter(None, [entry.evidence_added, document.original_name])
        )
    entry.save()


def capability_update(
    *,
    site: Site,
    capability: Capability,
    user: User,
    status: str,
    expected_version: int,
    notes: str = "",
    not_applicable_reason: str = "",
    evidence_expires_on: dt.date | None = None,
    reason: str = "",
    new_document: EvidenceDocument | None = None,
    edit_session: str = "",
) -> SiteCapability:
    """Save one checklist item (all four values) if nobody changed it since `expected_version`.

    - `expected_version`: the item's `version` when the editor read it; 0 for an item the site
      has never recorded. Raises `Conflict` when the item is not at that version (`current` is
      the row as it is now, or None when there is no row): nothing is overwritten silently.
    - Saving the values the item already has is not a change: no new version, no history.
    - `reason`: the user's words, kept whole in the history entry ("Checklist updated" if empty).
    - `new_document`: an `EvidenceDocument` of this site (see `sites.uploads.evidence_store`) to
      add to the item's evidence; the history entry names it.
    - `edit_session`: an opaque token of one open form. Later saves with the same token by the
      same user amend that session's history entry (values, time, reason if given) instead of
      adding one per autosave, as long as nobody saved in between and within
      EDIT_SESSION_MINUTES. Leave it empty (API calls) for one entry per call.
    - Raises `ValidationError` (naming `not_applicable_reason`) for Not applicable without a
      reason, `ValueError` for evidence of another site.
    """
    _check_values(site, status, not_applicable_reason, new_document)
    values = {
        "status": status,
        "notes": notes,
        "not_applicable_reason": not_applicable_reason,
        "evidence_expires_on": evidence_expires_on,
    }
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(site, capability)
        if current is None:
            if expected_version != 0:
                raise Conflict(None)
            current = SiteCapability(site=site, capability=capability, version=0)
        entry = _session_entry(current, user, edit_session)
        unchanged = (
            current.pk is not None
            and new_document is None
            and all(getattr(current, name) == value for name, value in values.items())
        )
        if unchanged:
            # Nothing would change (even over a newer version: nothing is overwritten), except
            # the reason of this session's entry when the user gives it after the change.
            if entry is not None and reason and reason != entry.history_change_reason:
                entry.history_change_reason = reason
                entry.save(update_fields=["history_change_reason"])
            return current
        if current.version != expected_version:
            raise Conflict(current)

        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        if entry is not None:
            current.save_without_historical_record()
            _amend(entry, current, reason, new_document)
        else:
            _save_version(current, user, reason, edit_session, new_document)
        if new_document is not None:
            current.evidence.add(new_document)
    return current


def _check_values(
    site: Site, status: str, not_applicable_reason: str, new_document: EvidenceDocument | None
) -> None:
    if status == SiteCapability.Status.NOT_APPLICABLE and not not_applicable_reason.strip():
        raise ValidationError({"not_applicable_reason": NOT_APPLICABLE_REASON_REQUIRED})
    if new_document is not None and new_document.site_id != site.pk:
        raise ValueError("Evidence belongs to another site.")


def _save_version(
    item: SiteCapability,
    user: User,
    reason: str,
    edit_session: str,
    new_document: EvidenceDocument | None,
) -> None:
    """Save `item` as a new version with its own history entry (who, why, which evidence)."""
    item._change_reason = reason or DEFAULT_CHANGE_REASON
    item._history_user = user
    item._edit_session = edit_session
    item._evidence_added = new_document.original_name if new_document else ""
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Someone recorded the item first, between our read and our insert.
        raise Conflict(_locked(item.site, item.capability)) from None
