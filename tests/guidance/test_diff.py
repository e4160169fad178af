"""What changed, as a reader sees it: words added and removed in the rendered text, by section."""

from __future__ import annotations

from guidance.diff import OPENING, rendered_diff
from guidance.rendering import render_markdown


def changes(old: str, new: str):
    return {
        c.heading: [(p.kind, p.text) for p in c.parts]
        for c in rendered_diff(render_markdown(old), render_markdown(new))
    }


def test_it_shows_the_words_that_changed_in_their_section():
    old = "Intro.\n\n## Steps\n\nThaw the bag in a water bath at 37 C.\n\n## Records\n\nKeep the trace."
    new = "Intro.\n\n## Steps\n\nThaw the bag in a dry thawer at 37 C.\n\n## Records\n\nKeep the trace."
    assert changes(old, new) == {
        "Steps": [
            ("same", "Thaw the bag in a"),
            ("removed", "water bath"),
            ("added", "dry thawer"),
            ("same", "at 37 C."),
        ]
    }


def test_markup_that_renders_the_same_is_no_change():
    assert changes("## Steps\n\n* one\n* two", "## Steps\n\n- one\n- two") == {}
    assert changes("**Bold** words", "__Bold__ words") == {}


def test_new_and_dropped_sections_are_all_added_or_all_removed():
    result = changes("Opening.\n\n## Old part\n\nGone now.", "Opening.\n\n## New part\n\nFresh.")
    assert result == {"New part": [("added", "Fresh.")], "Old part": [("removed", "Gone now.")]}
    assert OPENING in changes("Before.", "After.")


def test_text_is_escaped_by_the_template_not_marked_up_here():
    [(kind, text)] = [p for p in changes("A.", "<b>x</b> A.")[OPENING] if p[0] == "added"]
    assert kind == "added" and "<" not in text
