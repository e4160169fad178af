"""Readiness API: the feasibility ranking and one site's gap rows (docs/readiness.md).

Sites and trials come only from the access layer: a site, trial or profile the user may not
see is a 404, never a 403. Both endpoints cost a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atmp_portal.api import Pagination
from atmp_portal.dates import ApiDateField
from reports import readiness
from reports.links import gap_path
from sites.access import site_for, visible_regions, visible_sites
from sites.selectors import site_refs
from trials.access import trial_for
from trials.models import RequirementProfile

BAD_DATE = "Enter a date as YYYY-MM-DD."
NEITHER_SET = "Give either `trial` (an id) or `profile` (a code)."
BOTH_SETS = "Give either `trial` or `profile`, not both."
BAD_TRIAL = "A trial id is a whole number."


class ReadinessQuerySerializer(serializers.Serializer):
    """Query parameters: exactly one of trial/profile, an optional region and date."""

    trial = serializers.CharField(required=False, help_text="Trial id.")
    profile = serializers.CharField(required=False, help_text="Requirement profile code.")
    region = serializers.CharField(required=False, help_text="Region code, e.g. NENC.")
    on = ApiDateField(
        required=False,
        error_messages={"invalid": BAD_DATE},
        help_text="Assess as of this date (YYYY-MM-DD); default today.",
    )

    def validate_trial(self, value: str) -> str:
        if not value.isdigit():
            raise serializers.ValidationError(BAD_TRIAL)
        return value

    def validate(self, data: dict) -> dict:
        has_trial, has_profile = "trial" in data, "profile" in data
        if has_trial and has_profile:
            raise serializers.ValidationError({"trial": [BOTH_SETS], "profile": [BOTH_SETS]})
        if not has_trial and not has_profile:
            raise serializers.ValidationError({"trial": [NEITHER_SET], "profile": [NEITHER_SET]})
        return data


def _parse(
    request: Request, *, with_region: bool
) -> tuple[readiness.RequirementSet, dt.date, dict]:
    """Validate the query (400 on bad input) and find the requirement set (404 if unseen)."""
    params = {k: v for k, v in request.query_params.items() if k in ("trial", "profile", "on")}
    if with_region and "region" in request.query_params:
        params["region"] = request.query_params["region"]
    query = ReadinessQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    if "trial" in data:
        requirement_set = readiness.requirement_set_for_trial(
            trial_for(request.user, data["trial"])
        )
    else:
        try:
            profile = RequirementProfile.objects.get(code=data["profile"])
        except RequirementProfile.DoesNotExist:
            raise Http404("No such requirement profile.") from None
        requirement_set = readiness.requirement_set_for_profile(profile)
    return requirement_set, data.get("on") or timezone.localdate(), data


class ReadinessSiteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    ods_code = serializers.CharField()
    region = serializers.CharField(source="region.code", help_text="Region code.")


class RankedSiteSerializer(serializers.Serializer):
    site = ReadinessSiteSerializer()
    score = serializers.FloatField(
        allow_null=True, help_text="Met mandatory / all mandatory, 0–1; null with none mandatory."
    )
    ready = serializers.BooleanField(help_text="No blockers.")
    blockers = serializers.IntegerField()
    warnings = serializers.IntegerField()
    expiring = serializers.IntegerField(
        help_text="Met, but lapsing within the expiring window (READINESS_EXPIRING_DAYS, 90 by default)."
    )


class GapRowSerializer(serializers.Serializer):
    key = serializers.CharField(source="requirement.key")
    kind = serializers.ChoiceField(
        choices=[readiness.CAPABILITY, readiness.TRAINING], source="requirement.kind"
    )
    level = serializers.ChoiceField(
        choices=[readiness.MANDATORY, readiness.RECOMMENDED], source="requirement.level"
    )
    label = serializers.CharField(source="requirement.label")
    category = serializers.CharField(source="requirement.category")
    sources = serializers.ListField(child=serializers.CharField(), source="requirement.sources")
    closes_with = serializers.ListField(
        child=serializers.CharField(),
        source="requirement.closes_with",
        help_text="Evidence or training that closes the gap.",
    )
    outcome = serializers.ChoiceField(choices=readiness.Outcome.choices)
    detail = serializers.CharField()
    met_by = serializers.CharField(help_text="The alternative capability that met it.")
    status = serializers.CharField(help_text="Checklist status, or no_record (capabilities).")
    expires_on = serializers.DateField(allow_null=True)
    expired_on = serializers.DateField(allow_null=True)
    trained_staff = serializers.ListField(child=serializers.CharField())
    trained_count = serializers.IntegerField()
    needed = serializers.IntegerField()
    closes_at = serializers.SerializerMethodField(
        help_text="The page where the gap is closed: the checklist item (capabilities) or the "
        "training matrix (training)."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_closes_at(self, row) -> str:
        return self.context["request"].build_absolute_uri(gap_path(self.context["site_id"], row))


class SiteAssessmentSerializer(serializers.Serializer):
    site = ReadinessSiteSerializer()
    requirement_set = serializers.CharField(source="requirement_set.label")
    as_of = serializers.DateField(source="on")
    score = serializers.FloatField(allow_null=True)
    ready = serializers.BooleanField()
    blockers = serializers.IntegerField()
    warnings = serializers.IntegerField()
    expiring = serializers.IntegerField()
    met = serializers.IntegerField()
    rows = GapRowSerializer(many=True)


_COMMON_PARAMETERS = [
    OpenApiParameter("trial", OpenApiTypes.INT, description="Trial id (or give profile)."),
    OpenApiParameter("profile", OpenApiTypes.STR, description="Requirement profile code."),
    OpenApiParameter("on", OpenApiTypes.DATE, description="As-of date, YYYY-MM-DD; default today."),
]


class RankingView(APIView):
    """Every site you may see, ranked against a trial or a profile."""

    pagination_class = Pagination

    @extend_schema(
        summary="Rank visible sites by readiness for a trial or profile",
        tags=["readiness"],
        parameters=[
            *_COMMON_PARAMETERS,
            OpenApiParameter("region", OpenApiTypes.STR, description="Only sites in this region."),
        ],
        responses={200: RankedSiteSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        requirement_set, on, data = _parse(request, with_region=True)
        sites = visible_sites(request.user).order_by("name", "pk")
        if "region" in data:
            if not visible_regions(request.user).filter(code=data["region"]).exists():
                raise Http404("No such region.")
            sites = sites.filter(region__code=data["region"])
        ranked = readiness.rank(
            readiness.assess(
                sites=site_refs(sites), requirements=requirement_set, on=on, summary_only=True
            )
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(ranked, request, view=self)
        return paginator.get_paginated_response(RankedSiteSerializer(page, many=True).data)


class SiteReadinessView(APIView):
    """One site's gap rows against a trial or a profile."""

    @extend_schema(
        summary="One site's readiness rows for a trial or profile",
        tags=["readiness"],
        parameters=_COMMON_PARAMETERS,
        responses={200: SiteAssessmentSerializer},
    )
    def get(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id)
        requirement_set, on, _ = _parse(request, with_region=False)
        (assessment,) = readiness.assess(sites=[site], requirements=requirement_set, on=on)
        context = {"request": request, "site_id": site.pk}
        return Response(SiteAssessmentSerializer(assessment, context=context).data)
