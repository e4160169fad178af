"""Operations: JSON logs as an option, the admin action log kept, what the image leaves out."""

from __future__ import annotations

import fnmatch
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType

from atmp_portal.logs import JsonFormatter
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def test_the_json_formatter_writes_one_object_per_line_with_extras_and_the_request():
    class FakeRequest:
        method, path = "GET", "/api/v1/sites/"

    record = logging.makeLogRecord(
        {
            "name": "django.request",
            "levelname": "WARNING",
            "msg": "Not Found: %s",
            "args": ("/api/v1/sites/",),
            "status_code": 404,
            "request": FakeRequest(),
        }
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["message"] == "Not Found: /api/v1/sites/"
    assert (entry["status_code"], entry["method"], entry["path"]) == (404, "GET", "/api/v1/sites/")
    assert entry["time"].endswith("+00:00")


def test_log_format_json_is_a_setting_and_a_wrong_value_stops_start_up_in_one_line():
    code = (
        "from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    env = {"DJANGO_SETTINGS_MODULE": "atmp_portal.settings", "DEBUG": "true", "PATH": "/usr/bin"}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env={**env, "LOG_FORMAT": "json"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip() == "json", run.stderr
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "LOG_FORMAT": "xml"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [
        "atmp_portal: configuration error: LOG_FORMAT must be text or json, not 'xml'."
    ]


@pytest.mark.django_db
def test_the_admin_action_log_is_readable_and_cannot_be_changed_or_deleted(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    entry = LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(admin_user),
        object_id=str(admin_user.pk),
        object_repr=str(admin_user),
        action_flag=ADDITION,
    )
    client.force_login(admin_user)
    assert client.get("/admin/admin/logentry/").status_code == 200
    assert client.get(f"/admin/admin/logentry/{entry.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.post(
        "/admin/admin/logentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    ).status_code in (200, 302)
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert client.get("/admin/admin/logentry/add/").status_code == 403


@pytest.mark.django_db
def test_the_admin_cannot_delete_a_user_so_their_action_log_stays(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    leaver = UserFactory()
    LogEntry.objects.create(
        user=leaver,
        content_type=ContentType.objects.get_for_model(leaver),
        object_id=str(leaver.pk),
        object_repr=str(leaver),
        action_flag=ADDITION,
    )
    client.force_login(admin_user)
    assert (
        client.post(f"/admin/accounts/user/{leaver.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [leaver.pk], "post": "yes"},
    )
    assert LogEntry.objects.filter(user=leaver).exists()
    assert type(leaver).objects.filter(pk=leaver.pk).exists()


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = path.split("/")
    for pattern in patterns:
        pattern = pattern.removeprefix("**/")
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))):
            return True
        if fnmatch.fnmatch(parts[-1], pattern):
            return True
    return False


def test_the_image_build_context_leaves_out_local_state():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "node_modules/htmx.org/package.json",
        "db.sqlite3",
        ".tmp/test-fallback.sqlite3",
        "media/evidence/2026/01/x.pdf",
        "static/build/portal.css",
        ".env",
        "sites/__pycache__/models.cpython-311.pyc",
    ):
        assert _ignored(path, patterns), path
    for path in (
        "manage.py",
        "sites/models.py",
        "pyproject.toml",
        "constraints.txt",
        "README.md",
        "static/src/portal.scss",
        "templates/base.html",
    ):
        assert not _ignored(path, patterns), path
