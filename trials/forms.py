"""Forms of trial set-up and site selection (network coordinators; the site's answer)."""

from __future__ import annotations

from django import forms

from atmp_portal.dates import DateField
from atmp_portal.forms import Form, ModelForm
from sites.models import Capability, Site
from training.models import Course, StaffRole
from trials.models import (
    TRANSITIONS,
    TRIAL_DESCRIPTION_FIELDS,
    TRIAL_IDENTIFIER_FIELDS,
    CapabilityRequirement,
    RequirementLevel,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

CAPABILITIES_REQUIRED = "Select at least one capability"
COURSE_REQUIRED = "Select the course"
LEVEL_REQUIRED = "Select whether it is mandatory or recommended"
OVERRIDE_REQUIRED = "Select the inherited requirement to change"
OVERRIDE_LEVEL_REQUIRED = "Select whether to relax or exclude it"
REASON_REQUIRED = "Enter the reason"
STATUS_REQUIRED = "Select the next step"
SITES_REQUIRED = "Select at least one site"

REASON_HELP = "Kept in the trial's history with your name and the date."


def _reason_field(*, required: bool, label: str = "Reason for the change") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        help_text=REASON_HELP,
        error_messages={"required": REASON_REQUIRED},
    )


class TrialForm(ModelForm):
    profiles = forms.ModelMultipleChoiceField(
        queryset=RequirementProfile.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Requirement profiles",
        help_text="The trial inherits every requirement of the profiles you select.",
    )
    reason = _reason_field(required=False)

    class Meta:
        model = Trial
        fields = [
            *TRIAL_DESCRIPTION_FIELDS,
            *TRIAL_IDENTIFIER_FIELDS,
            "profiles",
        ]
        widgets = {
            "phase": forms.RadioSelect,
            "origin": forms.RadioSelect,
            "presentation": forms.RadioSelect,
            "status": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, what in [
            ("short_title", "the short title"),
            ("full_title", "the full title"),
            ("sponsor", "the sponsor"),
            ("iras_id", "the IRAS ID"),
        ]:
            self.fields[name].error_messages["required"] = f"Enter {what}"
        for name, what in [
            ("phase", "the phase"),
            ("atmp_class", "the ATMP class"),
            ("origin", "the origin"),
            ("presentation", "the presentation"),
            ("status", "the trial's status"),
        ]:
            self.fields[name].error_messages["required"] = f"Select {what}"
        self.fields["gmo"].label = "The product is a genetically modified organism (GMO)"


class GroupedCapabilityField(forms.ModelMultipleChoiceField):
    """Capabilities by name, grouped by category (the template renders one fieldset each)."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Capability.objects.order_by("category", "name"),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": CAPABILITIES_REQUIRED},
            **kwargs,
        )

    def label_from_instance(self, obj: Capability) -> str:
        return obj.name


def capability_groups(selected: set[str], query: str = "") -> list[tuple[str, list]]:
    """The picker's content: [(category label, [(capability, checked)])], filtered by `query`
    (name or description words); selected capabilities always stay in the list."""
    words = query.lower().split()
    groups: dict[str, list] = {}
    labels = dict(Capability.Category.choices)
    for capability in Capability.objects.order_by("category", "name"):
        checked = str(capability.pk) in selected
        text = f"{capability.name} {capability.description}".lower()
        if checked or all(word in text for word in words):
            groups.setdefault(labels.get(capability.category, capability.category), []).append(
                (capability, checked)
            )
    return list(groups.items())


class CapabilityRequirementForm(Form):
    capabilities = GroupedCapabilityField(
        label="Capabilities",
        help_text="Select one, or several alternatives: meeting any one meets the requirement.",
    )
    level = forms.ChoiceField(
        choices=RequirementLevel.choices,
        widget=forms.RadioSelect,
        initial=RequirementLevel.MANDATORY,
        error_messages={"required": LEVEL_REQUIRED},
    )
    note = forms.CharField(
        required=False, max_length=200, help_text="Optional, for example why this trial needs it."
    )
    reason = _reason_field(required=False)


def _course_choices() -> list:
    groups: dict[str, list] = {}
    for course in Course.objects.order_by("scope", "title"):
        groups.setdefault(course.get_scope_display(), []).append((course.pk, course.title))
    return [("", "Select a course"), *groups.items()]


class TrainingRequirementForm(Form):
    course = forms.TypedChoiceField(
        coerce=int, choices=_course_choices, error_messages={"required": COURSE_REQUIRED}
    )
    role = forms.ChoiceField(
        choices=[("", "Any role"), *StaffRole.choices], required=False, label="Staff role"
    )
    min_staff = forms.IntegerField(
        label="Minimum number of trained staff",
        min_value=1,
        max_value=50,
        initial=1,
        error_messages={
            "required": "Enter the minimum number of trained staff",
            "min_value": "The minimum number of staff must be 1 or more",
        },
    )
    level = forms.ChoiceField(
        choices=RequirementLevel.choices,
        widget=forms.RadioSelect,
        initial=RequirementLevel.MANDATORY,
        error_messages={"required": LEVEL_REQUIRED},
    )
    reason = _reason_field(required=False)

    def clean_course(self) -> Course:
        try:
            return Course.objects.get(pk=self.cleaned_data["course"])
        except Course.DoesNotExist:
            raise forms.ValidationError(COURSE_REQUIRED) from None


def requirement_key(requirement: CapabilityRequirement | TrainingRequirement) -> str:
    prefix = "cap" if isinstance(requirement, CapabilityRequirement) else "train"
    return f"{prefix}:{requirement.pk}"


class OverrideForm(Form):
    error_subjects = {"level": "the change for this trial", "reason": "the reason"}

    requirement = forms.ChoiceField(
        label="Inherited requirement", error_messages={"required": OVERRIDE_REQUIRED}
    )
    level = forms.ChoiceField(
        choices=RequirementOverride.Level.choices,
        widget=forms.RadioSelect,
        label="For this trial",
        error_messages={"required": OVERRIDE_LEVEL_REQUIRED},
    )
    reason = _reason_field(
        required=True, label="Why the trial does not need it as the profile says"
    )

    def __init__(self, *args, inherited: list, **kwargs):
        """`inherited`: [(profile, requirement, label)] of the trial's profiles."""
        super().__init__(*args, **kwargs)
        self.inherited = {requirement_key(req): req for _, req, _ in inherited}
        groups: dict[str, list] = {}
        for profile, req, label in inherited:
            groups.setdefault(profile.name, []).append((requirement_key(req), label))
        self.fields["requirement"].choices = [("", "Select a requirement"), *groups.items()]

    def clean_requirement(self):
        return self.inherited[self.cleaned_data["requirement"]]


class OverrideChangeForm(Form):
    """A change to an existing override: its level and (always) why."""

    level = forms.ChoiceField(
        choices=RequirementOverride.Level.choices,
        widget=forms.RadioSelect,
        label="For this trial",
        error_messages={"required": OVERRIDE_LEVEL_REQUIRED},
    )
    reason = _reason_field(
        required=True, label="Why the trial does not need it as the profile says"
    )


class ProfileForm(ModelForm):
    reason = _reason_field(required=False)

    class Meta:
        model = RequirementProfile
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "name": {
                "required": "Enter the profile's name",
                "unique": "Another profile already has this name",
            }
        }


class TrialSiteMoveForm(Form):
    status = forms.ChoiceField(
        widget=forms.RadioSelect, label="Next step", error_messages={"required": STATUS_REQUIRED}
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    respond_by = DateField(
        label="Response deadline (if inviting)", required=False, subject="the response deadline"
    )
    message = forms.CharField(
        label="Message to the site (if inviting)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, statuses: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, TrialSite.Status(s).label) for s in statuses]


class InvitationAnswerForm(Form):
    status = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Your answer",
        choices=[
            (s, TrialSite.Status(s).label)
            for s in TRANSITIONS[TrialSite.Status.INVITED]
            if s != TrialSite.Status.NOT_SELECTED
        ],
        error_messages={"required": "Select whether your site is interested"},
    )
    reason = forms.CharField(
        label="Your reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter your reason, for example what the site can offer"},
    )


class BulkSelectionForm(Form):
    ACTIONS = [(TrialSite.Status.SHORTLISTED, "Shortlist"), (TrialSite.Status.INVITED, "Invite")]

    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": SITES_REQUIRED},
    )
    action = forms.ChoiceField(
        choices=ACTIONS,
        widget=forms.RadioSelect,
        label="Action",
        error_messages={"required": "Select shortlist or invite"},
    )
    respond_by = DateField(
        label="Response deadline (if inviting)", required=False, subject="the response deadline"
    )
    message = forms.CharField(
        label="Message to the sites (if inviting)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
