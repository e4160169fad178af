"""Abandoned CSV import previews (MEDIA_ROOT/imports/<token>.csv) are swept after a day."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from atmp_portal.celery import app
from tests.training.factories import CourseFactory, StaffMemberFactory
from tests.training.test_importer import HEADER, apply_import, token_of, upload_csv
from training import tasks
from training.views import IMPORT_EXPIRED

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _preview_file(media, age: dt.timedelta, name: str | None = None, now: dt.datetime = NOW):
    """A stashed preview last written `age` before `now` (by its file mtime)."""
    folder = media / "imports"
    folder.mkdir(exist_ok=True)
    path = folder / (name or f"{uuid.uuid4().hex}.csv")
    path.write_text(HEADER)
    written = (now - age).timestamp()
    os.utime(path, (written, written))
    return path


def test_it_deletes_previews_older_than_a_day_and_keeps_newer_ones(media):
    old = _preview_file(media, dt.timedelta(hours=24, minutes=1))
    older = _preview_file(media, dt.timedelta(days=30))
    fresh = _preview_file(media, dt.timedelta(hours=23, minutes=59))
    assert tasks.import_previews_purge(now=NOW) == 2
    assert not old.exists() and not older.exists()
    assert fresh.exists()


def test_it_leaves_files_the_importer_did_not_write(media):
    other = _preview_file(media, dt.timedelta(days=3), name="README.txt")
    nested = media / "imports" / "keep"
    nested.mkdir()
    assert tasks.import_previews_purge(now=NOW) == 0
    assert other.exists() and nested.exists()


def test_it_does_nothing_when_no_import_was_ever_previewed(media):
    assert not (media / "imports").exists()
    assert tasks.import_previews_purge(now=NOW) == 0


def test_the_scheduled_task_sweeps_by_the_real_clock(media):
    stale = _preview_file(media, dt.timedelta(days=2), now=timezone.now())
    fresh = _preview_file(media, dt.timedelta(hours=1), now=timezone.now())
    assert app.tasks["training.tasks.purge_import_previews"].apply().get() == 1
    assert not stale.exists() and fresh.exists()


def test_beat_runs_the_sweep_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-import-previews-hourly"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {17}
    assert len(entry["schedule"].hour) == 24


def test_a_real_abandoned_preview_is_gone_a_day_later_and_apply_says_upload_again(media, personas):
    StaffMemberFactory(site=personas.site_a, email="ann@nhs.example")
    CourseFactory(code="gcp")
    client = personas.client_for(personas.coordinator_a)
    token = token_of(
        upload_csv(client, personas.site_a, HEADER + "ann@nhs.example,gcp,2026-01-01,,\n")
    )
    stashed = media / "imports" / f"{token}.csv"
    assert stashed.exists()

    assert tasks.import_previews_purge() == 0  # just written: kept
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert tasks.import_previews_purge() == 1
    assert not stashed.exists()
    follow = apply_import(client, personas.site_a, token, follow=True)
    assert IMPORT_EXPIRED in follow.content.decode()
