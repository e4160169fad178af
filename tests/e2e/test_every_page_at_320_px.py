"""WCAG 1.4.10 (reflow) and axe on every page each role can reach, in real Chromium.

Signed in as each persona, the test follows every link of the portal from the home page (one
page per URL pattern: /sites/1/staff/ and /sites/2/staff/ are one page) and on each one checks
that axe finds no serious or critical violation at 1280 px and at 320 px, and that at 320 px
nothing is wider than the screen (`document.documentElement.scrollWidth`), and that at 1280 px
no table cell breaks a word across lines. All the problems are gathered and reported together.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from actions.services import action_create
from tests.e2e.conftest import assert_accessible, login
from tests.guidance.factories import publish_guidance
from tests.reports.test_jobs import build_scenario, make_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_PAGES = 60
# Pages a persona must reach by links, so that a crawl cut short by MAX_PAGES cannot skip them.
MUST_REACH = {"network": {"trials:history"}, "national": {"trials:history"}}
# Not pages to check: sign-out, the admin, the API and its docs, files and downloads.
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/api/", "/static/", "/media/", "/health")
SKIP_ENDINGS = (".csv", ".pdf", ".png", ".json", "/download/", "/csv/", "/pdf/")


@pytest.fixture
def world(personas):
    scenario = build_scenario(personas)
    staff = personas.site_a.staff.first()
    action_create(
        site=personas.site_a,
        requirement_key="cap:ln2_storage",
        requirement_label="Liquid nitrogen vapour storage",
        owner=staff,
        target_date=dt.date.today() + dt.timedelta(days=60),
        user=personas.coordinator_a,
    )
    publish_guidance(title="Receiving a cryoshipper", editor=personas.editor)
    make_report(personas, scenario)
    return scenario


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_ENDINGS):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


# Words (up to 20 letters: a long address or URL may break; a break after a hyphen or a dash is
# ordinary) that a table cell splits across lines: at 1280 px a column squeezed to a few
# letters' width shows "Traini / ng".
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-–—]{2,20}/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return [...new Set(broken)].slice(0, 5);
}"""


def _problems_of(page) -> list[str]:
    problems = []
    for width, height in ((1280, 900), (320, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # the NHS.UK header re-lays its menu on resize, debounced
        if width == 1280 and (broken := page.evaluate(BROKEN_WORDS)):
            problems.append(f"{page.url} breaks words inside table cells at 1280 px: {broken}")
        if width == 320:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > 320:
                problems.append(f"{page.url} is {scroll} px wide at 320 px")
        try:
            assert_accessible(page)
        except AssertionError as error:
            problems.append(f"at {width} px: {error}")
    return problems


def _crawl(page, live_server, user) -> tuple[list[str], list[str]]:
    login(page, live_server, user)
    origin = live_server.url
    todo, seen_patterns, visited, problems = ["/"], set(), [], []
    while todo and len(visited) < MAX_PAGES:
        path = todo.pop(0)
        pattern = _pattern(path.split("?")[0])
        key = (pattern, "?" in path)
        if pattern is None or key in seen_patterns:
            continue
        seen_patterns.add(key)
        response = page.goto(f"{origin}{path}")
        if (
            response is None
            or response.status != 200
            or "html" not in (response.headers.get("content-type", ""))
        ):
            continue
        visited.append(path)
        problems += _problems_of(page)
        todo += _links(page, origin)
    return visited, problems


@pytest.mark.parametrize(
    "persona", ["coordinator_a", "pharmacist_a", "network", "national", "editor"]
)
def test_every_page_a_role_can_reach_fits_320_px_and_passes_axe(
    page, live_server, personas, world, persona
):
    visited, problems = _crawl(page, live_server, getattr(personas, persona))
    assert len(visited) >= 5, visited
    assert MUST_REACH.get(persona, set()) <= {_pattern(path.split("?")[0]) for path in visited}
    assert not problems, f"{len(problems)} problems on {len(visited)} pages:\n" + "\n".join(
        problems
    )
