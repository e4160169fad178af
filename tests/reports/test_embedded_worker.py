"""The embedded default keeps the real job path (issue 11, item 7): with no REDIS_URL, a real
worker on kombu's filesystem transport builds the report; the request returns at once with
the job queued, and its status moves to succeeded without anything running in the request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from atmp_portal.celery import app as celery_app
from reports.models import ReadinessReport
from tests.reports.test_jobs import build_scenario

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
Status = ReadinessReport.Status


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def embedded_broker(settings, tmp_path):
    """This process and the worker both on a filesystem broker in tmp_path (no Redis)."""
    folder = tmp_path / "broker"
    folder.mkdir()
    conf = celery_app.conf
    saved = (conf.broker_url, dict(conf.broker_transport_options or {}), conf.task_always_eager)
    conf.broker_url = "filesystem://"
    conf.broker_transport_options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "polling_interval": 0.2,
    }
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    settings.REDIS_URL = ""
    settings.EMBEDDED_BROKER_DIR = folder
    try:
        yield folder
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def _embedded_worker(embedded_broker, media: Path, log: Path, *pool: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="atmp_portal.settings_test",
        DATABASE_URL=_database_url(),
        EMBEDDED_BROKER_DIR=str(embedded_broker),
        TEST_MEDIA_ROOT=str(media),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "atmp_portal",
            "worker",
            *(pool or ["--pool=solo"]),
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def test_a_report_goes_from_queued_to_succeeded_on_the_embedded_worker(
    personas, embedded_broker, settings, tmp_path
):
    scenario = build_scenario(personas)
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    worker = _embedded_worker(embedded_broker, media, tmp_path / "worker.log")
    try:
        client = personas.client_for(personas.coordinator_a)
        started = time.monotonic()
        response = client.post(
            "/reports/new/",
            {
                "kind": "site",
                "site": personas.site_a.pk,
                "trial": scenario.trial.pk,
                "on": "2026-11-23",
            },
        )
        assert response.status_code == 302
        assert time.monotonic() - started < 2  # nothing was built inside the request
        report = ReadinessReport.objects.get()
        assert report.status == Status.QUEUED
        assert list(embedded_broker.iterdir())  # the message is a file in the broker folder
        seen = {report.status}
        deadline = time.monotonic() + 90
        while report.status != Status.SUCCEEDED and time.monotonic() < deadline:
            time.sleep(0.2)
            report.refresh_from_db()
            seen.add(report.status)
            assert report.status != Status.FAILED, report.error
        assert report.status == Status.SUCCEEDED, (tmp_path / "worker.log").read_text()[-3000:]
        assert Path(report.pdf.path).read_bytes().startswith(b"%PDF")
        status = client.get(f"/reports/{report.pk}/status/").content.decode()
        assert "Download PDF" in status
    finally:
        worker.kill()
        worker.wait(timeout=10)


def test_a_national_report_is_built_in_parts_on_the_embedded_worker(
    personas, embedded_broker, settings, tmp_path
):
    """make run's worker (prefork, here two processes) on the filesystem transport: the parts
    are offered and rendered with no result backend, and the report succeeds."""
    from pypdf import PdfReader

    from reports import document, jobs
    from sites.models import Site
    from tests.reports.test_jobs import TODAY
    from tests.sites.factories import SiteFactory

    scenario = build_scenario(personas)
    SiteFactory.create_batch(document.PART_SITES, region=personas.north)
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    worker = _embedded_worker(
        embedded_broker, media, tmp_path / "worker.log", "--pool=prefork", "--concurrency=2"
    )
    try:
        report = jobs.report_request(
            user=personas.national, kind="national", profile=scenario.profile.code, as_of=TODAY
        )
        deadline = time.monotonic() + 180
        while report.is_active and time.monotonic() < deadline:
            time.sleep(0.2)
            report.refresh_from_db()
        assert report.status == Status.SUCCEEDED, (
            report.error or (tmp_path / "worker.log").read_text()[-3000:]
        )
        pages = PdfReader(Path(report.pdf.path).open("rb")).pages
        text = " ".join(" ".join(page.extract_text() for page in pages).split())
        assert f"Page {len(pages)} of {len(pages)}" in text
        assert text.count("Blocker: Liquid nitrogen vapour storage") == Site.objects.count()
    finally:
        worker.kill()
        worker.wait(timeout=10)
