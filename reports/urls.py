"""Pages built on the readiness engine. Mounted at the site root by atmp_portal/urls.py,
so paths here are full paths (e.g. "readiness/", "sites/<int:site_id>/readiness/")."""

from django.urls import path  # noqa: F401

from reports.views import readiness as readiness_views
from reports.views import sites as site_views

app_name = "reports"
urlpatterns: list = []
urlpatterns += [
    # The site list filters by readiness for a trial, so it is the engine's page (sites.urls
    # has the rest of /sites/).
    path("sites/", site_views.site_list, name="site-list"),
    path("readiness/", readiness_views.ranking, name="ranking"),
    path("sites/<int:site_id>/readiness/", readiness_views.site_readiness, name="site-readiness"),
]

from reports.views import actions as action_views  # noqa: E402
from reports.views import checklist as checklist_views  # noqa: E402
from reports.views import dashboard as dashboard_views  # noqa: E402

urlpatterns += [
    # The checklist's pages need the readiness engine (which trials need each item).
    path("sites/<int:site_id>/checklist/", checklist_views.checklist, name="checklist"),
    path(
        "sites/<int:site_id>/checklist/<int:capability_id>/",
        checklist_views.capability_item,
        name="capability",
    ),
    path("sites/<int:site_id>/actions/", action_views.action_list, name="action-list"),
    path("sites/<int:site_id>/actions/new/", action_views.action_new, name="action-new"),
    path(
        "sites/<int:site_id>/actions/<int:action_id>/",
        action_views.action_edit,
        name="action-edit",
    ),
    path("sites/<int:site_id>/dashboard/", dashboard_views.site_dashboard, name="site-dashboard"),
    path(
        "sites/<int:site_id>/staff/matrix/",
        dashboard_views.site_training_matrix,
        name="site-training-matrix",
    ),
    path(
        "sites/<int:site_id>/staff/matrix.csv",
        dashboard_views.site_training_matrix_csv,
        name="site-training-matrix-csv",
    ),
    path(
        "sites/<int:site_id>/history.csv",
        dashboard_views.site_history_download,
        name="site-history-csv",
    ),
]

from reports.views import jobs as job_views  # noqa: E402

urlpatterns += [
    path("reports/", job_views.report_list, name="list"),
    path("reports/new/", job_views.report_request, name="request"),
    path("reports/<int:report_id>/", job_views.report_detail, name="detail"),
    path("reports/<int:report_id>/status/", job_views.report_status, name="status"),
    path("reports/<int:report_id>/pdf/", job_views.report_pdf, name="pdf"),
    path("reports/<int:report_id>/csv/", job_views.report_csv, name="csv"),
]

from reports.views import overview as overview_views  # noqa: E402
from reports.views import preview as preview_views  # noqa: E402

urlpatterns += [
    path("trials/<int:trial_id>/preview/", overview_views.trial_preview, name="trial-preview"),
    path("trials/preview/", preview_views.trial_form_preview, name="trial-form-preview"),
    path("overview/", overview_views.national_overview, name="overview"),
    path("overview/blockers.csv", overview_views.blockers_csv, name="blockers-csv"),
    path("readiness/ranking.csv", overview_views.ranking_csv, name="ranking-csv"),
]
