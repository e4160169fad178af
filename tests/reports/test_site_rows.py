"""The rows of the site readiness page and the site dashboard (reports/templatetags/site_rows.py).

They are built in Python for speed (issue 14), so these tests hold them to what the engine and
the link helpers say: every gap, expiring and met row of every assessment, every expiry row
and every blocker, in order, with its label and the link to where it is closed or renewed;
actions with their change links for coordinators only; everything escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pytest
from django.template import engines
from django.urls import reverse

from actions.models import GapAction
from actions.services import action_create
from guidance.models import GuidanceDocument
from guidance.selectors import guidance_for_capabilities, guidance_for_courses
from reports import readiness
from reports.links import gap_path
from reports.templatetags.site_rows import _guidance, _Page
from sites.models import SiteCapability
from tests.guidance.factories import publish_guidance
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from training.expiry import expiring_items
from trials.models import RequirementLevel

pytestmark = pytest.mark.django_db

_ROW_LINK = re.compile(
    r'<tr role="row" class="nhsuk-table__row">\s*<td[^>]*>.*?<a href="([^"]*)">(.*?)</a>', re.S
)


@pytest.fixture
def world(personas):
    """A trial at site A and a profile: blockers, a warning, an alternative, a training gap,
    an expiring item and met ones, names that need escaping, guidance and an overdue action."""
    today = dt.date.today()
    site = personas.site_a
    cold = CapabilityFactory(code="cold", name='Cold & <dry> "store"')
    icu = CapabilityFactory(code="icu", name="ICU cover")
    alt_a = CapabilityFactory(code="alt_a", name="Apheresis on site")
    alt_b = CapabilityFactory(code="alt_b", name="Apheresis by agreement")
    met = CapabilityFactory(code="met", name="Pharmacy aseptic unit")
    soon = CapabilityFactory(code="soon", name="LN2 dry shipper")
    course = CourseFactory(code="gcp", title="GCP <refresher>", renewal_months=24)
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=site)
    profile = RequirementProfileFactory(code="core", name="Core profile")
    for owner in ({"trial": trial}, {"profile": profile}):
        CapabilityRequirementFactory(**owner, capabilities=[cold])
        CapabilityRequirementFactory(
            **owner, capabilities=[icu], level=RequirementLevel.RECOMMENDED
        )
        CapabilityRequirementFactory(**owner, capabilities=[alt_a, alt_b])
        CapabilityRequirementFactory(**owner, capabilities=[met])
        CapabilityRequirementFactory(**owner, capabilities=[soon])
        TrainingRequirementFactory(**owner, course=course)
    SiteCapabilityFactory(site=site, capability=met)
    SiteCapabilityFactory(
        site=site, capability=soon, evidence_expires_on=today + dt.timedelta(days=9)
    )
    SiteCapabilityFactory(site=site, capability=icu, status=SiteCapability.Status.IN_PROGRESS)
    nurse = StaffMemberFactory(site=site, full_name="Ann O'Brien <RN>")
    TrainingRecordFactory(staff=nurse, course=course, completed_on=today - dt.timedelta(days=800))
    guide = publish_guidance(title="Storage & handling").document
    guide.capabilities.add(cold, alt_b)
    guide.courses.add(course)
    action_create(
        site=site,
        requirement_key="cap:cold",
        requirement_label=cold.name,
        owner=nurse,
        target_date=today - dt.timedelta(days=3),
        user=personas.coordinator_a,
    )
    return trial, profile


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section aria-labelledby="{anchor}">')
    return page[start : page.index("</section>", start)]


def test_every_assessment_row_links_its_requirement_to_where_it_is_closed(personas, world):
    trial, profile = world
    site = personas.site_a
    page = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-readiness", args=[site.pk]))
        .content.decode()
    )
    by_trial, by_profile = readiness.assess_site_for(
        site=site, trials=[trial], profiles=[profile], on=dt.date.today()
    )
    for anchor, assessment in (
        (f"trial-{trial.pk}", by_trial[0]),
        (f"profile-{profile.code}", by_profile[0]),
    ):
        section = _section(page, anchor)
        expected = [
            (gap_path(site.pk, row), escape(row.requirement.label))
            for row in [
                *assessment.capability_gaps,
                *assessment.training_gaps,
                *assessment.expiring_rows,
            ]
        ]
        assert len(assessment.capability_gaps) == 3 and assessment.training_gaps
        assert assessment.expiring_rows and assessment.met_rows
        assert _ROW_LINK.findall(section) == expected
        for row in assessment.met_rows:
            assert f"<li>{escape(row.requirement.label)}: {escape(row.detail)}</li>" in section
        for row in assessment.gaps:
            assert escape(row.detail) in section
        assert "<dry>" not in section and "<RN>" not in section and "<refresher>" not in section
        # Guidance: once per row that has some, the document named once even for two codes.
        guidance = reverse("guidance:detail", args=[_slug()])
        assert section.count(f'<a href="{guidance}">Storage &amp; handling</a>') == 3


def _slug() -> str:
    return GuidanceDocument.objects.get(title="Storage & handling").slug


def test_actions_on_gap_rows_change_for_coordinators_only(personas, world):
    trial, _ = world
    site = personas.site_a
    url = reverse("reports:site-readiness", args=[site.pk])
    page = (
        personas.client_for(personas.coordinator_a).get(url, {"trial": trial.pk}).content.decode()
    )
    action = GapAction.objects.get(site=site)
    back = f"{url}?trial={trial.pk}".replace("?", "%3F").replace("=", "%3D")
    edit = reverse("reports:action-edit", args=[site.pk, action.pk])
    assert (
        "Action: Ann O&#x27;Brien &lt;RN&gt;, by "
        f"{action.target_date.day} {action.target_date:%B %Y} "
        '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>'
        f' (<a href="{edit}?next={back}">change<span class="nhsuk-u-visually-hidden"> the action '
        "on Cold &amp; &lt;dry&gt; &quot;store&quot;</span></a>)"
    ) in page
    new = reverse("reports:action-new", args=[site.pk])
    assert f'<br><a href="{new}?gap=cap%3Acold&amp;next={back}">Add another action' in page
    assert f': <a href="{new}?gap=cap%3Aicu&amp;next={back}">Add an action' in page
    reader = personas.client_for(personas.network).get(url, {"trial": trial.pk}).content.decode()
    assert "Action: Ann O&#x27;Brien &lt;RN&gt;" in reader
    assert edit not in reader and new not in reader


def test_the_dashboard_lists_every_expiry_and_blocker_with_its_link(personas, world):
    trial, _ = world
    site = personas.site_a
    page = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-dashboard", args=[site.pk]))
        .content.decode()
    )
    items = expiring_items(site_ids=[site.pk], on=dt.date.today())
    assert {item.kind for item in items} == {"evidence", "training"}
    found = re.findall(
        r'<tr class="nhsuk-table__row" role="row" data-expiry="(\w+)">\s*<td[^>]*>'
        r'<span[^>]*>Item </span><a href="([^"]*)">(.*?)</a>',
        page,
    )
    assert found == [(item.kind, item.path, escape(item.label)) for item in items]
    (by_trial,), _ = readiness.assess_site_for(
        site=site, trials=[trial], profiles=[], on=dt.date.today()
    )
    blockers = page[page.index(f'data-blockers="trial={trial.pk}"') :]
    blockers = blockers[: blockers.index("</ul>")]
    assert re.findall(r'<li><a href="([^"]*)">(.*?)</a>', blockers) == [
        (gap_path(site.pk, gap), escape(gap.requirement.label))
        for gap in by_trial.gaps
        if gap.is_blocker
    ]
    assert "(no record)" in blockers and "(0 of 1 trained)" in blockers
    assert "Action: Ann O&#x27;Brien &lt;RN&gt;" in blockers


def test_gap_guidance_links_are_those_of_the_guidance_template(personas, world):
    """site_rows copies guidance/_helps.html's markup; this keeps the copy true."""
    trial, _ = world
    (assessment,), _ = readiness.assess_site_for(
        site=personas.site_a, trials=[trial], profiles=[], on=dt.date.today()
    )
    template = engines["django"].from_string(
        "{% load guidance_tags %}{% guidance_links helps row %}"
    )
    page = _Page()
    checked = 0
    for row in assessment.gaps:
        helps = guidance_for_capabilities(row.requirement.capability_codes) | guidance_for_courses(
            [row.requirement.course_code]
        )
        expected = template.render({"helps": helps, "row": row}).strip()  # its file's newline
        assert _guidance(page, helps, row.requirement) == expected
        checked += bool(expected)
    assert checked == 3  # cold, the alternative (one document for two codes), the course
