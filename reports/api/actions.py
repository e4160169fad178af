"""A site's action plan over the API: list and add actions on its gaps, change one.

Scoped as the pages are: anyone who may see the site (its members, network coordinators in
scope) reads its actions; only its coordinators add or change them; to anyone else the site,
and so its actions, do not exist (404). Writes go through the pages' services
(actions.services), so every change keeps its history with the reason given. An action may be
added only on one of the site's gaps today (reports.actions.site_gaps), as from a gap row.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from actions.forms import (
    OWNER_REQUIRED,
    STATUS_REQUIRED,
    TARGET_DATE_REQUIRED,
    owner_choices,
    owner_value,
)
from actions.models import GapAction
from actions.selectors import site_actions
from actions.services import action_create, action_update
from atmp_portal.api import Pagination
from atmp_portal.dates import ApiDateField
from reports.actions import site_gaps
from sites.access import site_for
from sites.models import Site
from training.models import StaffMember

OWNER_HELP = (
    "Who owns the action: `staff-<id>` for a member of the site's staff in post, "
    "`user-<id>` for a portal user who is a member of the site."
)
OWNER_INVALID = "Not one of this site's staff in post or members: give staff-<id> or user-<id>."
NOT_A_GAP = (
    "Not one of this site's gaps today; its gaps are listed by GET /api/v1/sites/{id}/readiness/."
)
UNKNOWN_FIELD = "Unknown field; an action has {fields}."
STATUS_FILTER_INVALID = "Give status as open, done or dropped."
CREATE_FIELDS = ("requirement_key", "owner", "target_date", "note")
UPDATE_FIELDS = ("status", "owner", "target_date", "note", "reason")


class GapActionSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField(help_text=OWNER_HELP)
    owner_name = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open and past its target.")

    class Meta:
        model = GapAction
        fields = [
            "id",
            "requirement_key",
            "requirement_label",
            "owner",
            "owner_name",
            "target_date",
            "note",
            "status",
            "is_overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner(self, action: GapAction) -> str:
        return owner_value(action)


class _ActionFields(serializers.Serializer):
    # A string checked against the site's people (validate_owner), not a ChoiceField: the
    # choices differ per site, and an empty enum would make the schema unsatisfiable.
    owner = serializers.CharField(
        max_length=30,
        help_text=OWNER_HELP,
        error_messages={"required": OWNER_REQUIRED, "blank": OWNER_INVALID},
    )
    target_date = ApiDateField(
        help_text="The day the gap should be closed by, YYYY-MM-DD.",
        error_messages={"required": TARGET_DATE_REQUIRED},
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def __init__(self, *args, site: Site | None = None, current_owner: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.current_owner = current_owner

    def validate_owner(self, value: str) -> str:
        # The current owner stays valid even if they have left since (a PATCH of the status).
        if value == self.current_owner or value in dict(owner_choices(self.site)):
            return value
        raise serializers.ValidationError(OWNER_INVALID)


class GapActionCreateSerializer(_ActionFields):
    requirement_key = serializers.CharField(
        max_length=300, help_text="The gap's requirement key, as the readiness API gives it."
    )


class GapActionUpdateSerializer(_ActionFields):
    status = serializers.ChoiceField(
        choices=GapAction.Status.choices, error_messages={"required": STATUS_REQUIRED}
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it changed; kept with the change in the action's history.",
    )


def _checked(
    serializer_class,
    site: Site,
    data,
    *,
    allowed,
    initial: dict | None = None,
    current_owner: str = "",
) -> dict:
    """The validated body over the action's current values (PATCH), or a 400 naming each field."""
    if not isinstance(data, Mapping):
        raise ValidationError({"detail": "Send a JSON object."})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        message = UNKNOWN_FIELD.format(fields=", ".join(allowed))
        raise ValidationError({name: [message] for name in unknown})
    serializer = serializer_class(
        data={**(initial or {}), **data}, site=site, current_owner=current_owner
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _owner(site: Site, value: str, action: GapAction | None = None) -> StaffMember | User:
    if action is not None and value == owner_value(action):
        return action.owner_staff or action.owner_user
    kind, _, pk = value.partition("-")
    if kind == "staff":
        return StaffMember.objects.get(pk=pk, site=site)
    return User.objects.filter(site_memberships__site=site).distinct().get(pk=pk)


STATUS_PARAMETER = OpenApiParameter(
    "status", str, enum=list(GapAction.Status.values), description="Only actions in this status."
)


class SiteActionList(APIView):
    pagination_class = Pagination
    parser_classes = [JSONParser]

    @extend_schema(
        summary="A site's action plan (every action, by target date)",
        tags=["actions"],
        parameters=[STATUS_PARAMETER],
        responses={200: GapActionSerializer(many=True)},
    )
    def get(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id)
        actions = site_actions(site).order_by("target_date", "pk")
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in GapAction.Status.values:
                raise ValidationError({"status": [STATUS_FILTER_INVALID]})
            actions = actions.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(actions, request, view=self)
        return paginator.get_paginated_response(GapActionSerializer(page, many=True).data)

    @extend_schema(
        summary="Add an action on one of the site's gaps",
        tags=["actions"],
        request=GapActionCreateSerializer,
        responses={201: GapActionSerializer},
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        data = _checked(GapActionCreateSerializer, site, request.data, allowed=CREATE_FIELDS)
        gap = site_gaps(site, request.user, timezone.localdate()).get(data["requirement_key"])
        if gap is None:
            raise ValidationError({"requirement_key": [NOT_A_GAP]})
        action = action_create(
            site=site,
            requirement_key=gap.key,
            requirement_label=gap.label,
            owner=_owner(site, data["owner"]),
            target_date=data["target_date"],
            note=data["note"],
            user=request.user,
        )
        action = site_actions(site).get(pk=action.pk)
        return Response(GapActionSerializer(action).data, status=status.HTTP_201_CREATED)


class SiteActionDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(summary="One action", tags=["actions"], responses={200: GapActionSerializer})
    def get(self, request: Request, site_id: int, action_id: int) -> Response:
        site = site_for(request.user, site_id)
        return Response(
            GapActionSerializer(get_object_or_404(site_actions(site), pk=action_id)).data
        )

    @extend_schema(
        summary="Change an action: its status, owner, target date or note (fields left out are "
        "kept), with the reason kept in its history",
        tags=["actions"],
        request=GapActionUpdateSerializer(partial=True),
        responses={200: GapActionSerializer},
    )
    def patch(self, request: Request, site_id: int, action_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        action = get_object_or_404(site_actions(site), pk=action_id)
        current = {
            "status": action.status,
            "owner": owner_value(action),
            "target_date": action.target_date.isoformat(),
            "note": action.note,
        }
        data = _checked(
            GapActionUpdateSerializer,
            site,
            request.data,
            allowed=UPDATE_FIELDS,
            initial=current,
            current_owner=current["owner"],
        )
        action_update(
            action=action,
            owner=_owner(site, data["owner"], action),
            target_date=data["target_date"],
            status=data["status"],
            note=data["note"],
            reason=data["reason"],
            user=request.user,
        )
        return Response(GapActionSerializer(site_actions(site).get(pk=action.pk)).data)
