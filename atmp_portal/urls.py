from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from home import views as home_views

# The admin signs in through the portal's sign-in, so it gets the same lockout and MFA.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("", home_views.home, name="home"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
    path("sites/", include("sites.urls")),
    path("sites/<int:site_id>/staff/", include("training.urls")),
    path("trials/", include("trials.urls")),
    path("guidance/", include("guidance.urls")),
    path("", include("reports.urls")),
    path("api/v1/", include("atmp_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# A request that fails because the database cannot be reached answers 503 in one log line.
handler500 = "atmp_portal.health.server_error"
