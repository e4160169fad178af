"""Read-only API for sites and the capability catalogue.

Sites come only from the access layer (sites.access), so a site out of the user's scope is
missing from lists and its detail is a 404, exactly as on the HTML pages.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from sites.access import site_for, visible_sites
from sites.filters import SiteFilter
from sites.models import Capability, Region, Site


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class SiteSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)

    class Meta:
        model = Site
        fields = ["id", "name", "ods_code", "region", "city", "attc"]


@extend_schema_view(
    list=extend_schema(summary="Sites you may see", tags=["sites"]),
    retrieve=extend_schema(summary="One site (404 if out of your scope)", tags=["sites"]),
)
class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Site]:
        return visible_sites(self.request.user).select_related("region").order_by("name", "pk")

    def get_object(self) -> Site:
        return site_for(self.request.user, self.kwargs["pk"])


class CapabilitySerializer(serializers.ModelSerializer):
    atmp_classes = serializers.ListField(child=serializers.CharField(), read_only=True)
    applies_when = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence_expected = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="Evidence that closes a gap: {type, label, validity_months}.",
    )

    class Meta:
        model = Capability
        fields = [
            "id",
            "code",
            "name",
            "category",
            "description",
            "atmp_classes",
            "applies_when",
            "applies_note",
            "evidence_expected",
            "evidence_validity_months",
            "is_custom",
        ]


@extend_schema_view(
    list=extend_schema(summary="The capability catalogue", tags=["catalogue"]),
    retrieve=extend_schema(summary="One catalogue capability", tags=["catalogue"]),
)
class CapabilityViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue is the same for everyone signed in: it holds no site data."""

    serializer_class = CapabilitySerializer
    filterset_fields = ["category"]
    lookup_value_regex = r"[0-9]+"
    queryset = Capability.objects.order_by("category", "name", "pk")
