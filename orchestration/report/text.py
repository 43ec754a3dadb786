"""A document's text as HTML lines, with every mention of a figure highlighted where it is printed and every
number nothing accounts for marked.

The warehouse records where it found each mention's numbers (staging.stg_text_numbers: line, column, and the
mention as accounted_by), so a mention is highlighted at the printing of its literal that covers them. A literal in
words ("three enterprises") or one printed inside a longer one ("64" in "64+1 countries") has no numbers of its
own: it is found the way the coverage reading finds it, at its place (its paragraph, else its section), at a
printing no other mention of the same literal took. A literal in words may be printed in other words at another of
its mentions ("the three major enterprises"), which no search can confirm: that mention is pinned to the start of
its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# the coverage reading's own test of a printing (not part of a longer word or number), so both find the same
from ..corpus.coverage import occurrences
from ..corpus.text import TextLine


@dataclass(frozen=True)
class Located:
    printed: dict[str, tuple[int, int, int]]  # mention -> (line, start, end) of its literal's printing
    # mention -> the first line of its place, for a literal in words the text prints in other words there
    in_other_words: dict[str, int]
    missing: list[dict]  # mentions whose place the text does not have


@dataclass(frozen=True)
class Span:
    line: int
    start: int  # 0-based, in characters of the line
    end: int
    open_tag: str
    close_tag: str


def locate_mentions(lines: list[TextLine], mentions: list[dict], numbers: list[dict]) -> Located:
    """Where each mention is printed; `numbers` are the warehouse's text numbers of the mentions."""
    by_number = {line.number: line for line in lines}
    first_number: dict[str, tuple[int, int]] = {}
    for n in numbers:
        first_number.setdefault(n["accounted_by"], (n["line"], n["line_column"] - 1))
    result = Located({}, {}, [])
    taken: set[tuple[int, int, int]] = set()
    # longest literals first, as the coverage reading claims them
    for mention in sorted(mentions, key=lambda m: (-len(m["stated_text"]), m["mention_id"])):
        literal = mention["stated_text"]
        if mention["mention_id"] in first_number:
            number, column = first_number[mention["mention_id"]]
            spans = [s for s in occurrences(by_number[number], literal) if s[0] <= column < s[1]]
            # a literal in words whose number the text prints in other words there ("three major enterprises")
            # accounts for it, and is pinned: no span of the line is its literal
            candidates = [(number, *spans[0])] if spans else []
        else:
            place = _place(lines, mention)
            candidates = [(line.number, *span) for line in place for span in occurrences(line, literal)]
        found = next((c for c in candidates if c not in taken), None)
        if found is not None:
            taken.add(found)
            result.printed[mention["mention_id"]] = found
        elif place := [line for line in _place(lines, mention) if line.kind != "blank"]:
            result.in_other_words[mention["mention_id"]] = place[0].number
        else:
            result.missing.append(mention)
    return result


def _place(lines: list[TextLine], mention: dict) -> list[TextLine]:
    """The lines of the mention's paragraph, then every line of its section (of its table row, for a table)."""
    tiers = [mention["paragraph"], None] if mention["paragraph"] is not None else [None]
    return [
        line
        for paragraph in tiers
        for line in lines
        if line.place.section == mention["section"]
        and (paragraph is None or line.place.paragraph == paragraph)
        and (mention["table_row"] is None or line.place.table_row == mention["table_row"])
    ]


def _render_line(text: str, spans: list[Span]) -> str:
    """The line escaped, with each span's tags around it; a span inside another nests, one that would cross
    another's end is cut there, so the markup stays well formed."""
    out, position, stack = [], 0, []
    events = sorted(spans, key=lambda s: (s.start, -s.end))
    for span in events:
        while stack and stack[-1].end <= span.start:
            closing = stack.pop()
            out.append(escape(text[position : closing.end]) + closing.close_tag)
            position = closing.end
        out.append(escape(text[position : span.start]) + span.open_tag)
        position = span.start
        end = min(span.end, stack[-1].end) if stack else span.end
        stack.append(Span(span.line, span.start, end, span.open_tag, span.close_tag))
    while stack:
        closing = stack.pop()
        out.append(escape(text[position : closing.end]) + closing.close_tag)
        position = closing.end
    return "".join(out) + escape(text[position:])


def render_lines(lines: list[TextLine], spans: list[Span]) -> list[dict]:
    """The text's lines as {number, kind, html}, each with its spans marked."""
    by_line: dict[int, list[Span]] = {}
    for span in spans:
        by_line.setdefault(span.line, []).append(span)
    return [
        {"number": line.number, "kind": line.kind, "html": _render_line(line.text, by_line.get(line.number, []))}
        for line in lines
    ]
