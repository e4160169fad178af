"""The PDF and CSV of a report: what they say, and what WeasyPrint may fetch."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from guidance import services as guidance_services
from reports import csvexport, pdf, tasks
from reports import document as report_document_module
from reports.models import ReadinessReport
from sites.models import Capability, Site
from tests.guidance.factories import publish_guidance
from tests.reports.test_jobs import RECORDED, TODAY, build_scenario, make_report
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.trials.factories import CapabilityRequirementFactory
from training.models import Course


@pytest.fixture
def scenario(personas):
    return build_scenario(personas)


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    return "\n".join(pages), pages


def test_a_site_report_names_each_gap_what_closes_it_and_the_staff_shortfall(personas, scenario):
    report = make_report(personas, scenario)
    data, _ = tasks.build_files(report)
    text, pages = pdf_text(data)
    flat = " ".join(text.split())
    for name in scenario.missing:
        assert name in flat
    assert "1 of 2 Cell therapy laboratory scientists trained: Ada Lovelace" in flat
    assert "Trained staff: 1 of 2 needed" in flat
    assert "LN2 storage SOP" in flat  # what closes the LN2 gap, from the catalogue
    assert "Not ready" in flat and "Critical care cover" in flat
    assert "Expiring within 90 days" in flat and "Apheresis unit" in flat
    assert "Site: Alpha Hospital (RAA)" in flat and "23 November 2026" in flat
    assert "Appendix: every requirement of CARTX-01" in flat
    assert (
        f"Page 1 of {len(pages)}" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    )
    # How long a site report takes is measured by tests/bench/bench_reports.py ("site PDF").


def _structure(data: bytes) -> tuple[dict, list]:
    """The tagged PDF's structure roles (counted) and its figures' alternative texts."""
    roles, alts = {}, []

    def walk(node) -> None:
        node = node.get_object()
        role = node.get("/S")
        if role:
            roles[role] = roles.get(role, 0) + 1
        if role == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [] if kids is None else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                walk(kid)

    walk(PdfReader(io.BytesIO(data)).trailer["/Root"]["/StructTreeRoot"])
    return roles, alts


def test_a_site_report_is_a_tagged_pdf_a_screen_reader_can_follow(personas, scenario):
    data, _ = tasks.build_files(make_report(personas, scenario))
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en-GB"
    roles, alts = _structure(data)
    assert roles["/H1"] == 1 and roles["/H2"] >= 4 and roles["/P"] and roles["/Link"]
    assert roles["/L"] and roles["/LI"]
    assert len(alts) == roles["/Figure"] == 1  # the category chart, with its figures as text
    assert alts[0].startswith("Met requirements and gaps by category: ")
    assert alts[0].endswith(
        "Clinical: met 1, gap 1; Laboratory: met 0, gap 1; Storage: met 0, "
        "gap 1; Training: met 0, gap 1."
    )


def test_the_csv_has_the_same_rows_as_the_assessment(personas, scenario):
    report = make_report(personas, scenario)
    document = report_document_module.report_document(report)
    rows = list(csv.DictReader(io.StringIO(csvexport.report_csv(document).decode("utf-8-sig"))))
    assert list(rows[0]) == csvexport.COLUMNS
    assessment = document.single
    assert [r["requirement_key"] for r in rows] == [g.requirement.key for g in assessment.rows]
    outcomes = {r["label"]: r["outcome"] for r in rows}
    assert outcomes["Liquid nitrogen vapour storage"] == "blocker"
    assert outcomes["Critical care cover"] == "warning"
    assert outcomes["Apheresis unit"] == "expiring"
    training = next(r for r in rows if r["kind"] == "training")
    assert (training["trained_count"], training["needed"]) == ("1", "2")
    assert {r["as_of"] for r in rows} == {"2026-11-23"} and {r["ods_code"] for r in rows} == {"RAA"}


def test_the_csv_defuses_spreadsheet_formulas():
    assert csvexport._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csvexport._cell("Plain") == "Plain"


def test_a_trial_with_no_requirements_says_so(personas, scenario):
    report = make_report(personas, scenario, trial=scenario.empty_trial)
    data, csv_data = tasks.build_files(report)
    text, _ = pdf_text(data)
    assert "This trial has no requirements yet." in " ".join(text.split())
    assert csv_data.decode("utf-8-sig").strip() == ",".join(csvexport.COLUMNS)


def test_a_region_report_charts_ready_sites_per_region(personas, scenario):
    SiteFactory(name="Gamma Hospital", ods_code="RGG", region=personas.north)
    report = ReadinessReport.objects.create(
        kind="national", profile=scenario.profile, as_of=TODAY, requested_by=personas.national
    )
    document = report_document_module.report_document(report)
    assert [(b.label, b.first, b.second) for b in document.region_chart.bars] == [
        ("North", 0, 2),
        ("South", 0, 1),
    ]
    text, _ = pdf_text(pdf.render_report(document))
    flat = " ".join(text.split())
    assert "Ready sites by region" in flat and "0 of 3 sites ready" in flat
    assert "Gamma Hospital" in flat and "Beta Hospital" in flat


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://127.0.0.1:8000/admin/",
        "file:///etc/passwd",
        "file:///static/../../../../etc/passwd",
        "file:///static/%2e%2e/%2e%2e/etc/passwd",
        "file://evil-host/static/build/portal.css",
        "data:text/css,body{}",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(ValueError):
        pdf.StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_static_files_through_the_finders():
    response = pdf.StaticOnlyFetcher().fetch("file:///static/build/htmx.min.js")
    assert response.read()[:20]
    assert pdf.static_path("/static/build/htmx.min.js") is None  # only file:// URLs


def test_a_report_cannot_reach_outside_files():
    html = (
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<img src="https://example.org/x.png"><p>Hello report</p>'
    )
    text, _ = pdf_text(pdf.render_html(html))
    assert "Hello report" in text and "root:" not in text


# --- guidance where the gap is (issue 13, point 5) -------------------------------------------


def _link_guidance(personas, title: str, slug: str, capabilities=(), courses=()):
    version = publish_guidance(editor=personas.editor, title=title, slug=slug)
    guidance_services.document_links_update(
        document=version.document,
        user=personas.editor,
        capabilities=list(capabilities),
        courses=list(courses),
    )
    return version


@override_settings(PORTAL_BASE_URL="https://portal.example.nhs.uk/")
def test_a_site_report_shows_the_guidance_that_helps_close_each_gap(personas, scenario):
    ln2 = Capability.objects.get(code="ln2_storage")
    cryo = Course.objects.get(code="cryo_handling")
    _link_guidance(personas, "Keeping ATMPs in LN2", "ln2-store", capabilities=[ln2])
    _link_guidance(personas, "Cryogenic handling refresher", "cryo-refresher", courses=[cryo])
    data, _ = tasks.build_files(make_report(personas, scenario))
    text, _ = pdf_text(data)
    flat = " ".join(text.split())
    gaps = flat[flat.index("Gaps and what closes them") : flat.index("Action plan")]
    ln2_gap = gaps[gaps.index("Blocker: Liquid nitrogen vapour storage") :]
    ln2_gap = ln2_gap[: ln2_gap.index("Blocker:", 10)]
    assert "Guidance: Keeping ATMPs in LN2" in ln2_gap
    training_gap = gaps[gaps.index("Cryogenic handling") :]
    assert "Guidance: Cryogenic handling refresher" in training_gap
    links = [
        a["/A"]["/URI"]
        for page in PdfReader(io.BytesIO(data)).pages
        for a in (page.get("/Annots") or [])
        if "/URI" in a.get_object().get("/A", {})
    ]
    assert "https://portal.example.nhs.uk/guidance/ln2-store/" in links
    gmo_gap = gaps[gaps.index("Blocker: GMO class 1 containment") :]
    assert "Guidance:" not in gmo_gap[: gmo_gap.index("Fix it at")]  # none linked: none shown


def test_the_guidance_costs_the_same_queries_however_many_gaps(
    personas, scenario, django_assert_num_queries
):
    ln2 = Capability.objects.get(code="ln2_storage")
    _link_guidance(personas, "Keeping ATMPs in LN2", "ln2-store", capabilities=[ln2])
    report = make_report(personas, scenario)
    with CaptureQueriesContext(connection) as few:
        built = report_document_module.report_document(report)
    gaps_before = len(built.single.gaps)
    for index in range(6):  # six more capability gaps, each with its own guidance
        capability = CapabilityFactory(code=f"extra_{index}", name=f"Extra capability {index}")
        CapabilityRequirementFactory(trial=scenario.trial, capabilities=[capability])
        _link_guidance(
            personas, f"Extra guidance {index}", f"extra-{index}", capabilities=[capability]
        )
    with django_assert_num_queries(len(few)):
        built = report_document_module.report_document(report)
    assert len(built.single.gaps) == gaps_before + 6
    entries = built.gap_entries(built.single)
    assert sum(1 for e in entries if e.guidance) == 7
    assert [g.title for g in built.guidance["cap:extra_3"]] == ["Extra guidance 3"]


# --- reports of many sites: assessed in chunks, rendered in parts, joined ---------------------


@pytest.fixture
def many_sites(personas, scenario, monkeypatch):
    """Four sites against the CAR-T profile, with the part sizes made small enough that the
    national report is assessed in chunks of one site and rendered by child processes."""
    SiteFactory(name="Gamma Hospital", ods_code="RGG", region=personas.north)
    SiteFactory(name='Delta & Sons\' "Hospital"', ods_code="RDD", region=personas.south)
    monkeypatch.setattr(report_document_module, "FEW_SITES", 1)
    monkeypatch.setattr(report_document_module, "PART_SITES", 1)
    monkeypatch.setattr(report_document_module, "PART_LINES", 3)
    return ReadinessReport.objects.create(
        kind="national", profile=scenario.profile, as_of=TODAY, requested_by=personas.national
    )


def test_a_report_of_many_sites_is_rendered_in_parts_and_numbered_as_one(many_sites, monkeypatch):
    processes = []
    real_popen = pdf.subprocess.Popen
    monkeypatch.setattr(
        pdf.subprocess,
        "Popen",
        lambda *a, **k: processes.append(real_popen(*a, **k)) or processes[-1],
    )
    pdf.renderer().close()
    data, _ = tasks.build_files(many_sites)
    # This process's one render process for the nine parts, then a fresh one that joins.
    assert len(processes) == 2
    assert processes[0] is pdf.renderer().child and processes[1].returncode is not None
    assert not list(tasks._parts_root().glob(f"{many_sites.pk}-*"))  # the parts are cleared
    text, pages = pdf_text(data)
    flat = " ".join(text.split())
    total = len(pages)
    for number, page in enumerate(pages, 1):
        assert " ".join(page.split()).count(f"Page {number} of {total}") == 1, page[-200:]
    order = [
        flat.index(h)
        for h in (
            "Readiness gap report",
            "0 of 4 sites ready",
            "Ranking",
            "Gaps and what closes them",
            "Expiring within 90 days",
            "Appendix: every requirement of CAR-T core",
        )
    ]
    assert order == sorted(order)
    for rank in range(1, 5):
        assert f"{rank}. " in flat[flat.index("Ranking") : flat.index("Gaps and what")]
    assert flat.count("Ranking") == 1 and flat.count("Gaps and what closes them") == 1
    assert 'Delta & Sons\' "Hospital"' in flat  # escaped in the HTML, not in the PDF
    assert "Blocker: Liquid nitrogen vapour storage (no record)." in flat
    assert "National: every site in the requester's scope · as of 23 November 2026" in pages[1]
    outline = [
        item.title for item in PdfReader(io.BytesIO(data)).outline if not isinstance(item, list)
    ]
    assert "Ranking" in outline and "Gaps and what closes them" in outline
    # Not tagged: pypdf's join keeps no part's structure tree (reports.pdf.render_report).
    assert "/StructTreeRoot" not in PdfReader(io.BytesIO(data)).trailer["/Root"]


def test_the_parts_csv_is_the_csv_of_the_whole_assessment(many_sites, monkeypatch):
    _, in_parts = tasks.build_files(many_sites)
    monkeypatch.setattr(report_document_module, "FEW_SITES", 10)
    whole = report_document_module.report_document(many_sites)
    assert not whole.many
    assert in_parts == csvexport.report_csv(whole)


def test_a_report_of_many_sites_costs_the_same_queries_per_chunk(
    many_sites, personas, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as four:
        tasks.build_files(many_sites)
    for index in range(4):
        SiteFactory(name=f"Extra Hospital {index}", ods_code=f"RX{index}", region=personas.north)
    with CaptureQueriesContext(connection) as eight:
        tasks.build_files(many_sites)

    def reads(queries) -> int:
        # Each part's claim is two statements (lock, unlock), whatever the part holds.
        claims = [q["sql"] for q in queries if "advisory" in q["sql"]]
        assert sum("advisory_lock" in c for c in claims) == sum("unlock" in c for c in claims)
        return len(queries) - len(claims)

    per_chunk = (reads(eight) - reads(four)) / 4
    assert per_chunk <= 3, per_chunk  # one assessment of a chunk of sites: at most three


def test_a_failed_part_fails_the_build_with_its_reason(tmp_path):
    source = tmp_path / "part.html"
    source.write_text("<p>Hello</p>")
    with pdf.RenderProcess() as renderer:
        with pytest.raises(RuntimeError, match="A PDF render process failed: FileNotFoundError"):
            renderer.render(source, tmp_path / "missing" / "part.pdf")
        renderer.render(source, tmp_path / "part.pdf")  # the process goes on serving
    assert (tmp_path / "part.pdf").read_bytes().startswith(b"%PDF")


def test_a_part_past_its_limit_fails_the_report_with_the_reason(many_sites, monkeypatch):
    many_sites.status, many_sites.attempts = ReadinessReport.Status.RUNNING, 1
    many_sites.save()
    real_render = pdf.RenderProcess.render
    monkeypatch.setattr(
        pdf.RenderProcess,
        "render",
        lambda self, source, target: real_render(self, source, target, 0.001),
    )
    assert tasks.build_report.apply(args=[many_sites.pk]).get() == "failed"
    many_sites.refresh_from_db()
    assert (many_sites.status, many_sites.error) == ("failed", pdf.PART_TIMED_OUT)
    assert pdf.renderer().child is None  # the process that ran past the limit was ended


def test_a_part_held_by_a_renderer_that_dies_is_rendered_by_the_report_s_own_task(
    many_sites, monkeypatch
):
    """Another worker's claim (a session advisory lock, here on a connection of our own) holds
    the owner back; when that connection ends without the part written, the owner renders it."""
    import threading

    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    index = 0  # the first part: the ranking
    other.execute("SELECT pg_advisory_lock(%s)", [(many_sites.pk << 22) | index])
    waited = []
    real_render_part = tasks._render_part

    def render_part(report_id, attempt, part, role):
        done = real_render_part(report_id, attempt, part, role)
        if part == index:
            waited.append(done)
            if len(waited) == 3:
                threading.Thread(target=other.close).start()  # the helper's worker is killed
        return done

    monkeypatch.setattr(tasks, "_render_part", render_part)
    data, _ = tasks.build_files(many_sites)
    assert waited[:3] == [False, False, False] and waited[-1] is True
    assert "Ranking" in pdf_text(data)[0]


def test_the_joined_pdf_holds_each_part_s_page_content_once():
    """Numbering the pages wraps each page's content; the content itself must stay one object
    (a resolved stream put in a new array was written again: 1.28 MB instead of 0.84 MB)."""
    from pypdf.generic import ArrayObject

    parts = [pdf.render_html(f"<p>Part {n}</p>" + "<p>Line</p>" * 80) for n in (1, 2)]
    contents = []
    for data in parts:
        for page in PdfReader(io.BytesIO(data)).pages:
            stream = page.get_contents()
            contents.append(stream.get_object().get_data())
    joined = PdfReader(io.BytesIO(pdf.join_pdfs(parts)))
    found = []
    for number in range(1, joined.trailer["/Size"]):
        obj = joined.get_object(number)
        if hasattr(obj, "get_data") and "/Length1" not in obj:
            found.append(obj.get_data())
    for data in contents:
        assert found.count(data) == 1
    page = joined.pages[0]
    assert isinstance(page["/Contents"], ArrayObject) and len(page["/Contents"]) == 3
    assert "Page 1 of" in page.extract_text()


def test_the_header_is_escaped_as_a_css_string():
    assert pdf.css_string('A "B" </style> & C\\') == '"A \\22 B\\22  \\3c /style\\3e  \\26  C\\5c "'


def test_a_report_of_many_sites_without_gaps_says_so(many_sites):
    ln2 = Capability.objects.get(code="ln2_storage")
    with time_machine.travel(RECORDED, tick=False):  # the report, as of TODAY, reads the history
        for site in Site.objects.all():
            SiteCapabilityFactory(site=site, capability=ln2)
    data, _ = tasks.build_files(many_sites)
    flat = " ".join(pdf_text(data)[0].split())
    assert "4 of 4 sites ready" in flat
    assert "No site in this report has a gap against CAR-T core." in flat


def test_a_report_whose_parts_cannot_be_offered_is_rendered_by_its_own_task(
    many_sites, monkeypatch
):
    from kombu.exceptions import OperationalError as KombuOperationalError

    offered = []

    def broker_down(*args, **kwargs):
        offered.append(args)
        raise KombuOperationalError("Connection refused")

    monkeypatch.setattr(tasks.render_part, "apply_async", broker_down)
    data, _ = tasks.build_files(many_sites, helpers="celery")
    assert len(offered) == 1  # the first refusal stops the offers
    assert "Appendix: every requirement of CAR-T core" in pdf_text(data)[0]
