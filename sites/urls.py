from django.urls import path

from sites import views

app_name = "sites"
urlpatterns = [
    path("<int:site_id>/", views.site_detail, name="detail"),
    path("<int:site_id>/evidence/<int:doc_id>/", views.evidence_download, name="evidence"),
]
