"""Pages built on the readiness engine. Mounted at the site root by atmp_portal/urls.py,
so paths here are full paths (e.g. "readiness/", "sites/<int:site_id>/readiness/")."""

from django.urls import path  # noqa: F401

app_name = "reports"
urlpatterns: list = []
