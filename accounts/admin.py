from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


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
