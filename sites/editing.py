"""A submitted checklist item form: saved through `capability_update`, or the form to show again.

The views stay thin: they hand the POST to `checklist_item_submit` and render what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from sites.checklist import ChecklistItem, checklist_item, person
from sites.forms import CapabilityItemForm
from sites.models import Capability, Site, SiteCapability
from sites.services import Conflict, capability_update
from sites.uploads import upload_kept


@dataclass
class Submission:
    saved: bool
    item: ChecklistItem | None = None  # to show again (errors, conflict) when not saved


def _last_editor(site_capability: SiteCapability) -> str:
    latest = site_capability.history.select_related("history_user").first()
    return person(latest.history_user) if latest else "someone"


def _save(form: CapabilityItemForm, *, site, capability, user, document) -> None:
    data = form.cleaned_data
    capability_update(
        site=site,
        capability=capability,
        user=user,
        status=data["status"],
        notes=data["notes"],
        not_applicable_reason=data["not_applicable_reason"],
        evidence_expires_on=data["evidence_expires_on"],
        expected_version=data["expected_version"],
        reason=data["reason"],
        new_document=document,
        edit_session=data["edit_session"],
    )


def _show_again(
    form: CapabilityItemForm, data: QueryDict, *, site, capability, document, conflict
) -> ChecklistItem:
    """The item with the editor's values, their errors, the kept file and any conflict."""
    item = checklist_item(site, capability, writable=True)
    data = data.copy()
    prefix = CapabilityItemForm.prefix_for(capability)
    if conflict is not None:
        # Keep the editor's values; the next save knowingly replaces the other person's
        # (or records the item, when it has no record at all).
        current = conflict.current
        data[f"{prefix}-expected_version"] = str(current.version if current else 0)
        if current is not None:
            item.conflict = current
            item.conflict_by = _last_editor(current)
    item.form = CapabilityItemForm(data, prefix=prefix)
    item.form.is_valid()
    for error in form.non_field_errors():
        item.form.add_error(None, error)
    if conflict is not None and conflict.current is None:
        item.form.add_error(None, str(conflict))
    if "evidence" in form.errors:
        item.form.add_error("evidence", form.errors["evidence"])
    item.pending = document
    return item


def checklist_item_submit(
    *, site: Site, capability: Capability, user: User, data: QueryDict, files: MultiValueDict
) -> Submission:
    """Validate one item's form, store its file, save it; the caller has checked write access."""
    form = CapabilityItemForm(data, files, prefix=CapabilityItemForm.prefix_for(capability))
    valid = form.is_valid()
    document = upload_kept(form=form, field="evidence", site=site, user=user)
    valid = valid and "evidence" not in form.errors
    conflict = None
    if valid:
        try:
            _save(form, site=site, capability=capability, user=user, document=document)
        except Conflict as exc:
            conflict = exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return Submission(saved=True)
    return Submission(
        saved=False,
        item=_show_again(
            form, data, site=site, capability=capability, document=document, conflict=conflict
        ),
    )
