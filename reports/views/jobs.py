"""Report job pages: request a report, "My reports" with live status, access-checked downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from atmp_portal.dates import DateField
from atmp_portal.forms import Form
from reports import access, broker, jobs
from reports.models import ReadinessReport
from sites.access import scoped_regions, visible_sites
from trials.access import visible_trials
from trials.models import RequirementProfile

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
QUEUED = "Your report has been requested. This page shows when it is ready."


class ReportRequestForm(Form):
    """Parses the request; the rules (and their messages) live in reports.access."""

    kind = forms.ChoiceField(
        label="What should the report cover?",
        widget=forms.RadioSelect,
        choices=ReadinessReport.Kind.choices,
        error_messages={"required": access.UNKNOWN_KIND, "invalid_choice": access.UNKNOWN_KIND},
    )
    site = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Site",
        help_text="For a site report.",
        empty_label="Choose a site",
    )
    region = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Region",
        help_text="For a region report.",
        empty_label="Choose a region",
    )
    trial = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Trial",
        help_text="Assess against this trial's requirements. A trial report covers its "
        "participating sites.",
        empty_label="Choose a trial",
    )
    profile = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Or a requirement profile",
        help_text="Instead of a trial, for site, region and national reports.",
        empty_label="Choose a profile",
        to_field_name="code",
    )
    # The site or region is asked under its kind of report (NHS.UK conditional reveal).
    reveals = {
        "kind": {ReadinessReport.Kind.SITE: ("site",), ReadinessReport.Kind.REGION: ("region",)}
    }

    on = DateField(
        label="Assess as of",
        subject="the date to assess as of",
        help_text="Leave as today for current readiness.",
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only what is in the user's scope is offered; the service checks again.
        self.fields["site"].queryset = visible_sites(user).order_by("name")
        self.fields["region"].queryset = scoped_regions(user).order_by("name")
        self.fields["trial"].queryset = visible_trials(user).order_by("short_title")
        self.fields["profile"].queryset = RequirementProfile.objects.order_by("name")
        kinds = [ReadinessReport.Kind.SITE, ReadinessReport.Kind.TRIAL]
        if user.is_network_coordinator or user.is_superuser:
            kinds += [ReadinessReport.Kind.REGION, ReadinessReport.Kind.NATIONAL]
        self.fields["kind"].choices = [c for c in ReadinessReport.Kind.choices if c[0] in kinds]


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"on": timezone.localdate(), "kind": ReadinessReport.Kind.SITE},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = jobs.report_request(
                user=request.user,
                kind=data["kind"],
                site=data["site"],
                region=data["region"],
                trial=data["trial"],
                profile=data["profile"],
                as_of=data["on"],
            )
        except access.ReportRequestError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except broker.BrokerUnavailable as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, QUEUED)
            return redirect("reports:detail", report_id=report.pk)
    status = 400 if form.is_bound else 200
    return render(request, "reports/report_form.html", {"form": form}, status=status)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(access.reports_of(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "reports/report_list.html", {"page": page})


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = access.report_for(request.user, report_id)
    return render(request, "reports/report_detail.html", {"report": report})


@login_required
@require_GET
def report_status(request: HttpRequest, report_id: int) -> HttpResponse:
    """The status fragment htmx polls every 2 s while the job is queued or running."""
    report = access.report_for(request.user, report_id)
    return render(request, "reports/_report_status.html", {"report": report})


def file_response(report: ReadinessReport, which: str) -> FileResponse:
    """A finished report's file as an attachment; 404 while there is none."""
    stored = report.pdf if which == "pdf" else report.csv
    if report.status != ReadinessReport.Status.SUCCEEDED or not stored:
        raise Http404("This report has no file yet.")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("This report's file is missing.") from None
    name = f"readiness-report-{report.pk}-{report.kind}-{report.as_of:%Y-%m-%d}.{which}"
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[which]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> FileResponse:
    return file_response(access.report_for(request.user, report_id), "pdf")


@login_required
@require_GET
def report_csv(request: HttpRequest, report_id: int) -> FileResponse:
    return file_response(access.report_for(request.user, report_id), "csv")
