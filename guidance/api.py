"""Read-only guidance API: ranked search with snippets, and a document with its versions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from atmp_portal.enums import AtmpClass
from guidance import search as guidance_search
from guidance import selectors
from guidance.forms import QUERY_MAX_CHARS, search_params
from guidance.models import GuidanceVersion, Section, Topic


class SearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=True)
    section = serializers.ChoiceField(choices=Section.choices, required=False, allow_blank=True)
    topic = serializers.ChoiceField(choices=Topic.choices, required=False, allow_blank=True)
    atmp_class = serializers.ChoiceField(
        choices=AtmpClass.choices, required=False, allow_blank=True
    )

    def validate_q(self, value: str) -> str:
        # Long text is cut, never refused (search.py caps it further).
        return value[:QUERY_MAX_CHARS]


class SearchResultSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="document.slug")
    section = serializers.CharField(source="document.section")
    topics = serializers.ListField(source="document.topics", child=serializers.CharField())
    atmp_classes = serializers.ListField(
        source="document.atmp_classes", child=serializers.CharField()
    )
    rank = serializers.FloatField()
    snippet = serializers.SerializerMethodField(
        help_text="HTML: document text with the query's words in <mark>; everything else escaped."
    )

    class Meta:
        model = GuidanceVersion
        fields = [
            "slug",
            "title",
            "summary",
            "section",
            "topics",
            "atmp_classes",
            "number",
            "effective_date",
            "review_due",
            "rank",
            "snippet",
        ]

    def get_snippet(self, version: GuidanceVersion) -> str:
        return str(guidance_search.snippet_for(version, self.context["q"]))


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = GuidanceVersion
        fields = ["number", "status", "effective_date", "review_due", "change_note", "needs_reread"]


class CurrentVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuidanceVersion
        fields = [
            "number",
            "status",
            "title",
            "summary",
            "body_html",
            "effective_date",
            "review_due",
            "change_note",
            "needs_reread",
            "published_at",
        ]


class GuidanceDetailSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    section = serializers.ChoiceField(choices=Section.choices)
    topics = serializers.ListField(child=serializers.CharField())
    atmp_classes = serializers.ListField(child=serializers.CharField())
    product_statuses = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()
    retired = serializers.BooleanField()
    current_version = CurrentVersionSerializer()
    versions = VersionSummarySerializer(many=True)


class GuidanceSearch(GenericAPIView):
    """Current guidance ranked by relevance to `q` (websearch syntax), with highlighted snippets."""

    serializer_class = SearchResultSerializer
    # The results come from guidance.search, not a queryset; the browsable API's filter form
    # asks for one all the same (and answered 500 without it).
    queryset = GuidanceVersion.objects.none()
    filter_backends: list = []

    @extend_schema(
        tags=["guidance"],
        operation_id="guidance_search",
        # A page of results (count, next, previous, results), not one result.
        responses={200: SearchResultSerializer(many=True)},
        parameters=[
            OpenApiParameter("q", str, description='Words, "phrases", OR, -exclusions.'),
            OpenApiParameter("section", str, enum=Section.values),
            OpenApiParameter("topic", str, enum=Topic.values),
            OpenApiParameter("atmp_class", str, enum=AtmpClass.values),
        ],
    )
    def get(self, request: Request) -> Response:
        params = SearchParams(data=search_params(request.query_params))
        params.is_valid(raise_exception=True)
        data = params.validated_data
        results = guidance_search.search(
            q=data.get("q", ""),
            section=data.get("section") or None,
            topic=data.get("topic") or None,
            atmp_class=data.get("atmp_class") or None,
            user=request.user,
        )
        page = self.paginate_queryset(results)
        context = {**self.get_serializer_context(), "q": data.get("q", "")}
        body = SearchResultSerializer(page, many=True, context=context).data
        return self.get_paginated_response(body)


class GuidanceDetail(GenericAPIView):
    """A guidance document: its current version and the list of its published versions."""

    @extend_schema(
        tags=["guidance"],
        operation_id="guidance_detail",
        responses={200: GuidanceDetailSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        document = selectors.document_for(slug)
        history = selectors.version_history(document)
        current = history[0]
        return Response(
            {
                "slug": document.slug,
                "title": current.title,
                "section": document.section,
                "topics": document.topics,
                "atmp_classes": document.atmp_classes,
                "product_statuses": document.product_statuses,
                "source": document.source,
                "retired": document.is_retired,
                "current_version": CurrentVersionSerializer(current).data,
                "versions": VersionSummarySerializer(history, many=True).data,
            }
        )
