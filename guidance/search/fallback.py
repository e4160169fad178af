"""The search without PostgreSQL (SQLite, `make run`'s default): substring matching.

Each alternative of a concept is looked for as a substring of the title, summary or body, its
last word cut to a crude stem (terms.stem) so "arrives" finds "arrival"; alternatives of four
characters or fewer ("LN2", "IMP") must start a word, or "imp" would find "important", and the
words of a phrase may be joined by spaces or hyphens. A concept
scores 3 for the title, 2 for the summary, 1 for the body (its best field); rank is the sum. The
most-words form keeps documents matching any concept and orders by how many they match.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from guidance.models import GuidanceVersion
from guidance.search.terms import Alternative, Concept, ParsedQuery, stem

TITLE_SCORE, SUMMARY_SCORE, BODY_SCORE = 3, 2, 1
SHORT_WORD = 4
FIELDS = ("title", "summary", "body_text")


def _in(field_name: str, alternative: Alternative) -> Q:
    text = stem(alternative.text)
    if len(text) <= SHORT_WORD or " " in text:
        # The same regular expression on PostgreSQL (~*) and SQLite (Python's re): a word start,
        # and a space or hyphen between the words of a phrase ("CAR T" finds "CAR-T").
        words = [re.escape(word) for word in text.split()]
        return Q(**{f"{field_name}__iregex": r"(^|[^a-z0-9])" + "[- ]+".join(words)})
    return Q(**{f"{field_name}__icontains": text})


def _concept_in(field_name: str, concept: Concept) -> Q:
    condition = Q()
    for alternative in concept.alternatives:
        if not alternative.prefix:
            condition |= _in(field_name, alternative)
    return condition


def _anywhere(concept: Concept) -> Q:
    condition = Q()
    for field_name in FIELDS:
        condition |= _concept_in(field_name, concept)
    return condition


def _score(concept: Concept) -> Case:
    return Case(
        When(_concept_in("title", concept), then=Value(TITLE_SCORE)),
        When(_concept_in("summary", concept), then=Value(SUMMARY_SCORE)),
        When(_concept_in("body_text", concept), then=Value(BODY_SCORE)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _matches(parsed: ParsedQuery, *, most_words: bool) -> Q:
    condition = Q()
    for group in parsed.groups:
        included = Q()
        for concept in group.include:
            included = (
                (included | _anywhere(concept)) if most_words else (included & _anywhere(concept))
            )
        for concept in group.exclude:
            included &= ~_anywhere(concept)
        condition |= included
    return condition


def matching(versions: QuerySet, parsed: ParsedQuery, *, most_words: bool) -> QuerySet:
    return versions.filter(_matches(parsed, most_words=most_words))


def has_at_least(versions: QuerySet, parsed: ParsedQuery, n: int) -> bool:
    matches = versions.filter(_matches(parsed, most_words=False)).order_by().values("pk")[:n]
    return len(matches) >= n


def search(
    versions: QuerySet, parsed: ParsedQuery, *, most_words: bool = False
) -> QuerySet[GuidanceVersion]:
    """Matching versions, each annotated with `rank` (and `matched`: concepts found), best first."""
    if not parsed:
        return versions.none()
    score, matched = Value(0), Value(0)
    for concept in parsed.concepts:
        concept_score = _score(concept)
        score = score + concept_score
        matched = matched + Case(
            When(_anywhere(concept), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ranked = versions.filter(_matches(parsed, most_words=most_words)).annotate(rank=score)
    if most_words:
        return ranked.annotate(matched=matched).order_by("-matched", "-rank", "title", "pk")
    return ranked.order_by("-rank", "title", "pk")
