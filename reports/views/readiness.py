"""Feasibility ranking and site readiness pages (docs/readiness.md for the rules).

Sites, trials and regions come only from the access layer; a trial, profile or site the user
may not see is a 404. Each page costs a fixed number of queries whatever the number of sites.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from actions.selectors import open_actions_by_key
from atmp_portal.dates import DateField, date_messages
from atmp_portal.forms import Form
from reports import readiness
from sites.access import can_write_site, site_for, visible_sites
from sites.models import Site
from sites.selectors import site_refs
from trials.access import can_write_trials, visible_trials
from trials.forms import BulkSelectionForm
from trials.models import RequirementProfile, TrialSite

ON_SUBJECT = "the date to assess as of"
BAD_DATE = date_messages(ON_SUBJECT)["invalid"]
BOTH_CHOSEN = "Choose a trial or a requirement profile, not both."
RANKING_PAGE_SIZE = 50
_URL_PLACEHOLDER = 918273645  # a site id that appears nowhere else in the reversed URL


class ReadinessQueryForm(Form):
    """What to assess against (a trial or a profile), where, and as of when. Submitted by GET."""

    trial = forms.ChoiceField(label="Trial", required=False)
    profile = forms.ChoiceField(label="Or a requirement profile", required=False)
    region = forms.ChoiceField(label="Region", required=False)
    on = DateField(
        label="Assess as of",
        subject=ON_SUBJECT,
        required=False,
        help_text="Leave empty for today.",
    )

    def __init__(self, *args, trials=(), profiles=(), regions=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trial"].choices = [("", "No trial")] + [
            (str(t.pk), t.short_title) for t in trials
        ]
        self.fields["profile"].choices = [("", "No profile")] + [(p.code, p.name) for p in profiles]
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].choices = [("", "All regions you can see")] + [
                (r.code, r.name) for r in regions
            ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("trial") and data.get("profile"):
            self.add_error("profile", BOTH_CHOSEN)
        return data

    def refers_to_unknown(self) -> bool:
        """A trial or profile id that is not among the choices: someone else's, or none at all."""
        return any(
            error.code == "invalid_choice"
            for name in ("trial", "profile")
            for error in self.errors.as_data().get(name, ())
        )


class SiteFilterForm(Form):
    """The ranking's narrowing and order (submitted by GET with the query above)."""

    error_subjects = {"q": "the search text", "attc": "the ATTC filter", "sort": "the order"}

    SORTS = [
        ("", "Readiness (ready first, then score)"),
        ("name", "Site name"),
        ("region", "Region, then name"),
        ("blockers", "Fewest blockers"),
    ]

    q = forms.CharField(label="Site name or code contains", required=False, max_length=100)
    attc = forms.ChoiceField(
        label="Advanced Therapy Treatment Centre",
        required=False,
        choices=[("", "Any, or none")] + [c for c in Site.Attc.choices if c[0]],
    )
    ready = forms.BooleanField(label="Only sites that are ready", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)


_SORT_KEYS = {
    "name": lambda a: (a.site.name.lower(), a.site.pk),
    "region": lambda a: (a.site.region.name, a.site.name.lower(), a.site.pk),
    "blockers": lambda a: (a.blockers, a.site.name.lower(), a.site.pk),
}


def narrowed(ranked: list, filters: SiteFilterForm) -> list:
    """The ranked assessments the filters keep, in the order asked (one query for ATTC)."""
    if not filters.is_valid():
        return ranked
    data = filters.cleaned_data
    if text := data["q"].strip().lower():
        ranked = [
            a for a in ranked if text in a.site.name.lower() or text in a.site.ods_code.lower()
        ]
    if data["attc"]:
        members = set(
            Site.objects.filter(pk__in=[a.site.pk for a in ranked], attc=data["attc"]).values_list(
                "pk", flat=True
            )
        )
        ranked = [a for a in ranked if a.site.pk in members]
    if data["ready"]:
        ranked = [a for a in ranked if a.ready]
    key = _SORT_KEYS.get(data["sort"])
    return sorted(ranked, key=key) if key else ranked


def _as_of(form: ReadinessQueryForm) -> dt.date:
    return (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()


def _chosen_set(
    form: ReadinessQueryForm, trials: list, profiles: list
) -> readiness.RequirementSet | None:
    """The requirement set the valid form names, or None when it names none."""
    if not form.is_valid():
        return None
    if trial_id := form.cleaned_data.get("trial"):
        trial = next(t for t in trials if str(t.pk) == trial_id)
        return readiness.requirement_set_for_trial(trial)
    if code := form.cleaned_data.get("profile"):
        profile = next(p for p in profiles if p.code == code)
        return readiness.requirement_set_for_profile(profile)
    return None


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """Every site the user may see, ranked against a trial or a profile."""
    trials = list(visible_trials(request.user).order_by("short_title"))
    profiles = list(RequirementProfile.objects.order_by("name"))
    # One query for the sites also gives the region choices: the regions of visible sites.
    sites = site_refs(visible_sites(request.user).order_by("name", "pk"))
    regions = sorted({site.region for site in sites}, key=lambda r: r.name)
    form = ReadinessQueryForm(
        request.GET or None, trials=trials, profiles=profiles, regions=regions
    )
    if form.is_bound and form.refers_to_unknown():
        raise Http404("No such trial or profile.")
    requirement_set = _chosen_set(form, trials, profiles)
    ranked = []
    region_code = form.cleaned_data.get("region") if form.is_valid() else ""
    if requirement_set is not None:
        in_region = [s for s in sites if not region_code or s.region.code == region_code]
        ranked = readiness.rank(
            readiness.assess(
                sites=in_region, requirements=requirement_set, on=_as_of(form), summary_only=True
            )
        )
    filters = SiteFilterForm(request.GET)
    ranked = narrowed(ranked, filters)
    page = Paginator(ranked, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    selection_trial = _selection_trial(request, form, trials)
    context = {
        "form": form,
        "filters": filters,
        "requirement_set": requirement_set,
        "ranked": ranked,
        "page": page,
        "rows": _ranking_rows(page, _focus_query(form), _selection_statuses(selection_trial)),
        "selection_trial": selection_trial,
        "bulk_form": BulkSelectionForm(sites=Site.objects.none()) if selection_trial else None,
        "querystring": _querystring_without_page(request),
        "on": _as_of(form),
        "region": next((r for r in regions if r.code == region_code), None),
    }
    return render(request, "reports/ranking.html", context)


def _selection_trial(request: HttpRequest, form: ReadinessQueryForm, trials: list):
    """The ranked trial, when the user may shortlist and invite sites for it (else None)."""
    if not (form.is_valid() and form.cleaned_data.get("trial") and can_write_trials(request.user)):
        return None
    return next(t for t in trials if str(t.pk) == form.cleaned_data["trial"])


def _selection_statuses(trial) -> dict[int, str]:
    """Site id → where the site is in the trial's selection (one query; {} without a trial)."""
    if trial is None:
        return {}
    labels = dict(TrialSite.Status.choices)
    return {
        site_id: labels[status]
        for site_id, status in TrialSite.objects.filter(trial=trial).values_list(
            "site_id", "status"
        )
    }


def _ranking_rows(
    page: Page, query: str, statuses: dict[int, str]
) -> list[tuple[int, readiness.SiteAssessment, str, str]]:
    """(rank, assessment, link to the site's page for the same set, selection status) for the
    sites on the page.

    The URL is reversed once and formatted per row: a `{% url %}` per row is most of the
    cost of rendering a long ranking.
    """
    if not page.object_list:
        return []
    before, after = reverse("reports:site-readiness", args=[_URL_PLACEHOLDER]).split(
        str(_URL_PLACEHOLDER)
    )
    after += query
    return [
        (
            rank,
            assessment,
            f"{before}{assessment.site.pk}{after}",
            statuses.get(assessment.site.pk, ""),
        )
        for rank, assessment in enumerate(page.object_list, start=page.start_index())
    ]


def _querystring_without_page(request: HttpRequest) -> str:
    """The request's GET parameters but `page`, for the pagination links to keep them."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _focus_query(form: ReadinessQueryForm) -> str:
    """The ?trial=|profile=&on= query that links a ranked site to the same assessment."""
    if not form.is_valid():
        return ""
    data = form.cleaned_data
    parts = []
    if data.get("trial"):
        parts.append(f"trial={data['trial']}")
    elif data.get("profile"):
        parts.append(f"profile={data['profile']}")
    if data.get("on"):
        parts.append(f"on={data['on']:%Y-%m-%d}")
    return "?" + "&".join(parts) if parts else ""


@login_required
def site_readiness(request: HttpRequest, site_id: int) -> HttpResponse:
    """One site against each of its trials and every profile, or against one chosen set."""
    site: Site = site_for(request.user, site_id)
    # One query for the trials the user may choose, marking those the site takes part in.
    trials = list(
        visible_trials(request.user)
        .annotate(at_site=Exists(TrialSite.objects.filter(trial=OuterRef("pk"), site=site)))
        .order_by("short_title")
    )
    profiles = list(RequirementProfile.objects.order_by("name"))
    form = ReadinessQueryForm(request.GET or None, trials=trials, profiles=profiles)
    if form.is_bound and form.refers_to_unknown():
        raise Http404("No such trial or profile.")
    on = _as_of(form)
    chosen = form.is_valid() and (
        form.cleaned_data.get("trial") or form.cleaned_data.get("profile")
    )
    if chosen:
        focus_trials = [t for t in trials if str(t.pk) == form.cleaned_data.get("trial")]
        focus_profiles = [p for p in profiles if p.code == form.cleaned_data.get("profile")]
    else:
        focus_trials = [t for t in trials if t.at_site]
        focus_profiles = profiles
    by_trial, by_profile = readiness.assess_site_for(
        site=site, trials=focus_trials, profiles=focus_profiles, on=on
    )
    trial_sections = [
        # Actions close the gaps of the trials the site takes part in (and of profiles).
        {"kind": "Trial", "anchor": f"trial-{t.pk}", "assessment": a, "plans": t.at_site}
        for t, a in zip(focus_trials, by_trial, strict=True)
    ]
    profile_sections = [
        {"kind": "Requirement profile", "anchor": f"profile-{p.code}", "assessment": a}
        for p, a in zip(focus_profiles, by_profile, strict=True)
    ]
    context = {
        "site": site,
        "form": form,
        "on": on,
        # Actions are planned on today's gaps, and shown on them (one query).
        "actions": open_actions_by_key(site),
        "can_write": on == timezone.localdate() and can_write_site(request.user, site),
        "back": request.get_full_path(),
        "focused": bool(chosen),
        "sections": trial_sections + profile_sections,
        "trial_sections": trial_sections,
        "profile_sections": profile_sections,
    }
    return render(request, "reports/site_readiness.html", context)
