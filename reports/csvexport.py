"""The CSV beside each PDF report: one line per site and requirement, the PDF's own rows."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.document import ReportDocument

COLUMNS = [
    "site", "ods_code", "region", "requirement_key", "kind", "level", "label", "outcome",
    "detail", "met_by", "expires_on", "expired_on", "trained_count", "needed", "as_of",
    "action_owner", "action_target_date", "action_note",
]
# Spreadsheet programs run a cell that starts with these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def report_csv(document: ReportDocument) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows names with accents correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    as_of = document.report.as_of
    for assessment in document.assessments:
        site = assessment.site
        for row in assessment.rows:
            requirement = row.requirement
            is_training = requirement.kind == "training"
            actions = document.actions.get(requirement.key, []) if row.is_gap else []
            writer.writerow(
                _cell(v)
                for v in (
                    site.name, site.ods_code, site.region.name, requirement.key,
                    requirement.kind, requirement.level, requirement.label, row.outcome,
                    row.detail, row.met_by, row.expires_on, row.expired_on,
                    row.trained_count if is_training else "",
                    row.needed if is_training else "", as_of,
                    "; ".join(a.owner_name for a in actions),
                    "; ".join(a.target_date.isoformat() for a in actions),
                    "; ".join(a.note for a in actions),
                )
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_table(columns: list[str], rows) -> bytes:
    """Any table as CSV (the overview's exports), with the same cell and encoding rules."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_cell(value) for value in row)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
