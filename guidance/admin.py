from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from guidance.models import (
    Acknowledgement,
    GuidanceDocument,
    GuidanceVersion,
    RereadNotice,
    ReviewReminder,
)


def _without_bulk_delete(actions: dict) -> dict:
    # Bulk delete would try to remove published records; the model refuses, so do not offer it.
    actions.pop("delete_selected", None)
    return actions


@admin.register(GuidanceDocument)
class GuidanceDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "section", "retired_at"]
    list_filter = ["section"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["capabilities", "courses"]

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.has_records:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(GuidanceVersion)
class GuidanceVersionAdmin(SimpleHistoryAdmin):
    """Read-only: versions are written and published through the editor pages (guidance.services),
    which render the Markdown, number the version and keep the search vector current."""

    list_display = ["document", "number", "status", "effective_date", "review_due"]
    list_filter = ["status", "document__section"]
    search_fields = ["title", "document__slug"]

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None or obj.status != GuidanceVersion.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "acknowledged_at"]
    search_fields = ["user__email", "version__document__slug"]
    readonly_fields = ["user", "version", "acknowledged_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _SentRecordAdmin(admin.ModelAdmin):
    """What was sent, kept so nothing goes twice: readable, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RereadNotice)
class RereadNoticeAdmin(_SentRecordAdmin):
    list_display = ["user", "version", "sent_at"]
    search_fields = ["user__email", "version__document__slug"]
    list_select_related = ["user", "version__document"]


@admin.register(ReviewReminder)
class ReviewReminderAdmin(_SentRecordAdmin):
    list_display = ["user", "month", "documents", "sent_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
