"""Read-only API for the training course catalogue (no site data: any signed-in user)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from training.models import Course


class CourseSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Role codes that usually need it."
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "provider",
            "renewal_months",
            "roles",
            "roles_note",
            "scope",
            "is_custom",
        ]


@extend_schema_view(
    list=extend_schema(summary="The training course catalogue", tags=["catalogue"]),
    retrieve=extend_schema(summary="One course", tags=["catalogue"]),
)
class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CourseSerializer
    filterset_fields = ["scope"]
    lookup_value_regex = r"[0-9]+"
    queryset = Course.objects.order_by("title", "pk")
