"""Trial pages: reading a trial, and its set-up by network coordinators.

Set-up pages are plain forms (they work without JavaScript); the readiness preview and the
capability filter are htmx enhancements. Access comes from trials.access only.
"""

from __future__ import annotations

from html import escape

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from sites.access import visible_sites
from trials import services
from trials.access import can_write_trials, trial_for, visible_trial_sites, visible_trials
from trials.forms import (
    CapabilityRequirementForm,
    OverrideForm,
    TrainingRequirementForm,
    TrialForm,
    capability_groups,
    requirement_key,
)
from trials.history import recent_trial_history, trial_history
from trials.models import (
    CapabilityRequirement,
    RequirementOverride,
    TrainingRequirement,
    Trial,
    TrialSite,
)
from trials.selectors import inherited_requirements, own_capability_requirements, trial_overrides

HISTORY_PAGE_SIZE = 50


def _writable_trial(request: HttpRequest, trial_id: int) -> Trial:
    return trial_for(request.user, trial_id, write=True)


def _add_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@login_required
def trial_list(request: HttpRequest) -> HttpResponse:
    trials = visible_trials(request.user).prefetch_related("profiles").order_by("short_title")
    return render(
        request,
        "trials/trial_list.html",
        {
            "trials": trials,
            "can_write": can_write_trials(request.user),
        },
    )


def _url_of_each(name: str, *args) -> str:
    """The URL `name` takes with `*args` and one more id, up to that id: one reversal for a
    list of links instead of one per row."""
    url = reverse(name, args=[*args, 0])
    if not url.endswith("/0/"):
        raise ValueError(f"{name} does not end with the id: {url}")
    return url[:-2]


def _participating_sites(request: HttpRequest, trial: Trial, can_write: bool) -> SafeString:
    """The sites the reader may see, as list items (a trial may have hundreds of sites, so
    values, one URL reversal and one join, not instances and a `{% url %}` each): each links
    to its place in the selection for network coordinators, else to the site."""
    head = _url_of_each("trials:site", trial.pk) if can_write else _url_of_each("sites:detail")
    statuses = dict(TrialSite.Status.choices)
    rows = (
        visible_trial_sites(request.user, trial)
        .order_by("site__name")
        .values_list("site_id", "site__name", "site__region__name", "status")
    )
    # html.escape is what django.utils.html.escape calls, without its wrapping per value.
    return mark_safe(
        "".join(
            f'<li><a href="{head}{site_id}/">{escape(name)}</a> ({escape(region)}) — '
            f"{escape(statuses.get(status, status))}</li>"
            for site_id, name, region, status in rows
        )
    )


@login_required
def trial_detail(request: HttpRequest, trial_id: int) -> HttpResponse:
    """What the trial is, what it requires, its sites and (for network coordinators) its latest
    changes, with a link to the whole history: the page's cost does not grow with it."""
    trial = trial_for(request.user, trial_id)
    can_write = can_write_trials(request.user)
    history, older_history = (
        recent_trial_history(trial, sites=visible_sites(request.user)) if can_write else ([], False)
    )
    context = {
        "trial": trial,
        "trial_sites": _participating_sites(request, trial, can_write),
        "profiles": trial.profiles.values_list("name", flat=True),
        "capability_requirements": own_capability_requirements(trial),
        "training_requirements": trial.training_requirements.select_related("course"),
        "overrides": trial_overrides(trial),
        "can_write": can_write,
        "history": history,
        "older_history": older_history,
    }
    return render(request, "trials/trial_detail.html", context)


@login_required
def trial_history_page(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Every change to the trial, newest first, 50 a page. The trial page shows its history to
    network coordinators only, and so does this page (404 for anyone else)."""
    trial = trial_for(request.user, trial_id, write=True)
    history = trial_history(trial, sites=visible_sites(request.user))
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "trials/trial_history.html",
        {
            "trial": trial,
            "page": page,
            "history": page.object_list,
        },
    )


def _as_initial(data) -> dict:
    """What was entered, as the form's initial values: the "Preview" button shows the
    readiness card for it without saving and without error messages."""
    initial = {name: data.get(name) for name in TrialForm.base_fields if name in data}
    initial["profiles"] = data.getlist("profiles")
    initial["gmo"] = "gmo" in data
    return initial


def _trial_form_page(request: HttpRequest, trial: Trial | None) -> HttpResponse:
    if request.method == "POST" and "preview" in request.POST:
        form = TrialForm(initial=_as_initial(request.POST), instance=trial)
        return render(
            request,
            "trials/trial_form.html",
            {
                "form": form,
                "trial": trial,
                "previewed": True,
            },
        )
    form = TrialForm(request.POST or None, instance=trial)
    if request.method == "POST" and form.is_valid():
        saved = services.trial_save(
            trial=form.save(commit=False),
            user=request.user,
            profiles=form.cleaned_data["profiles"],
            reason=form.cleaned_data["reason"],
        )
        if trial is None:
            return redirect("trials:requirements", saved.pk)
        return redirect("trials:detail", saved.pk)
    return render(request, "trials/trial_form.html", {"form": form, "trial": trial})


@login_required
def trial_create(request: HttpRequest) -> HttpResponse:
    if not can_write_trials(request.user):
        raise Http404("No such page.")
    return _trial_form_page(request, None)


@login_required
def trial_edit(request: HttpRequest, trial_id: int) -> HttpResponse:
    return _trial_form_page(request, _writable_trial(request, trial_id))


def _requirement_forms(request: HttpRequest, trial: Trial, bound: str = "") -> dict:
    """The three add-forms of the requirements page; `bound` names the one being posted."""
    data = request.POST if request.method == "POST" else None
    # The no-JavaScript filter re-sends the form by GET: keep what was chosen, show no errors.
    initial = {
        k: request.GET.get(f"cap-{k}") for k in ("level", "note") if f"cap-{k}" in request.GET
    }
    inherited = inherited_requirements(trial)
    return {
        "capability_form": CapabilityRequirementForm(
            data if bound == "capability" else None, prefix="cap", initial=initial
        ),
        "training_form": TrainingRequirementForm(
            data if bound == "training" else None, prefix="train"
        ),
        "override_form": OverrideForm(
            data if bound == "override" else None, prefix="ovr", inherited=inherited
        ),
        "inherited": inherited,
    }


def _with_overrides(inherited: list, overrides: list[RequirementOverride]) -> list:
    """(profile, label, the override or None) for each inherited requirement."""
    by_key = {requirement_key(o.requirement): o for o in overrides}
    return [(profile, label, by_key.get(requirement_key(req))) for profile, req, label in inherited]


def _requirements_page(request: HttpRequest, trial: Trial, forms: dict) -> HttpResponse:
    source = request.POST if forms["capability_form"].is_bound else request.GET
    selected = set(source.getlist("cap-capabilities"))
    overrides = trial_overrides(trial)
    context = {
        **forms,
        "trial": trial,
        "query": request.GET.get("q", ""),
        "capability_groups": capability_groups(selected, request.GET.get("q", "")),
        "capability_requirements": trial.capability_requirements.prefetch_related("capabilities"),
        "training_requirements": trial.training_requirements.select_related("course"),
        "overrides": overrides,
        "inherited_rows": _with_overrides(forms["inherited"], overrides),
    }
    status = (
        400 if any(f.is_bound and f.errors for f in forms.values() if hasattr(f, "errors")) else 200
    )
    return render(request, "trials/trial_requirements.html", context, status=status)


@login_required
def trial_requirements(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = _writable_trial(request, trial_id)
    if request.htmx and request.GET.get("picker"):
        selected = set(request.GET.getlist("cap-capabilities"))
        return render(
            request,
            "trials/_capability_picker.html",
            {
                "capability_groups": capability_groups(selected, request.GET.get("q", "")),
                "capability_form": CapabilityRequirementForm(prefix="cap"),
                "query": request.GET.get("q", ""),
            },
        )
    return _requirements_page(request, trial, _requirement_forms(request, trial))


def _add_from_form(request: HttpRequest, trial_id: int, bound: str, save) -> HttpResponse:
    """POST of one requirements-page form: `save(cleaned_data)` it, or show the page with errors."""
    trial = _writable_trial(request, trial_id)
    forms = _requirement_forms(request, trial, bound=bound)
    form = forms[f"{bound}_form"]
    if form.is_valid():
        try:
            save(trial, form.cleaned_data)
            return redirect("trials:requirements", trial.pk)
        except ValidationError as error:
            _add_errors(form, error)
    return _requirements_page(request, trial, forms)


@login_required
@require_POST
def capability_requirement_add(request: HttpRequest, trial_id: int) -> HttpResponse:
    return _add_from_form(
        request,
        trial_id,
        "capability",
        lambda trial, data: services.capability_requirement_add(
            owner=trial,
            capabilities=list(data["capabilities"]),
            level=data["level"],
            note=data["note"],
            user=request.user,
            reason=data["reason"],
        ),
    )


@login_required
@require_POST
def training_requirement_add(request: HttpRequest, trial_id: int) -> HttpResponse:
    return _add_from_form(
        request,
        trial_id,
        "training",
        lambda trial, data: services.training_requirement_add(
            owner=trial,
            course=data["course"],
            role=data["role"],
            min_staff=data["min_staff"],
            level=data["level"],
            user=request.user,
            reason=data["reason"],
        ),
    )


@login_required
@require_POST
def override_add(request: HttpRequest, trial_id: int) -> HttpResponse:
    return _add_from_form(
        request,
        trial_id,
        "override",
        lambda trial, data: services.override_set(
            trial=trial,
            requirement=data["requirement"],
            level=data["level"],
            reason=data["reason"],
            user=request.user,
        ),
    )


@login_required
@require_POST
def requirement_remove(
    request: HttpRequest, trial_id: int, kind: str, requirement_id: int
) -> HttpResponse:
    """Remove one of the trial's own requirements, or one of its overrides."""
    trial = _writable_trial(request, trial_id)
    reason = request.POST.get("reason", "")[:500]
    if kind == "override":
        override = get_object_or_404(RequirementOverride, trial=trial, pk=requirement_id)
        services.override_remove(override=override, user=request.user, reason=reason)
    else:
        model = {"capability": CapabilityRequirement, "training": TrainingRequirement}.get(kind)
        if model is None:
            raise Http404("No such requirement.")
        requirement = get_object_or_404(model, trial=trial, pk=requirement_id)
        services.requirement_remove(requirement=requirement, user=request.user, reason=reason)
    return redirect("trials:requirements", trial.pk)
