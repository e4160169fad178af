"""Start-up that tells the truth (issue 12, finding 6): /healthz is liveness, /readyz names
what is down, a wrong DATABASE_URL gives one clear line, never a traceback or a 500."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
WRONG_PORT_URL = "postgres://postgres@127.0.0.1:1/atmp_nowhere"
PORT = int(os.environ.get("ATMP_TEST_WEB_PORT", "8102"))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="true", **extra)
    return env


def test_manage_py_fails_in_one_line_when_the_database_cannot_be_reached():
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(DATABASE_URL=WRONG_PORT_URL),
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("atmp_portal: database unreachable at 127.0.0.1:1/atmp_nowhere: ")
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_broker_answer():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_a_broker_that_does_not_answer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = Client().get("/readyz")
    assert time.monotonic() - started < settings.BROKER_TIMEOUT_SECONDS + 1
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["broker"].startswith("broker unreachable at redis://127.0.0.1:1/0")


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "chaos-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "STATIC_MANIFEST": "false",
}


def test_a_web_server_with_a_wrong_database_port_says_so_and_answers_503(tmp_path):
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "atmp_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**_env(DATABASE_URL=WRONG_PORT_URL), **PRODUCTION},
        )
    try:
        base = f"http://127.0.0.1:{PORT}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.2)
        assert status == 200  # liveness: the process is up
        status, body = _get(base + "/readyz")
        assert status == 503 and '"down": ["database"]' in body
        # A signed-in request (a session cookie makes the portal read its session table).
        status, body = _get(base + "/sites/", Cookie="sessionid=" + "a" * 32)
        assert status == 503, body
        assert "database cannot be reached" in body
        status, body = _get(base + "/api/v1/sites/", Authorization="Token abc123")
        assert status == 503 and "database cannot be reached" in body
    finally:
        server.terminate()
        server.wait(timeout=15)
    text = log.read_text()
    assert "web: database unreachable at 127.0.0.1:1/atmp_nowhere" in text
    assert "GET /sites/: database unreachable at 127.0.0.1:1/atmp_nowhere" in text
    assert text.count("GET /sites/: database unreachable") == 1  # one line per request
    assert "Traceback" not in text, text


def test_a_worker_says_in_one_line_that_the_database_cannot_be_reached(tmp_path):
    env = {k: v for k, v in _env(DATABASE_URL=WRONG_PORT_URL).items() if k != "REDIS_URL"}
    env["EMBEDDED_BROKER_DIR"] = str(tmp_path / "broker")
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "atmp_portal",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 45
        while "database unreachable" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.kill()
        worker.wait(timeout=10)
    text = log.read_text()
    assert "worker: database unreachable at 127.0.0.1:1/atmp_nowhere: " in text, text
    assert "Traceback" not in text
