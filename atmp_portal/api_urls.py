from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from guidance import api as guidance_api
from reports.api import actions as actions_api
from reports.api import jobs as report_jobs_api
from reports.api import overview as overview_api
from reports.api import readiness as readiness_api
from reports.api import trials as report_trials_api
from sites import api as sites_api
from sites.api import checklist as checklist_api
from training import api as training_api
from training.api import bulk as training_bulk_api
from training.api import staff as staff_api
from trials import api as trials_api

# Read-only catalogue and access-scoped resources (sites/api.py, training/api.py, trials/api.py).
router = SimpleRouter()
router.register("sites", sites_api.SiteViewSet, basename="site")
router.register("capabilities", sites_api.CapabilityViewSet, basename="capability")
router.register("courses", training_api.CourseViewSet, basename="course")
router.register("trials", report_trials_api.TrialViewSet, basename="trial")

urlpatterns = [
    path("auth/token/", accounts_api.ObtainToken.as_view(), name="api-token"),
    *router.urls,
    path(
        "trials/<int:trial_id>/sites/", trials_api.TrialSitesView.as_view(), name="api-trial-sites"
    ),
    path(
        "trials/<int:trial_id>/sites/<int:site_id>/",
        trials_api.TrialSiteView.as_view(),
        name="api-trial-site",
    ),
    path("readiness/", readiness_api.RankingView.as_view(), name="api-readiness-ranking"),
    path("readiness/blockers/", overview_api.BlockersView.as_view(), name="api-readiness-blockers"),
    path("readiness/trend/", overview_api.TrendView.as_view(), name="api-readiness-trend"),
    path("guidance/", guidance_api.GuidanceSearch.as_view(), name="api-guidance-search"),
    path("guidance/<slug:slug>/", guidance_api.GuidanceDetail.as_view(), name="api-guidance"),
    path(
        "sites/<int:site_id>/readiness/",
        readiness_api.SiteReadinessView.as_view(),
        name="api-site-readiness",
    ),
    path(
        "sites/<int:site_id>/capabilities/",
        checklist_api.ChecklistList.as_view(),
        name="api-site-checklist",
    ),
    path(
        "sites/<int:site_id>/capabilities/<slug:capability_code>/",
        checklist_api.ChecklistItemView.as_view(),
        name="api-site-capability",
    ),
    path(
        "sites/<int:site_id>/capabilities/<slug:capability_code>/evidence/",
        checklist_api.ChecklistEvidenceView.as_view(),
        name="api-site-capability-evidence",
    ),
    path(
        "sites/<int:site_id>/evidence/<int:doc_id>/",
        checklist_api.EvidenceDownload.as_view(),
        name="api-site-evidence",
    ),
    path(
        "sites/<int:site_id>/training-records/bulk/",
        training_bulk_api.TrainingRecordsBulk.as_view(),
        name="api-training-bulk",
    ),
    path(
        "sites/<int:site_id>/actions/",
        actions_api.SiteActionList.as_view(),
        name="api-site-actions",
    ),
    path(
        "sites/<int:site_id>/actions/<int:action_id>/",
        actions_api.SiteActionDetail.as_view(),
        name="api-site-action",
    ),
    path("sites/<int:site_id>/staff/", staff_api.StaffList.as_view(), name="api-staff-list"),
    path(
        "sites/<int:site_id>/staff/<int:staff_id>/",
        staff_api.StaffDetail.as_view(),
        name="api-staff",
    ),
    path(
        "sites/<int:site_id>/staff/<int:staff_id>/deactivate/",
        staff_api.StaffDeactivate.as_view(),
        name="api-staff-deactivate",
    ),
    path(
        "sites/<int:site_id>/staff/<int:staff_id>/reactivate/",
        staff_api.StaffReactivate.as_view(),
        name="api-staff-reactivate",
    ),
    path("reports/", report_jobs_api.ReportListCreate.as_view(), name="api-reports"),
    path("reports/<int:report_id>/", report_jobs_api.ReportDetail.as_view(), name="api-report"),
    path(
        "reports/<int:report_id>/pdf/", report_jobs_api.ReportPdf.as_view(), name="api-report-pdf"
    ),
    path(
        "reports/<int:report_id>/csv/", report_jobs_api.ReportCsv.as_view(), name="api-report-csv"
    ),
]
