"""Forms of the readiness checklist."""

from __future__ import annotations

import uuid

from django import forms

from atmp_portal.dates import DateField
from atmp_portal.forms import Form
from sites.models import Capability, SiteCapability
from sites.services import NOT_APPLICABLE_REASON_REQUIRED
from sites.uploads import evidence_check

STATUS_REQUIRED = "Select the status of this capability"


class EvidenceFileField(forms.FileField):
    """An uploaded document, judged by its bytes (sites.uploads) before the form is valid."""

    def validate(self, value) -> None:
        super().validate(value)
        if value:
            evidence_check(value)


class CapabilityItemForm(Form):
    """One checklist item. Prefixed per capability so many forms share a page."""

    error_subjects = {"evidence": "the evidence"}
    # Shown under the "Not applicable" status (NHS.UK conditional reveal, includes/_field.html).
    reveals = {"status": {SiteCapability.Status.NOT_APPLICABLE: ("not_applicable_reason",)}}

    status = forms.ChoiceField(
        choices=SiteCapability.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": STATUS_REQUIRED},
    )
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    not_applicable_reason = forms.CharField(
        label="Reason it does not apply",
        help_text="Needed when the status is Not applicable.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence_expires_on = DateField(
        label="Evidence expires on",
        required=False,
        subject="the evidence expiry date",
        help_text="The last day the evidence is valid. Leave empty if it does not expire.",
    )
    evidence = EvidenceFileField(
        label="Add evidence (PDF, PNG or JPEG, up to 20 MB)", required=False
    )
    reason = forms.CharField(
        label="Reason for the change (optional)",
        help_text="Kept with this change in the item's history.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    pending_document = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # One token per rendered form: its autosaves make one history entry (capability_update).
    edit_session = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == SiteCapability.Status.NOT_APPLICABLE
            and not (cleaned.get("not_applicable_reason") or "").strip()
        ):
            self.add_error("not_applicable_reason", NOT_APPLICABLE_REASON_REQUIRED)
        return cleaned

    @staticmethod
    def prefix_for(capability: Capability) -> str:
        return f"cap{capability.pk}"

    @classmethod
    def holding(cls, capability: Capability, site_capability: SiteCapability | None):
        """The item's form holding what is saved now (or the defaults of an unrecorded item)."""
        return cls(prefix=cls.prefix_for(capability), initial=cls.initial_for(site_capability))

    @classmethod
    def initial_for(cls, site_capability: SiteCapability | None) -> dict:
        session = {"edit_session": uuid.uuid4().hex}
        if site_capability is None:
            return {"status": SiteCapability.Status.NOT_IN_PLACE, "expected_version": 0, **session}
        return {
            "status": site_capability.status,
            "notes": site_capability.notes,
            "not_applicable_reason": site_capability.not_applicable_reason,
            "evidence_expires_on": site_capability.evidence_expires_on,
            "expected_version": site_capability.version,
            **session,
        }
