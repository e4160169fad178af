"""What changed between two versions, as a reader sees it: words added and removed, by section.

The diff is of the rendered text, not of the Markdown, so "## Updated" or a moved list marker is
not a change and a reworded sentence shows the words that changed. Sections are the body's
level-2 headings (with whatever comes before the first heading as the opening section), matched
between versions by heading; a section only in the new version is all added, one only in the
old version all removed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from guidance.rendering import html_to_text

OPENING = "Opening text"
_H2 = re.compile(r"<h2[^>]*>(.*?)</h2>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Part:
    kind: str  # "same", "added" or "removed"
    text: str

    @property
    def is_added(self) -> bool:
        return self.kind == "added"

    @property
    def is_removed(self) -> bool:
        return self.kind == "removed"


@dataclass
class SectionChange:
    heading: str
    parts: list[Part] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(part.kind != "same" for part in self.parts)


def sections(body_html: str) -> dict[str, str]:
    """Heading -> plain text of the section, in document order."""
    pieces = _H2.split(body_html or "")
    found = {OPENING: html_to_text(pieces[0])} if html_to_text(pieces[0]) else {}
    for heading, content in zip(pieces[1::2], pieces[2::2], strict=True):
        title = html_to_text(heading) or OPENING
        found[title] = f"{found.get(title, '')} {html_to_text(content)}".strip()
    return found


# Far-apart changes in a long section are shown with the unchanged words between them cut.
CONTEXT_WORDS = 12


def _shorten(words: list[str], *, first: bool, last: bool) -> str:
    if len(words) <= 2 * CONTEXT_WORDS:
        return " ".join(words)
    head = [] if first else words[:CONTEXT_WORDS]
    tail = [] if last else words[-CONTEXT_WORDS:]
    return " ".join([*head, "…", *tail])


def word_diff(old: str, new: str) -> list[Part]:
    old_words, new_words = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    opcodes = matcher.get_opcodes()
    parts = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            text = _shorten(new_words[j1:j2], first=index == 0, last=index == len(opcodes) - 1)
            parts.append(Part("same", text))
            continue
        if i2 > i1:
            parts.append(Part("removed", " ".join(old_words[i1:i2])))
        if j2 > j1:
            parts.append(Part("added", " ".join(new_words[j1:j2])))
    return parts


def rendered_diff(old_html: str, new_html: str) -> list[SectionChange]:
    """The sections that changed, in the new version's order, then those removed."""
    old, new = sections(old_html), sections(new_html)
    changes = [SectionChange(h, word_diff(old.get(h, ""), text)) for h, text in new.items()]
    changes += [
        SectionChange(h, [Part("removed", text)]) for h, text in old.items() if h not in new
    ]
    return [change for change in changes if change.changed]
