from django.urls import path

from accounts import api as accounts_api

urlpatterns = [
    path("auth/token/", accounts_api.ObtainToken.as_view(), name="api-token"),
]
