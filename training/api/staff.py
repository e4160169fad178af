"""Staff over the API, for a trust's workforce system: list, add, change, mark as left.

Scoped as the staff pages are: anyone who may see the site reads its staff; only its
coordinators write (others get 404 for a write, as on the pages). Input is checked by the
pages' own form (training.forms.StaffMemberForm: required fields, roles, one e-mail per site)
and saved by the pages' services (training.services), so history and rules are the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atmp_portal.api import Pagination
from atmp_portal.dates import ApiDateField
from sites.access import site_for
from sites.models import Site
from training import services
from training.forms import EMAIL_TAKEN, StaffMemberForm
from training.models import StaffMember, StaffRole

UNKNOWN_FIELD = "Unknown field; staff members have " + ", ".join(services.STAFF_FIELDS)


class StaffSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=StaffRole.choices))

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "full_name",
            "email",
            "roles",
            "job_title",
            "registration_number",
            "active",
            "left_on",
        ]
        read_only_fields = ["id", "active", "left_on"]


class StaffWriteSerializer(serializers.Serializer):
    """For the schema; the pages' form does the checking."""

    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=StaffRole.choices), min_length=1
    )
    job_title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    registration_number = serializers.CharField(max_length=20, required=False, allow_blank=True)


class LeaverSerializer(serializers.Serializer):
    left_on = ApiDateField(help_text="Their last day, YYYY-MM-DD.")


def _checked(site: Site, data, instance: StaffMember | None = None) -> dict:
    """The form's cleaned data for `data` over the instance's current values, or 400."""
    if not isinstance(data, Mapping):
        raise ValidationError({"detail": "Send a JSON object."})
    unknown = sorted(set(data) - set(services.STAFF_FIELDS))
    if unknown:
        raise ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
    current = (
        {}
        if instance is None
        else {name: getattr(instance, name) for name in services.STAFF_FIELDS}
    )
    merged = {**current, **{k: ("" if v is None else v) for k, v in data.items()}}
    if not isinstance(merged.get("roles", []), list):
        raise ValidationError({"roles": ["Give roles as a list of role codes."]})
    form = StaffMemberForm(merged, instance=instance, site=site)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.cleaned_data


def _staff(site: Site, staff_id: int) -> StaffMember:
    return get_object_or_404(site.staff.all(), pk=staff_id)


class StaffList(APIView):
    pagination_class = Pagination
    parser_classes = [JSONParser]

    @extend_schema(
        summary="A site's staff (leavers too)",
        tags=["staff"],
        responses={200: StaffSerializer(many=True)},
    )
    def get(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            site.staff.order_by("-active", "full_name", "pk"), request, view=self
        )
        return paginator.get_paginated_response(StaffSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a staff member",
        tags=["staff"],
        request=StaffWriteSerializer,
        responses={201: StaffSerializer},
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        fields = _checked(site, request.data)
        try:
            staff = services.staff_create(site=site, user=request.user, **fields)
        except IntegrityError:  # the same e-mail added at the same moment
            raise ValidationError({"email": [EMAIL_TAKEN]}) from None
        return Response(StaffSerializer(staff).data, status=status.HTTP_201_CREATED)


class StaffDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(summary="One staff member", tags=["staff"], responses={200: StaffSerializer})
    def get(self, request: Request, site_id: int, staff_id: int) -> Response:
        return Response(StaffSerializer(_staff(site_for(request.user, site_id), staff_id)).data)

    @extend_schema(
        summary="Change a staff member's details (fields left out are kept)",
        tags=["staff"],
        request=StaffWriteSerializer(partial=True),
        responses={200: StaffSerializer},
    )
    def patch(self, request: Request, site_id: int, staff_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        staff = _staff(site, staff_id)
        fields = _checked(site, request.data, instance=staff)
        try:
            staff = services.staff_update(staff=staff, user=request.user, **fields)
        except IntegrityError:
            raise ValidationError({"email": [EMAIL_TAKEN]}) from None
        return Response(StaffSerializer(staff).data)


class StaffDeactivate(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Mark a staff member as left (their records are kept)",
        tags=["staff"],
        request=LeaverSerializer,
        responses={200: StaffSerializer},
    )
    def post(self, request: Request, site_id: int, staff_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        staff = _staff(site, staff_id)
        payload = LeaverSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        staff = services.staff_deactivate(
            staff=staff, user=request.user, left_on=payload.validated_data["left_on"]
        )
        return Response(StaffSerializer(staff).data)


class StaffReactivate(APIView):
    @extend_schema(
        summary="Mark a leaver as back in post",
        tags=["staff"],
        request=None,
        responses={200: StaffSerializer},
    )
    def post(self, request: Request, site_id: int, staff_id: int) -> Response:
        site = site_for(request.user, site_id, write=True)
        staff = services.staff_reactivate(staff=_staff(site, staff_id), user=request.user)
        return Response(StaffSerializer(staff).data)
