"""The API docs page in Chromium: styled, and no Content-Security-Policy violation at all."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_styled_with_no_csp_violation(page, live_server, personas):
    login(page, live_server, personas.nobody)
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    assert page.evaluate("window.cspViolations") == []
    # The rules that used to be inline now apply: no default 8px body margin, grey background.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 250, 250)"
