"""Forms for staff and training records."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from atmp_portal.dates import DateField
from atmp_portal.forms import Form, ModelForm
from sites.forms import EvidenceFileField
from sites.uploads import size_check
from training.models import Course, StaffMember, StaffRole, TrainingRecord

EMAIL_TAKEN = "Someone at this site already has this e-mail address"
ROLES_REQUIRED = "Select at least one role"
DATE_IN_FUTURE = "The completion date must be today or in the past"
EXPIRY_BEFORE_COMPLETION = "The expiry date must be after the completion date"
DUPLICATE_RECORD = "This person already has a record of this course completed on that date"
LEFT_ON_REQUIRED = "Enter the date they left"


class StaffMemberForm(ModelForm):
    roles = forms.MultipleChoiceField(
        choices=StaffRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": ROLES_REQUIRED},
    )

    class Meta:
        model = StaffMember
        fields = ["full_name", "email", "roles", "job_title", "registration_number"]

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["full_name"].error_messages["required"] = "Enter their full name"
        self.fields["email"].error_messages["required"] = "Enter their work e-mail address"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        taken = StaffMember.objects.filter(site=self.site, email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def validate_unique(self) -> None:
        # The site is not a form field; clean_email checks the per-site uniqueness instead.
        pass


class DeactivateForm(Form):
    left_on = DateField(label="Date they left", error_messages={"required": LEFT_ON_REQUIRED})


class TrainingRecordForm(Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.order_by("title"),
        error_messages={"required": "Select the course"},
    )
    completed_on = DateField(
        label="Completed on",
        subject="the date it was completed",
    )
    expiry_override = DateField(
        label="Expiry stated on the certificate (optional)",
        required=False,
        subject="the expiry stated on the certificate",
        help_text="Only if the certificate gives another expiry than the course's renewal period.",
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    certificate = EvidenceFileField(
        label="Certificate (PDF, PNG or JPEG, up to 20 MB)", required=False
    )
    # A certificate kept from a submission that could not be saved (sites.uploads.upload_kept).
    pending_document = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, staff: StaffMember, record: TrainingRecord | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff, self.record = staff, record

    def clean_completed_on(self) -> dt.date:
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(DATE_IN_FUTURE)
        return day

    def clean(self):
        cleaned = super().clean()
        completed, expiry = cleaned.get("completed_on"), cleaned.get("expiry_override")
        if completed and expiry and expiry < completed:
            self.add_error("expiry_override", EXPIRY_BEFORE_COMPLETION)
        course = cleaned.get("course")
        if completed and course:
            clash = TrainingRecord.objects.filter(
                staff=self.staff, course=course, completed_on=completed
            )
            if self.record is not None:
                clash = clash.exclude(pk=self.record.pk)
            if clash.exists():
                self.add_error("completed_on", DUPLICATE_RECORD)
        return cleaned


IMPORT_FILE_REQUIRED = "Select a CSV file"


class ImportUploadForm(Form):
    file = forms.FileField(
        label="CSV file of training records",
        help_text="Columns: email, course_code, completed_on, expiry_override, notes. "
        "Dates as YYYY-MM-DD or DD/MM/YYYY.",
        error_messages={"required": IMPORT_FILE_REQUIRED},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        size_check(upload)
        return upload
