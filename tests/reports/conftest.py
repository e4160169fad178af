"""Fixtures of the report job tests: the readiness scenario and a private media folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.test_jobs import Scenario, build_scenario


@pytest.fixture
def scenario(personas) -> Scenario:
    return build_scenario(personas)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
