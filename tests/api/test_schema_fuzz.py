"""A bounded schemathesis run against a live server: no 5xx, every answer as the schema says.

The project's own OpenAPI schema (/api/schema/) drives the run, authenticated in turn as demo
users of different roles (a site coordinator writes, a pharmacist writes pharmacy items only,
a regional network coordinator reads many sites), over the demo data. Checks: no server
error, only documented status codes, documented content types, bodies matching their schemas.

Path ids: schemathesis would make them up, and nearly every request to an operation with an
id would end in a 404 before reaching the code behind it. tests/api/schemathesis.toml pins
each path id to a real record the persona may see (its site, staff member, action, evidence,
report, trial...), read from the demo data (and a few records made here) into FUZZ_*
environment variables; the pharmacist's run keeps made-up ids, so odd ones (huge, negative,
another site's) are still tried. The test counts the answers (HAR reports) and fails if the
runs with real ids still mostly end in 404.

Marked `fuzz` (about three minutes on two cores): `pytest -m "not fuzz"` skips it locally;
`make test` and CI run it. SCHEMATHESIS_SCALE multiplies the examples per operation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from accounts.services import api_token_create
from actions.services import action_create
from guidance.models import GuidanceVersion
from reports.jobs import report_request
from sites.access import visible_sites
from sites.models import Capability, SiteCapability
from sites.uploads import evidence_store
from tests.sites.factories import PDF_BYTES
from training.models import Course, StaffMember
from trials.models import TrialSite

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# (persona, phases, examples per operation, which operations). The coverage phase (boundary
# and wrong-type values of every parameter and field, deterministic) is the slow one: it runs
# once, on the integration writes (checklist, evidence, staff, training feed), as the persona
# who may make them; random fuzzing and stateful sequences run on every operation as each.
# (persona, phases, examples per operation, real ids?, which operations).
RUNS = [
    (
        "coordinator@demo.nhs.uk",
        "coverage",
        1,
        True,
        ["--include-method-regex", "^(POST|PATCH)$", "--include-path-regex", "^/api/v1/sites/"],
    ),
    ("coordinator@demo.nhs.uk", "fuzzing,stateful", 8, True, []),
    ("pharmacist@demo.nhs.uk", "fuzzing,stateful", 4, False, []),
    ("network@demo.nhs.uk", "fuzzing,stateful", 6, True, []),
]
# An operation "with an id" has one in its path (/sites/12/, /guidance/ln2-storage/).
WITH_ID = re.compile(r"^/api/v1/[a-z-]+/[^/]+/")


def _real_ids(user: User) -> dict[str, str]:
    """FUZZ_* for schemathesis.toml: records of the demo data this user may see, and an action,
    an evidence document and a report at their first site (the demo data has none)."""
    site = visible_sites(user).order_by("pk").first()
    item = SiteCapability.objects.filter(site=site).select_related("capability").first()
    action = action_create(
        site=site,
        requirement_key=f"cap:{item.capability.code}",
        requirement_label=item.capability.name,
        owner=user,
        target_date=dt.date.today() + dt.timedelta(days=60),
        user=user,
    )
    document = evidence_store(
        site=site, user=user, uploaded_file=SimpleUploadedFile("sop.pdf", PDF_BYTES)
    )
    trial = TrialSite.objects.filter(site=site).select_related("trial").first().trial
    report = report_request(user=user, kind="site", site=site, trial=trial, as_of=dt.date.today())
    ids = {
        "SITE_ID": site.pk,
        "CAPABILITY_CODE": item.capability.code,
        "STAFF_ID": StaffMember.objects.filter(site=site, active=True).first().pk,
        "ACTION_ID": action.pk,
        "DOC_ID": document.pk,
        "REPORT_ID": report.pk,
        "TRIAL_ID": trial.pk,
        "CAPABILITY_ID": Capability.objects.first().pk,
        "COURSE_ID": Course.objects.first().pk,
        "GUIDANCE_SLUG": GuidanceVersion.objects.filter(status=GuidanceVersion.Status.PUBLISHED)
        .select_related("document")
        .first()
        .document.slug,
    }
    return {f"FUZZ_{name}": str(value) for name, value in ids.items()}


def _answers(har: Path) -> Counter:
    """(has an id in its path, status) -> how many answers, from the run's HAR report."""
    counts: Counter = Counter()
    for entry in json.loads(har.read_text())["log"]["entries"]:
        path = re.sub(r"^https?://[^/]+", "", entry["request"]["url"]).split("?")[0]
        counts[(bool(WITH_ID.match(path)), entry["response"]["status"])] += 1
    return counts


def _run(
    url: str, key: str, phases: str, examples: int, ids: dict | None, extra: list[str], report: Path
):
    config = ["--config-file", str(CONFIG)] if ids else []
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            *config,
            "run",
            f"{url}/api/schema/?format=json",
            "--header",
            f"Authorization: Token {key}",
            "--phases",
            phases,
            # One worker: with several threads, hypothesis's ast.parse of strategy lambdas hits
            # CPython 3.11's "AST constructor recursion depth mismatch" SystemError now and then.
            "--checks",
            CHECKS,
            "--max-examples",
            str(examples),
            "--workers",
            "1",
            "--seed",
            "20261201",
            "--request-timeout",
            "30",
            "--no-color",
            "--report",
            "junit,har",
            "--report-junit-path",
            str(report),
            "--report-har-path",
            str(report.with_suffix(".har")),
            *extra,
        ],
        # In a temporary folder: schemathesis keeps a cache (.schemathesis/) where it runs.
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_COLOR": "1", **(ids or {})},
        cwd=report.parent,
    )


def _cases(output: str) -> int:
    match = re.search(r"Test cases:\s*\n\s*(\d+) generated", output)
    return int(match.group(1)) if match else 0


@override_settings(
    API_THROTTLE_RATES={
        "user": "1000000/minute",
        "anon": "1000000/minute",
        "token_sign_in": "10/minute",
    }
)
def test_the_api_gives_no_server_error_and_keeps_to_its_schema(live_server, tmp_path):
    call_command("seed_demo", not_production=True, verbosity=0)
    scale = float(os.environ.get("SCHEMATHESIS_SCALE", "1"))
    total, failures, with_real_ids = 0, [], Counter()
    for number, (email, phases, examples, real, extra) in enumerate(RUNS):
        user = User.objects.get(email=email)
        key = api_token_create(user=user, name="fuzz").key
        run = _run(
            live_server.url,
            key,
            phases,
            max(1, round(examples * scale)),
            _real_ids(user) if real else None,
            extra,
            tmp_path / f"run-{number}.xml",
        )
        cases = _cases(run.stdout)
        total += cases
        answers = _answers(tmp_path / f"run-{number}.har")
        if real:
            with_real_ids.update({status: n for (has_id, status), n in answers.items() if has_id})
        print(
            f"schemathesis as {email}, {phases}: {cases} cases, exit {run.returncode}, "
            f"answers to operations with ids: {sorted((s, n) for (i, s), n in answers.items() if i)}"
        )
        if run.returncode != 0:
            failures.append(
                f"--- as {email} ({phases}) ---\n{run.stdout[-8000:]}\n{run.stderr[-2000:]}"
            )
    print(f"schemathesis: {total} test cases in all")
    assert not failures, "\n".join(failures)
    assert total > 500, "the run generated too few cases to mean anything"
    # With real ids, most requests get past the record lookup (invalid bodies still end in 400).
    assert with_real_ids[404] < 0.2 * sum(with_real_ids.values()), with_real_ids
