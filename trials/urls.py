from django.urls import path

from trials import views, views_editing, views_profiles, views_selection

app_name = "trials"
urlpatterns = [
    path("", views.trial_list, name="list"),
    path("new/", views.trial_create, name="create"),
    path("<int:trial_id>/", views.trial_detail, name="detail"),
    path("<int:trial_id>/history/", views.trial_history_page, name="history"),
    path("<int:trial_id>/edit/", views.trial_edit, name="edit"),
    path("<int:trial_id>/requirements/", views.trial_requirements, name="requirements"),
    path(
        "<int:trial_id>/requirements/capability/",
        views.capability_requirement_add,
        name="capability-add",
    ),
    path(
        "<int:trial_id>/requirements/training/", views.training_requirement_add, name="training-add"
    ),
    path("<int:trial_id>/requirements/override/", views.override_add, name="override-add"),
    path(
        "<int:trial_id>/requirements/<str:kind>/<int:requirement_id>/remove/",
        views.requirement_remove,
        name="requirement-remove",
    ),
    path(
        "<int:trial_id>/requirements/<str:kind>/<int:requirement_id>/edit/",
        views_editing.trial_requirement_edit,
        name="requirement-edit",
    ),
    path("<int:trial_id>/sites/", views_selection.trial_sites, name="sites"),
    path("<int:trial_id>/sites/bulk/", views_selection.trial_sites_bulk, name="sites-bulk"),
    path("<int:trial_id>/sites/<int:site_id>/", views_selection.trial_site, name="site"),
    path(
        "<int:trial_id>/sites/<int:site_id>/answer/",
        views_selection.invitation_answer,
        name="site_answer",
    ),
    path("profiles/", views_profiles.profile_list, name="profiles"),
    path("profiles/<slug:profile_code>/", views_profiles.profile_detail, name="profile"),
    path("profiles/<slug:profile_code>/edit/", views_editing.profile_edit, name="profile-edit"),
    path(
        "profiles/<slug:profile_code>/<str:kind>/<int:requirement_id>/edit/",
        views_editing.profile_requirement_edit,
        name="profile-requirement-edit",
    ),
    path(
        "profiles/<slug:profile_code>/capability/",
        views_profiles.profile_capability_add,
        name="profile-capability-add",
    ),
    path(
        "profiles/<slug:profile_code>/training/",
        views_profiles.profile_training_add,
        name="profile-training-add",
    ),
    path(
        "profiles/<slug:profile_code>/<str:kind>/<int:requirement_id>/remove/",
        views_profiles.profile_requirement_remove,
        name="profile-requirement-remove",
    ),
]
