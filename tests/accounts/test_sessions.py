"""accounts.sessions: the idle timeout kept with one session write a minute, not one a request;
and pages sent gzipped (GZipMiddleware beside it in MIDDLEWARE)."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.sessions import REFRESH_SECONDS
from tests.accounts.factories import UserFactory


def _session_writes(client: Client, url: str = "/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


def _expiry(client: Client) -> dt.datetime:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Session.objects.get(session_key=key).expire_date


@pytest.fixture
def signed_in():
    client = Client()
    client.force_login(UserFactory())
    return client


@pytest.mark.django_db
def test_it_does_not_write_the_session_again_within_a_minute(signed_in):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in.get("/")  # the first request after sign-in records when it saved
        expiry = _expiry(signed_in)
    with time_machine.travel(start + dt.timedelta(seconds=REFRESH_SECONDS - 1), tick=False):
        assert _session_writes(signed_in) == 0
    assert _expiry(signed_in) == expiry


@pytest.mark.django_db
def test_it_does_not_write_the_session_on_the_first_page_after_signing_in(signed_in):
    assert _session_writes(signed_in) == 0


@pytest.mark.django_db
def test_it_moves_the_expiry_once_a_minute_has_passed(signed_in):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in.get("/")
    later = start + dt.timedelta(seconds=REFRESH_SECONDS)
    with time_machine.travel(later, tick=False):
        assert _session_writes(signed_in) == 1
    assert _expiry(signed_in) == later + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


@pytest.mark.django_db
def test_it_signs_out_30_minutes_after_the_last_saved_request_not_later(signed_in):
    """Requests within the minute do not extend the session: the timeout never exceeds 30 minutes."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in.get("/")
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        signed_in.get("/")
    with time_machine.travel(start + dt.timedelta(minutes=30, seconds=1), tick=False):
        response = signed_in.get("/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_creates_no_session_for_an_anonymous_visitor():
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_it_sends_pages_gzipped_to_a_browser_that_asks(signed_in):
    response = signed_in.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"</html>" in gzip.decompress(response.content)


@pytest.mark.django_db
def test_it_sends_pages_plain_to_a_client_that_does_not_ask(signed_in):
    response = signed_in.get("/")
    assert not response.has_header("Content-Encoding")
    assert b"</html>" in response.content


@pytest.mark.django_db
def test_it_pads_each_gzipped_page_differently_against_breach(signed_in):
    """Django's Heal The Breach mitigation: random bytes in the gzip header, so the compressed
    length of the same page varies and cannot be used to guess a secret in it."""
    sizes = {
        len(signed_in.get("/accessibility/", headers={"Accept-Encoding": "gzip"}).content)
        for _ in range(8)
    }
    assert len(sizes) > 1
