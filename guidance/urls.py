from django.urls import path

from guidance import views

app_name = "guidance"
urlpatterns = [
    path("", views.guidance_list, name="list"),
    path("<slug:slug>/", views.guidance_detail, name="detail"),
]
