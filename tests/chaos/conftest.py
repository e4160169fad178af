"""Real services for the chaos tests, started and ended by the tests themselves.

- a private Redis (ports 56390-56399, no persistence) that a test can pause (SIGSTOP), kill
  and restart on the same port;
- real Celery workers (solo pool) and a real beat on that Redis and on the pytest-django test
  database (so the tests are transactional: the data must be committed);
- this test process's own Celery app pointed at the same Redis, so requests made through the
  Django test client publish there.

Every process is started with its own PID recorded and is killed in teardown. Figures the
tests measure are written to .tmp/chaos-figures.json (docs/reliability.md quotes a run).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from atmp_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / ".tmp" / "chaos-figures.json"
PORTS = range(56390, 56400)
# Short bounds so that a test sees in seconds what production does in tens of seconds.
LEASE_SECONDS = 2
SWEEP_SECONDS = 1
RESEND_AFTER_SECONDS = 3


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port in 56390-56399 for a private Redis")


def record_figure(name: str, value: object) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"chaos figure {name}: {value}")


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) redis-server on our port; on a busy machine it can take a while,
        and if another process took the port meanwhile, move to the next free one."""
        for _ in range(3):
            log_path = self.folder / "redis.log"
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=log_path.open("ab"),
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
                time.sleep(0.05)
            self.stop()
            self.port = _free_port()
        pytest.fail("the private Redis did not start:\n" + log_path.read_text()[-2000:])

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@dataclass
class Services:
    redis: PrivateRedis
    media: Path
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "atmp_portal.settings_test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis.url,
            "TEST_MEDIA_ROOT": str(self.media),
            "REPORT_LEASE_SECONDS": str(LEASE_SECONDS),
            "REPORT_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "REPORT_RESEND_AFTER_SECONDS": str(RESEND_AFTER_SECONDS),
            **extra,
        }

    def _start(self, name: str, args: list[str], **extra: str) -> subprocess.Popen:
        log = (self.logs / f"{name}-{len(self.processes) + 1}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "atmp_portal", *args],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def worker(self, **extra: str) -> subprocess.Popen:
        number = len(self.processes) + 1
        return self._start(
            "worker",
            [
                "worker",
                "--pool=solo",
                "-n",
                f"chaos-{number}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            **extra,
        )

    def beat(self) -> subprocess.Popen:
        return self._start(
            "beat",
            [
                "beat",
                "--loglevel=INFO",
                "-s",
                str(self.logs / "beat-schedule"),
            ],
        )

    def log(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.read_text(errors="replace")[-2500:]
            for p in sorted(self.logs.glob("*.log"))
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _point_celery_at(url: str | None, options: dict | None = None) -> None:
    conf = celery_app.conf
    conf.broker_url = url
    if options is not None:
        conf.broker_transport_options = options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def services(personas, settings, tmp_path) -> Iterator[Services]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    media, logs = tmp_path / "media", tmp_path / "logs"
    media.mkdir()
    logs.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.REDIS_URL = redis.url
    saved = (
        celery_app.conf.broker_url,
        celery_app.conf.task_always_eager,
        dict(celery_app.conf.broker_transport_options or {}),
    )
    celery_app.conf.task_always_eager = False
    _point_celery_at(
        redis.url,
        {
            "visibility_timeout": 900,
            "socket_connect_timeout": settings.BROKER_TIMEOUT_SECONDS,
            "socket_timeout": settings.BROKER_TIMEOUT_SECONDS,
            "retry_on_timeout": False,
        },
    )
    pool = Services(redis, media, logs)
    try:
        yield pool
    finally:
        pool.stop_all()
        redis.stop()
        celery_app.conf.task_always_eager = saved[1]
        _point_celery_at(saved[0], saved[2])


def wait_until(predicate, timeout: float, services: Services, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"{what}: not after {timeout} s\n{services.log()}")
