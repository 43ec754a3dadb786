"""Write a draft into the sources: the document's row in documents.csv, and new draft rows appended to
figures/<document_id>.csv and mentions/<document_id>.csv, and to not_figures/<document_id>.csv for the numbers
that are not figures.

Everything a draft reads (its arguments, the text, the rows already in the files) is read and checked first, and
every problem found is reported at once; only a draft with none writes anything. Rows already in a file are never
rewritten (a person may have reviewed them): new rows are appended after them, in the columns source_files.py
declares, and a literal already recorded at the same place is not drafted again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from ..ingest.source_files import CURRENT_YEAR, FIRST_YEAR, ID_PATTERN, SOURCES_BY_NAME
from .claim_drafts import draft_claims, load_corpus, load_reference
from .coverage import Ignore, Printing, account
from .draft import Document, Draft, Progress
from .review_file import figure_entry, read_review, review_path, tentative, updated_review, write_review
from .suggesters import Suggesters
from .text import Place, TextError, decode_text

# the cells a draft reads as numbers, by source: a row that does not hold one there is reported, not a traceback
_WHOLE_NUMBERS = {
    "figures": ("paragraph", "year", "start_year", "end_year"),
    "mentions": ("paragraph",),
    "events": ("paragraph", "year", "year_high"),
    "not_figures": ("paragraph",),
}


class DraftError(ValueError):
    """The draft cannot be written; the message lists every problem found, each saying what to fix."""


@dataclass(frozen=True)
class Rows:
    """A source file's rows as a draft reads them, each with its line in the file."""

    path: Path
    rows: list[dict]
    lines: list[int]


@dataclass(frozen=True)
class DraftInput:
    """A draft's arguments, its text and the document's rows in the sources, read and checked."""

    sources_dir: Path
    text_file: Path
    text: str
    sha256: str
    document_id: str
    prefix: str
    document: Document
    fields: dict[str, str]  # the documents.csv cells a new document's row takes from the arguments
    files: dict[str, Rows]  # by source: documents, figures, mentions, events, not_figures
    suggesters: Suggesters

    @property
    def sections(self) -> set[str]:
        """The section names the document's mentions already use."""
        return {row["section"] for row in self.files["mentions"].rows if row["section"]}


@dataclass(frozen=True)
class Written:
    added: list[tuple[str, Draft]]  # (figure_id, draft)
    kept: int  # figure rows already in the file, untouched
    waiting: int  # draft rows in the file after writing
    not_figures: int  # not_figures rows added
    registered: str  # what was done to the document's row
    review: dict  # the review file as written
    review_path: Path
    figure_rows: list[dict]  # the document's figure rows after the draft


def _problem_of_id(option: str, value: str) -> str | None:
    if re.fullmatch(ID_PATTERN, value):
        return None
    return f"{option} {value!r} is not an id (lowercase ASCII letters, digits and _, starting with a letter)"


def _is_address(address: str) -> bool:
    """What documents.csv's url rule accepts (https?://, no space or ;), naming a host, and a port only when it
    is a number in range."""
    try:
        parts = urlsplit(address)
        port = parts.port  # raises when the port is not a number from 0 to 65535
    except ValueError:
        return False
    return bool(re.fullmatch(r"https?://[^\s;]+", address) and parts.hostname and port != 0)


def _problem_of_url(url: str) -> str | None:
    """One address, or several separated by "; " (a series published as one page per currency)."""
    wrong = [address for address in url.split("; ") if not _is_address(address)]
    if not wrong:
        return None
    return f"--url {', '.join(map(repr, wrong))}: not an http:// or https:// address with a host"


def _problem_of_year(year: str) -> str | None:
    if re.fullmatch(r"[0-9]{4}", year) and FIRST_YEAR <= int(year) <= CURRENT_YEAR:
        return None
    return f"--year {year!r} is not a publication year ({FIRST_YEAR} to {CURRENT_YEAR})"


def _problem_of_published(published: str, year: str | None) -> str | None:
    try:
        day = date.fromisoformat(published) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", published) else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= CURRENT_YEAR or day > date.today():
        return f"--published {published!r} is not a publication date (YYYY-MM-DD, {FIRST_YEAR} to today)"
    if year and str(day.year) != year:
        return f"--published {published} is not in --year {year}"
    return None


def _document(document_id: str, fields: dict[str, str], documents: Rows) -> Document:
    """The document as documents.csv has it, the arguments filling what it leaves empty (a new document's row)."""
    row = next((r for r in documents.rows if r["document_id"] == document_id), {})
    value = {name: row.get(name) or fields.get(name) or "" for name in ("title", "kind", "published", "year")}
    published = date.fromisoformat(value["published"]) if value["published"] else None
    year = int(value["year"]) if value["year"] else published.year if published else None
    return Document(value["title"], value["kind"], published, year)


def _read(path: Path, source: str, problems: list[str]) -> Rows:
    """The file's rows, or none with a problem when it is not UTF-8, not in its format or holds no whole number
    where one is read."""
    if not path.exists():
        return Rows(path, [], [])
    try:
        text = decode_text(path.read_bytes(), path)
    except TextError as exc:
        problems.append(str(exc))
        return Rows(path, [], [])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames != SOURCES_BY_NAME[source].column_names:
        problems.append(f"{path}: its header is not the {source} format of sources/README.md; fix it first")
        return Rows(path, [], [])
    rows, lines = [], []
    for row in reader:
        rows.append(row)
        lines.append(reader.line_num)
        problems += [
            f"{path}:{reader.line_num}: {column} {row[column]!r} is not a whole number"
            for column in _WHOLE_NUMBERS.get(source, ())
            if row[column] and not re.fullmatch(r"[0-9]+", row[column])
        ]
    return Rows(path, rows, lines)


def _read_text(text_file: Path, problems: list[str]) -> tuple[bytes, str]:
    """The text's bytes (what its sha256 is of) and the text they hold."""
    if not text_file.is_file():
        problems.append(f"no text file {text_file}")
        return b"", ""
    data = text_file.read_bytes()
    try:
        text = decode_text(data, text_file)
    except TextError as exc:
        problems.append(str(exc))
        return data, ""
    if not text.strip():
        problems.append(f"{text_file}: the text is empty: nothing to draft (is it the right file?)")
    return data, text


def _new_document_problems(document_id: str, fields: dict[str, str], documents: Rows) -> list[str]:
    if any(row["document_id"] == document_id for row in documents.rows):
        return []
    missing = [f"--{name}" for name in ("title", "kind") if not fields.get(name)]
    if not fields.get("authors") and not fields.get("publisher"):
        missing.append("--authors or --publisher")
    if not missing:
        return []
    return [f"document {document_id} is not in {documents.path}: registering it needs {', '.join(missing)}"]


def read_draft_input(
    sources_dir: Path,
    text_file: Path,
    document_id: str,
    prefix: str | None,
    fields: dict[str, str],
    documents_dir: Path | None = None,
) -> DraftInput:
    """Every input of a draft, checked: the ids, the address and year given, the text (UTF-8), and the rows
    already in the document's files; DraftError listing every problem found, before anything is written."""
    problems = [
        p
        for p in (
            _problem_of_id("--document-id", document_id),
            prefix is not None and _problem_of_id("--prefix", prefix),
            fields.get("url") and _problem_of_url(fields["url"]),
            fields.get("year") and _problem_of_year(fields["year"]),
            fields.get("published") and _problem_of_published(fields["published"], fields.get("year")),
        )
        if p
    ]
    data, text = _read_text(text_file, problems)
    if not sources_dir.is_dir():
        problems.append(f"no sources folder {sources_dir}")
    if problems:
        # an unsafe id names no file to read, and a missing folder has none
        raise DraftError("\n".join(problems))
    files = {"documents": _read(sources_dir / "documents.csv", "documents", problems)}
    for source in ("figures", "mentions", "events", "not_figures"):
        files[source] = _read(sources_dir / source / f"{document_id}.csv", source, problems)
    problems += _new_document_problems(document_id, fields, files["documents"])
    try:
        suggesters = Suggesters.load(sources_dir, documents_dir)
    except TextError as exc:
        problems.append(str(exc))
    except OSError as exc:
        problems.append(f"{exc.filename}: {exc.strerror}")
    if problems:
        # the document's own figures are read again by the suggesters' training: each problem once
        raise DraftError("\n".join(dict.fromkeys(problems)))
    return DraftInput(
        sources_dir,
        text_file,
        text,
        hashlib.sha256(data).hexdigest(),
        document_id,
        prefix or document_id,
        _document(document_id, fields, files["documents"]),
        fields,
        files,
        suggesters,
    )


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


def _register(given: DraftInput) -> tuple[str, list[dict] | None, dict | None]:
    """What to do to the document's row: (what is done, every row of documents.csv to write again when the
    row's file name, sha256 or publication date changes, the new row to append for a new document)."""
    path, name, digest = given.files["documents"].path, given.text_file.name, given.sha256
    document, rows = given.document_id, given.files["documents"].rows
    text = f"in {path} ({name}, sha256 {digest})"
    for row in rows:
        if row["document_id"] == document:
            wanted = {
                "file_name": name,
                "sha256": digest,
                "published": given.fields.get("published") or row["published"],
            }
            changed = [column for column, value in wanted.items() if row[column] != value]
            if not changed:
                return f"document {document} already registered {text}", None, None
            updated = [{**r, **wanted} if r is row else r for r in rows]
            return f"document {document}: {', '.join(changed)} updated {text}", updated, None
    row = {**given.fields, "document_id": document, "file_name": name, "sha256": digest}
    return f"registered document {document} {text}", None, row


def _place(row: dict) -> tuple[str, str, str, str]:
    return row["section"], row["paragraph"], row["table_row"], row["table_column"]


def _draft_place(draft: Draft) -> tuple[str, str, str, str]:
    p = draft.place
    return p.section or "", str(p.paragraph or ""), p.table_row or "", p.table_column or ""


def _new_figures(given: DraftInput, drafts: list[Draft]) -> tuple[list[tuple[str, Draft]], list[dict], list[dict]]:
    """The drafts not yet recorded (same stated_text at the same place, whatever the row's status) as draft
    rows of figures and mentions, numbered after the file's highest figure id."""
    figures, mentions = given.files["figures"].rows, given.files["mentions"].rows
    literal = {row["figure_id"]: row["stated_text"] for row in figures}
    recorded = {(row["stated_text"], *_place(row)) for row in figures}
    recorded |= {(literal.get(row["figure_id"], ""), *_place(row)) for row in mentions}
    prefix = given.prefix
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
            document_id=given.document_id,
            section=section,
            paragraph=paragraph,
            table_row=table_row,
            table_column=table_column,
            review_status="draft",
        )
        q = draft.quantity
        suggested = draft.suggested()
        new_figures.append(
            {
                **where,
                "figure_id": figure_id,
                "entity_type": suggested.get("entity_type", ""),
                "entity_id": suggested.get("entity_id", ""),
                "indicator_code": suggested.get("indicator_code", ""),
                "measure": suggested.get("measure", "level"),
                "period_kind": suggested.get("period_kind", "unspecified"),
                "year": suggested.get("year", ""),
                "start_year": suggested.get("start_year", ""),
                "end_year": suggested.get("end_year", ""),
                "as_of_date": suggested.get("as_of_date", ""),
                "stated_text": draft.stated_text,
                "unit_as_printed": draft.unit_as_printed or "",
                "value": q.value,
                "value_high": "" if q.value_high is None else q.value_high,
                "decimals": q.decimals,
                "scale": q.scale,
                # the literal's own unit wins over a suggested one (a count's persons or firms)
                "unit": q.unit or suggested.get("unit", ""),
                "currency": q.currency or "",
                "comparator": q.comparator,
                # a target or forecast says so (its period is after the document's); an approximate literal is an
                # estimate (sources/README.md, obs_status)
                "obs_status": suggested.get("obs_status") or ("E" if q.comparator == "approx" else "A"),
            }
        )
        new_mentions.append({**where, "mention_id": f"{figure_id}_m1", "figure_id": figure_id, "occurrence": 1})
        added.append((figure_id, draft))
    return added, new_figures, new_mentions


def _paragraph(row: dict) -> int | None:
    return int(row["paragraph"]) if row["paragraph"] else None


def _printing(row: dict, figure: dict) -> Printing:
    """A mention as the coverage accounting will read it once reviewed."""
    years = tuple(int(figure[c]) for c in ("year", "start_year", "end_year") if figure.get(c))
    return Printing(
        row["mention_id"],
        Place(row["section"] or None, _paragraph(row), row["table_row"] or None, row["table_column"] or None),
        figure["stated_text"],
        figure["unit_as_printed"] or None,
        years,
    )


def _new_not_figures(
    given: DraftInput,
    figures: list[dict],
    mentions: list[dict],
    skipped: dict[tuple[int, int], tuple[str, str]],
    progress: Progress,
) -> list[dict]:
    """A draft not_figures row for every number of the text that the document's rows (`figures` and `mentions`
    with the new drafts), read as if reviewed, leave unaccounted: what the draft left out says what is printed
    and why; any other number asks for a reason. A row the run would reject as stale (a row before it accounts
    for its numbers) is left out. After this, every number is accounted for or waits in a draft."""
    by_id = {row["figure_id"]: row for row in figures}
    printings = [
        _printing(row, by_id[row["figure_id"]]) for row in mentions if row["figure_id"] in by_id and row["section"]
    ]
    events = [
        Printing(
            row["event_id"],
            Place(row["section"] or None, _paragraph(row)),
            row["stated_text"],
            None,
            tuple(int(row[c]) for c in ("year", "year_high") if row[c]),
        )
        for row in given.files["events"].rows
        if row["stated_text"]
    ]
    existing = given.files["not_figures"]
    ignores = [
        Ignore(str(existing.path), n, row["section"] or None, _paragraph(row), row["printed"] or None, row["reason"])
        for n, row in zip(existing.lines, existing.rows, strict=True)
    ]
    sections = {row["section"] for row in figures if row["section"]}
    keys = {(row["section"], row["paragraph"], row["printed"]) for row in existing.rows}
    accounting = account(given.text, printings, events, ignores, sections, progress.stage)
    added = []
    for item in accounting.numbers:
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
                "document_id": given.document_id,
                "section": key[0],
                "paragraph": key[1],
                "printed": printed,
                "reason": reason,
                "review_status": "draft",
            }
        )
    # each numbered apart, so that two rows alike in their scope stay two
    proposed = [
        Ignore(str(existing.path), n, row["section"] or None, _paragraph(row), row["printed"], row["reason"])
        for n, row in enumerate(added)
    ]
    stale = accounting.stale_after(proposed)
    return [row for row, ignore in zip(added, proposed, strict=True) if ignore not in stale]


def _claims(given: DraftInput, added: list[tuple[str, Draft]], new_figures: list[dict], review: dict) -> list[dict]:
    """The claims the new drafts' sentences state, numbered after the document's claims and those already
    waiting in the review file, each with its tentative verdict."""
    contexts = {figure_id: draft.context for figure_id, draft in added}
    drafts = draft_claims(
        [(row, contexts[row["figure_id"]]) for row in new_figures],
        load_corpus(given.sources_dir, given.document_id),
        load_reference(given.sources_dir),
    )
    taken = {
        row["claim_id"] for row in _read(given.sources_dir / "claims" / f"{given.document_id}.csv", "claims", []).rows
    }
    taken |= {claim["row"]["claim_id"] for claim in review["claims"]}
    numbered = [
        int(m.group(1)) for claim_id in taken if (m := re.fullmatch(rf"{re.escape(given.prefix)}_c(\d+)", claim_id))
    ]
    next_number = max(numbered, default=0) + 1
    waiting = {
        (c["row"]["claim_kind"], c["row"]["stated_figure_id"], c["row"]["input_figure_ids"]) for c in review["claims"]
    }
    entries = []
    for claim in drafts:
        row = claim.row
        if (row["claim_kind"], row["stated_figure_id"], row["input_figure_ids"]) in waiting:
            continue
        entries.append(
            {
                "row": {**row, "claim_id": f"{given.prefix}_c{next_number:03d}"},
                "confidence": claim.confidence,
                "via": claim.via,
                "cross_document": list(claim.cross_document),
                "tentative": tentative(claim.recomputation),
            }
        )
        next_number += 1
    return entries


def write_draft(
    given: DraftInput, drafts: list[Draft], skipped: dict[tuple[int, int], tuple[str, str]], progress: Progress
) -> Written:
    """Work out every row the draft adds, then write them: the document's row, the new figures and mentions, the
    numbers that are not figures, and the review file (suggestions, drafted claims, proposed entities)."""
    registered, documents, document = _register(given)
    added, new_figures, new_mentions = _new_figures(given, drafts)
    progress.stage("accounting for every number of the text")
    not_figures = _new_not_figures(
        given,
        given.files["figures"].rows + new_figures,
        given.files["mentions"].rows + new_mentions,
        skipped,
        progress,
    )
    progress.stage("drafting claims and the review file")
    path = review_path(given.sources_dir, given.document_id)
    existing = read_review(path)
    known = {entity["proposed_id"] for entity in existing["entities"]}
    sentences = {draft.context.sentence.strip() for _, draft in added}
    review = updated_review(
        existing,
        given.document_id,
        given.text_file.name,
        given.sha256,
        {
            "figures": [figure_entry(figure_id, draft) for figure_id, draft in added],
            "claims": _claims(given, added, new_figures, existing),
            "entities": [
                row
                for row in given.suggesters.new_entities(given.text, given.document.title, sentences)
                if row["proposed_id"] not in known
            ],
        },
    )
    progress.stage("writing the drafts")
    if documents is not None:
        with given.files["documents"].path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, SOURCES_BY_NAME["documents"].column_names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(documents)
    if document is not None:
        _append(given.files["documents"].path, "documents", [document])
    if new_figures:
        _append(given.files["figures"].path, "figures", new_figures)
        _append(given.files["mentions"].path, "mentions", new_mentions)
    if not_figures:
        _append(given.files["not_figures"].path, "not_figures", not_figures)
    write_review(path, review)
    figures = given.files["figures"].rows
    waiting = sum(row["review_status"] == "draft" for row in figures) + len(new_figures)
    return Written(added, len(figures), waiting, len(not_figures), registered, review, path, figures + new_figures)
