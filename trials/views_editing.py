"""Changing a trial's or a profile's requirement, an override, or a profile's name and
description in place. Plain forms (no JavaScript needed); every change keeps who, when, old →
new and why in the history the trial and profile pages show."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from trials import services
from trials.access import can_edit_profiles, trial_for
from trials.forms import (
    CapabilityRequirementForm,
    OverrideChangeForm,
    ProfileForm,
    TrainingRequirementForm,
    capability_groups,
)
from trials.models import (
    CapabilityRequirement,
    RequirementProfile,
    TrainingRequirement,
)
from trials.selectors import requirement_label, trial_overrides

_KINDS = {"capability": CapabilityRequirement, "training": TrainingRequirement}


def _editable_profile(request: HttpRequest, profile_code: str) -> RequirementProfile:
    if not can_edit_profiles(request.user):
        raise Http404("No such page.")
    return get_object_or_404(RequirementProfile, code=profile_code)


def _requirement(kind: str, requirement_id: int, **owner):
    model = _KINDS.get(kind)
    if model is None:
        raise Http404("No such requirement.")
    return get_object_or_404(model, pk=requirement_id, **owner)


def _form_for(request: HttpRequest, requirement):
    """The bound form on POST; on GET the requirement as it stands (or, after the picker's
    no-JavaScript filter, what was being entered), unbound so no error shows yet."""
    if isinstance(requirement, TrainingRequirement):
        initial = {
            "course": requirement.course_id,
            "role": requirement.role,
            "min_staff": requirement.min_staff,
            "level": requirement.level,
        }
        return TrainingRequirementForm(request.POST or None, prefix="train", initial=initial)
    initial = {"level": requirement.level, "note": requirement.note}
    initial.update(
        {
            k: request.GET[f"cap-{k}"]
            for k in ("level", "note", "reason")
            if f"cap-{k}" in request.GET
        }
    )
    return CapabilityRequirementForm(request.POST or None, prefix="cap", initial=initial)


def _selected(request: HttpRequest, requirement) -> set[str]:
    if isinstance(requirement, TrainingRequirement):
        return set()
    source = request.POST if request.method == "POST" else request.GET
    if "cap-capabilities" in source or "q" in source:
        return set(source.getlist("cap-capabilities"))
    return {str(pk) for pk in requirement.capabilities.values_list("pk", flat=True)}


def _save(requirement, data: dict, user) -> None:
    if isinstance(requirement, TrainingRequirement):
        services.training_requirement_update(
            requirement=requirement,
            course=data["course"],
            role=data["role"],
            min_staff=data["min_staff"],
            level=data["level"],
            user=user,
            reason=data["reason"],
        )
    else:
        services.capability_requirement_update(
            requirement=requirement,
            capabilities=list(data["capabilities"]),
            level=data["level"],
            note=data["note"],
            user=user,
            reason=data["reason"],
        )


def _edit_page(request: HttpRequest, requirement, *, owner_name: str, back: str) -> HttpResponse:
    form = _form_for(request, requirement)
    if request.method == "POST" and form.is_valid():
        try:
            _save(requirement, form.cleaned_data, request.user)
            return redirect(back)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    query = request.GET.get("q", "")
    return render(
        request,
        "trials/requirement_edit.html",
        {
            "form": form,
            "requirement": requirement,
            "owner_name": owner_name,
            "back": back,
            "current": requirement_label(requirement),
            "is_training": isinstance(requirement, TrainingRequirement),
            "query": query,
            "capability_form": form,
            "capability_groups": capability_groups(_selected(request, requirement), query),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def trial_requirement_edit(
    request: HttpRequest, trial_id: int, kind: str, requirement_id: int
) -> HttpResponse:
    trial = trial_for(request.user, trial_id, write=True)
    if kind == "override":
        return _override_edit(request, trial, requirement_id)
    requirement = _requirement(kind, requirement_id, trial=trial)
    return _edit_page(
        request,
        requirement,
        owner_name=trial.short_title,
        back=reverse("trials:requirements", args=[trial.pk]),
    )


def _override_edit(request: HttpRequest, trial, override_id: int) -> HttpResponse:
    override = next((o for o in trial_overrides(trial) if o.pk == int(override_id)), None)
    if override is None:
        raise Http404("No such override.")
    form = OverrideChangeForm(
        request.POST or None, initial={"level": override.level, "reason": override.reason}
    )
    back = reverse("trials:requirements", args=[trial.pk])
    if request.method == "POST" and form.is_valid():
        services.override_set(
            trial=trial,
            requirement=override.requirement,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        return redirect(back)
    return render(
        request,
        "trials/override_edit.html",
        {
            "form": form,
            "override": override,
            "trial": trial,
            "back": back,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def profile_requirement_edit(
    request: HttpRequest, profile_code: str, kind: str, requirement_id: int
) -> HttpResponse:
    profile = _editable_profile(request, profile_code)
    requirement = _requirement(kind, requirement_id, profile=profile)
    return _edit_page(
        request,
        requirement,
        owner_name=profile.name,
        back=reverse("trials:profile", args=[profile.code]),
    )


@login_required
def profile_edit(request: HttpRequest, profile_code: str) -> HttpResponse:
    profile = _editable_profile(request, profile_code)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            profile=RequirementProfile.objects.get(pk=profile.pk),
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        return redirect("trials:profile", profile.code)
    return render(
        request,
        "trials/profile_edit.html",
        {
            "form": form,
            "profile": RequirementProfile.objects.get(pk=profile.pk),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
