"""Guidance where the gap is: documents name the capabilities and courses they support."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from guidance import selectors, services
from tests.guidance.factories import publish_guidance
from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(personas):
    ln2 = CapabilityFactory(code="ln2_storage", name="Vapour-phase LN2 storage")
    gmo = CapabilityFactory(code="gmo_containment", name="GMO containment")
    course = CourseFactory(code="cryo_handling", title="Cryogenic handling")
    store = publish_guidance(editor=personas.editor, title="Keeping ATMPs in LN2", slug="ln2")
    alarm = publish_guidance(editor=personas.editor, title="An LN2 alarm", slug="alarm")
    services.document_links_update(
        document=store.document, user=personas.editor, capabilities=[ln2], courses=[course]
    )
    services.document_links_update(
        document=alarm.document, user=personas.editor, capabilities=[ln2, gmo], courses=[]
    )
    return ln2, gmo, course, store, alarm


def test_it_finds_the_guidance_for_many_capabilities_in_one_query(
    linked, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = selectors.guidance_for_capabilities(["ln2_storage", "gmo_containment", "other"])
    assert {code: [d.slug for d in docs] for code, docs in found.items()} == {
        "ln2_storage": ["alarm", "ln2"],
        "gmo_containment": ["alarm"],
    }
    assert [d.slug for d in selectors.guidance_for_courses(["cryo_handling"])["cryo_handling"]] == [
        "ln2"
    ]


def test_retired_guidance_is_not_offered(linked, personas):
    *_, alarm = linked
    services.document_retire(document=alarm.document, user=personas.editor)
    assert [
        d.slug for d in selectors.guidance_for_capabilities(["ln2_storage"])["ln2_storage"]
    ] == ["ln2"]


def test_the_links_keep_their_history(linked):
    *_, store, _ = linked
    latest = store.document.history.latest()
    assert latest.history_change_reason.startswith("Capabilities and courses set by")
    assert [c.capability_id for c in latest.capabilities.all()] == [linked[0].pk]


def test_the_template_tags_show_a_rows_guidance_with_one_query_per_page(
    linked, django_assert_num_queries
):
    ln2, gmo, *_ = linked
    template = Template(
        "{% load guidance_tags %}{% guidance_for_capabilities capabilities as helps %}"
        "{% for c in capabilities %}[{% guidance_links helps c.code %}]{% endfor %}"
    )
    with django_assert_num_queries(1):
        html = template.render(Context({"capabilities": [ln2, gmo]}))
    assert html.count('href="/guidance/alarm/"') == 2 and html.count('href="/guidance/ln2/"') == 1


def test_the_guidance_page_names_what_it_supports_and_editors_set_it(linked, personas):
    ln2, gmo, course, store, _ = linked
    page = (
        personas.client_for(personas.pharmacist_a)
        .get(reverse("guidance:detail", args=["ln2"]))
        .content.decode()
    )
    assert "Vapour-phase LN2 storage" in page and "Cryogenic handling" in page
    editor = personas.client_for(personas.editor)
    url = reverse("guidance:editor_supports", args=["ln2"])
    assert editor.get(url).status_code == 200
    editor.post(url, {"capabilities": ["gmo_containment"]})
    assert list(store.document.capabilities.values_list("code", flat=True)) == ["gmo_containment"]
    assert not store.document.courses.exists()
    assert personas.client_for(personas.pharmacist_a).get(url).status_code == 404


def test_checklist_items_and_gap_rows_show_the_guidance_that_helps(linked, personas):
    from tests.trials.factories import CapabilityRequirementFactory, RequirementProfileFactory

    ln2, *_ = linked
    checklist = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:checklist", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert 'href="/guidance/ln2/"' in checklist and 'href="/guidance/alarm/"' in checklist
    CapabilityRequirementFactory(profile=RequirementProfileFactory(), capabilities=[ln2])
    readiness = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-readiness", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert readiness.count('href="/guidance/ln2/"') >= 1


def _checkboxes(page: str, name: str) -> dict[str, bool]:
    """value -> ticked, for the page's checkboxes called `name`."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and 'type="checkbox"' in tag:
            value = re.search(r'value="([^"]*)"', tag).group(1)
            found[value] = " checked" in tag
    return found


def test_the_link_editor_groups_by_category_with_names_and_ticks_the_current_links(
    linked, personas
):
    CapabilityFactory(
        code="gmo_waste",
        name="GMO waste route",
        category="logistics",
        description="Segregation and incineration of GMO waste.",
    )
    editor = personas.client_for(personas.editor)
    page = editor.get(reverse("guidance:editor_supports", args=["ln2"])).content.decode()
    assert _checkboxes(page, "capabilities") == {
        "ln2_storage": True,
        "gmo_containment": False,
        "gmo_waste": False,
    }
    assert _checkboxes(page, "courses") == {"cryo_handling": True}
    legends = re.findall(
        r'<legend class="nhsuk-fieldset__legend[^"]*">\s*([^<]+?)\s*</legend>', page
    )
    assert "Logistics" in legends and "Courses for any ATMP work" in legends
    labels = re.findall(r'class="nhsuk-label nhsuk-checkboxes__label"[^>]*>([^<]+)<', page)
    assert "GMO waste route" in labels and "gmo_waste" not in labels


def test_the_filter_works_without_javascript_and_keeps_the_ticks(linked, personas):
    CapabilityFactory(
        code="gmo_waste",
        name="GMO waste route",
        category="logistics",
        description="Segregation and incineration of GMO waste.",
    )
    editor = personas.client_for(personas.editor)
    url = reverse("guidance:editor_supports", args=["ln2"])
    # The Filter button sends the form by GET: the words, and what is ticked now (unsaved).
    page = editor.get(
        url, {"q": "INCINERATION", "capabilities": ["gmo_containment"], "courses": []}
    ).content.decode()
    assert _checkboxes(page, "capabilities") == {"gmo_containment": True, "gmo_waste": False}
    assert _checkboxes(page, "courses") == {}
    assert "No course matches" in page and "Show everything" in page
    # Nothing was saved by filtering.
    assert list(linked[3].document.capabilities.values_list("code", flat=True)) == ["ln2_storage"]


def test_an_unknown_code_is_a_clear_error_not_a_500(linked, personas):
    editor = personas.client_for(personas.editor)
    url = reverse("guidance:editor_supports", args=["ln2"])
    response = editor.post(url, {"capabilities": ["ln2_storage", "no_such_thing"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose capabilities from the list: “no_such_thing” is not one of them" in page
    assert 'id="id_capabilities-error"' in page
    assert _checkboxes(page, "capabilities")["ln2_storage"] is True
    assert list(linked[3].document.capabilities.values_list("code", flat=True)) == ["ln2_storage"]
