"""The trials API as served: trials.api's viewset, with each trial's merged requirement set
(profiles strictest-wins, then overrides, then its own: docs/readiness.md) on the detail and on
the answers to POST and PATCH. It lives here because the assembly is the readiness engine's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from reports import readiness
from trials import api as trials_api
from trials.api_setup import TrialSetupSerializer
from trials.models import RequirementLevel, Trial


class MergedRequirementSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=[readiness.CAPABILITY, readiness.TRAINING])
    level = serializers.ChoiceField(choices=RequirementLevel.choices)
    label = serializers.CharField()
    capabilities = serializers.ListField(
        child=serializers.CharField(),
        source="capability_codes",
        help_text="Capability codes (alternatives); empty for training.",
    )
    course = serializers.CharField(source="course_code", help_text="Course code (training).")
    role = serializers.CharField(help_text="Staff role code; empty for any role.")
    min_staff = serializers.IntegerField()
    sources = serializers.ListField(
        child=serializers.CharField(), help_text="Profiles it comes from, and/or Trial-specific."
    )
    notes = serializers.ListField(child=serializers.CharField())


class TrialWithRequirementsSerializer(trials_api.TrialDetailSerializer):
    requirement_set = serializers.SerializerMethodField(
        help_text="The requirements a site must meet for this trial, merged."
    )

    class Meta(trials_api.TrialDetailSerializer.Meta):
        fields = [*trials_api.TrialDetailSerializer.Meta.fields, "requirement_set"]

    @extend_schema_field(MergedRequirementSerializer(many=True))
    def get_requirement_set(self, trial: Trial) -> list:
        requirements = readiness.requirement_set_for_trial(trial).requirements
        return MergedRequirementSerializer(requirements, many=True).data


@extend_schema_view(
    list=extend_schema(summary="Trials you may see", tags=["trials"]),
    retrieve=extend_schema(
        summary="One trial with its merged requirements (404 if you may not see it)",
        tags=["trials"],
        responses={200: TrialWithRequirementsSerializer},
    ),
    create=extend_schema(
        summary="Set up a trial (network coordinators)",
        tags=["trials"],
        request=TrialSetupSerializer,
        responses={201: TrialWithRequirementsSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a trial; a list given replaces the trial's list",
        tags=["trials"],
        request=TrialSetupSerializer,
        responses={200: TrialWithRequirementsSerializer},
    ),
)
class TrialViewSet(trials_api.TrialViewSet):
    def trial_response(self, trial: Trial) -> dict:
        return TrialWithRequirementsSerializer(trial, context=self.get_serializer_context()).data
