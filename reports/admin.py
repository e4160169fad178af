from django.contrib import admin

from reports.models import ReadinessReport


@admin.register(ReadinessReport)
class ReadinessReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "requested_by", "as_of", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["requested_by__email", "error"]
    readonly_fields = ["status", "error", "attempts", "started_at", "finished_at", "pdf", "csv"]
