""" "Did you mean": a misspelt word of the query replaced by the nearest word guidance uses.

A word is misspelt when no current guidance contains it; its replacement is the most similar
word of the current titles or of the synonym dictionary. On PostgreSQL pg_trgm finds the
candidates (the title with the most similar word, through a trigram index, and the closest
dictionary word); difflib's ratio picks among them, as it does over every title word on SQLite.
Only asked for when a search finds little.
"""

from __future__ import annotations

import difflib
import re

from django.db import connection, transaction

from guidance.models import GuidanceVersion
from guidance.search.terms import STOP_WORDS, words_of
from guidance.services import SEARCH_CONFIG
from guidance.synonyms import SYNONYM_GROUPS

MIN_SIMILARITY = 0.4  # pg_trgm's own default threshold is 0.3: fewer, better suggestions
MIN_RATIO = 0.75
MIN_WORD = 4

# For each query word that no current guidance contains: the published title holding the most
# similar word (`<%`: word similarity, served by the trigram index on published titles, see
# migration 0006) and the most similar word of the synonym dictionary.
_SUGGEST_SQL = f"""
SELECT q.word, (
    SELECT v.title FROM guidance_guidanceversion v
    WHERE v.status = 'published' AND q.word <%% v.title
    ORDER BY word_similarity(q.word, v.title) DESC, v.id LIMIT 1
), (
    SELECT d.word FROM unnest(%s::text[]) AS d(word)
    WHERE similarity(d.word, q.word) >= %s
    ORDER BY similarity(d.word, q.word) DESC, d.word LIMIT 1
)
FROM unnest(%s::text[]) AS q(word)
WHERE NOT EXISTS (
    SELECT 1 FROM guidance_guidanceversion v
    WHERE v.status = 'published'
      AND v.search_vector @@ plainto_tsquery('{SEARCH_CONFIG}', q.word)
)
"""


def _closest(word: str, candidates: set[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=MIN_RATIO)
    return close[0] if close else None


def _dictionary_words() -> list[str]:
    return sorted(
        {w for group in SYNONYM_GROUPS for t in group for w in words_of(t) if len(w) >= MIN_WORD}
    )


def _corrections_postgresql(words: list[str]) -> dict[str, str]:
    corrections = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [MIN_SIMILARITY])
        cursor.execute(_SUGGEST_SQL, [_dictionary_words(), MIN_SIMILARITY, words])
        for word, title, dictionary_word in cursor.fetchall():
            candidates = {w for w in words_of(title or "") if len(w) >= MIN_WORD}
            best = _closest(word, candidates | ({dictionary_word} if dictionary_word else set()))
            if best and best != word:
                corrections[word] = best
    return corrections


def _corrections_fallback(words: list[str]) -> dict[str, str]:
    texts = GuidanceVersion.objects.filter(status=GuidanceVersion.Status.PUBLISHED).values_list(
        "title", "summary", "body_text"
    )
    known, titles = set(), set()
    for title, summary, body in texts:
        titles.update(words_of(title))
        known.update(words_of(f"{title} {summary} {body}"))
    candidates = sorted({w for w in titles if len(w) >= MIN_WORD} | set(_dictionary_words()))
    corrections = {}
    for word in words:
        if word in known:
            continue
        best = _closest(word, set(candidates))
        if best:
            corrections[word] = best
    return corrections


def did_you_mean(text: str) -> str | None:
    """The query with its misspelt words replaced, or None when there is nothing to suggest."""
    words = [
        w
        for w in dict.fromkeys(words_of(text))
        if len(w) >= MIN_WORD and w not in STOP_WORDS and not w.isdigit()
    ]
    if not words:
        return None
    if connection.vendor == "postgresql":
        corrections = _corrections_postgresql(words)
    else:
        corrections = _corrections_fallback(words)
    if not corrections:
        return None

    def replace(match: re.Match) -> str:
        return corrections.get(match.group(0).lower(), match.group(0))

    return re.sub(r"\w+", replace, text)
