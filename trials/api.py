"""The trials API, through the access layer (trials.access).

A trial the user may not see is missing from lists and its detail is a 404; a visible trial's
detail lists only the participating sites the user may see. Network coordinators create and
change trials (trials.api_setup) and move sites through the selection; a site's coordinator
answers an invitation to their own site.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atmp_portal.dates import ApiDateField
from atmp_portal.forms import Form
from sites.access import visible_sites
from sites.api import SiteSerializer
from trials import services
from trials.access import (
    can_move_trial_site,
    can_write_trials,
    trial_for,
    trial_site_for,
    visible_trial_sites,
    visible_trials,
)
from trials.api_setup import TrialSetupSerializer
from trials.models import RequirementProfile, Trial, TrialSite

NOT_ALLOWED_TO_WRITE = "Only network coordinators set up trials."
NOT_YOUR_STEP = "You may not make this step: {why}"
SITE_ANSWERS_ONLY = "a site's coordinator only answers an invitation (interested or declined)."
NETWORK_STEPS_ONLY = "the site's own coordinator answers an invitation."


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequirementProfile
        fields = ["code", "name"]


class TrialSerializer(serializers.ModelSerializer):
    profiles = ProfileSerializer(many=True, read_only=True)

    class Meta:
        model = Trial
        fields = [
            "id",
            "short_title",
            "full_title",
            "sponsor",
            "phase",
            "atmp_class",
            "origin",
            "gmo",
            "presentation",
            "status",
            "is_demo",
            "profiles",
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
        form = Form  # its errors name the filter (atmp_portal.forms)


def _as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.message_dict)


@extend_schema_view(
    list=extend_schema(summary="Trials you may see", tags=["trials"]),
    retrieve=extend_schema(summary="One trial (404 if you may not see it)", tags=["trials"]),
    create=extend_schema(
        summary="Set up a trial (network coordinators)",
        tags=["trials"],
        request=TrialSetupSerializer,
        responses={201: TrialDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a trial; a list given replaces the trial's list",
        tags=["trials"],
        description=(
            "An entry naming the same capabilities (or the same course and role) as one of "
            "the trial's own requirements changes that requirement in place (level, note, "
            "minimum staff); the trial's history keeps old and new values and the reason."
        ),
        request=TrialSetupSerializer,
        responses={200: TrialDetailSerializer},
    ),
)
class TrialViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = TrialFilter
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in ("create", "partial_update"):
            return TrialSetupSerializer
        return TrialDetailSerializer if self.action == "retrieve" else TrialSerializer

    def get_queryset(self) -> QuerySet[Trial]:
        return (
            visible_trials(self.request.user)
            .prefetch_related("profiles")
            .order_by("short_title", "pk")
        )

    def get_object(self) -> Trial:
        return trial_for(self.request.user, self.kwargs["pk"])

    def trial_response(self, trial: Trial) -> dict:
        """The trial as the detail endpoint shows it (reports adds the merged requirements)."""
        return TrialDetailSerializer(trial, context=self.get_serializer_context()).data

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.trial_response(self.get_object()))

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not can_write_trials(request.user):
            raise PermissionDenied(NOT_ALLOWED_TO_WRITE)
        return self._save(TrialSetupSerializer(data=request.data), status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        trial = trial_for(request.user, kwargs["pk"], write=True)
        serializer = TrialSetupSerializer(trial, data=request.data, partial=True)
        return self._save(serializer, status.HTTP_200_OK)

    def _save(self, serializer: TrialSetupSerializer, code: int) -> Response:
        serializer.is_valid(raise_exception=True)
        try:
            trial = serializer.save_with(user=self.request.user)
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        return Response(self.trial_response(Trial.objects.get(pk=trial.pk)), status=code)


# --- site selection ---------------------------------------------------------------------------


class SelectionSiteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    ods_code = serializers.CharField()
    region = serializers.CharField(source="region.code", help_text="Region code.")


class TrialSiteStateSerializer(serializers.ModelSerializer):
    site = SelectionSiteSerializer(read_only=True)

    class Meta:
        model = TrialSite
        fields = [
            "site",
            "status",
            "respond_by",
            "message",
            "reason",
            "planned_opening",
            "updated_at",
        ]


class TrialSiteAddSerializer(serializers.Serializer):
    site = serializers.IntegerField(help_text="Site id (a site outside your scope is a 404).")
    status = serializers.ChoiceField(
        choices=[(s, TrialSite.Status(s).label) for s in services.START_STATUSES]
    )
    respond_by = ApiDateField(required=False, allow_null=True, default=None)
    message = serializers.CharField(required=False, allow_blank=True, default="")


class TrialSiteMoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TrialSite.Status.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    respond_by = ApiDateField(required=False, allow_null=True, default=None)
    message = serializers.CharField(required=False, allow_blank=True, default="")


class TrialSitesView(APIView):
    """The trial's site selection: the sites in your scope, and adding one."""

    @extend_schema(
        summary="A trial's site selection (sites in your scope)",
        tags=["trials"],
        responses={200: TrialSiteStateSerializer(many=True)},
    )
    def get(self, request: Request, trial_id: int) -> Response:
        trial = trial_for(request.user, trial_id)
        rows = visible_trial_sites(request.user, trial).order_by("site__name")
        return Response(TrialSiteStateSerializer(rows, many=True).data)

    @extend_schema(
        summary="Shortlist or invite a site (network coordinators)",
        tags=["trials"],
        request=TrialSiteAddSerializer,
        responses={201: TrialSiteStateSerializer},
    )
    def post(self, request: Request, trial_id: int) -> Response:
        trial = trial_for(request.user, trial_id, write=True)
        body = TrialSiteAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        site = visible_sites(request.user).filter(pk=data["site"]).first()
        if site is None:
            raise Http404("No such site.")
        try:
            trial_site = services.trial_site_add(
                trial=trial,
                site=site,
                status=data["status"],
                user=request.user,
                respond_by=data["respond_by"],
                message=data["message"],
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        return Response(TrialSiteStateSerializer(trial_site).data, status=status.HTTP_201_CREATED)


class TrialSiteView(APIView):
    """One site's place in the selection, and the next step."""

    @extend_schema(
        summary="One site's place in a trial's selection",
        tags=["trials"],
        responses={200: TrialSiteStateSerializer},
    )
    def get(self, request: Request, trial_id: int, site_id: int) -> Response:
        trial = trial_for(request.user, trial_id)
        return Response(TrialSiteStateSerializer(trial_site_for(request.user, trial, site_id)).data)

    @extend_schema(
        summary="Move a site along the selection (the site's coordinator answers invitations)",
        tags=["trials"],
        request=TrialSiteMoveSerializer,
        responses={200: TrialSiteStateSerializer},
    )
    def patch(self, request: Request, trial_id: int, site_id: int) -> Response:
        trial = trial_for(request.user, trial_id)
        trial_site = trial_site_for(request.user, trial, site_id)
        body = TrialSiteMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not can_move_trial_site(request.user, trial_site, data["status"]):
            why = NETWORK_STEPS_ONLY if can_write_trials(request.user) else SITE_ANSWERS_ONLY
            raise PermissionDenied(NOT_YOUR_STEP.format(why=why))
        try:
            trial_site = services.trial_site_move(trial_site=trial_site, user=request.user, **data)
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        return Response(TrialSiteStateSerializer(trial_site).data)
