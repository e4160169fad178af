from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from guidance import services
from guidance.models import GuidanceVersion

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/guidance/"


@pytest.fixture
def api(personas):
    return personas.client_for(personas.pharmacist_a)


def test_it_returns_ranked_results_with_snippets(corpus, api):
    response = api.get(SEARCH, {"q": "thaw"})
    assert response.status_code == 200
    body = response.json()
    assert [r["slug"] for r in body["results"]][:2] == ["thawing", "receipt"]
    assert body["count"] == 2
    assert body["results"][0]["rank"] >= body["results"][1]["rank"]
    assert "<mark>" in body["results"][1]["snippet"]


def test_it_filters_and_paginates(corpus, api):
    body = api.get(SEARCH, {"topic": "waste"}).json()
    assert [r["slug"] for r in body["results"]] == ["gmo-waste"]
    body = api.get(SEARCH, {"atmp_class": "gtmp_in_vivo", "page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    body = api.get(SEARCH, {"section": "governance_regulatory", "q": "spill"}).json()
    assert [r["slug"] for r in body["results"]] == ["gmo-spill"]


def test_it_explains_bad_filters_with_400(corpus, api):
    response = api.get(SEARCH, {"topic": "nope", "atmp_class": "x"})
    assert response.status_code == 400
    assert set(response.json()) == {"topic", "atmp_class"}


def test_it_never_fails_on_odd_query_text(corpus, api):
    for q in ['"', "-", "&|!:*", "x" * 1000, "🧊", "a\x00b", "' OR 1=1 --"]:
        assert api.get(SEARCH, {"q": q}).status_code == 200


def test_it_returns_a_document_with_its_versions(corpus, api, personas):
    draft = services.draft_create(
        document=corpus.spill.document,
        user=personas.editor,
        title="Cleaning up a GMO spill",
        summary="New summary",
        body_markdown="New",
    )
    services.version_publish(
        version=draft,
        user=personas.editor,
        change_note="Rewritten.",
        effective_date=dt.date.today(),
        review_due=dt.date.today() + dt.timedelta(days=30),
    )
    services.draft_create(
        document=corpus.spill.document,
        user=personas.editor,
        title="Next",
        summary="hidden",
        body_markdown="hidden",
    )
    body = api.get(f"{SEARCH}gmo-spill/").json()
    assert body["current_version"]["number"] == 2
    assert body["current_version"]["body_html"] == "<p>New</p>"
    assert [(v["number"], v["status"], v["change_note"]) for v in body["versions"]] == [
        (2, "published", "Rewritten."),
        (1, "superseded", "First version."),
    ]
    assert api.get(f"{SEARCH}no-such-thing/").status_code == 404


def test_it_is_read_only(corpus, api, personas):
    editor = personas.client_for(personas.editor)
    for client in (api, editor):
        for method in ("post", "put", "patch", "delete"):
            for url in (SEARCH, f"{SEARCH}thawing/"):
                response = getattr(client, method)(
                    url, {"title": "Hacked"}, content_type="application/json"
                )
                assert response.status_code == 405, (method, url)
    corpus.thaw_title.refresh_from_db()
    assert corpus.thaw_title.title.startswith("Thawing")
    assert corpus.thaw_title.status == GuidanceVersion.Status.PUBLISHED


def test_it_demands_authentication(client, corpus):
    assert client.get(SEARCH).status_code in (401, 403)
    assert client.get(reverse("api-guidance", args=["thawing"])).status_code in (401, 403)


def test_the_browsable_api_renders_a_search(corpus, api):
    response = api.get(SEARCH, {"q": "alert"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]


def test_the_schema_documents_the_search_as_a_page_of_results_with_its_errors(api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"][SEARCH]["get"]["responses"]
    ok = responses["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    page = schema["components"]["schemas"][ok]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["type"] == "array"
    assert page["properties"]["results"]["items"]["$ref"].endswith("/SearchResult")
    assert {"400", "404"} <= set(responses)
