"""Forms of the action plan. Every error names its field (NHS.UK error pattern)."""

from __future__ import annotations

from django import forms

from accounts.models import User
from actions.models import GapAction
from atmp_portal.dates import DateField
from atmp_portal.forms import Form
from sites.models import Site
from training.models import StaffMember

OWNER_REQUIRED = "Select who owns this action"
TARGET_DATE_REQUIRED = "Enter the target date"
STATUS_REQUIRED = "Select the status of this action"


def owner_choices(site: Site) -> list[tuple[str, str]]:
    """The site's staff in post, then the portal users who are members of the site."""
    staff = StaffMember.objects.filter(site=site, active=True).order_by("full_name")
    users = (
        User.objects.filter(site_memberships__site=site).distinct().order_by("full_name", "email")
    )
    return [
        *((f"staff-{s.pk}", f"{s.full_name} (site staff)") for s in staff),
        *((f"user-{u.pk}", f"{u.full_name or u.email} (portal user)") for u in users),
    ]


def owner_value(action: GapAction) -> str:
    return (
        f"staff-{action.owner_staff_id}"
        if action.owner_staff_id
        else f"user-{action.owner_user_id}"
    )


class GapActionForm(Form):
    owner = forms.ChoiceField(label="Owner", error_messages={"required": OWNER_REQUIRED})
    target_date = DateField(
        label="Target date",
        error_messages={"required": TARGET_DATE_REQUIRED},
        help_text="The day the gap should be closed by.",
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, site: Site, action: GapAction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.action = action
        choices = owner_choices(site)
        if action is not None and owner_value(action) not in dict(choices):
            # The owner has left or lost their membership since: still the owner until changed.
            choices.append((owner_value(action), f"{action.owner_name} (current owner)"))
        self.fields["owner"].choices = [("", "Choose the owner"), *choices]

    def owner_object(self) -> StaffMember | User:
        value = self.cleaned_data["owner"]
        if self.action is not None and value == owner_value(self.action):
            return self.action.owner_staff or self.action.owner_user
        kind, _, pk = value.partition("-")
        if kind == "staff":
            return StaffMember.objects.get(pk=pk, site=self.site)
        # distinct(): a user may hold two roles at the site (coordinator and pharmacist).
        return User.objects.filter(site_memberships__site=self.site).distinct().get(pk=pk)


class GapActionUpdateForm(GapActionForm):
    status = forms.ChoiceField(
        label="Status",
        choices=GapAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": STATUS_REQUIRED},
    )
    reason = forms.CharField(
        label="Reason for the change (optional)",
        required=False,
        max_length=2000,
        help_text="Kept with this change in the action's history.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["status", "owner", "target_date", "note", "reason"]
