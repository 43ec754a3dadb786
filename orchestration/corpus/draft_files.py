"""Write a draft into the sources: the document's row in documents.csv, and new draft rows appended to
figures/<document_id>.csv and mentions/<document_id>.csv, and to not_figures/<document_id>.csv for the numbers
that are not figures.

Rows already in a file are never rewritten (a person may have reviewed them): new rows are appended after them,
in the columns source_files.py declares, and a literal already recorded at the same place is not drafted again.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..ingest.fingerprints import sha256
from ..ingest.source_files import SOURCES_BY_NAME
from .coverage import Ignore, Printing, account
from .draft import Draft
from .text import Place


class DraftError(ValueError):
    """The draft cannot be written; the message says what to fix."""


@dataclass(frozen=True)
class Written:
    added: list[tuple[str, Draft]]  # (figure_id, draft)
    kept: int  # figure rows already in the file, untouched
    waiting: int  # draft rows in the file after writing


def _read(path: Path, source: str) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != SOURCES_BY_NAME[source].column_names:
            raise DraftError(f"{path}: its header is not the {source} format of sources/README.md; fix it first")
        return list(reader)


def _append(path: Path, source: str, rows: list[dict]) -> None:
    """Append rows in the file's own line ending, after a last line that may lack one."""
    columns = SOURCES_BY_NAME[source].column_names
    path.parent.mkdir(parents=True, exist_ok=True)
    data = path.read_bytes() if path.exists() else b""
    ending = "\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else "\n"
    with path.open("a", newline="", encoding="utf-8") as handle:
        if data and not data.endswith(b"\n"):
            handle.write(ending)
        writer = csv.DictWriter(handle, columns, lineterminator=ending)
        if not data:
            writer.writeheader()
        writer.writerows(rows)


def register_document(sources_dir: Path, text: Path, document_id: str, fields: dict[str, str]) -> str:
    """Add the document's row to documents.csv, or bring an existing row's file name and sha256 up to date with
    the text; return what was done. A new row needs what the ingest requires of one."""
    path = sources_dir / "documents.csv"
    rows = _read(path, "documents")
    digest = sha256(text)
    for row in rows:
        if row["document_id"] == document_id:
            if (row["file_name"], row["sha256"]) == (text.name, digest):
                return f"document {document_id} already registered in {path} ({text.name}, sha256 {digest})"
            row.update(file_name=text.name, sha256=digest)
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, SOURCES_BY_NAME["documents"].column_names, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            return f"document {document_id}: file name and sha256 updated in {path} ({text.name}, sha256 {digest})"
    missing = [f"--{name}" for name in ("title", "kind") if not fields.get(name)]
    if not fields.get("authors") and not fields.get("publisher"):
        missing.append("--authors or --publisher")
    if missing:
        raise DraftError(f"document {document_id} is not in {path}: registering it needs {', '.join(missing)}")
    _append(path, "documents", [{**fields, "document_id": document_id, "file_name": text.name, "sha256": digest}])
    return f"registered document {document_id} in {path} ({text.name}, sha256 {digest})"


def _place(row: dict) -> tuple[str, str, str, str]:
    return row["section"], row["paragraph"], row["table_row"], row["table_column"]


def _draft_place(draft: Draft) -> tuple[str, str, str, str]:
    p = draft.place
    return p.section or "", str(p.paragraph or ""), p.table_row or "", p.table_column or ""


def write_drafts(sources_dir: Path, document_id: str, prefix: str, drafts: list[Draft]) -> Written:
    """Append the drafts not yet recorded (same stated_text at the same place, whatever the row's status) as
    draft rows, numbered after the file's highest figure id."""
    figures_path = sources_dir / "figures" / f"{document_id}.csv"
    mentions_path = sources_dir / "mentions" / f"{document_id}.csv"
    figures, mentions = _read(figures_path, "figures"), _read(mentions_path, "mentions")
    literal = {row["figure_id"]: row["stated_text"] for row in figures}
    recorded = {(row["stated_text"], *_place(row)) for row in figures}
    recorded |= {(literal.get(row["figure_id"], ""), *_place(row)) for row in mentions}
    numbered = [m.group(1) for row in figures if (m := re.fullmatch(rf"{re.escape(prefix)}_f(\d+)", row["figure_id"]))]
    width = max([3, *map(len, numbered)])  # ningbo_f001 stays ningbo_f101, not ningbo_f0101
    next_number = max(map(int, numbered), default=0) + 1
    added, new_figures, new_mentions = [], [], []
    for draft in drafts:
        key = (draft.stated_text, *_draft_place(draft))
        if key in recorded:
            continue
        recorded.add(key)
        figure_id = f"{prefix}_f{next_number:0{width}d}"
        next_number += 1
        section, paragraph, table_row, table_column = _draft_place(draft)
        where = dict(
            document_id=document_id,
            section=section,
            paragraph=paragraph,
            table_row=table_row,
            table_column=table_column,
            review_status="draft",
        )
        q = draft.quantity
        entity_type, entity_id = draft.entity or ("", "")
        new_figures.append(
            {
                **where,
                "figure_id": figure_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "indicator_code": draft.indicator.code if draft.indicator else "",
                "measure": draft.measure,
                "period_kind": "year" if draft.year else "unspecified",
                "year": draft.year or "",
                "stated_text": draft.stated_text,
                "unit_as_printed": draft.unit_as_printed or "",
                "value": q.value,
                "value_high": "" if q.value_high is None else q.value_high,
                "decimals": q.decimals,
                "scale": q.scale,
                "unit": draft.unit or "",
                "currency": q.currency or "",
                "comparator": q.comparator,
                # an approximate literal is an estimate (sources/README.md, obs_status)
                "obs_status": "E" if q.comparator == "approx" else "A",
            }
        )
        new_mentions.append({**where, "mention_id": f"{figure_id}_m1", "figure_id": figure_id, "occurrence": 1})
        added.append((figure_id, draft))
    if new_figures:
        _append(figures_path, "figures", new_figures)
        _append(mentions_path, "mentions", new_mentions)
    waiting = sum(row["review_status"] == "draft" for row in figures) + len(new_figures)
    return Written(added, len(figures), waiting)


def _printing(row: dict, figure: dict) -> Printing:
    """A mention as the coverage accounting will read it once reviewed."""
    years = tuple(int(figure[c]) for c in ("year", "start_year", "end_year") if figure.get(c))
    return Printing(
        row["mention_id"],
        Place(
            row["section"] or None,
            int(row["paragraph"]) if row["paragraph"] else None,
            row["table_row"] or None,
            row["table_column"] or None,
        ),
        figure["stated_text"],
        figure["unit_as_printed"] or None,
        years,
    )


def write_not_figures(
    sources_dir: Path, document_id: str, text: str, skipped: dict[tuple[int, int], tuple[str, str]]
) -> int:
    """Append a draft not_figures row for every number of `text` that the document's rows, read as if reviewed,
    leave unaccounted: what the draft left out says what is printed and why; any other number asks for a
    reason. Return how many rows were added. After this, every number is accounted for or waits in a draft."""
    figures = {row["figure_id"]: row for row in _read(sources_dir / "figures" / f"{document_id}.csv", "figures")}
    mentions = [
        _printing(row, figures[row["figure_id"]])
        for row in _read(sources_dir / "mentions" / f"{document_id}.csv", "mentions")
        if row["figure_id"] in figures and row["section"]
    ]
    events = [
        Printing(
            row["event_id"],
            Place(row["section"] or None, int(row["paragraph"]) if row["paragraph"] else None),
            row["stated_text"],
            None,
            tuple(int(row[c]) for c in ("year", "year_high") if row[c]),
        )
        for row in _read(sources_dir / "events" / f"{document_id}.csv", "events")
        if row["stated_text"]
    ]
    path = sources_dir / "not_figures" / f"{document_id}.csv"
    existing = _read(path, "not_figures")
    ignores = [
        Ignore(
            str(path),
            n,
            row["section"] or None,
            int(row["paragraph"]) if row["paragraph"] else None,
            row["printed"] or None,
            row["reason"],
        )
        for n, row in enumerate(existing, start=2)
    ]
    sections = {row["section"] for row in figures.values() if row["section"]}
    keys = {(row["section"], row["paragraph"], row["printed"]) for row in existing}
    added = []
    for item in account(text, mentions, events, ignores, sections).numbers:
        if item.status != "unaccounted":
            continue
        number = item.number
        printed, reason = skipped.get(
            (number.line, number.column),
            (number.literal, "not drafted as a figure: record it as one, or say why it is not a figure"),
        )
        key = (number.place.section or "", str(number.place.paragraph or ""), printed)
        if key in keys:
            continue
        keys.add(key)
        added.append(
            {
                "document_id": document_id,
                "section": key[0],
                "paragraph": key[1],
                "printed": printed,
                "reason": reason,
                "review_status": "draft",
            }
        )
    if added:
        _append(path, "not_figures", added)
    return len(added)
