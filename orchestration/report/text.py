"""A document's text as HTML lines, with every mention of a figure highlighted where it is printed and every
number nothing accounts for marked.

The warehouse records where the text reading found each mention's literal (staging.stg_mention_printings: line,
column and what the text prints there; corpus/coverage.py), so a mention is highlighted there without searching the
text again. A literal in words printed in other words at its place ("the three major enterprises") is pinned: at
the number of its value, or at the start of its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..corpus.text import TextLine


@dataclass(frozen=True)
class Span:
    line: int
    start: int  # 0-based, in characters of the line
    end: int
    open_tag: str
    close_tag: str


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
