from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidance import services
from guidance.models import Acknowledgement, GuidanceVersion
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance

pytestmark = pytest.mark.django_db


def republish(version, editor, body):
    return publish_guidance(
        document=version.document,
        editor=editor,
        title=version.title,
        summary=version.summary,
        body=body,
        change_note="Second look.",
        review_due=dt.date.today() + dt.timedelta(days=90),
    )


def test_it_searches_and_shows_highlighted_snippets(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:list"), {"q": "irradiate"}).content.decode()
    assert "1 result for “irradiate”" in page
    assert "<mark>irradiate</mark>" in page
    assert 'href="/guidance/thawing/"' in page


def test_it_says_no_results_and_never_fails_on_odd_text(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    for q in ['"', "-", "&|!:*", "x" * 1000, "🧊", "a\x00b", "<script>alert(1)</script>", "zzzz"]:
        response = client.get(reverse("guidance:list"), {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert "No results for “zzzz”" in response.content.decode()


def test_it_shows_filter_errors_next_to_the_field(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    response = client.get(reverse("guidance:list"), {"topic": "bogus"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and 'id="id_topic-error"' in page


def test_it_browses_by_topic(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:list"), {"topic": "waste"}).content.decode()
    assert "Disposing of GMO waste" in page and "Cleaning up a GMO spill" not in page
    assert "?topic=thaw_reconstitution" in page


def test_the_search_page_uses_the_same_number_of_queries_for_more_results(personas):
    client = personas.client_for(personas.pharmacist_a)
    editor = UserFactory(is_guidance_editor=True)
    publish_guidance(editor=editor, title="Thaw one", slug="t1")
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("guidance:list"), {"q": "thaw"})
    for n in range(2, 12):
        publish_guidance(editor=editor, title=f"Thaw {n}", slug=f"t{n}")
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("guidance:list"), {"q": "thaw"})
    assert len(large) == len(small)


def test_the_document_page_shows_dates_history_and_what_changed(personas):
    editor = personas.editor
    v1 = publish_guidance(
        editor=editor,
        title="Thawing",
        slug="thawing",
        body="Line one.\n\nOld <b>line</b>.",
        review_due=dt.date.today() + dt.timedelta(days=1),
    )
    republish(v1, editor, "Line one.\n\nNew line with <script>x</script>.")
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:detail", args=["thawing"])).content.decode()
    assert "What changed since version 1" in page
    assert '<del><span class="nhsuk-u-visually-hidden">Removed: </span>Old' in page
    assert '<ins><span class="nhsuk-u-visually-hidden">Added: </span>New' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert page.index("Change note:") < page.index("<del>") < page.index("I have read this version")
    assert 'href="/guidance/thawing/versions/1/"' in page
    assert "Review overdue" not in page
    old = client.get(reverse("guidance:version", args=["thawing", 1])).content.decode()
    assert "Superseded version" in old and "I have read this version" not in old
    assert client.get(reverse("guidance:version", args=["thawing", 7])).status_code == 404


def test_it_flags_an_overdue_review(personas):
    publish_guidance(
        title="Old",
        slug="old",
        effective_date=dt.date.today() - dt.timedelta(days=300),
        review_due=dt.date.today() - dt.timedelta(days=1),
    )
    client = personas.client_for(personas.pharmacist_a)
    assert "Review overdue" in client.get(reverse("guidance:detail", args=["old"])).content.decode()
    assert "Review overdue" in client.get(reverse("guidance:list")).content.decode()


def test_drafts_are_not_readable(personas):
    version = publish_guidance(title="T", slug="t")
    services.draft_create(
        document=version.document,
        user=personas.editor,
        title="Secret",
        summary="s",
        body_markdown="b",
    )
    client = personas.client_for(personas.pharmacist_a)
    assert "Secret" not in client.get(reverse("guidance:detail", args=["t"])).content.decode()
    assert client.get(reverse("guidance:version", args=["t", 2])).status_code == 404


def test_acknowledging_is_idempotent_and_asks_for_a_reread_after_a_new_version(personas):
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    client = personas.client_for(personas.pharmacist_a)
    url = reverse("guidance:acknowledge", args=["thawing"])
    assert client.get(url).status_code == 405
    for _ in range(2):
        response = client.post(url, {"version": "1"}, follow=True)
    assert "You have confirmed that you read version 1." in response.content.decode()
    assert Acknowledgement.objects.filter(user=personas.pharmacist_a).count() == 1

    republish(v1, personas.editor, "Changed.")
    page = client.get(reverse("guidance:detail", args=["thawing"])).content.decode()
    assert "Re-read needed" in page and "I have read this version" in page
    stale = client.post(url, {"version": "1"}, follow=True).content.decode()
    assert "A newer version has been published" in stale
    client.post(url, {"version": "2"})
    assert Acknowledgement.objects.filter(user=personas.pharmacist_a).count() == 2


def test_the_site_page_shows_who_read_and_who_must_reread(personas):
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    services.acknowledgement_record(version=v1, user=personas.pharmacist_a)
    services.acknowledgement_record(version=v1, user=personas.coordinator_a)
    republish(v1, personas.editor, "Changed.")
    v2 = GuidanceVersion.objects.get(document=v1.document, number=2)
    services.acknowledgement_record(version=v2, user=personas.coordinator_a)
    url = reverse("guidance:acknowledgements_site", args=[personas.site_a.pk])
    client = personas.client_for(personas.pharmacist_a)
    response = client.get(url)
    rows = response.context["rows"]
    assert [u.pk for u in rows[0].read] == [personas.coordinator_a.pk]
    assert [u.pk for u in rows[0].reread] == [personas.pharmacist_a.pk]
    assert rows[0].unread == []
    assert personas.client_for(personas.network).get(url).status_code == 200


def test_the_site_page_is_invisible_to_other_sites(personas):
    url = reverse("guidance:acknowledgements_site", args=[personas.site_a.pk])
    assert personas.client_for(personas.coordinator_b).get(url).status_code == 404
    assert personas.client_for(personas.nobody).get(url).status_code == 404
    index = personas.client_for(personas.pharmacist_a).get(reverse("guidance:acknowledgements"))
    assert index.status_code == 302 and index.url == url


def test_the_site_page_uses_constant_queries(personas):
    from tests.sites.factories import MembershipFactory

    editor = personas.editor
    publish_guidance(editor=editor, title="One", slug="one")
    client = personas.client_for(personas.coordinator_a)
    url = reverse("guidance:acknowledgements_site", args=[personas.site_a.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(5):
        version = publish_guidance(editor=editor, title=f"Doc {n}", slug=f"doc-{n}")
        member = MembershipFactory(site=personas.site_a, role="pharmacist").user
        services.acknowledgement_record(version=version, user=member)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_pages_demand_login(client):
    publish_guidance(title="T", slug="t")
    for url in [
        reverse("guidance:list"),
        reverse("guidance:detail", args=["t"]),
        reverse("guidance:acknowledgements"),
        reverse("guidance:editor_list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_search_page_says_when_it_ranks_by_most_of_the_words(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:list"), {"q": "dry shipper delivery"}).content.decode()
    assert "contain most of them" in page
    assert 'href="/guidance/receipt/"' in page


def test_the_search_page_offers_a_spelling_when_little_is_found(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:list"), {"q": "cryopreserved Thawng"}).content.decode()
    assert "Did you mean" in page and "cryopreserved thawing</a>?" in page


def test_the_search_page_counts_results_per_filter_for_the_query(corpus, personas):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("guidance:list"), {"q": "GMO"}).content.decode()
    assert "Waste (1" in page and "Spills and exposure (1" in page
    assert "Storage (1" not in page
    assert '<option value="governance_regulatory">Governance and regulatory (2)</option>' in page
