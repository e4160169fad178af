"""Report jobs over the API: request one (202), read its status, download its files."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from atmp_portal.dates import ApiDateField
from reports import access, broker, jobs
from reports.models import ReadinessReport
from reports.views.jobs import file_response


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReadinessReport.Kind.choices,
        error_messages={"invalid_choice": access.UNKNOWN_KIND},
    )
    site = serializers.IntegerField(required=False, allow_null=True)
    region = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    trial = serializers.IntegerField(required=False, allow_null=True)
    profile = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    on = ApiDateField(
        required=False,
        allow_null=True,
        help_text="Assessment date, YYYY-MM-DD; default today.",
        error_messages={"invalid": "on: enter a date as YYYY-MM-DD, for example 2026-03-31."},
    )


class ReportSerializer(serializers.ModelSerializer):
    progress = serializers.CharField(
        source="progress_label",
        read_only=True,
        help_text='What the requester is told, e.g. "Queued", "Building", '
        '"Retrying (attempt 2 of 3)", "Succeeded".',
    )
    pdf = serializers.SerializerMethodField()
    csv = serializers.SerializerMethodField()

    class Meta:
        model = ReadinessReport
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "attempts",
            "error",
            "as_of",
            "created_at",
            "finished_at",
            "pdf",
            "csv",
        ]

    def _url(self, report: ReadinessReport, name: str) -> str | None:
        if report.status != ReadinessReport.Status.SUCCEEDED:
            return None
        return self.context["request"].build_absolute_uri(
            reverse(f"api-report-{name}", args=[report.pk])
        )

    def get_pdf(self, report: ReadinessReport) -> str | None:
        return self._url(report, "pdf")

    def get_csv(self, report: ReadinessReport) -> str | None:
        return self._url(report, "csv")


class ReportListCreate(APIView):
    """Request a readiness report; it is built in the background."""

    @extend_schema(
        request=ReportRequestSerializer,
        responses={
            202: inline_serializer(
                "ReportQueued",
                {"id": serializers.IntegerField(), "status": serializers.CharField()},
            ),
            400: None,
            404: None,
            503: None,
        },
    )
    def post(self, request):
        payload = ReportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            report = jobs.report_request(
                user=request.user,
                kind=data["kind"],
                site=data.get("site"),
                region=data.get("region"),
                trial=data.get("trial"),
                profile=data.get("profile"),
                as_of=data.get("on") or timezone.localdate(),
            )
        except access.ReportRequestError as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        except broker.BrokerUnavailable as error:
            return Response({"detail": error.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_202_ACCEPTED)


class ReportDetail(APIView):
    @extend_schema(responses={200: ReportSerializer, 404: None})
    def get(self, request, report_id: int):
        report = access.report_for(request.user, report_id)
        return Response(ReportSerializer(report, context={"request": request}).data)


class FileNegotiation(BaseContentNegotiation):
    """Downloads answer with the file whatever the Accept header asks (a client may send
    `Accept: application/pdf`); errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _download(request: HttpRequest, report_id: int, which: str) -> FileResponse:
    return file_response(access.report_for(request.user, report_id), which)


class ReportPdf(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={(200, "application/pdf"): bytes, 404: None})
    def get(self, request, report_id: int):
        return _download(request, report_id, "pdf")


class ReportCsv(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={(200, "text/csv"): bytes, 404: None})
    def get(self, request, report_id: int):
        return _download(request, report_id, "csv")
