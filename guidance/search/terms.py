"""What a search query asks for, read the same way for PostgreSQL and for the SQLite fallback.

The query syntax is the websearch one: words, "quoted phrases", -exclusions and OR. Each word or
phrase becomes a `Concept`: the alternatives any of which satisfies it, from the synonym
dictionary (guidance.synonyms), so "LN2 alarm" asks for (LN2 or liquid nitrogen) and (alarm or
alert). Common English words ("how", "the", "do") are dropped, as PostgreSQL's english
configuration drops them, so a question reads like its keywords on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from guidance.synonyms import SYNONYM_GROUPS

# Longer queries are cut here: nobody types more, and it bounds the work one request can cause.
MAX_QUERY_CHARS = 200
# At most this many concepts are searched for; later words are ignored.
MAX_TERMS = 10
LONGEST_SYNONYM_WORDS = 6

_WORD_CHARS = re.compile(r"[\W_]+", re.UNICODE)
_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')

# PostgreSQL's english.stop list (Snowball), so both databases ignore the same words.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now""".split()
)


def normalise_query(q: str | None) -> str:
    """The query as searched: control characters out, whitespace collapsed, length capped."""
    text = "".join(ch if ch.isprintable() else " " for ch in (q or ""))
    return " ".join(text.split())[:MAX_QUERY_CHARS].strip()


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "al", "age", "ly")


def stem(text: str) -> str:
    """A crude English stem of a phrase's last word, for substring matching on SQLite.

    "arrives" and "arrival" both become "arriv", "spillage" "spill", "disposal" "dispos": a
    substring search for the stem then finds every form. Short words are left alone.
    """
    head, _, word = text.rpartition(" ")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return f"{head} {word}" if head else word


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words; hyphens and punctuation separate them ("CAR-T" -> car, t)."""
    return tuple(part for part in _WORD_CHARS.split(text.lower()) if part)


@dataclass(frozen=True)
class Alternative:
    """One way a concept may appear: a word or a phrase (words in this order, adjacent)."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word as typed may be the start of a longer word

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Concept:
    alternatives: tuple[Alternative, ...]

    @property
    def label(self) -> str:
        return self.alternatives[0].text


@dataclass
class Group:
    """Concepts that must all match (include) and none of which may (exclude); groups are ORed."""

    include: list[Concept] = field(default_factory=list)
    exclude: list[Concept] = field(default_factory=list)


@dataclass
class ParsedQuery:
    groups: list[Group]

    @property
    def concepts(self) -> list[Concept]:
        """Every included concept once, in query order: what most-words ranking counts."""
        seen: dict[Concept, None] = {}
        for group in self.groups:
            seen.update(dict.fromkeys(group.include))
        return list(seen)

    @property
    def can_match_most_words(self) -> bool:
        """A single group of two or more concepts: a question, not an OR of alternatives."""
        return len(self.groups) == 1 and len(self.groups[0].include) >= 2

    def __bool__(self) -> bool:
        return bool(self.groups)


@cache
def _synonym_index() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Each synonym's words -> the words of every term it is equivalent to (itself first)."""
    index: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in SYNONYM_GROUPS:
        members = [words_of(term) for term in group]
        for member in members:
            alternatives = index.setdefault(member, [member])
            alternatives += [m for m in members if m not in alternatives]
    return {key: tuple(value) for key, value in index.items()}


def _concept(words: tuple[str, ...], *, prefix: bool = False) -> Concept:
    alternatives = [Alternative(w) for w in _synonym_index().get(words, (words,))]
    if prefix and len(words) == 1:
        alternatives.append(Alternative(words, prefix=True))
    return Concept(tuple(dict.fromkeys(alternatives)))


def _concepts_of_words(words: list[str], *, last_is_prefix: bool) -> list[Concept]:
    """Longest synonym first: "liquid nitrogen storage" -> (liquid nitrogen | LN2), storage."""
    index, concepts, i = _synonym_index(), [], 0
    while i < len(words):
        for n in range(min(LONGEST_SYNONYM_WORDS, len(words) - i), 0, -1):
            chunk = tuple(words[i : i + n])
            if n > 1 and chunk not in index:
                continue
            if n == 1 and chunk[0] in STOP_WORDS and chunk not in index:
                break
            is_last = i + n == len(words)
            concepts.append(_concept(chunk, prefix=last_is_prefix and is_last))
            i += n - 1
            break
        i += 1
    return concepts


def parse(text: str) -> ParsedQuery:
    """Read websearch syntax into groups of concepts, synonyms expanded."""
    groups, pending = [Group()], []
    tokens = _TOKENS.findall(text)
    open_quote = text.count('"') % 2 == 1

    def flush(*, last: bool = False) -> None:
        prefix = last and not open_quote and bool(pending)
        groups[-1].include.extend(_concepts_of_words(pending, last_is_prefix=prefix))
        pending.clear()

    for negated, phrase, word in tokens:
        if word and word.upper() == "OR":
            flush()
            if groups[-1].include or groups[-1].exclude:
                groups.append(Group())
            continue
        if word and not word.startswith("-"):
            pending.extend(words_of(word))
            continue
        flush()
        words = words_of(phrase if not word else word[1:])
        if not words:
            continue
        is_negated = bool(negated) or bool(word)
        target = groups[-1].exclude if is_negated else groups[-1].include
        target.append(_concept(words))
    flush(last=True)
    return ParsedQuery(_capped([g for g in groups if g.include]))


def _capped(groups: list[Group]) -> list[Group]:
    count, kept = 0, []
    for group in groups:
        room = MAX_TERMS - count
        if room <= 0:
            break
        group.include = group.include[:room]
        group.exclude = group.exclude[: max(0, room - len(group.include))]
        count += len(group.include) + len(group.exclude)
        kept.append(group)
    return kept
