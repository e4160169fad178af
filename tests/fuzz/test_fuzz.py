"""Fuzz: hostile bodies against the API and the HTML forms never give a server error.

Hypothesis generates deep, long, NUL-laden, non-UTF-8 and simply odd inputs; every answer must
be below 500. Case counts go to .tmp/fuzz-figures.json (docs/reliability.md quotes a run).
`FUZZ_EXAMPLES` raises the number of cases per target (default 120).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reports.test_jobs import build_scenario

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FIGURES = Path(__file__).resolve().parents[2] / ".tmp" / "fuzz-figures.json"
CASES: Counter = Counter()
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).map(
        lambda s: s + "\x00" + s
    ),
    st.integers(min_value=1000, max_value=60000).map(lambda n: "x" * n),
    st.sampled_from(
        [
            "",
            " ",
            "null",
            "-1",
            "0",
            "9" * 40,
            "1e309",
            "NaN",
            "2026-02-30",
            "9999-12-31",
            "0001-01-01",
            "site",
            "national",
            "<script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "\ud7ff",
            "\ufeff",
            "%00",
            "[" * 200,
        ]
    ),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "site",
                    "region",
                    "trial",
                    "profile",
                    "on",
                    "email",
                    "password",
                    "status",
                    "reason",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)
deep_json = st.integers(min_value=1, max_value=20000).map(
    lambda n: ("[" * n + "]" * n) if n % 2 else ('{"a":' * n + "1" + "}" * n)
)
raw_bodies = st.one_of(
    st.binary(max_size=300),  # mostly not UTF-8, mostly not JSON
    st.binary(max_size=50).map(lambda b: b'{"kind": "' + b + b'\xff\xfe"}'),
    deep_json.map(str.encode),
)


def _record(name: str) -> None:
    CASES[name] += 1
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(dict(CASES), indent=2, sort_keys=True) + "\n")


def _check(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:500])


@pytest.fixture
def world(personas):
    scenario = build_scenario(personas)
    signed_in = personas.client_for(personas.network)
    signed_in.raise_request_exception = False
    return personas, scenario, signed_in


def _api_targets(personas, scenario) -> list[tuple[str, str]]:
    return [
        ("post", "/api/v1/reports/"),
        ("post", f"/api/v1/trials/{scenario.trial.pk}/sites/"),
        ("patch", f"/api/v1/trials/{scenario.trial.pk}/sites/{personas.site_a.pk}/"),
    ]


def test_api_json_bodies_never_give_a_server_error(world):
    personas, scenario, signed_in = world
    anonymous = Client(raise_request_exception=False)
    targets = _api_targets(personas, scenario)

    @FUZZ
    @given(body=json_values, target=st.sampled_from(range(len(targets) + 1)))
    def case(body, target):
        data = json.dumps(body)
        if target == len(targets):
            response = anonymous.post("/api/v1/auth/token/", data, content_type="application/json")
        else:
            method, url = targets[target]
            response = getattr(signed_in, method)(url, data, content_type="application/json")
        _check(response, data[:200])
        _record("api_json_bodies")

    case()


def test_api_raw_deep_and_non_utf8_bodies_never_give_a_server_error(world):
    personas, scenario, signed_in = world
    anonymous = Client(raise_request_exception=False)

    @FUZZ
    @given(
        body=raw_bodies,
        anonymous_token=st.booleans(),
        content_type=st.sampled_from(
            [
                "application/json",
                "application/json; charset=latin-1",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/plain",
            ]
        ),
    )
    def case(body, anonymous_token, content_type):
        # generic() sends the bytes as they are (post() would re-encode them to the charset).
        if anonymous_token:
            response = anonymous.generic(
                "POST", "/api/v1/auth/token/", body, content_type=content_type
            )
        else:
            response = signed_in.generic(
                "POST", "/api/v1/reports/", body, content_type=content_type
            )
        _check(response, body[:200])
        _record("api_raw_bodies")

    case()


form_values = st.one_of(hostile_text, st.binary(max_size=40).map(lambda b: b))


def _encode(fields: dict[str, object]) -> bytes:
    """application/x-www-form-urlencoded by hand, so non-UTF-8 bytes go through as they are."""
    parts = []
    for name, value in fields.items():
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
        parts.append(f"{name}={quote_from_bytes(raw)}")
    return "&".join(parts).encode()


def test_html_form_fields_never_give_a_server_error(world):
    personas, scenario, signed_in = world
    anonymous = Client(raise_request_exception=False)
    forms = {
        "report": (
            signed_in,
            "/reports/new/",
            ["kind", "site", "region", "trial", "profile", "on"],
        ),
        "login": (anonymous, "/accounts/login/", ["username", "email", "password"]),
    }

    @FUZZ
    @given(form=st.sampled_from(sorted(forms)), data=st.data())
    def case(form, data):
        client, url, names = forms[form]
        fields = {name: data.draw(form_values, label=name) for name in names}
        if form == "report" and data.draw(st.booleans(), label="mostly valid"):
            fields.update(kind="site", site=personas.site_a.pk, trial=scenario.trial.pk)
        response = client.generic(
            "POST", url, _encode(fields), content_type="application/x-www-form-urlencoded"
        )
        _check(response, fields)
        _record(f"html_form_{form}")

    case()
