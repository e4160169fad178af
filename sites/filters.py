"""Narrowing and ordering a list of sites: the API's filters and the site list page's.

The filters work on any queryset of sites the caller may show (sites.access gives it); they
never widen it. The site list page (reports.views.sites) adds what needs the readiness
engine, "ready for a trial" and the order by score, on top of `SiteListFilter`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from atmp_portal.forms import Form
from sites.access import visible_sites
from sites.models import Region, Site

ATTC_CHOICES = [choice for choice in Site.Attc.choices if choice[0]]
REGION_UNKNOWN = "Choose a region from the list"
ATTC_UNKNOWN = "Choose an ATTC from the list"
SORT_UNKNOWN = "Choose an order from the list"


class SiteFilter(django_filters.FilterSet):
    """The API's filters (GET /api/v1/sites/?region=CODE&attc=CODE)."""

    region = django_filters.ModelChoiceFilter(
        field_name="region",
        to_field_name="code",
        queryset=Region.objects.all(),
        help_text="Region code, e.g. NENC.",
    )
    # Sites in no ATTC have attc "" in their rows; "" cannot be asked for as a filter value
    # (an empty parameter is refused), so the filter offers the ATTCs only.
    attc = django_filters.ChoiceFilter(
        choices=ATTC_CHOICES, help_text="Only sites in this Advanced Therapy Treatment Centre."
    )

    class Meta:
        model = Site
        fields = ["region", "attc"]
        form = Form  # its errors name the filter (atmp_portal.forms)


def _visible_regions(request) -> QuerySet[Region]:
    """The regions of the sites the user may see: a regional coordinator is offered only theirs."""
    if request is None:
        return Region.objects.none()
    return Region.objects.filter(pk__in=visible_sites(request.user).values("region")).order_by(
        "name"
    )


class SiteListFilter(SiteFilter):
    """The site list page's search, region, ATTC and order, sent by a GET form."""

    SORTS = [("name", "Site name"), ("region", "Region, then site name")]
    ORDERS = {"name": ("name", "pk"), "region": ("region__name", "name", "pk")}

    q = django_filters.CharFilter(
        label="Site name, code or city",
        method="search",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    region = django_filters.ModelChoiceFilter(
        label="Region",
        field_name="region",
        to_field_name="code",
        queryset=_visible_regions,
        empty_label="All regions you can see",
        error_messages={"invalid_choice": REGION_UNKNOWN},
    )
    attc = django_filters.ChoiceFilter(
        label="Advanced Therapy Treatment Centre (ATTC)",
        choices=ATTC_CHOICES,
        empty_label="Any, or none",
        error_messages={"invalid_choice": ATTC_UNKNOWN},
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        method="order",
        empty_label=None,
        choices=SORTS,
        error_messages={"invalid_choice": SORT_UNKNOWN},
    )

    class Meta:
        model = Site
        fields = ["q", "region", "attc", "sort"]
        form = Form

    def search(self, queryset: QuerySet[Site], name: str, value: str) -> QuerySet[Site]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text) | Q(ods_code__icontains=text) | Q(city__icontains=text)
        )

    def order(self, queryset: QuerySet[Site], name: str, value: str) -> QuerySet[Site]:
        """Database orders; an order this class does not know (a subclass's) leaves it as is."""
        fields = self.ORDERS.get(value)
        return queryset.order_by(*fields) if fields else queryset
