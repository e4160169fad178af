"""A fresh web process can send report jobs: the task is registered without a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_process_knows_the_build_task_by_name():
    code = (
        "import django; django.setup(); "
        "from atmp_portal.celery import app; from reports.broker import BUILD_REPORT; "
        "print(BUILD_REPORT in app.tasks)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "atmp_portal.settings_test"},
    )
    assert run.stdout.strip() == "True", run.stderr
