"""Forms of the readiness checklist."""

from __future__ import annotations

from django import forms

from sites.models import SiteCapability
from sites.services import NOT_APPLICABLE_REASON_REQUIRED
from sites.uploads import evidence_check

DATE_INVALID = "Enter a real date, for example 31/03/2027"
STATUS_REQUIRED = "Select the status of this capability"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CapabilityItemForm(forms.Form):
    """One checklist item. Prefixed per capability so many forms share a page."""

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
    evidence_expires_on = forms.DateField(
        label="Evidence expires on",
        help_text="The last day the evidence is valid. Leave empty if it does not expire.",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": DATE_INVALID},
    )
    evidence = forms.FileField(
        label="Add evidence (PDF, PNG or JPEG, up to 20 MB)", required=False
    )
    reason = forms.CharField(
        label="Reason for the change (optional)", required=False, max_length=80
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    pending_document = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            evidence_check(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == SiteCapability.Status.NOT_APPLICABLE and not (
            cleaned.get("not_applicable_reason") or ""
        ).strip():
            self.add_error("not_applicable_reason", NOT_APPLICABLE_REASON_REQUIRED)
        return cleaned

    @classmethod
    def initial_for(cls, site_capability: SiteCapability | None) -> dict:
        if site_capability is None:
            return {"status": SiteCapability.Status.NOT_IN_PLACE, "expected_version": 0}
        return {
            "status": site_capability.status,
            "notes": site_capability.notes,
            "not_applicable_reason": site_capability.not_applicable_reason,
            "evidence_expires_on": site_capability.evidence_expires_on,
            "expected_version": site_capability.version,
        }
