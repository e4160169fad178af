"""Requirement profile pages: what a profile requires, the trials using it, how many sites
meet it; national network coordinators change its requirements (with history)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trials import services
from trials.access import can_edit_profiles, can_write_trials
from trials.forms import CapabilityRequirementForm, TrainingRequirementForm, capability_groups
from trials.history import profile_history
from trials.models import CapabilityRequirement, RequirementProfile, TrainingRequirement


def _profile(request: HttpRequest, profile_code: str, *, edit: bool = False) -> RequirementProfile:
    allowed = can_edit_profiles(request.user) if edit else can_write_trials(request.user)
    if not allowed:
        raise Http404("No such page.")
    return get_object_or_404(RequirementProfile, code=profile_code)


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    if not can_write_trials(request.user):
        raise Http404("No such page.")
    profiles = RequirementProfile.objects.prefetch_related("trials").order_by("name")
    return render(request, "trials/profile_list.html", {"profiles": profiles})


def _page(request, profile, capability_form=None, training_form=None) -> HttpResponse:
    forms = [f for f in (capability_form, training_form) if f is not None]
    selected = set(request.POST.getlist("cap-capabilities")) if capability_form else set()
    return render(
        request,
        "trials/profile_detail.html",
        {
            "profile": profile,
            "capability_requirements": profile.capability_requirements.prefetch_related(
                "capabilities"
            ),
            "training_requirements": profile.training_requirements.select_related("course"),
            "trials": profile.trials.order_by("short_title"),
            "can_edit": can_edit_profiles(request.user),
            "capability_form": capability_form or CapabilityRequirementForm(prefix="cap"),
            "training_form": training_form or TrainingRequirementForm(prefix="train"),
            "capability_groups": capability_groups(selected),
            "history": profile_history(profile),
        },
        status=400 if any(f.errors for f in forms) else 200,
    )


@login_required
def profile_detail(request: HttpRequest, profile_code: str) -> HttpResponse:
    return _page(request, _profile(request, profile_code))


@login_required
@require_POST
def profile_capability_add(request: HttpRequest, profile_code: str) -> HttpResponse:
    profile = _profile(request, profile_code, edit=True)
    form = CapabilityRequirementForm(request.POST, prefix="cap")
    if form.is_valid():
        try:
            services.capability_requirement_add(
                owner=profile,
                capabilities=list(form.cleaned_data["capabilities"]),
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            return redirect("trials:profile", profile.code)
        except ValidationError as error:
            form.add_error(None, error)
    return _page(request, profile, capability_form=form)


@login_required
@require_POST
def profile_training_add(request: HttpRequest, profile_code: str) -> HttpResponse:
    profile = _profile(request, profile_code, edit=True)
    form = TrainingRequirementForm(request.POST, prefix="train")
    if form.is_valid():
        try:
            services.training_requirement_add(
                owner=profile,
                course=form.cleaned_data["course"],
                role=form.cleaned_data["role"],
                min_staff=form.cleaned_data["min_staff"],
                level=form.cleaned_data["level"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            return redirect("trials:profile", profile.code)
        except ValidationError as error:
            form.add_error(None, error)
    return _page(request, profile, training_form=form)


@login_required
@require_POST
def profile_requirement_remove(
    request: HttpRequest, profile_code: str, kind: str, requirement_id: int
) -> HttpResponse:
    """Remove one of the profile's requirements (trials' overrides of it go with it)."""
    profile = _profile(request, profile_code, edit=True)
    model = {"capability": CapabilityRequirement, "training": TrainingRequirement}.get(kind)
    if model is None:
        raise Http404("No such requirement.")
    requirement = get_object_or_404(model, profile=profile, pk=requirement_id)
    services.requirement_remove(
        requirement=requirement, user=request.user, reason=request.POST.get("reason", "")[:500]
    )
    return redirect("trials:profile", profile.code)
