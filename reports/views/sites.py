"""The site list: every site the user may see, searched, filtered and sorted, and, for a
chosen trial, which of them are ready and their score.

The page lives here rather than in `sites` because "ready for a trial" and the order by score
are the readiness engine's answers, and `sites` sits below the engine (docs/architecture.md,
"Pages that need the engine"). The search, region, ATTC and name/region orders are sites' own
(`sites.filters.SiteListFilter`); this module adds only the trial, the ready filter and the
order by score. A constant number of queries whatever the number of sites.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from atmp_portal.forms import Form
from reports import readiness
from sites.access import visible_sites
from sites.filters import SORT_UNKNOWN, SiteListFilter
from sites.models import Site
from sites.selectors import site_refs
from trials.access import visible_trials

SITE_LIST_PAGE_SIZE = 50
TRIAL_NEEDED = "Choose the trial the sites should be ready for"


class SiteReadinessForm(Form):
    def clean(self) -> dict:
        data = super().clean()
        if not data.get("trial") and (data.get("ready") or data.get("sort") == "score"):
            self.add_error("trial", TRIAL_NEEDED)
        return data


def _trials(request):
    return visible_trials(request.user).order_by("short_title") if request else None


class SiteReadinessFilter(SiteListFilter):
    """The site list's filters plus the ones the engine answers (applied by the view, after
    assessing the sites the database filters kept)."""

    trial = django_filters.ModelChoiceFilter(
        label="Trial",
        queryset=_trials,
        method="as_is",
        empty_label="No trial",
        help_text="Shows each site's readiness and score for this trial.",
    )
    ready = django_filters.BooleanFilter(
        label="Only sites ready for this trial",
        method="as_is",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        method="order",
        empty_label=None,
        choices=[*SiteListFilter.SORTS, ("score", "Score for the trial, ready sites first")],
        error_messages={"invalid_choice": SORT_UNKNOWN},
    )

    class Meta(SiteListFilter.Meta):
        fields = ["q", "region", "attc", "trial", "ready", "sort"]
        form = SiteReadinessForm

    def as_is(self, queryset, name, value):
        return queryset


def _unknown_trial(filters: SiteReadinessFilter) -> bool:
    """A trial id the user may not see (or none at all): a 404, as everywhere else."""
    return any(e.code == "invalid_choice" for e in filters.form.errors.as_data().get("trial", ()))


def _assessed_rows(filters: SiteReadinessFilter, sites) -> list:
    """(site ref, assessment) for the filtered sites against the chosen trial, ready-only and
    ordered by score when asked: one query for the sites, the engine's fixed few for the rest."""
    data = filters.form.cleaned_data
    requirements = readiness.requirement_set_for_trial(data["trial"])
    assessments = readiness.assess(
        sites=site_refs(sites),
        requirements=requirements,
        on=timezone.localdate(),
        summary_only=True,
    )
    if data.get("ready"):
        assessments = [a for a in assessments if a.ready]
    if data.get("sort") == "score":
        assessments = readiness.rank(assessments)
    return assessments


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    filters = SiteReadinessFilter(
        request.GET or None,
        queryset=visible_sites(request.user).select_related("region").order_by("name", "pk"),
        request=request,
    )
    if filters.is_bound and _unknown_trial(filters):
        raise Http404("No such trial.")
    valid = not filters.is_bound or filters.is_valid()
    trial = filters.form.cleaned_data.get("trial") if filters.is_bound and valid else None
    if trial is None:
        page = Paginator(filters.qs, SITE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(site, None) for site in page.object_list]
    else:
        assessments = _assessed_rows(filters, filters.qs)
        page = Paginator(assessments, SITE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        # The page's own rows for city and ATTC: one query, only for the sites shown.
        shown = Site.objects.select_related("region").in_bulk([a.site.pk for a in page.object_list])
        rows = [(shown[a.site.pk], a) for a in page.object_list if a.site.pk in shown]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "sites/site_list.html",
        {
            "filters": filters,
            "form": filters.form,
            "page": page,
            "rows": rows,
            "trial": trial,
            "querystring": params.urlencode(),
            "on": timezone.localdate(),
        },
        status=200 if valid else 400,
    )
