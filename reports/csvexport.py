"""The CSV beside each PDF report: one line per site and requirement, the PDF's own rows."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.document import ReportDocument

COLUMNS = [
    "site",
    "ods_code",
    "region",
    "requirement_key",
    "kind",
    "level",
    "label",
    "outcome",
    "detail",
    "met_by",
    "expires_on",
    "expired_on",
    "trained_count",
    "needed",
    "as_of",
    "action_owner",
    "action_target_date",
    "action_note",
]
# Spreadsheet programs run a cell that starts with these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class ReportCsv:
    """The report's CSV, written as its assessments come (a report of many sites reads them in
    chunks: ReportDocument.detail_chunks)."""

    def __init__(self, document: ReportDocument) -> None:
        self.document = document
        # Encoded as written, so that a 250,000-row CSV is held once, as bytes, not also as
        # text and as the joined string (UTF-8 with a byte-order mark, so Excel shows accents).
        self.out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.out, lineterminator="\r\n")
        self.writer.writerow(COLUMNS)

    def add(self, assessments) -> None:
        as_of, actions_by_key = _cell(self.document.report.as_of), self.document.actions
        # A requirement's own cells are the same on every site's row: made once per requirement.
        fixed: dict[str, tuple] = {}
        rows_out = []
        for assessment in assessments:
            site = assessment.site
            site_cells = (_cell(site.name), _cell(site.ods_code), _cell(site.region.name))
            for row in assessment.rows:
                requirement = row.requirement
                cells = fixed.get(requirement.key)
                if cells is None:
                    cells = fixed[requirement.key] = tuple(
                        _cell(v)
                        for v in (
                            requirement.key,
                            requirement.kind,
                            requirement.level,
                            requirement.label,
                        )
                    )
                is_training = requirement.kind == "training"
                actions = actions_by_key.get(requirement.key, []) if row.is_gap else []
                rows_out.append(
                    (
                        *site_cells,
                        *cells,
                        _cell(row.outcome),
                        _cell(row.detail),
                        _cell(row.met_by),
                        _cell(row.expires_on),
                        _cell(row.expired_on),
                        row.trained_count if is_training else "",
                        row.needed if is_training else "",
                        as_of,
                        _cell("; ".join(a.owner_name for a in actions)),
                        "; ".join(a.target_date.isoformat() for a in actions),
                        _cell("; ".join(a.note for a in actions)),
                    )
                )
        self.writer.writerows(rows_out)

    def value(self) -> bytes:
        self.out.flush()
        return self.out.buffer.getvalue()


def report_csv(document: ReportDocument) -> bytes:
    """A report of up to FEW_SITES sites, whose document holds every row."""
    built = ReportCsv(document)
    built.add(document.assessments)
    return built.value()


def csv_table(columns: list[str], rows) -> bytes:
    """Any table as CSV (the overview's exports), with the same cell and encoding rules."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_cell(value) for value in row)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
