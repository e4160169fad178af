"""Writes to a site's readiness checklist."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from sites.models import Capability, EvidenceDocument, Site, SiteCapability

NOT_APPLICABLE_REASON_REQUIRED = "Enter why this capability does not apply to your site"
CONFLICT_MESSAGE = "Someone else changed this item"
DEFAULT_CHANGE_REASON = "Checklist updated"

TRACKED_FIELDS = ("status", "notes", "not_applicable_reason", "evidence_expires_on")


class Conflict(Exception):
    """The item changed since the editor loaded it; `current` holds the other person's values."""

    def __init__(self, current: SiteCapability):
        super().__init__(CONFLICT_MESSAGE)
        self.current = current


def _locked(site: Site, capability: Capability) -> SiteCapability | None:
    return (
        SiteCapability.objects.select_for_update()
        .filter(site=site, capability=capability)
        .first()
    )


def capability_update(
    *,
    user: User,
    status: str,
    expected_version: int,
    site_capability: SiteCapability | None = None,
    site: Site | None = None,
    capability: Capability | None = None,
    notes: str = "",
    not_applicable_reason: str = "",
    evidence_expires_on: dt.date | None = None,
    reason: str = "",
    new_document: EvidenceDocument | None = None,
) -> SiteCapability:
    """Save one checklist item if nobody changed it since `expected_version` was read.

    `expected_version` is 0 for an item the site has never recorded. Raises Conflict (with the
    current row) when the version moved on: nothing is overwritten silently. Saving the same
    values again is not a change and does not raise the version.
    """
    if site_capability is not None:
        site, capability = site_capability.site, site_capability.capability
    if site is None or capability is None:
        raise TypeError("Pass site_capability, or site and capability.")
    if status == SiteCapability.Status.NOT_APPLICABLE and not not_applicable_reason.strip():
        raise ValidationError({"not_applicable_reason": NOT_APPLICABLE_REASON_REQUIRED})
    if new_document is not None and new_document.site_id != site.pk:
        raise ValueError("Evidence belongs to another site.")

    values = {
        "status": status,
        "notes": notes,
        "not_applicable_reason": not_applicable_reason,
        "evidence_expires_on": evidence_expires_on,
    }
    with transaction.atomic():
        current = _locked(site, capability)
        if current is None:
            if expected_version != 0:
                raise ValueError("The item does not exist yet: expected_version must be 0.")
            current = SiteCapability(site=site, capability=capability, version=0)
        elif new_document is None and all(
            getattr(current, name) == value for name, value in values.items()
        ):
            # Nothing would change (even over a newer version: nothing is overwritten).
            return current
        elif current.version != expected_version:
            raise Conflict(current)

        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        change_reason = reason.strip() or DEFAULT_CHANGE_REASON
        if new_document is not None:
            change_reason += f" (evidence added: {new_document.original_name})"
        current._change_reason = change_reason[:100]
        current._history_user = user
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            # Someone recorded the item first, between our read and our insert.
            raise Conflict(_locked(site, capability)) from None
        if new_document is not None:
            current.evidence.add(new_document)
    return current
