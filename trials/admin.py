from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from trials.models import (
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)


class CapabilityRequirementInline(admin.TabularInline):
    model = CapabilityRequirement
    extra = 0
    filter_horizontal = ["capabilities"]


class TrainingRequirementInline(admin.TabularInline):
    model = TrainingRequirement
    extra = 0


class TrialSiteInline(admin.TabularInline):
    model = TrialSite
    extra = 0
    autocomplete_fields = ["site"]


@admin.register(RequirementProfile)
class RequirementProfileAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [CapabilityRequirementInline, TrainingRequirementInline]


@admin.register(Trial)
class TrialAdmin(SimpleHistoryAdmin):
    list_display = ["short_title", "iras_id", "atmp_class", "phase", "status", "is_demo"]
    list_filter = ["atmp_class", "phase", "status", "gmo", "is_demo"]
    search_fields = ["short_title", "full_title", "iras_id", "isrctn", "nct_number", "sponsor"]
    filter_horizontal = ["profiles"]
    inlines = [CapabilityRequirementInline, TrainingRequirementInline, TrialSiteInline]


@admin.register(CapabilityRequirement)
class CapabilityRequirementAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "level"]
    list_filter = ["level", "profile"]
    filter_horizontal = ["capabilities"]


@admin.register(TrainingRequirement)
class TrainingRequirementAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "profile", "trial", "level"]
    list_filter = ["level", "profile", "course"]


@admin.register(TrialSite)
class TrialSiteAdmin(SimpleHistoryAdmin):
    list_display = ["trial", "site", "status", "planned_opening"]
    list_filter = ["status", "trial"]
    search_fields = ["trial__short_title", "site__name", "site__ods_code"]


@admin.register(RequirementOverride)
class RequirementOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["trial", "level", "reason"]
    list_filter = ["level"]
    search_fields = ["trial__short_title", "trial__iras_id", "reason"]
    raw_id_fields = ["capability_requirement", "training_requirement"]
