"""Integration API for a site's readiness checklist, with optimistic concurrency over HTTP.

Each item (one capability at one site) carries its `version` as a strong ETag. Writes must
send it back in `If-Match`: without it they are refused (428), and when the item moved on
since it was read they are refused (412) with the item as it is now, so an integration never
overwrites a coordinator's change unseen. Saving goes through `sites.services.capability_update`,
the service behind the checklist form, so the rules (a reason for Not applicable, history with
who and why, same values = no new version) are the form's. Who may write is the pages' rule
(`sites.access.can_write_capability`): coordinators every item, pharmacists pharmacy items;
anyone else gets 404 for a write, as on the pages.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atmp_portal.api import AnyAcceptNegotiation, Pagination
from atmp_portal.dates import ApiDateField
from atmp_portal.schema import ERROR
from sites.access import can_write_capability, site_for
from sites.models import Capability, EvidenceDocument, Site, SiteCapability
from sites.services import TRACKED_FIELDS, Conflict, capability_update
from sites.uploads import ALLOWED_TYPES, evidence_response, evidence_store

IF_MATCH_REQUIRED = (
    "Send If-Match with the ETag of the item as you last read it (GET this URL): "
    "writes without it could overwrite someone else's change."
)
IF_MATCH_INVALID = 'If-Match must be the ETag of the item, for example "3".'
STALE = "The item changed since you read it: `current` is the item now; re-apply your change to it."
UNKNOWN_FIELDS = "Unknown field; this endpoint takes {fields}."


def etag(version: int) -> str:
    return f'"{version}"'


def _if_match(request: Request) -> set[int] | None:
    """The versions If-Match names; None when the header is absent. 400 when unreadable."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    versions = set()
    for tag in header.split(","):
        tag = tag.strip()
        value = tag.removeprefix('"').removesuffix('"')
        if not (tag.startswith('"') and tag.endswith('"') and value.isascii() and value.isdigit()):
            raise ValidationError({"If-Match": [IF_MATCH_INVALID]})
        versions.add(int(value))
    return versions


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField(help_text="Where to fetch the file.")

    class Meta:
        model = EvidenceDocument
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "download"]

    def get_download(self, document: EvidenceDocument) -> str:
        return reverse("api-site-evidence", args=[document.site_id, document.pk])


class ChecklistItemSerializer(serializers.Serializer):
    """One capability at one site; `version` 0 and `recorded` false: never recorded."""

    capability = serializers.CharField(source="capability.code")
    name = serializers.CharField(source="capability.name")
    category = serializers.ChoiceField(
        source="capability.category", choices=Capability.Category.choices
    )
    recorded = serializers.SerializerMethodField(help_text="The site has recorded this item.")
    status = serializers.ChoiceField(choices=SiteCapability.Status.choices)
    notes = serializers.CharField()
    not_applicable_reason = serializers.CharField()
    evidence_expires_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(help_text="Raised on every change; the item's ETag.")
    updated_at = serializers.DateTimeField(allow_null=True)
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_recorded(self, item: SiteCapability) -> bool:
        return item.pk is not None

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, item: SiteCapability) -> list[dict]:
        if item.pk is None:
            return []
        return EvidenceSerializer(item.evidence.all(), many=True).data


class _StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a misspelt `staus` must not be a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = UNKNOWN_FIELDS.format(fields=", ".join(self.fields))
                raise ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class ChecklistItemUpdateSerializer(_StrictSerializer):
    """What a PATCH may change; a field left out keeps its value."""

    status = serializers.ChoiceField(choices=SiteCapability.Status.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    not_applicable_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Needed when the status is not_applicable.",
    )
    evidence_expires_on = ApiDateField(
        required=False, allow_null=True, help_text="Last day the evidence is valid; null: none."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="Why, for the item's history (default: Checklist updated).",
    )


class EvidenceUploadSerializer(_StrictSerializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text="PDF, PNG or JPEG, judged by its content."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=80)


def _item(site: Site, capability: Capability) -> SiteCapability:
    """The site's item, or an unsaved one at version 0 when it was never recorded."""
    found = SiteCapability.objects.filter(site=site, capability=capability).first()
    return found or SiteCapability(site=site, capability=capability, version=0)


def _item_response(item: SiteCapability, code: int = status.HTTP_200_OK) -> Response:
    response = Response(ChecklistItemSerializer(item).data, status=code)
    response["ETag"] = etag(item.version)
    return response


def _stale(site: Site, capability: Capability) -> Response:
    item = _item(site, capability)
    response = Response(
        {"detail": STALE, "current": ChecklistItemSerializer(item).data},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    response["ETag"] = etag(item.version)
    return response


def _conditional_write(
    request: Request, site_id: int, capability_code: str, serializer_class, write
) -> Response:
    """A write under HTTP optimistic concurrency, the checklist form's rule over HTTP.

    404 outside scope, 428 without If-Match, 400 for a bad body, 412 (with the item as it is
    now) when If-Match names another version or someone saves first; else `write(site,
    capability, item, validated_data)`'s answer.
    """
    site, capability = _writable(request, site_id, capability_code)
    versions = _if_match(request)
    if versions is None:
        return Response({"detail": IF_MATCH_REQUIRED}, status=428)
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    item = _item(site, capability)
    if item.version not in versions:
        return _stale(site, capability)
    try:
        return write(site, capability, item, payload.validated_data)
    except Conflict:
        return _stale(site, capability)


def _readable(request: Request, site_id: int, capability_code: str) -> tuple[Site, Capability]:
    site = site_for(request.user, site_id)
    return site, get_object_or_404(Capability, code=capability_code)


def _writable(request: Request, site_id: int, capability_code: str) -> tuple[Site, Capability]:
    """As on the pages: an item the user may read but not write has no write for them (404)."""
    site, capability = _readable(request, site_id, capability_code)
    if not can_write_capability(request.user, site, capability):
        raise Http404("No such checklist item.")
    return site, capability


def _save(request, site, capability, *, item, changes: dict, document=None) -> SiteCapability:
    """capability_update with the item's values overlaid by `changes` (400 on a broken rule)."""
    values = {name: changes.get(name, getattr(item, name)) for name in TRACKED_FIELDS}
    try:
        return capability_update(
            site=site,
            capability=capability,
            user=request.user,
            expected_version=item.version,
            reason=changes.get("reason", ""),
            new_document=document,
            **values,
        )
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the item as last read, e.g. "3" ("0": never recorded).',
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The item's version, to send back in If-Match.",
)
STALE_RESPONSE = OpenApiResponse(
    inline_serializer(
        "StaleItem", {"detail": serializers.CharField(), "current": ChecklistItemSerializer()}
    ),
    description="The item changed since that ETag: `current` is the item now.",
)
WRITE_RESPONSES = {
    412: STALE_RESPONSE,
    428: OpenApiResponse(ERROR, description="No If-Match header."),
}


class ChecklistList(APIView):
    """Every catalogue capability with the site's item for it (recorded or not)."""

    pagination_class = Pagination

    @extend_schema(
        summary="A site's checklist",
        tags=["checklist"],
        responses={200: ChecklistItemSerializer(many=True)},
    )
    def get(self, request: Request, site_id: int) -> Response:
        site = site_for(request.user, site_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            Capability.objects.order_by("category", "name", "pk"), request, view=self
        )
        recorded = {
            item.capability_id: item
            for item in SiteCapability.objects.filter(
                site=site, capability__in=page
            ).prefetch_related("evidence")
        }
        items = [
            recorded.get(cap.pk) or SiteCapability(site=site, capability=cap, version=0)
            for cap in page
        ]
        for item in items:
            item.capability = next(cap for cap in page if cap.pk == item.capability_id)
        return paginator.get_paginated_response(ChecklistItemSerializer(items, many=True).data)


class ChecklistItemView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="One checklist item, with its ETag",
        tags=["checklist"],
        parameters=[ETAG],
        responses={200: ChecklistItemSerializer},
    )
    def get(self, request: Request, site_id: int, capability_code: str) -> Response:
        return _item_response(_item(*_readable(request, site_id, capability_code)))

    @extend_schema(
        summary="Change a checklist item (If-Match required)",
        tags=["checklist"],
        parameters=[IF_MATCH, ETAG],
        request=ChecklistItemUpdateSerializer,
        responses={200: ChecklistItemSerializer, **WRITE_RESPONSES},
    )
    def patch(self, request: Request, site_id: int, capability_code: str) -> Response:
        def write(site, capability, item, data):
            return _item_response(_save(request, site, capability, item=item, changes=data))

        return _conditional_write(
            request, site_id, capability_code, ChecklistItemUpdateSerializer, write
        )


class ChecklistEvidenceView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Add an evidence file to a checklist item (If-Match required)",
        tags=["checklist"],
        parameters=[IF_MATCH, ETAG],
        request=EvidenceUploadSerializer,
        responses={201: ChecklistItemSerializer, **WRITE_RESPONSES},
    )
    def post(self, request: Request, site_id: int, capability_code: str) -> Response:
        def write(site, capability, item, data):
            try:
                document = evidence_store(site=site, uploaded_file=data["file"], user=request.user)
            except DjangoValidationError as error:
                raise ValidationError({"file": error.messages}) from None
            saved = _save(
                request,
                site,
                capability,
                item=item,
                changes={"reason": data.get("reason", "")},
                document=document,
            )
            return _item_response(saved, status.HTTP_201_CREATED)

        return _conditional_write(
            request, site_id, capability_code, EvidenceUploadSerializer, write
        )


class EvidenceDownload(APIView):
    content_negotiation_class = AnyAcceptNegotiation

    # The file's own type (uploads accept these only), as evidence_response sends it.
    @extend_schema(
        summary="Download an evidence file",
        tags=["checklist"],
        responses={(200, kind): OpenApiTypes.BINARY for kind in ALLOWED_TYPES},
    )
    def get(self, request: Request, site_id: int, doc_id: int):
        site = site_for(request.user, site_id)
        return evidence_response(get_object_or_404(site.documents.all(), pk=doc_id))
