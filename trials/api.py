"""Read-only API for trials, through the access layer (trials.access).

A trial the user may not see is missing from lists and its detail is a 404; a visible trial's
detail lists only the participating sites the user may see.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from sites.api import SiteSerializer
from trials.access import trial_for, visible_trial_sites, visible_trials
from trials.models import RequirementProfile, Trial, TrialSite


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequirementProfile
        fields = ["code", "name"]


class TrialSerializer(serializers.ModelSerializer):
    profiles = ProfileSerializer(many=True, read_only=True)

    class Meta:
        model = Trial
        fields = [
            "id", "short_title", "full_title", "sponsor", "phase", "atmp_class", "origin", "gmo",
            "presentation", "status", "is_demo", "profiles",
        ]


class IdentifiersSerializer(serializers.Serializer):
    iras_id = serializers.CharField()
    isrctn = serializers.CharField()
    nct_number = serializers.CharField()
    eudract_number = serializers.CharField()
    eu_ct_number = serializers.CharField()


class TrialSiteSerializer(serializers.ModelSerializer):
    site = SiteSerializer(read_only=True)

    class Meta:
        model = TrialSite
        fields = ["site", "status", "planned_opening"]


class TrialDetailSerializer(TrialSerializer):
    identifiers = serializers.SerializerMethodField()
    sites = serializers.SerializerMethodField(
        help_text="Participating sites you may see (others are left out)."
    )

    class Meta(TrialSerializer.Meta):
        fields = [*TrialSerializer.Meta.fields, "summary", "identifiers", "sites"]

    @extend_schema_field(IdentifiersSerializer)
    def get_identifiers(self, trial: Trial) -> dict:
        return IdentifiersSerializer(trial).data

    @extend_schema_field(TrialSiteSerializer(many=True))
    def get_sites(self, trial: Trial) -> list:
        rows = visible_trial_sites(self.context["request"].user, trial).order_by("site__name")
        return TrialSiteSerializer(rows, many=True).data


class TrialFilter(django_filters.FilterSet):
    # atmp_class, status and phase: choice filters built from the model's fields (Meta.fields).
    profile = django_filters.ModelChoiceFilter(
        field_name="profiles",
        to_field_name="code",
        queryset=RequirementProfile.objects.all(),
        help_text="Requirement profile code.",
    )

    class Meta:
        model = Trial
        fields = ["atmp_class", "status", "phase", "profile"]


@extend_schema_view(
    list=extend_schema(summary="Trials you may see", tags=["trials"]),
    retrieve=extend_schema(summary="One trial (404 if you may not see it)", tags=["trials"]),
)
class TrialViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = TrialFilter
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return TrialDetailSerializer if self.action == "retrieve" else TrialSerializer

    def get_queryset(self) -> QuerySet[Trial]:
        return visible_trials(self.request.user).prefetch_related("profiles").order_by(
            "short_title", "pk"
        )

    def get_object(self) -> Trial:
        return trial_for(self.request.user, self.kwargs["pk"])
