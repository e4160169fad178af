"""PDF rendering: the only module that imports WeasyPrint (ruff's banned-api rule, TID251).

WeasyPrint would fetch any URL a template names (http, file:///etc/...). StaticOnlyFetcher
serves our static files and refuses everything else, so a report can never reach the
network or the rest of the file system.

A report of up to FEW_SITES sites is one WeasyPrint document, laid out in the worker process.
A report of more is rendered in parts (cover and summary, ranking, each chunk of sites' gaps,
expiring, appendix): WeasyPrint holds every box of a document until it is written, and lays it
out on one core, so a 5,000-site report as one document took gigabytes and minutes. Each part is
laid out by a worker process's RenderProcess (`python -m reports.pdf`, one part at a time, within
PART_TIME_LIMIT); which worker renders which part is reports.tasks' business. join_files joins
the parts in order with pypdf and numbers the pages "Page n of N" itself.
"""

from __future__ import annotations

import io
import mimetypes
import os
import select
import subprocess
import sys
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import weasyprint  # noqa: TID251
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from reports.document import ReportDocument

TEMPLATE = "reports/pdf/report.html"
# Relative URLs in the template ("/static/...") resolve against this: file:///static/...
BASE_URL = "file:///"
REFUSED = "Reports may load only the portal's own static files, not {url}"


class StaticOnlyFetcher(weasyprint.URLFetcher):
    """Serve file:///<STATIC_URL>/<path> through the staticfiles finders; refuse the rest."""

    def fetch(self, url: str, headers: dict | None = None) -> weasyprint.urls.URLFetcherResponse:
        path = static_path(url)
        if path is None:
            raise ValueError(REFUSED.format(url=url))
        with open(path, "rb") as handle:
            body = handle.read()
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(
            url, body=body, headers={"Content-Type": mime_type}
        )


def static_path(url: str) -> str | None:
    """The file a static URL names, or None for anything that is not one of our static files."""
    parts = urlsplit(url)
    prefix = (
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    )
    if parts.scheme != "file" or parts.netloc or not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    if not relative or relative.startswith("/"):
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:  # "../" out of the static directories
        return None
    return found if isinstance(found, str) else None


def render_html(html: str, *, tagged: bool = False) -> bytes:
    """`tagged`: with a structure tree (headings, paragraphs, lists, links, figures with their
    alternative text), so screen readers can read the report in order."""
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_tags=tagged)


def css_string(text: str) -> SafeString:
    """`text` as a CSS string literal, safe inside the template's <style> (no "</style>")."""
    escaped = "".join(f"\\{ord(c):x} " if c in "\\\"<>&'" or ord(c) < 32 else c for c in text)
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every character that matters is escaped


def _context(document: ReportDocument, **extra) -> dict:
    context = {
        "doc": document,
        "report": document.report,
        "header": css_string(document.header),
        **extra,
    }
    if "lines" in context:
        context["expiring_lines"] = expiring_paragraphs(context["lines"])
    return context


def render_report(document: ReportDocument) -> bytes:
    """A report of up to FEW_SITES sites: one document, laid out and written here, tagged.

    Not PDF/UA-1 (`pdf_variant`): that would claim a conformance no validator here has
    checked. The parts of a larger report are not tagged: pypdf's join keeps no part's
    structure tree, so their tags would point at nothing."""
    context = _context(document, gap_sites=document.sites_with_gaps, lines=document.expiring_lines)
    return render_html(render_to_string(TEMPLATE, context), tagged=True)


def part_html(document: ReportDocument, part: str, **context) -> str:
    """One part of a report of many sites, as a whole HTML document (see report.html)."""
    if "sites" in context:
        context["ranking"] = ranking_lines(context.pop("sites"), context["offset"])
    if "chunk" in context:
        context["gap_paragraphs"] = gap_paragraphs(context.pop("chunk"))
    return render_to_string(TEMPLATE, _context(document, part=part, numbered_later=True, **context))


# The many lines of a report of many sites, built here rather than by template tags: for a
# 5,000-site report the template engine's per-tag cost was most of the parent process's time.
# Every value is escaped (html.escape); the markup is the one report.css styles.


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _short_date(day) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def ranking_lines(sites, offset: int) -> SafeString:
    """`<p>` a site: rank, name, code and region, score, ready, counts."""
    lines = []
    for rank, a in enumerate(sites, offset + 1):
        site = a.site
        score = "no score" if a.score_percent is None else f"{a.score_percent}%"
        lines.append(
            f'<p class="line">{rank}. <strong>{escape(site.name)}</strong> '
            f"({escape(site.ods_code)}, {escape(site.region.name)}) — {score}, "
            f"{'ready' if a.ready else 'not ready'}; {_plural(a.blockers, 'blocker')}, "
            f"{_plural(a.warnings, 'warning')}, {a.expiring} expiring</p>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped


def _gap_state(row) -> str:
    if row.requirement.kind == "training":
        return f"{row.trained_count} of {row.needed} trained"
    if row.expired_on:
        return f"evidence expired {_short_date(row.expired_on)}"
    return row.status_label.lower()


def gap_paragraphs(assessments) -> SafeString:
    """Each site with gaps: its heading, then one paragraph of blockers and one of warnings."""
    parts = []
    for a in assessments:
        if not (a.blockers or a.warnings):
            continue
        site = a.site
        parts.append(
            f"<h3>{escape(site.name)} ({escape(site.ods_code)}) — "
            f"{_plural(a.blockers, 'blocker')}, {_plural(a.warnings, 'warning')}</h3>"
        )
        gaps = a.gaps
        for outcome in ("blocker", "warning"):
            rows = [row for row in gaps if row.outcome == outcome]
            if rows:
                items = "; ".join(
                    f"{escape(row.requirement.label)} ({escape(_gap_state(row))})" for row in rows
                )
                label = outcome.capitalize() + ("s" if len(rows) > 1 else "")
                parts.append(
                    f'<p class="gap-line {outcome}"><strong>{label}:</strong> {items}.</p>'
                )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


def expiring_paragraphs(lines) -> SafeString:
    return mark_safe(
        "\n".join(  # noqa: S308 - every value is escaped
            f'<p class="line"><strong>{escape(line.site_name)}</strong> ({escape(line.ods_code)}): '
            + "; ".join(f"{escape(label)}, {_short_date(day)}" for label, day in line.items)
            + ".</p>"
            for line in lines
        )
    )


# --- parts: rendered by a render process of the worker, joined with pypdf ----------------------

# A part is at most PART_SITES sites' gaps or PART_LINES lines: about half a second of WeasyPrint
# on a quiet machine. Its limit is a guard against a render that never ends, far above any load.
PART_TIME_LIMIT = 120
# Joining is pypdf copying every page: about 5 s for 1,250 pages.
JOIN_TIME_LIMIT = 300
# A render process left idle this long ends (it keeps the memory its largest part took).
IDLE_SECONDS = 60
CHILD_FAILED = "A PDF render process failed: {error}"
PART_TIMED_OUT = (
    f"A part of the report took longer than {PART_TIME_LIMIT} seconds to render and was stopped."
)
# The page number the parts leave out, drawn as report.css draws it on a one-part report: 8pt,
# #4c6272, right-aligned in the bottom margin (Helvetica: Liberation Sans has its metrics).
NUMBER_SIZE = 8
NUMBER_RIGHT = 595.28 - 16 * 72 / 25.4  # A4 width minus the 16 mm right margin, in points
NUMBER_BASELINE = 25.5  # points above the page's bottom edge: where WeasyPrint puts it
_HELVETICA_WIDTHS = {
    "P": 667,
    "a": 556,
    "g": 556,
    "e": 556,
    " ": 278,
    "o": 556,
    "f": 278,
    **{d: 556 for d in "0123456789"},
}


def _number_stream(number: int, total: int) -> bytes:
    text = f"Page {number} of {total}"
    width = sum(_HELVETICA_WIDTHS[c] for c in text) * NUMBER_SIZE / 1000
    x = NUMBER_RIGHT - width
    return (
        f"q 0.298 0.384 0.447 rg BT /PgNum {NUMBER_SIZE} Tf 1 0 0 1 {x:.2f} "
        f"{NUMBER_BASELINE} Tm ({text}) Tj ET Q"
    ).encode()


def join_pdfs(parts: list[bytes]) -> bytes:
    """The parts as one PDF (outlines and links kept), each page numbered "Page n of N"."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    total = len(writer.pages)
    save = DecodedStreamObject()
    save.set_data(b"q")
    save = writer._add_object(save)  # one "q" stream, shared by every page
    for number, page in enumerate(writer.pages, 1):
        resources = page[NameObject("/Resources")].get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = resources[NameObject("/Font")] = DictionaryObject()
        fonts.get_object()[NameObject("/PgNum")] = font
        # Each part's own page content is wrapped in q ... Q so that the number is drawn in
        # the page's default coordinates whatever transformation the content left in place.
        after = DecodedStreamObject()
        after.set_data(b"Q " + _number_stream(number, total))
        # The references, not the streams: a resolved stream put in a new array is written as
        # a second copy of itself (it made a 141-page report 1.25 MB instead of 0.83 MB).
        contents = page.raw_get("/Contents")
        resolved = contents.get_object()
        contents = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [save, *contents, writer._add_object(after.flate_encode())]
        )
    # Objects each part repeats (colour spaces, graphics states, font descriptors) once.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class PartTimedOut(RuntimeError):
    """A part (or the join) ran past its limit; its render process was ended."""


class RenderProcess:
    """One render process (`python -m reports.pdf`), asked for one part at a time.

    A part is laid out in a process of its own because WeasyPrint keeps the memory a document
    took, and so that a part's limit can be kept by ending the process. Each worker process
    has one (`renderer()`), so there are never more renders at once than worker processes:
    the worker pool's concurrency, not the number of reports, bounds rendering."""

    def __init__(self) -> None:
        self.child: subprocess.Popen | None = None

    def __enter__(self) -> RenderProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def render(self, source: Path, target: Path, timeout: float = PART_TIME_LIMIT) -> None:
        """Lay out the HTML file `source` into the PDF file `target` (written whole or not at
        all). Raises PartTimedOut, or RuntimeError with the render process's error."""
        self._ask(f"{source}\t{target}", timeout)

    def join(self, target: Path, parts: list[Path], timeout: float = JOIN_TIME_LIMIT) -> None:
        self._ask("\t".join(["join", str(target), *map(str, parts)]), timeout)

    def _ask(self, line: str, timeout: float) -> None:
        for attempt in (1, 2):
            child = self._started()
            try:
                child.stdin.write(line + "\n")
                child.stdin.flush()
                ready, _, _ = select.select([child.stdout], [], [], timeout)
                answer = child.stdout.readline().strip() if ready else None
            except BrokenPipeError:
                answer = ""
            except BaseException:  # a time limit, a shutdown: never reuse a busy process
                self.close()
                raise
            if answer is None:
                self.close()
                raise PartTimedOut(PART_TIMED_OUT)
            if answer == "ok":
                return
            if answer:  # the part's own error; the process goes on serving
                raise RuntimeError(CHILD_FAILED.format(error=answer))
            # No answer: the process had ended (idle) as we asked, or died; once more, anew.
            self.close()
            if attempt == 2:
                raise RuntimeError(CHILD_FAILED.format(error="it ended unexpectedly"))

    def _started(self) -> subprocess.Popen:
        if self.child is None or self.child.poll() is not None:
            self.close()
            self.child = subprocess.Popen(
                [sys.executable, "-m", "reports.pdf"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=settings.BASE_DIR,
            )
        return self.child

    def close(self) -> None:
        child, self.child = self.child, None
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            stream.close()


_RENDERER = RenderProcess()


def renderer() -> RenderProcess:
    """This process's render process (started on first use, ended after IDLE_SECONDS idle)."""
    return _RENDERER


def join_files(parts: list[Path], target: Path) -> None:
    """Join part PDFs into `target`, in a fresh process: pypdf holds every page's objects while
    it writes (100 MB at 1,200 pages), and a render process keeps what its largest part took."""
    with RenderProcess() as joiner:
        joiner.join(target, parts)


class NothingFetcher(weasyprint.URLFetcher):
    """The child processes' fetcher: a part loads nothing (its CSS is inline, it has no image),
    so the child needs no Django set-up (half a second a process) and may fetch no URL at all."""

    def fetch(self, url: str, headers: dict | None = None) -> weasyprint.urls.URLFetcherResponse:
        raise ValueError(REFUSED.format(url=url))


def _write_whole(target: Path, data: bytes) -> None:
    """Write `target` so that it exists only once complete (another worker may be looking)."""
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, target)


def _child() -> None:
    """`python -m reports.pdf`: read "source.html<TAB>target.pdf" lines, render each, answer
    "ok" (or the error) on a line of its own; "join<TAB>target.pdf<TAB>part.pdf..." joins.
    Ends when its input ends (its worker ended) or after IDLE_SECONDS without a request."""
    while select.select([sys.stdin], [], [], IDLE_SECONDS)[0]:
        line = sys.stdin.readline()
        if not line:
            return
        source, target, *parts = line.rstrip("\n").split("\t")
        try:
            if source == "join":
                _write_whole(Path(target), join_pdfs([Path(p).read_bytes() for p in parts]))
            else:
                html = weasyprint.HTML(
                    string=Path(source).read_text(encoding="utf-8"),
                    base_url=BASE_URL,
                    url_fetcher=NothingFetcher(),
                )
                _write_whole(Path(target), html.write_pdf())
            answer = "ok"
        except Exception as exc:  # reported to the parent, which fails the report with it
            answer = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _child()
