from django.urls import path

from guidance import views, views_editor

app_name = "guidance"
urlpatterns = [
    path("", views.guidance_list, name="list"),
    path("acknowledgements/", views.acknowledgements_index, name="acknowledgements"),
    path(
        "acknowledgements/<int:site_id>/", views.acknowledgements_site, name="acknowledgements_site"
    ),
    path("editor/", views_editor.document_list, name="editor_list"),
    path("editor/new/", views_editor.document_create, name="editor_create"),
    path("editor/<slug:slug>/", views_editor.document_manage, name="editor_document"),
    path("editor/<slug:slug>/draft/", views_editor.draft_edit, name="editor_draft"),
    path("editor/<slug:slug>/publish/", views_editor.draft_publish, name="editor_publish"),
    path("editor/<slug:slug>/supports/", views_editor.document_supports, name="editor_supports"),
    path("editor/<slug:slug>/retire/", views_editor.document_retire, name="editor_retire"),
    path("<slug:slug>/", views.guidance_detail, name="detail"),
    path("<slug:slug>/versions/<int:number>/", views.guidance_version, name="version"),
    path("<slug:slug>/acknowledge/", views.guidance_acknowledge, name="acknowledge"),
]
