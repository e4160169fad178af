"""Writes to a site's staff list and training records. Staff are deactivated, never deleted."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from sites.models import EvidenceDocument, Site
from training.models import Course, StaffMember, TrainingRecord

STAFF_FIELDS = ("full_name", "email", "roles", "job_title", "registration_number")


def _with_history(instance, user: User, reason: str):
    instance._history_user = user
    instance._change_reason = reason
    return instance


@transaction.atomic
def staff_create(*, site: Site, user: User, **fields) -> StaffMember:
    staff = StaffMember(site=site, **{k: fields[k] for k in STAFF_FIELDS if k in fields})
    staff.email = staff.email.lower()
    _with_history(staff, user, "Staff member added").save()
    return staff


@transaction.atomic
def staff_update(*, staff: StaffMember, user: User, **fields) -> StaffMember:
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    for name in STAFF_FIELDS:
        if name in fields:
            setattr(staff, name, fields[name])
    staff.email = staff.email.lower()
    _with_history(staff, user, "Staff details updated").save()
    return staff


@transaction.atomic
def staff_deactivate(*, staff: StaffMember, user: User, left_on: dt.date) -> StaffMember:
    """Leavers keep their records for audit; they stop counting towards readiness."""
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    staff.active = False
    staff.left_on = left_on
    _with_history(staff, user, f"Left on {left_on:%d/%m/%Y}").save()
    return staff


@transaction.atomic
def staff_reactivate(*, staff: StaffMember, user: User) -> StaffMember:
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    staff.active = True
    staff.left_on = None
    _with_history(staff, user, "Returned to post").save()
    return staff


@transaction.atomic
def training_record_save(
    *,
    staff: StaffMember,
    user: User,
    course: Course,
    completed_on: dt.date,
    expiry_override: dt.date | None = None,
    notes: str = "",
    certificate: EvidenceDocument | None = None,
    record: TrainingRecord | None = None,
) -> TrainingRecord:
    """Add a record (record=None) or change one, with a new certificate (already checked and
    stored by sites.uploads) when one is given."""
    if record is None:
        record = TrainingRecord(staff=staff)
        reason = "Training recorded"
    else:
        record = TrainingRecord.objects.select_for_update().get(pk=record.pk, staff=staff)
        reason = "Training record updated"
    record.course = course
    record.completed_on = completed_on
    record.expiry_override = expiry_override
    record.notes = notes
    if certificate is not None:
        record.certificate = certificate
        reason += " with certificate"
    _with_history(record, user, reason).save()
    return record
