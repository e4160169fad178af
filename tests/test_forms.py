"""Every form of the portal names its field in each error (atmp_portal/forms.py): this walks
every form class in the project, sends it nothing and then nonsense, and finds none of Django's
own messages ("This field is required.", "Select a valid choice.", ...)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import django_filters
import pytest
from allauth.core import context
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib.sessions.backends.db import SessionStore
from django.core import validators
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from atmp_portal.forms import ENTER, NamedErrors, subject_of
from sites.models import Site
from tests.training.factories import StaffMemberFactory
from trials.models import RequirementProfile, Trial, TrialSite

APPS = (
    "accounts",
    "sites",
    "training",
    "trials",
    "guidance",
    "actions",
    "reports",
    "home",
    "demo",
    "atmp_portal",
)


def _project_form_classes() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            # Not the servers' entry points: they check the database when imported.
            if ".migrations" not in module.name and module.name.rsplit(".", 1)[-1] not in (
                "wsgi",
                "asgi",
            ):
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in APPS and cls.__module__ != "atmp_portal.forms":
                found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


FORM_CLASSES = _project_form_classes()


def _project_filtersets() -> list[type[django_filters.FilterSet]]:
    found, todo = [], [django_filters.FilterSet]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in APPS:
                found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


FILTERSETS = _project_filtersets()


def _django_default_prefixes() -> set[str]:
    """The start of every message Django's form fields and validators give by default."""
    texts: set[str] = {"This field is required."}
    todo = [forms.Field]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("django."):
            texts.update(str(m) for m in getattr(cls, "default_error_messages", {}).values())
    for name in dir(validators):
        message = getattr(getattr(validators, name), "message", None)
        if message:
            texts.add(str(message))
    return {re.split(r"%\(|“|\{", text)[0].strip() for text in texts} - {""}


DJANGO_DEFAULTS = _django_default_prefixes()


def _kwargs_for(cls, personas) -> dict:
    """The keyword arguments each form's constructor asks for, from the personas."""
    staff = StaffMemberFactory(site=personas.site_a)
    known = {
        "site": personas.site_a,
        "staff": staff,
        "user": personas.national,
        "sites": Site.objects.all(),
        "trials": Trial.objects.all(),
        "profiles": RequirementProfile.objects.all(),
        "regions": [personas.north],
        "statuses": tuple(TrialSite.Status.values),
        "inherited": [],
        "sets": [],
        "request": RequestFactory().post("/"),
    }
    import inspect

    wanted = {
        name
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    }
    if cls.__name__ == "EmailLoginForm":
        wanted.add("request")
    if cls.__name__ == "EditWebAuthnForm":  # accounts.allauth_forms: renames a security key
        known["instance"] = Authenticator(
            user=personas.national, type=Authenticator.Type.WEBAUTHN, data={"name": "Desk key"}
        )
    return {name: known[name] for name in wanted if name in known}


def _allauth_request(personas):
    """allauth's forms (accounts.allauth_forms) read the request from allauth's context."""
    request = RequestFactory().post("/")
    request.session, request.user = SessionStore(), personas.national
    return context.request_context(request)


def _nonsense(form: forms.BaseForm) -> tuple[dict, dict]:
    """A value for every field that no field accepts: too long, not a choice, not a number."""
    data, files = {}, {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.FileField):
            files[key] = SimpleUploadedFile("empty.pdf", b"")
        elif isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
            data[key] = "not-a-choice-\u2603"
        elif isinstance(field, forms.IntegerField):
            data[key] = "1.5x"
        else:
            data[key] = "x" * 20001
            for box in ("day", "month", "year"):
                data[f"{key}-{box}"] = "x"
    return data, files


def _messages(form: forms.BaseForm) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def test_it_finds_the_forms_of_every_app():
    modules = {cls.__module__.split(".")[0] for cls in FORM_CLASSES}
    assert {"accounts", "sites", "training", "trials", "guidance", "actions", "reports"} <= modules
    assert len(FORM_CLASSES) >= 20


@pytest.mark.parametrize("cls", FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_every_form_class_names_its_fields_in_errors(cls):
    assert issubclass(cls, NamedErrors), (
        f"{cls.__module__}.{cls.__name__}: base it on atmp_portal.forms.Form or ModelForm"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cls", FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_no_form_can_show_a_message_that_does_not_name_its_field(cls, personas):
    kwargs = _kwargs_for(cls, personas)
    with _allauth_request(personas):
        empty = cls(data={}, files={}, **kwargs)
        data, files = _nonsense(cls(**kwargs))
        nonsense = cls(data=data, files=files, **kwargs)
        for form in (empty, nonsense):
            form.is_valid()
    for form in (empty, nonsense):
        for message in _messages(form):
            assert "This field is required." not in message
            assert not any(message.startswith(default) for default in DJANGO_DEFAULTS), (
                f"{cls.__name__}: {message!r} is Django's default; name the field"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("cls", FILTERSETS, ids=lambda cls: cls.__name__)
def test_no_filter_form_can_show_a_message_that_does_not_name_its_field(cls, personas):
    """The site list's filters (and the API's, whose 400s carry the same messages)."""
    request = RequestFactory().get("/")
    request.user = personas.national
    queryset = cls._meta.model.objects.none()
    data, _ = _nonsense(cls(queryset=queryset, request=request).form)
    form = cls(data, queryset=queryset, request=request).form
    assert not form.is_valid()
    for message in _messages(form):
        assert not any(message.startswith(default) for default in DJANGO_DEFAULTS), (
            f"{cls.__name__}: {message!r} is Django's default; name the field"
        )


@pytest.mark.parametrize(
    ("label", "subject"),
    [
        ("What changed", "what changed"),
        ("Reason for the change (optional)", "the reason for the change"),
        ("Token name", "the token name"),
        ("IRAS ID", "the IRAS ID"),
        ("Your reason", "your reason"),
    ],
)
def test_a_message_names_the_field_by_its_label(label, subject):
    assert subject_of(label) == subject


def test_a_required_text_field_says_what_to_enter():
    class NoteForm(NamedErrors, forms.Form):  # noqa: TID251 (a form made for the test)
        change_note = forms.CharField(max_length=5)

    form = NoteForm({"change_note": ""})
    assert form.errors["change_note"] == [ENTER.format(subject="the change note")]
    form = NoteForm({"change_note": "toolong"})
    assert form.errors["change_note"] == ["The change note must be 5 characters or fewer"]
