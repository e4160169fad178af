"""POST /api/v1/sites/{site_id}/training-records/bulk/: a learning system's feed (training.bulk)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sites.access import site_for
from training.bulk import (
    CREATED,
    MAX_RECORDS,
    UNCHANGED,
    UPDATED,
    BulkHasErrors,
    training_records_upsert,
)

NOTHING_SAVED = "No records were saved: {rows} of {total} rows have errors."
NOT_A_FEED = 'No records were saved: send {"records": [...]} with 1 to 10,000 records.'


class FeedRecordSerializer(serializers.Serializer):
    """For the schema: the service checks each record itself, to report every row's errors."""

    external_id = serializers.CharField(
        max_length=100, help_text="The learning system's id for the record."
    )
    email = serializers.EmailField(help_text="The staff member's work e-mail at this site.")
    course_code = serializers.CharField(help_text="A course code of the catalogue, e.g. gcp.")
    completed_on = serializers.CharField(help_text="YYYY-MM-DD (or DD/MM/YYYY, as in the CSV).")
    expiry_override = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Only when the certificate states another expiry than the course's renewal.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class FeedSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        min_length=1,
        max_length=MAX_RECORDS,
        help_text=f"1 to {MAX_RECORDS:,} records.",
    )


FEED_REQUEST = inline_serializer(
    "TrainingFeed",
    {
        "records": FeedRecordSerializer(many=True, help_text=f"1 to {MAX_RECORDS:,} records."),
    },
)
FEED_RESULT = inline_serializer(
    "TrainingFeedResult",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "results": inline_serializer(
            "TrainingFeedRow",
            {
                "row": serializers.IntegerField(help_text="1 = the first record."),
                "external_id": serializers.CharField(),
                "id": serializers.IntegerField(help_text="The training record's id here."),
                "action": serializers.ChoiceField(choices=[CREATED, UPDATED, UNCHANGED]),
            },
            many=True,
        ),
    },
)
FEED_ERRORS = inline_serializer(
    "TrainingFeedErrors",
    {
        "detail": serializers.CharField(),
        "errors": inline_serializer(
            "TrainingFeedRowError",
            {
                "row": serializers.IntegerField(help_text="1 = the first record."),
                "field": serializers.CharField(
                    help_text="The record's field, or `row` for the whole."
                ),
                "message": serializers.CharField(),
            },
            many=True,
            required=False,
            help_text="Each row's problems (rows were readable).",
        ),
        "records": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="What is wrong with the body as a whole (it is not a list of records).",
        ),
    },
)


class TrainingRecordsBulk(APIView):
    """Create or update many training records at once, keyed by the learning system's ids."""

    parser_classes = [JSONParser]

    @extend_schema(
        summary="Upsert training records from a learning system (all or nothing)",
        tags=["training"],
        request=FEED_REQUEST,
        responses={
            200: FEED_RESULT,
            400: OpenApiResponse(
                FEED_ERRORS,
                description=(
                    "Nothing saved. `errors` lists each row's problems (row number and field); "
                    "`records` says what is wrong with a body that is not a list of records."
                ),
            ),
        },
    )
    def post(self, request: Request, site_id: int) -> Response:
        # Staff and their training are the coordinators' (as on the pages): others get 404.
        site = site_for(request.user, site_id, write=True)
        payload = FeedSerializer(data=request.data)
        if not payload.is_valid():
            errors = payload.errors if isinstance(payload.errors, dict) else {}
            return Response(
                {"detail": NOT_A_FEED, "records": errors.get("records", [NOT_A_FEED])},
                status=status.HTTP_400_BAD_REQUEST,
            )
        records = payload.validated_data["records"]
        try:
            result = training_records_upsert(
                site=site, records=records, user=request.user, on=timezone.localdate()
            )
        except BulkHasErrors as error:
            return Response(
                {
                    "detail": NOTHING_SAVED.format(
                        rows=len({e.row for e in error.errors}), total=len(records)
                    ),
                    "errors": [
                        {"row": e.row, "field": e.field, "message": e.message} for e in error.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "created": result.count(CREATED),
                "updated": result.count(UPDATED),
                "unchanged": result.count(UNCHANGED),
                "results": [
                    {
                        "row": row.outcome.line,
                        "external_id": row.external_id,
                        "id": row.record.pk,
                        "action": row.action,
                    }
                    for row in result.rows
                ],
            }
        )
