from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from guidance.models import Acknowledgement, GuidanceDocument, GuidanceVersion


@admin.register(GuidanceDocument)
class GuidanceDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "section", "retired_at"]
    list_filter = ["section"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(GuidanceVersion)
class GuidanceVersionAdmin(SimpleHistoryAdmin):
    list_display = ["document", "number", "status", "effective_date", "review_due"]
    list_filter = ["status", "document__section"]
    search_fields = ["title", "document__slug"]
    readonly_fields = ["body_html", "published_by", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        # Published and superseded versions are records: shown, never edited here.
        if obj is not None and obj.status != GuidanceVersion.Status.DRAFT:
            return [f.name for f in obj._meta.fields]
        return self.readonly_fields


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "acknowledged_at"]
    search_fields = ["user__email", "version__document__slug"]
    readonly_fields = ["user", "version", "acknowledged_at"]
