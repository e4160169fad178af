from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibility/", TemplateView.as_view(template_name="accessibility.html"),
         name="accessibility"),
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
