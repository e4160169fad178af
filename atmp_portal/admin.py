"""The admin action log (django.contrib.admin's LogEntry), readable and never editable.

Every add, change and delete made through /admin/ is recorded as a LogEntry. Here it is shown
at /admin/admin/logentry/ to superusers, read-only: nobody can add, change or delete an entry
through the admin, so the record of what administrators did stays whole.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    date_hierarchy = "action_time"
    readonly_fields = [field.name for field in LogEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
