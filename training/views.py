"""Staff and training records of one site. Reads need site access; writes need the coordinator."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from sites.access import can_write_site, site_for
from sites.checklist import history_entries
from sites.uploads import upload_kept
from training import importer, services
from training.forms import (
    DeactivateForm,
    ImportUploadForm,
    StaffMemberForm,
    TrainingRecordForm,
)
from training.models import StaffMember
from training.tasks import IMPORT_PREVIEW_DIR


def _staff(site, staff_id: int) -> StaffMember:
    return get_object_or_404(site.staff.all(), pk=staff_id)


@login_required
def staff_list(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    show_leavers = request.GET.get("leavers") == "1"
    staff = site.staff.order_by("-active", "full_name")
    if not show_leavers:
        staff = staff.filter(active=True)
    return render(
        request,
        "training/staff_list.html",
        {
            "site": site,
            "staff": staff,
            "show_leavers": show_leavers,
            "can_write": can_write_site(request.user, site),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    form = StaffMemberForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        staff = services.staff_create(site=site, user=request.user, **form.cleaned_data)
        messages.success(request, f"{staff.full_name} added")
        return redirect("training:staff-detail", site_id=site.pk, staff_id=staff.pk)
    return render(request, "training/staff_form.html", {"site": site, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, site_id: int, staff_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    staff = _staff(site, staff_id)
    form = StaffMemberForm(request.POST or None, instance=staff, site=site)
    if request.method == "POST" and form.is_valid():
        services.staff_update(staff=staff, user=request.user, **form.cleaned_data)
        messages.success(request, f"{staff.full_name}'s details saved")
        return redirect("training:staff-detail", site_id=site.pk, staff_id=staff.pk)
    return render(request, "training/staff_form.html", {"site": site, "form": form, "staff": staff})


@login_required
@require_http_methods(["GET", "POST"])
def staff_deactivate(request: HttpRequest, site_id: int, staff_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    staff = _staff(site, staff_id)
    form = DeactivateForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.staff_deactivate(
            staff=staff, user=request.user, left_on=form.cleaned_data["left_on"]
        )
        messages.success(request, f"{staff.full_name} marked as left; their records are kept")
        return redirect("training:staff-list", site_id=site.pk)
    return render(
        request, "training/staff_deactivate.html", {"site": site, "staff": staff, "form": form}
    )


@login_required
@require_POST
def staff_reactivate(request: HttpRequest, site_id: int, staff_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    staff = services.staff_reactivate(staff=_staff(site, staff_id), user=request.user)
    messages.success(request, f"{staff.full_name} is active again")
    return redirect("training:staff-detail", site_id=site.pk, staff_id=staff.pk)


STAFF_HISTORY_FIELDS = {
    "full_name": "Name",
    "email": "E-mail",
    "roles": "Roles",
    "job_title": "Job title",
    "registration_number": "Registration number",
    "active": "Active",
    "left_on": "Left on",
}


@login_required
def staff_detail(request: HttpRequest, site_id: int, staff_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    staff = _staff(site, staff_id)
    today = timezone.localdate()
    records = list(
        staff.training.select_related("course", "certificate").order_by(
            "course__title", "-completed_on"
        )
    )
    for record in records:
        record.status_today = record.status_on(today)
    return render(
        request,
        "training/staff_detail.html",
        {
            "site": site,
            "staff": staff,
            "records": records,
            "can_write": can_write_site(request.user, site),
            "history": history_entries(
                list(
                    staff.history.select_related("history_user").order_by(
                        "history_date", "history_id"
                    )
                ),
                fields=STAFF_HISTORY_FIELDS,
            ),
        },
    )


def _record_form(request, site_id, staff_id, record_id=None) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    staff = _staff(site, staff_id)
    record = get_object_or_404(staff.training.all(), pk=record_id) if record_id else None
    initial = {}
    if record is not None:
        initial = {
            "course": record.course_id,
            "completed_on": record.completed_on,
            "expiry_override": record.expiry_override,
            "notes": record.notes,
        }
    form = TrainingRecordForm(
        request.POST or None, request.FILES or None, staff=staff, record=record, initial=initial
    )
    kept = None
    if request.method == "POST":
        valid = form.is_valid()
        # A good certificate is kept even when another field is wrong, as on the checklist.
        kept = upload_kept(form=form, field="certificate", site=site, user=request.user)
        if valid and "certificate" not in form.errors:
            data = form.cleaned_data
            services.training_record_save(
                staff=staff,
                user=request.user,
                record=record,
                course=data["course"],
                completed_on=data["completed_on"],
                expiry_override=data["expiry_override"],
                notes=data["notes"],
                certificate=kept,
            )
            messages.success(request, f"Training record saved for {staff.full_name}")
            return redirect("training:staff-detail", site_id=site.pk, staff_id=staff.pk)
    return render(
        request,
        "training/record_form.html",
        {
            "site": site,
            "staff": staff,
            "record": record,
            "form": form,
            "kept": kept,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request: HttpRequest, site_id: int, staff_id: int) -> HttpResponse:
    return _record_form(request, site_id, staff_id)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, site_id: int, staff_id: int, record_id: int) -> HttpResponse:
    return _record_form(request, site_id, staff_id, record_id)


# --- CSV import --------------------------------------------------------------------------------
# The uploaded file waits under MEDIA_ROOT/imports/ (a random name) between preview and apply;
# the session holds only its token, so a 10,000-row file never goes into the session table.
# training.tasks owns that folder: its hourly sweep removes previews nobody applied.

IMPORT_SESSION_KEY = "training_imports"
IMPORT_EXPIRED = "The uploaded file is no longer available: upload it again"


def _import_path(token: str) -> str:
    return f"{IMPORT_PREVIEW_DIR}/{token}.csv"


def _import_stash(request: HttpRequest, site, raw: bytes) -> str:
    token = uuid.uuid4().hex
    default_storage.save(_import_path(token), ContentFile(raw))
    stash = request.session.get(IMPORT_SESSION_KEY, {})
    stash[token] = site.pk
    request.session[IMPORT_SESSION_KEY] = stash
    return token


def _import_load(request: HttpRequest, site, token: str) -> bytes | None:
    if request.session.get(IMPORT_SESSION_KEY, {}).get(token) != site.pk:
        return None
    try:
        with default_storage.open(_import_path(token), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _import_discard(request: HttpRequest, token: str) -> None:
    stash = request.session.get(IMPORT_SESSION_KEY, {})
    stash.pop(token, None)
    request.session[IMPORT_SESSION_KEY] = stash
    default_storage.delete(_import_path(token))


def _csv_download(rows: list[list[str]], name: str) -> HttpResponse:
    response = HttpResponse(importer.csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_template(request: HttpRequest, site_id: int) -> HttpResponse:
    site_for(request.user, site_id, write=True)
    return _csv_download(
        [importer.HEADERS, importer.example_row(importer.course_codes())],
        "training-records-template.csv",
    )


@login_required
def import_courses(request: HttpRequest, site_id: int) -> HttpResponse:
    site_for(request.user, site_id, write=True)
    return _csv_download(
        [["course_code", "title"], *([c.code, c.title] for c in importer.course_codes())],
        "course-codes.csv",
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            preview = importer.training_import_preview(site=site, raw=raw, on=timezone.localdate())
        except importer.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            token = _import_stash(request, site, raw) if not preview.has_errors else ""
            return render(
                request,
                "training/import_preview.html",
                {
                    "site": site,
                    "preview": preview,
                    "token": token,
                    "file_name": form.cleaned_data["file"].name,
                },
            )
    return render(
        request,
        "training/import_upload.html",
        {
            "site": site,
            "form": form,
            "courses": importer.course_codes(),
        },
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    token = request.POST.get("token", "")
    raw = _import_load(request, site, token) if token.isalnum() else None
    if raw is None:
        messages.error(request, IMPORT_EXPIRED)
        return redirect("training:import", site_id=site.pk)
    try:
        preview = importer.training_import(
            site=site, raw=raw, user=request.user, on=timezone.localdate()
        )
    except importer.ImportHasErrors as exc:
        # Something changed since the preview (a staff member edited, a course removed).
        _import_discard(request, token)
        return render(
            request,
            "training/import_preview.html",
            {
                "site": site,
                "preview": exc.preview,
                "token": "",
                "nothing_applied": True,
            },
        )
    _import_discard(request, token)
    messages.success(
        request, f"Imported {preview.creates} new and {preview.updates} updated training records"
    )
    return redirect("reports:site-training-matrix", site_id=site.pk)
