from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from sites.models import Capability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from training import reminders
from training.models import ReminderSent
from training.tasks import send_expiry_reminders

START = dt.date(2026, 1, 1)


@pytest.fixture
def expiring(personas):
    """GCP for one person expiring 100 days after START; evidence expiring 95 days after START."""
    course = CourseFactory(title="GCP", renewal_months=None)
    staff = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    TrainingRecordFactory(staff=staff, course=course, completed_on=dt.date(2025, 1, 1),
                          expiry_override=START + dt.timedelta(days=100))
    SiteCapabilityFactory(site=personas.site_a,
                          capability=CapabilityFactory(name="LN2 dewar", category=Capability.Category.STORAGE),
                          evidence_expires_on=START + dt.timedelta(days=95))
    return personas


def run_on(day: dt.date) -> list:
    mail.outbox.clear()
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 30)), tick=False):
        send_expiry_reminders.delay()
    return list(mail.outbox)


def test_each_threshold_is_sent_once_only(expiring, eager):
    sent_days = {}
    day = START
    while day <= START + dt.timedelta(days=110):
        for message in run_on(day):
            sent_days.setdefault(day, []).append(message)
        day += dt.timedelta(days=1)
    # Evidence: 90 days left on day 5, 60 on day 35, 30 on day 65, 7 on day 88, expired day 96.
    # Training: the same thresholds five days later.
    expected = {5, 10, 35, 40, 65, 70, 88, 93, 96, 101}
    assert {(d - START).days for d in sent_days} == expected
    assert all(len(messages) == 1 for messages in sent_days.values())
    assert ReminderSent.objects.count() == 10
    first = sent_days[START + dt.timedelta(days=5)][0]
    assert first.to == [expiring.coordinator_a.email]
    assert "LN2 dewar expires on" in first.body and "90 days left" in first.body
    assert "Ann Nurse" not in first.body
    expired = sent_days[START + dt.timedelta(days=101)][0]
    assert "Expired" in expired.body and "Ann Nurse: GCP expired on" in expired.body


def test_nothing_due_sends_no_email(expiring, eager):
    assert run_on(START) == []
    assert not ReminderSent.objects.exists()


def test_running_twice_the_same_day_sends_once(expiring, eager):
    day = START + dt.timedelta(days=12)  # both items within 90 days
    assert len(run_on(day)) == 1
    assert run_on(day) == []


def test_only_coordinators_of_the_site_receive_it(expiring):
    sent = reminders.send_expiry_reminders(on=START + dt.timedelta(days=12))
    assert sent == 1
    assert [m.to for m in mail.outbox] == [[expiring.coordinator_a.email]]


def test_an_item_first_seen_inside_30_days_gets_only_the_30_day_reminder(personas):
    SiteCapabilityFactory(site=personas.site_a, evidence_expires_on=START + dt.timedelta(days=20))
    reminders.send_expiry_reminders(on=START)
    assert list(ReminderSent.objects.values_list("threshold", flat=True)) == [30]


def test_leavers_training_is_not_reminded(personas):
    staff = StaffMemberFactory(site=personas.site_a, active=False)
    TrainingRecordFactory(staff=staff, course=CourseFactory(renewal_months=12),
                          completed_on=START - dt.timedelta(days=360))
    assert reminders.send_expiry_reminders(on=START) == 0


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_one_digest(personas):
    SiteCapabilityFactory(site=personas.site_a, evidence_expires_on=START + dt.timedelta(days=20))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(reminders.send_expiry_reminders(on=START))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [0, 1]
    assert ReminderSent.objects.count() == 1
