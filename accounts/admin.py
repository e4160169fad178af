from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, User
from accounts.services import api_token_revoke


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """The account fields. sites.admin adds the memberships and regions as inlines."""

    ordering = ["email"]
    list_display = ["email", "full_name", "network_scope", "is_guidance_editor", "is_active"]
    list_filter = ["network_scope", "is_guidance_editor", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Portal roles", {"fields": ["network_scope", "is_guidance_editor"]}),
        ("Administration", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deactivate, never delete: deleting a user would delete the admin action log entries
        # and orphan the change history that name them (attributable records, ALCOA+).
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see and revoke tokens; only their owners create them (the key is shown once)."""

    list_display = [
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            api_token_revoke(token=token)
