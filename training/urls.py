"""Staff and training pages of one site; mounted at sites/<int:site_id>/staff/."""

from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.staff_list, name="staff-list"),
    path("add/", views.staff_add, name="staff-add"),
    path("import/", views.import_upload, name="import"),
    path("import/template.csv", views.import_template, name="import-template"),
    path("import/courses.csv", views.import_courses, name="import-courses"),
    path("import/apply/", views.import_apply, name="import-apply"),
    path("<int:staff_id>/", views.staff_detail, name="staff-detail"),
    path("<int:staff_id>/edit/", views.staff_edit, name="staff-edit"),
    path("<int:staff_id>/deactivate/", views.staff_deactivate, name="staff-deactivate"),
    path("<int:staff_id>/reactivate/", views.staff_reactivate, name="staff-reactivate"),
    path("<int:staff_id>/training/add/", views.record_add, name="record-add"),
    path("<int:staff_id>/training/<int:record_id>/", views.record_edit, name="record-edit"),
]
