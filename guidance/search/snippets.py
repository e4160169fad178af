"""Search result snippets: the words of the body that matched, highlighted; never boilerplate.

A snippet is cut from the body text with the matched words in <mark>. The portal's standard
notice ("This is a summary written for the portal…"), which opens every summary, is taken out
first: it matches words like "summary" or "source" and says nothing about the answer. When the
body holds none of the words (the title or summary matched), the card shows the summary instead.
"""

from __future__ import annotations

import html
import re

import nh3
from django.db.models import F, TextField, Value
from django.db.models.functions import Replace
from django.utils.safestring import SafeString, mark_safe

from guidance.models import GuidanceVersion
from guidance.search.terms import ParsedQuery, stem

SNIPPET_CHARS = 220
BOILERPLATE = ("This is a summary written for the portal; read the source document before acting.",)


def snippet_source():
    """The body text without the boilerplate, as an SQL expression (for ts_headline)."""
    expression = F("body_text")
    for sentence in BOILERPLATE:
        expression = Replace(expression, Value(sentence), Value(""), output_field=TextField())
    return expression


def body_without_boilerplate(text: str) -> str:
    for sentence in BOILERPLATE:
        text = text.replace(sentence, "")
    return text.strip()


def sanitise_headline(headline: str) -> SafeString:
    """ts_headline returns document text with <mark> tags: keep the marks, escape the rest."""
    cleaned = nh3.clean(headline or "", tags={"mark"}, attributes={}, strip_comments=True)
    return mark_safe(cleaned.strip())  # noqa: S308 - nh3 allows only bare <mark>


def _pattern(parsed: ParsedQuery) -> re.Pattern | None:
    """Matches any alternative of any concept at a word start (a fallback match)."""
    texts = {stem(a.text) for concept in parsed.concepts for a in concept.alternatives if a.words}
    if not texts:
        return None
    alternatives = sorted(
        (r"[\s-]+".join(re.escape(w) for w in text.split()) for text in texts),
        key=len,
        reverse=True,
    )
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)


def fallback_snippet(version: GuidanceVersion, parsed: ParsedQuery) -> SafeString:
    source = body_without_boilerplate(version.body_text or "")
    pattern = _pattern(parsed)
    first = pattern.search(source) if pattern else None
    if first is None:
        return SafeString("")
    start = max(0, first.start() - SNIPPET_CHARS // 3)
    excerpt = source[start : start + SNIPPET_CHARS]
    marked, last = [], 0
    for match in pattern.finditer(excerpt):
        marked += [
            html.escape(excerpt[last : match.start()]),
            f"<mark>{html.escape(match.group(0))}</mark>",
        ]
        last = match.end()
    marked.append(html.escape(excerpt[last:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_CHARS < len(source) else ""
    return mark_safe(f"{prefix}{''.join(marked)}{suffix}")  # noqa: S308 - built from escaped text


def snippet_for(version: GuidanceVersion, parsed: ParsedQuery) -> SafeString:
    """Safe HTML: body text around the matched words, or "" when only title or summary matched."""
    headline = getattr(version, "headline", None)
    if headline is not None:
        cleaned = sanitise_headline(headline)
        return cleaned if "<mark>" in cleaned else SafeString("")
    return fallback_snippet(version, parsed)
