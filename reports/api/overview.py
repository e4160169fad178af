"""Readiness across the user's scope: the most common blockers and the trend (docs/api.md).

The same selectors as the overview page (reports.overview), so the API and the page agree."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import readiness
from reports.api.readiness import _COMMON_PARAMETERS, _parse
from reports.overview import scope_summary
from reports.trend import readiness_trend
from sites.access import visible_regions, visible_sites
from sites.selectors import site_refs

_REGION = OpenApiParameter("region", OpenApiTypes.STR, description="Only sites in this region.")


class BlockerSerializer(serializers.Serializer):
    requirement = serializers.CharField(help_text="The requirement's label.")
    kind = serializers.ChoiceField(choices=[readiness.CAPABILITY, readiness.TRAINING])
    sites_blocked = serializers.IntegerField()
    sites_assessed = serializers.IntegerField()


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField(source="on")
    sites = serializers.IntegerField()
    ready = serializers.IntegerField()
    median_score = serializers.FloatField(
        allow_null=True, help_text="0–1; null when no site has a score."
    )


def _sites(request: Request, data: dict):
    sites = visible_sites(request.user).order_by("name", "pk")
    if "region" in data:
        if not visible_regions(request.user).filter(code=data["region"]).exists():
            raise Http404("No such region.")
        sites = sites.filter(region__code=data["region"])
    return site_refs(sites)


class BlockersView(APIView):
    """The requirements that block the most sites in your scope."""

    @extend_schema(
        summary="Most common blockers across the sites you may see",
        tags=["readiness"],
        parameters=[*_COMMON_PARAMETERS, _REGION],
        responses={200: BlockerSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        requirement_set, on, data = _parse(request, with_region=True)
        summary = scope_summary(sites=_sites(request, data), requirements=requirement_set, on=on)
        return Response(BlockerSerializer(summary.blockers, many=True).data)


class TrendView(APIView):
    """Sites ready and the median score at each month end for the last 12 months."""

    @extend_schema(
        summary="Readiness over the last 12 months across the sites you may see",
        tags=["readiness"],
        parameters=[p for p in _COMMON_PARAMETERS if p.name != "on"] + [_REGION],
        responses={200: TrendPointSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        if "on" in request.query_params:
            raise serializers.ValidationError({"on": ["The trend always ends today."]})
        requirement_set, _, data = _parse(request, with_region=True)
        points = readiness_trend(
            sites=_sites(request, data), requirements=requirement_set, today=timezone.localdate()
        )
        return Response(TrendPointSerializer(points, many=True).data)
