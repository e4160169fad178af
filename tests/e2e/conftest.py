"""Browser journeys in Debian's Chromium, driven by Playwright (STACK-NOTES.md).

Use `login(page, live_server, user)` to sign in through the real form, and
`assert_accessible(page)` on every page a journey visits: axe-core must find no violation
of serious or critical impact.
"""

from __future__ import annotations

import os

import pytest

from tests.accounts.factories import PASSWORD

# live_server runs in a thread while the test body uses the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def login(page, live_server, user, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def fill_date(scope, label: str, day) -> None:
    """Type a date into the NHS.UK date input (the day, month and year boxes) named `label`."""
    group = scope.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def assert_accessible(page) -> None:
    """axe-core on the page as it is now: no serious or critical WCAG violation."""
    # A script URL from our own origin: an inline copy would be blocked by our CSP.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/build/axe.min.js")
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "; ".join(bad)


from tests.accounts.oidc import oidc_issuer, sso  # noqa: E402,F401 (pytest fixtures for SSO journeys)
