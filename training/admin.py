from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from training.models import Course, ExpiryDigest, StaffMember, TrainingRecord


@admin.register(Course)
class CourseAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "renewal_months", "scope", "is_custom"]
    list_filter = ["scope", "is_custom"]
    search_fields = ["code", "title", "provider"]


@admin.register(StaffMember)
class StaffMemberAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "email", "site", "active"]
    list_filter = ["active", "site__region"]
    search_fields = ["full_name", "email", "site__name", "site__ods_code"]
    list_select_related = ["site"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(SimpleHistoryAdmin):
    list_display = ["staff", "course", "completed_on", "expiry_override"]
    list_filter = ["course"]
    search_fields = ["staff__full_name", "staff__email", "course__code"]
    list_select_related = ["staff", "course"]
    raw_id_fields = ["staff", "certificate"]


@admin.register(ExpiryDigest)
class ExpiryDigestAdmin(admin.ModelAdmin):
    """The expiry digests sent: read-only, it is the record that stops repeats."""

    list_display = ["user", "frequency", "period_start", "sent_at", "expired", "expiring"]
    list_filter = ["frequency", "period_start"]
    search_fields = ["user__email"]
    readonly_fields = list_display
    list_select_related = ["user"]
