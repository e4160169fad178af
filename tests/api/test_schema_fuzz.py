"""A bounded schemathesis run against a live server: no 5xx, every answer as the schema says.

The project's own OpenAPI schema (/api/schema/) drives the run, authenticated in turn as demo
users of different roles (a site coordinator writes, a pharmacist writes pharmacy items only,
a regional network coordinator reads many sites), over the demo data. Checks: no server
error, only documented status codes, documented content types, bodies matching their schemas.

Marked `fuzz` (about three minutes on two cores): `pytest -m "not fuzz"` skips it locally;
`make test` and CI run it. SCHEMATHESIS_SCALE multiplies the examples per operation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from accounts.services import api_token_create

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance",
])
# (persona, phases, examples per operation, which operations). The coverage phase (boundary
# and wrong-type values of every parameter and field, deterministic) is the slow one: it runs
# once, on the integration writes (checklist, evidence, staff, training feed), as the persona
# who may make them; random fuzzing and stateful sequences run on every operation as each.
RUNS = [
    ("coordinator@demo.nhs.uk", "coverage", 1, ["--include-method-regex", "^(POST|PATCH)$",
                                                "--include-path-regex", "^/api/v1/sites/"]),
    ("coordinator@demo.nhs.uk", "fuzzing,stateful", 8, []),
    ("pharmacist@demo.nhs.uk", "fuzzing,stateful", 4, []),
    ("network@demo.nhs.uk", "fuzzing,stateful", 6, []),
]


def _run(url: str, key: str, phases: str, examples: int, extra: list[str], report: Path):
    return subprocess.run(
        [str(SCHEMATHESIS), "run", f"{url}/api/schema/?format=json",
         "--header", f"Authorization: Token {key}", "--phases", phases,
         # One worker: with several threads, hypothesis's ast.parse of strategy lambdas hits
         # CPython 3.11's "AST constructor recursion depth mismatch" SystemError now and then.
         "--checks", CHECKS, "--max-examples", str(examples), "--workers", "1",
         "--seed", "20261201", "--request-timeout", "30", "--no-color",
         "--report", "junit", "--report-junit-path", str(report), *extra],
        # In a temporary folder: schemathesis keeps a cache (.schemathesis/) where it runs.
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
        cwd=report.parent,
    )


def _cases(output: str) -> int:
    match = re.search(r"Test cases:\s*\n\s*(\d+) generated", output)
    return int(match.group(1)) if match else 0


@override_settings(API_THROTTLE_RATES={"user": "1000000/minute", "anon": "1000000/minute",
                                       "token_sign_in": "10/minute"})
def test_the_api_gives_no_server_error_and_keeps_to_its_schema(live_server, tmp_path):
    call_command("seed_demo", not_production=True, verbosity=0)
    scale = float(os.environ.get("SCHEMATHESIS_SCALE", "1"))
    total, failures = 0, []
    for number, (email, phases, examples, extra) in enumerate(RUNS):
        key = api_token_create(user=User.objects.get(email=email), name="fuzz").key
        run = _run(live_server.url, key, phases, max(1, round(examples * scale)), extra,
                   tmp_path / f"run-{number}.xml")
        cases = _cases(run.stdout)
        total += cases
        print(f"schemathesis as {email}, {phases}: {cases} cases, exit {run.returncode}")
        if run.returncode != 0:
            failures.append(f"--- as {email} ({phases}) ---\n{run.stdout[-8000:]}\n"
                            f"{run.stderr[-2000:]}")
    print(f"schemathesis: {total} test cases in all")
    assert not failures, "\n".join(failures)
    assert total > 500, "the run generated too few cases to mean anything"
