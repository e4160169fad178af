from django.contrib import admin

from reports.models import CatalogueStamp, ReadinessReport, ReadinessStamp, TrendSnapshot


@admin.register(ReadinessReport)
class ReadinessReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "requested_by", "as_of", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["requested_by__email", "error"]
    readonly_fields = ["status", "error", "attempts", "started_at", "finished_at", "pdf", "csv"]


class DerivedDataAdmin(admin.ModelAdmin):
    """Rows the portal derives itself (triggers, the trend fill): shown to support staff, never
    written by hand, since a hand-made stamp or trend point would be a wrong answer served."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReadinessStamp)
class ReadinessStampAdmin(DerivedDataAdmin):
    list_display = ["site_id", "version"]
    search_fields = ["site_id"]


@admin.register(CatalogueStamp)
class CatalogueStampAdmin(DerivedDataAdmin):
    list_display = ["id", "version"]


@admin.register(TrendSnapshot)
class TrendSnapshotAdmin(DerivedDataAdmin):
    list_display = ["on", "requirements_key", "sites_key", "sites", "ready", "median_score"]
    list_filter = ["on"]
    search_fields = ["requirements_key", "sites_key"]
