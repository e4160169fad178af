"""The checklist list page (one line per item, filters, search) and the item's "needed by"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from sites.models import Capability, SiteCapability
from tests.sites.factories import CapabilityFactory, EvidenceDocumentFactory, SiteCapabilityFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory, TrialSiteFactory


@pytest.fixture
def checklist(personas):
    """Four storage items in four states, one pharmacy item; ORION-19 needs two of them."""
    today = timezone.localdate()
    site = personas.site_a
    caps = {
        code: CapabilityFactory(code=code, name=name, category=category)
        for code, name, category in [
            ("ln2", "Liquid nitrogen storage", Capability.Category.STORAGE),
            ("dewar", "Dry shipper dewar", Capability.Category.STORAGE),
            ("freezer", "Minus 80 freezer", Capability.Category.STORAGE),
            ("alarm", "Temperature alarms", Capability.Category.STORAGE),
            ("sop", "Pharmacy receipt SOP", Capability.Category.PHARMACY),
        ]
    }
    ln2 = SiteCapabilityFactory(
        site=site,
        capability=caps["ln2"],
        status="in_place",
        evidence_expires_on=today + dt.timedelta(days=30),
    )
    ln2.evidence.add(EvidenceDocumentFactory(site=site))
    SiteCapabilityFactory(
        site=site,
        capability=caps["dewar"],
        status="in_place",
        evidence_expires_on=today - dt.timedelta(days=1),
    )
    SiteCapabilityFactory(site=site, capability=caps["freezer"], status="in_progress")
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=site)
    CapabilityRequirementFactory(trial=trial, capabilities=[caps["ln2"]])
    CapabilityRequirementFactory(trial=trial, capabilities=[caps["freezer"]])
    return caps, trial


def _page(client, site, **params) -> str:
    response = client.get(reverse("reports:checklist", args=[site.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def _shown(body: str, caps) -> set[str]:
    return {code for code, cap in caps.items() if f'id="item-{cap.pk}"' in body}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"ln2", "dewar", "freezer", "alarm", "sop"}),
        ({"status": "in_place"}, {"ln2", "dewar"}),
        ({"status": "not_recorded"}, {"alarm", "sop"}),
        ({"q": "DEWAR"}, {"dewar"}),
        ({"evidence": "expiring"}, {"ln2"}),
        ({"evidence": "expired"}, {"dewar"}),
        ({"evidence": "none"}, {"dewar", "freezer", "alarm", "sop"}),
        ({"status": "in_place", "evidence": "none"}, {"dewar"}),
    ],
)
def test_it_filters_and_searches_the_items(personas, checklist, params, expected):
    caps, _ = checklist
    body = _page(personas.client_for(personas.coordinator_a), personas.site_a, **params)
    assert _shown(body, caps) == expected


def test_it_shows_only_the_gaps_of_the_chosen_trial(personas, checklist):
    caps, trial = checklist
    body = _page(
        personas.client_for(personas.coordinator_a), personas.site_a, gaps_for=f"trial-{trial.pk}"
    )
    # ln2 is in place (expiring but met); the freezer, in progress, is the trial's one gap.
    assert _shown(body, caps) == {"freezer"}
    assert "Showing 1 of 5 items" in body


def test_each_line_has_status_expiry_and_evidence_count_and_the_category_progress(
    personas, checklist
):
    caps, _ = checklist
    body = _page(personas.client_for(personas.coordinator_a), personas.site_a)
    expires = timezone.localdate() + dt.timedelta(days=30)
    assert f"valid to {expires.day} {expires:%b %Y}" in body
    assert "1 evidence file<" in body
    assert "2 of 4 settled" in body  # storage: two in place of four
    assert "Needed by ORION-19." in body


def test_each_line_tags_its_status_by_colour_and_links_to_the_item_page(personas, checklist):
    caps, _ = checklist
    site = personas.site_a
    body = _page(personas.client_for(personas.coordinator_a), site)
    for code, colour, label in [
        ("ln2", "green", "In place"),
        ("freezer", "blue", "In progress"),
        ("alarm", "white", "Not recorded"),
    ]:
        summary = body.split(f'id="summary-{caps[code].pk}"', 1)[1].split("</summary>", 1)[0]
        assert f'<strong class="nhsuk-tag nhsuk-tag--{colour}">{label}</strong>' in summary
        assert "0 evidence files" in summary or code == "ln2"
        item_url = reverse("reports:capability", args=[site.pk, caps[code].pk])
        assert f'hx-get="{item_url}"' in body and f'<a href="{item_url}">' in body
    assert 'id="summary-' in body and "no expiry · 0 evidence files" in body


def test_an_impossible_filter_value_is_a_message_by_the_field_not_an_error(personas, checklist):
    body = _page(
        personas.client_for(personas.coordinator_a),
        personas.site_a,
        status="nonsense",
        gaps_for="trial-999",
    )
    assert "Select the status from the list" in body
    assert "Select the trial or profile from the list" in body


def test_the_item_shows_which_trials_and_profiles_need_it(personas, checklist):
    caps, _ = checklist
    client = personas.client_for(personas.coordinator_a)
    body = client.get(
        reverse("reports:capability", args=[personas.site_a.pk, caps["freezer"].pk])
    ).content.decode()
    assert "ORION-19 (trial, mandatory): <strong>blocker</strong>" in body
    alarm = client.get(
        reverse("reports:capability", args=[personas.site_a.pk, caps["alarm"].pk])
    ).content.decode()
    assert "No trial at this site and no requirement profile needs this item." in alarm


def test_site_b_sees_nothing_of_site_a_checklist(personas, checklist):
    client = personas.client_for(personas.coordinator_b)
    assert client.get(reverse("reports:checklist", args=[personas.site_a.pk])).status_code == 404


def _queries(client, site) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _page(client, site)
    return len(ctx)


def _grow_to(site, n: int) -> None:
    have = Capability.objects.count()
    new = Capability.objects.bulk_create(
        Capability(
            code=f"bulk_{i}",
            name=f"Bulk capability {i}",
            description="-",
            category=Capability.Category.values[i % 7],
        )
        for i in range(have, n)
    )
    SiteCapability.objects.bulk_create(
        SiteCapability(site=site, capability=cap, status="in_place") for cap in new[::2]
    )


def test_the_page_costs_the_same_queries_at_60_and_600_items(personas, checklist):
    client = personas.client_for(personas.coordinator_a)
    _grow_to(personas.site_a, 60)
    at_60 = _queries(client, personas.site_a)
    _grow_to(personas.site_a, 600)
    assert _queries(client, personas.site_a) == at_60


FULL_PAGE_BYTES = 357 * 1024  # issue 15: the page of 60 expanded item forms, before


def test_the_page_of_60_items_is_at_least_5_times_smaller_than_the_full_page(personas, checklist):
    client = personas.client_for(personas.coordinator_a)
    _grow_to(personas.site_a, 60)
    body = _page(client, personas.site_a)
    assert body.count('id="item-') == 60
    assert len(body.encode()) * 5 <= FULL_PAGE_BYTES


@pytest.fixture
def guided(personas, checklist):
    """Two guidance documents for the liquid nitrogen item, and an item whose name needs escaping."""
    from guidance import services
    from tests.guidance.factories import publish_guidance

    caps, trial = checklist
    for slug, title in [
        ("ln2-vapour", "Keeping ATMPs in vapour & LN2"),
        ("alarms", "Alarms <first>"),
    ]:
        version = publish_guidance(editor=personas.editor, title=title, slug=slug)
        services.document_links_update(
            document=version.document, user=personas.editor, capabilities=[caps["ln2"]], courses=[]
        )
    caps["odd"] = CapabilityFactory(
        code="odd", name='Cell & "gene" <lab>', category=Capability.Category.PHARMACY
    )
    return caps, trial


def _guidance_links(code: str) -> str:
    """What guidance's own tag renders for the item: the list's line must be the same."""
    from django.template import Context, Template

    return Template(
        "{% load guidance_tags %}{% guidance_for_capabilities codes as helps %}"
        "{% guidance_links helps code %}"
    ).render(Context({"codes": [code], "code": code}))


def _item(site, cap, *, summary: str, verb: str, body: str = "") -> str:
    """One list item as the page's template wrote it before it became a template tag."""
    url = reverse("reports:capability", args=[site.pk, cap.pk])
    return (
        f'<li id="item-{cap.pk}" class="app-checklist__item">'
        f'<details class="app-checklist__details" hx-get="{url}" hx-trigger="toggle once"'
        ' hx-target="find .app-checklist__body" hx-swap="innerHTML">'
        f'<summary><span class="app-checklist__summary" id="summary-{cap.pk}">{summary}</span></summary>'
        f'<div class="app-checklist__body">{body}'
        f'<p class="nhsuk-body-s"><a href="{url}">{verb}</a></p></div></details></li>'
    )


def test_each_item_keeps_its_summary_guidance_needs_and_link(personas, guided):
    """Every part of a line, markup and all, for a coordinator (who may change every item)."""
    caps, _ = guided
    site = personas.site_a
    body = _page(personas.client_for(personas.coordinator_a), site)
    expires = timezone.localdate() + dt.timedelta(days=30)
    assert "Guidance: " in _guidance_links("ln2")
    assertInHTML(
        _item(
            site,
            caps["ln2"],
            summary='<span class="app-checklist__name">Liquid nitrogen storage</span> '
            '<strong class="nhsuk-tag nhsuk-tag--green">In place</strong> '
            f'<span class="app-checklist__meta">valid to {expires.day} {expires:%b %Y} · '
            "1 evidence file</span>",
            body=_guidance_links("ln2") + '<p class="nhsuk-body-s">Needed by ORION-19.</p>',
            verb="Open and change Liquid nitrogen storage",
        ),
        body,
        count=1,
    )
    assertInHTML(
        _item(
            site,
            caps["freezer"],
            summary='<span class="app-checklist__name">Minus 80 freezer</span> '
            '<strong class="nhsuk-tag nhsuk-tag--blue">In progress</strong> '
            '<span class="app-checklist__meta">no expiry · 0 evidence files</span>',
            body='<p class="nhsuk-body-s">Needed by ORION-19 (gap).</p>',
            verb="Open and change Minus 80 freezer",
        ),
        body,
        count=1,
    )
    assertInHTML(
        _item(
            site,
            caps["odd"],
            summary='<span class="app-checklist__name">Cell &amp; &quot;gene&quot; &lt;lab&gt;</span> '
            '<strong class="nhsuk-tag nhsuk-tag--white">Not recorded</strong> '
            '<span class="app-checklist__meta">no expiry · 0 evidence files</span>',
            verb="Open and change Cell &amp; &quot;gene&quot; &lt;lab&gt;",
        ),
        body,
        count=1,
    )
    assert body.count('class="app-checklist__item"') == len(caps)


@pytest.mark.parametrize(
    ("who", "storage_verb", "pharmacy_verb"),
    [
        ("national", "Open", "Open"),
        ("pharmacist_a", "Open", "Open and change"),
    ],
)
def test_each_item_offers_to_change_it_only_to_whoever_may(
    personas, guided, who, storage_verb, pharmacy_verb
):
    caps, _ = guided
    body = _page(personas.client_for(getattr(personas, who)), personas.site_a)
    for code, verb in [("dewar", storage_verb), ("sop", pharmacy_verb)]:
        url = reverse("reports:capability", args=[personas.site_a.pk, caps[code].pk])
        assertInHTML(
            f'<p class="nhsuk-body-s"><a href="{url}">{verb} {caps[code].name}</a></p>', body
        )
