"""Guidance relevance: MRR and recall@5 of the questions in tests/bench/relevance.py.

Runs on the demo guidance that `seed_demo` loads into the bench database, through the search the
pages use: full-text on PostgreSQL, and the fallback (the SQLite path, here run on PostgreSQL's
copy of the same rows). Targets: MRR >= 0.8 and recall@5 >= 0.9.
"""

from __future__ import annotations

from guidance import search as guidance_search
from tests.accounts.factories import UserFactory
from tests.bench.relevance import QUESTIONS, score

TARGET_MRR = 0.8
TARGET_RECALL = 0.9


def _slugs(results) -> list[str]:
    return [version.document.slug for version in results[:10]]


def _verdict(value: float, target: float) -> str:
    return "meets" if value >= target else "MISSES"


def run(report: list[str]) -> None:
    report += ["## Guidance relevance", ""]
    user = UserFactory(email="bench.relevance@nhs.example")
    try:
        paths = {"full-text (PostgreSQL)": lambda q: _slugs(guidance_search.search(q=q, user=user))}
        paths["fallback (SQLite path: icontains)"] = lambda q: _slugs(
            guidance_search.search_fallback(
                guidance_search.current_versions(), guidance_search.normalise_query(q)
            )
        )
        report += [
            f"{len(QUESTIONS)} pharmacist questions with judged relevant documents "
            "(tests/bench/relevance.py) over the 20 demo guidance documents.",
            "",
            "| search | MRR | recall@5 | questions with nothing relevant in the top 5 |",
            "|---|---:|---:|---|",
        ]
        details = []
        for name, search in paths.items():
            result = score(search)
            report.append(
                f"| {name} | {result.mrr:.3f} ({_verdict(result.mrr, TARGET_MRR)} "
                f"{TARGET_MRR}) | {result.recall_at_5:.3f} "
                f"({_verdict(result.recall_at_5, TARGET_RECALL)} {TARGET_RECALL}) "
                f"| {len(result.misses)} |"
            )
            details += [f"- {name}: “{q}”" for q, _ in result.misses]
        if details:
            report += ["", "Missed questions:", "", *details]
    finally:
        user.delete()
