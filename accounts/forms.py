from __future__ import annotations

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings

from accounts.models import User
from accounts.sso import INVALID_LOGIN
from atmp_portal.forms import Form, ModelForm, NamedErrors


class EmailLoginForm(NamedErrors, LoginForm):
    """allauth's sign-in form, with the field named `username` as it always was here.

    Password managers, django-axes (which counts failures by that field) and existing scripts
    all know the field by that name.
    """

    error_messages = {"invalid_login": INVALID_LOGIN}
    error_subjects = {"username": "your email address", "password": "your password"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["login"]
        self.fields = {
            "username": forms.EmailField(
                label="Email address",
                widget=forms.EmailInput(attrs={"autocomplete": "username"}),
            ),
            **self.fields,
        }
        self.fields["password"].label = "Password"
        self.fields["password"].help_text = ""
        # NHS.UK: labels, not placeholders (they vanish as you type and read as filled in).
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def clean(self):
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"].strip()
        return super().clean()

    def add_error(self, field, error):
        super().add_error("username" if field == "login" else field, error)


def _expiry_choices() -> list[tuple[int, str]]:
    choices = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year")]
    return [(days, label) for days, label in choices if days <= settings.API_TOKEN_MAX_DAYS]


class ApiTokenForm(Form):
    error_subjects = {"days": "the expiry"}

    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="Say what uses it, for example 'Trust learning system import'.",
        error_messages={"required": "Enter a name for the token"},
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the token expires"},
    )
    read_only = forms.BooleanField(
        label="Read-only: the token can read but not change anything",
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = _expiry_choices()
        self.fields["days"].initial = min(settings.API_TOKEN_DAYS, settings.API_TOKEN_MAX_DAYS)


class ExpiryDigestForm(ModelForm):
    """How often the user is e-mailed what has expired or expires soon at their sites."""

    class Meta:
        model = User
        fields = ["expiry_digest"]
        labels = {"expiry_digest": "How often should we e-mail you about expiring items?"}
        help_texts = {"expiry_digest": "Nothing is sent when nothing has expired or is about to."}
        widgets = {"expiry_digest": forms.RadioSelect}
        error_messages = {
            "expiry_digest": {
                "required": "Select how often to e-mail you about expiring items",
                "invalid_choice": "Select how often to e-mail you about expiring items",
            }
        }
