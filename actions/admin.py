from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actions.models import GapAction


@admin.register(GapAction)
class GapActionAdmin(SimpleHistoryAdmin):
    list_display = ["site", "requirement_label", "target_date", "status"]
    list_filter = ["status"]
    search_fields = ["requirement_label", "site__name", "site__ods_code"]
    raw_id_fields = ["site", "owner_staff", "owner_user", "created_by"]
