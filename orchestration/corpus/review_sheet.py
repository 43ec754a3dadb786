"""The review sheet: what `warehouse draft` drafted for a document, laid out for a person reading it in a terminal.

One block per figure row, in the order the text prints them: its id, status and literal, the sentence with the
literal marked, and each suggestion (entity, indicator, measure, unit, period) with how sure the draft was and the
numbered alternatives `warehouse review --pick` takes; a suggestion under half sure is flagged so the eye goes
there first. Then the drafted claims with their tentative verdicts, then the entities the catalogues lack.
"""

from __future__ import annotations

import sys
import textwrap

from .draft import SUGGESTED
from .review_file import MARKS

WIDTH = 120
LOW = 0.5  # a suggestion less sure than this is flagged
# the figure columns each suggestion fills, for a row the review file has no suggestions for
COLUMNS = {
    "entity": ("entity_type", "entity_id"),
    "indicator": ("indicator_code",),
    "measure": ("measure",),
    "unit": ("unit",),
    "period": ("period_kind", "year", "start_year", "end_year", "as_of_date"),
}
_VALUE_WIDTH = 34
_ALTERNATIVE_WIDTH = 26
_BOLD, _WARN, _RESET = "\x1b[1m", "\x1b[33m", "\x1b[0m"


def shown(value: dict) -> str:
    """A suggestion's or a row's cells, as one reads them: `geography dalian`, `span 2010 2015`."""
    return " ".join(str(v) for v in value.values() if v not in ("", None)) or "—"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _percent(confidence) -> str:
    return f"{round(100 * float(confidence)):>3d}%"


def _is_low(confidence) -> bool:
    return float(confidence) < LOW


def _paint(line: str, code: str, colour: bool) -> str:
    return f"{code}{line}{_RESET}" if colour else line


def _marked(text: str, indent: str, colour: bool) -> list[str]:
    """The sentence wrapped to the sheet's width; in colour, the marked literal in bold, line by line."""
    lines = textwrap.wrap(text, WIDTH - len(indent), break_long_words=True, break_on_hyphens=False) or [""]
    if not colour:
        return [indent + line for line in lines]
    out, inside = [], False
    for line in lines:
        start, end = MARKS
        painted = (_BOLD if inside else "") + line.replace(start, start + _BOLD).replace(end, _RESET + end)
        inside = line.rfind(start) > line.rfind(end) or (inside and end not in line)
        out.append(indent + painted + (_RESET if inside else ""))
    return out


def _suggestion_lines(name: str, suggestion: dict | None, row: dict, colour: bool) -> list[str]:
    """The suggestion's line, and a second one saying what the row holds when that is not the top suggestion."""
    if suggestion is None:
        held = {column: row.get(column, "") for column in COLUMNS[name]}
        return [f"  {name:<10} {_cut(shown(held), _VALUE_WIDTH):<{_VALUE_WIDTH}}    —   no suggestion"]
    value, confidence = suggestion.get("value", {}), suggestion.get("confidence", 0)
    low = _is_low(confidence)
    line = (
        f"  {name:<10} {_cut(shown(value), _VALUE_WIDTH):<{_VALUE_WIDTH}} {_percent(confidence)} {'!' if low else ' '}"
    )
    alternatives = suggestion.get("alternatives", [])
    for n, alternative in enumerate(alternatives, start=1):
        line += f"  {n} {_cut(shown(alternative['value']), _ALTERNATIVE_WIDTH)} {_percent(alternative['confidence'])}"
    lines = [_paint(_cut(line, WIDTH), _WARN, colour and low)]
    held = {column: row.get(column, "") for column in value}
    if held != value:
        picked = [
            n for n, a in enumerate(alternatives, start=1) if {c: row.get(c, "") for c in a["value"]} == a["value"]
        ]
        how = f"alternative {picked[0]}" if picked else "typed"
        lines.append(_cut(f"  {'':<10} row holds {shown(held)} ({how})", WIDTH))
    return lines


def _place(row: dict) -> str:
    if row.get("table_row") or row.get("table_column"):
        return f"{row.get('section', '')}, row {row.get('table_row', '')!r}, column {row.get('table_column', '')!r}"
    paragraph = row.get("paragraph")
    return f"{row.get('section', '')}" + (f", paragraph {paragraph}" if paragraph else "")


def _figure_block(row: dict, item: dict | None, colour: bool) -> list[str]:
    line = f"  line {item['line']}" if item and item.get("line") else ""
    head = f"{row['figure_id']}  {row.get('review_status', '')}{line}  {row.get('stated_text', '')!r}  {_place(row)}"
    lines = [_paint(_cut(head, WIDTH), _BOLD, colour)]
    if item is None:
        lines.append("    (the review file has no suggestions for this row)")
    else:
        lines += _marked(item.get("marked") or item.get("sentence", ""), "    ", colour)
    suggestions = item.get("suggestions", {}) if item else {}
    for name in SUGGESTED:
        lines += _suggestion_lines(name, suggestions.get(name), row, colour)
    return lines


def _claim_block(number: int, claim: dict, colour: bool) -> list[str]:
    # a review file's entry ({"row": ..., "tentative": ...}), or a bare claims.csv row
    row, tentative = claim.get("row", claim), claim.get("tentative") or {}
    inputs = row.get("input_figure_ids", "")
    relation = f" ({row['relation']})" if row.get("relation") else ""
    confidence = claim.get("confidence")
    sure = f"  {_percent(confidence)}{' !' if _is_low(confidence) else ''}" if confidence is not None else ""
    head = (
        f"  {number:>2}  {row.get('claim_id', '')}  {row.get('claim_kind', '')}: {row.get('stated_figure_id', '')}"
        f" from {inputs}{relation}{sure}  via {claim.get('via', '')}"
    )
    verdict = tentative.get("verdict", "not recomputed")
    check = f"      {verdict}: stated {tentative.get('stated', '—')}, recomputed {tentative.get('recomputed', '—')}"
    if tentative.get("note"):
        check += f"  ({tentative['note']})"
    lines = [_cut(head, WIDTH), _paint(_cut(check, WIDTH), _WARN, colour and verdict != "consistent")]
    return lines + _marked(repr(row.get("statement", "")), "      ", False)


def _entity_block(entity: dict) -> list[str]:
    kind = entity.get("level") or entity.get("firm_kind") or ""
    line = entity.get("first_seen_line")
    head = f"  {entity.get('proposed_id', '')}  {entity.get('entity_type', '')} {kind}  {entity.get('name', '')!r}" + (
        f"  first seen line {line}" if line else ""
    )
    return [_cut(head, WIDTH)] + _marked(repr(entity.get("sentence", "")), "      ", False)


def render_sheet(review_json: dict, figure_rows: list[dict], claims: list[dict], colour: bool | None = None) -> str:
    """The sheet of one document: `review_json` its review file (sources/review/<document_id>.json), `figure_rows`
    the figures.csv rows to show (as the file holds them now), `claims` the drafted claims, as the review file
    lists them ({"row", "confidence", "via", "tentative"}), numbered as `--accept-claims` takes them. In colour
    (default: when stdout is a terminal) the literal is bold and what needs a look is yellow."""
    colour = sys.stdout.isatty() if colour is None else colour
    items = {item.get("figure_id"): item for item in review_json.get("figures", [])}
    order = {row["figure_id"]: n for n, row in enumerate(figure_rows)}

    def in_text(row: dict) -> tuple[float, int]:
        line = (items.get(row["figure_id"]) or {}).get("line")
        return (line if isinstance(line, int) else float("inf"), order[row["figure_id"]])

    rows = sorted(figure_rows, key=in_text)
    entities = review_json.get("entities", [])
    lows = sum(
        _is_low(s.get("confidence", 0))
        for row in rows
        for s in (items.get(row["figure_id"]) or {}).get("suggestions", {}).values()
    )
    sha = (review_json.get("sha256") or "")[:12]
    lines = [
        _cut(
            f"review of {review_json.get('document_id', '')}: {review_json.get('text_file', '')}"
            + (f" (sha256 {sha}…)" if sha else "")
            + (f", drafted {review_json['drafted_at']}" if review_json.get("drafted_at") else ""),
            WIDTH,
        ),
        f"{len(rows)} figure row(s), {len(claims)} drafted claim(s), {len(entities)} proposed entit"
        f"{'y' if len(entities) == 1 else 'ies'}; {lows} suggestion(s) under {round(100 * LOW)}% sure, marked !",
    ]
    for row in rows:
        lines += ["", *_figure_block(row, items.get(row["figure_id"]), colour)]
    if claims:
        lines += ["", "drafted claims (--accept-claims all, or their numbers):"]
        for number, claim in enumerate(claims, start=1):
            lines += _claim_block(number, claim, colour)
    if entities:
        lines += ["", "proposed entities (--accept-entities all, or their ids):"]
        for entity in entities:
            lines += _entity_block(entity)
    return "\n".join(line.rstrip() for line in lines) + "\n"
