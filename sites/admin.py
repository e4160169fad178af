from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import UserAdmin
from accounts.models import User
from sites.models import (
    Capability,
    EvidenceDocument,
    NetworkRegion,
    Region,
    Site,
    SiteCapability,
    SiteMembership,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "nhs_region"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "ods_code", "region", "city", "attc", "is_demo"]
    list_filter = ["region", "attc", "code_system", "is_demo"]
    search_fields = ["name", "ods_code", "city"]


@admin.register(SiteMembership)
class SiteMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "site", "role"]
    list_filter = ["role"]
    search_fields = ["user__email", "site__name", "site__ods_code"]
    autocomplete_fields = ["site"]


@admin.register(Capability)
class CapabilityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "evidence_validity_months", "is_custom"]
    list_filter = ["category", "is_custom"]
    search_fields = ["code", "name", "description"]


@admin.register(SiteCapability)
class SiteCapabilityAdmin(SimpleHistoryAdmin):
    list_display = ["site", "capability", "status", "evidence_expires_on", "version"]
    list_filter = ["status", "capability__category", "site__region"]
    search_fields = ["site__name", "site__ods_code", "capability__code"]
    list_select_related = ["site", "capability"]
    raw_id_fields = ["evidence", "reviewed_by"]
    readonly_fields = ["version"]


@admin.register(EvidenceDocument)
class EvidenceDocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "site", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "sha256", "site__ods_code"]
    readonly_fields = ["file", "original_name", "content_type", "size", "sha256", "uploaded_by"]


@admin.register(NetworkRegion)
class NetworkRegionAdmin(admin.ModelAdmin):
    list_display = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__email", "region__code", "region__name"]


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 0
    autocomplete_fields = ["site"]


class NetworkRegionInline(admin.TabularInline):
    model = NetworkRegion
    extra = 0


class UserWithScopeAdmin(UserAdmin):
    """accounts' user admin with the user's site memberships and network regions inline.

    Memberships belong to the sites app (docs/architecture.md), so the inlines are added here
    rather than in accounts, which does not import sites.
    """

    inlines = [*UserAdmin.inlines, MembershipInline, NetworkRegionInline]


admin.site.unregister(User)
admin.site.register(User, UserWithScopeAdmin)
