"""How good `warehouse draft` is: each document of a reviewed corpus drafted again by the real command line with
its own rows held out, and what it wrote compared with what a person wrote after review (issue 32, "Targets").

    .venv/bin/python -m benchmarks.draft_quality                     # every document; a minute or two
    .venv/bin/python -m benchmarks.draft_quality --only dalian_news_2013 --json /tmp/draft.json

The corpus is benchmarks/draft_corpus/: short documents written for it in our own words (texts/) and their
reviewed rows (sources/: documents, figures, mentions, claims, events, not_figures, and the catalogue rows they
need), plus the project's own three documents when their texts are there (DOCUMENTS_DIR, else ../shared/seeds).
For each document a fresh sources folder holds the project's sources/ and the corpus's rows, less the document's
own figures, mentions, claims and not_figures (its documents.csv row and events stay: the draft knows its title,
kind and date). A drafted row matches a reviewed figure by its literal and place (section, paragraph, table row
and column; a paragraph off by one is tolerated within the section); a matched row needs no change when its
entity, indicator, measure, period, unit and comparator are the reviewed ones. A drafted claim (the review file
sources/review/<document_id>.json, "claims": [{"row": {...}}]) is right when its kind, stated figure and inputs
are a reviewed claim's, figures compared through the matching.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.corpus.text import NUMBER

from .paths import PROJECT_ROOT, VENV_BIN

CORPUS = Path(__file__).resolve().parent / "draft_corpus"
PROJECT_SOURCES = PROJECT_ROOT / "sources"
OWN_TEXTS = Path(os.environ.get("DOCUMENTS_DIR") or PROJECT_ROOT.parent / "shared" / "seeds")
# what review writes and a draft must not see: the held-out document's own files
HELD_OUT = ("figures", "mentions", "claims", "not_figures")
PAPER = "dalian_paper_2013"
# the command line of the tree a draft runs from: python -m puts its working directory first on the path, ahead of
# the installed project
CLI = [str(VENV_BIN / "python"), "-m", "orchestration.cli"]
PLACE = ("section", "paragraph", "table_row", "table_column")
FIELDS = {
    "literal": ("stated_text",),
    "entity": ("entity_type", "entity_id"),
    "indicator": ("indicator_code",),
    "measure": ("measure",),
    "period": ("period_kind", "year", "start_year", "end_year", "as_of_date"),
    "unit": ("unit",),
    "comparator": ("comparator",),
}
# claim kinds whose inputs are a set (parts of a sum); every other kind's inputs are in order (base;current, …)
UNORDERED_INPUTS = {"sum"}
# (label, key, at least / at most, target)
TARGETS = [
    ("recall", "recall_pct", "min", 95.0),
    ("rows needing no change", "no_change_pct", "min", 80.0),
    ("claims drafted right", "claims_pct", "min", 80.0),
    (f"{PAPER} draft, s", "paper_draft_s", "max", 5.0),
]


def read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _append_rows(target: Path, rows_file: Path) -> None:
    """The rows of `rows_file` after those of `target` (a catalogue both have), in `target`'s columns and line
    ending."""
    rows = read_rows(rows_file)
    data = target.read_bytes()
    ending = "\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else "\n"
    columns = next(csv.reader(io.StringIO(data.decode("utf-8"))))
    with target.open("a", newline="", encoding="utf-8") as handle:
        if data and not data.endswith(b"\n"):
            handle.write(ending)
        csv.DictWriter(handle, columns, lineterminator=ending).writerows(rows)


def build_sources(destination: Path, corpus: bool = True, held_out: str | None = None) -> Path:
    """A sources folder at `destination`: the project's sources/, with the corpus's rows when `corpus` (its
    catalogue rows appended, its per-document files added), less `held_out`'s own figures, mentions, claims and
    not_figures. Whatever was at `destination` goes first."""
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(PROJECT_SOURCES, destination)
    if corpus:
        for path in sorted((CORPUS / "sources").rglob("*.csv")):
            target = destination / path.relative_to(CORPUS / "sources")
            if target.exists():
                _append_rows(target, path)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    if held_out:
        for folder in HELD_OUT:
            (destination / folder / f"{held_out}.csv").unlink(missing_ok=True)
    return destination


@dataclass(frozen=True)
class Document:
    document_id: str
    text: Path
    published: str  # documents.csv's published date, "" when not known
    corpus: bool  # one of the benchmark's own documents (else the project's)


def documents(texts_dir: Path = OWN_TEXTS) -> tuple[list[Document], list[str]]:
    """The corpus's documents, then the project's whose texts are in `texts_dir`; and the project's left out."""
    found, missing = [], []
    for row in read_rows(CORPUS / "sources" / "documents.csv"):
        found.append(Document(row["document_id"], CORPUS / "texts" / row["file_name"], row["published"], True))
    for row in read_rows(PROJECT_SOURCES / "documents.csv"):
        text = texts_dir / row["file_name"]
        if row["file_name"] and text.is_file():
            found.append(Document(row["document_id"], text, row["published"], False))
        else:
            missing.append(row["document_id"])
    return found, missing


def draft_accepts(option: str, code: Path = PROJECT_ROOT) -> bool:
    """Whether `warehouse draft` takes `option` (the command line changes while the draft is improved)."""
    shown = subprocess.run([*CLI, "draft", "--help"], capture_output=True, text=True, cwd=code)
    return option in shown.stdout


@dataclass
class Drafted:
    seconds: float
    returncode: int
    output: str
    figures: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)


def texts_folder(destination: Path, found: list[Document]) -> Path:
    """One texts folder holding every document's text, as a user's DOCUMENTS_DIR does: the draft trains on the
    reviewed figures in their sentences."""
    destination.mkdir(parents=True, exist_ok=True)
    for document in found:
        link = destination / document.text.name
        if not link.exists():
            link.symlink_to(document.text.resolve())
    return destination


def run_draft(
    document: Document, sources: Path, published_option: bool, code: Path = PROJECT_ROOT, texts: Path | None = None
) -> Drafted:
    """The real command line (of the tree `code`) drafting `document` into `sources`, with `texts` as its
    DOCUMENTS_DIR; what it wrote, and how long it took."""
    command = [*CLI, "draft", str(document.text), "--document-id", document.document_id]
    command += ["--sources", str(sources)]
    if published_option and document.published:
        command += ["--published", document.published]
    started = time.perf_counter()
    env = {**os.environ, **({"DOCUMENTS_DIR": str(texts)} if texts else {})}
    done = subprocess.run(command, capture_output=True, text=True, cwd=code, env=env)
    seconds = time.perf_counter() - started
    drafted = Drafted(seconds, done.returncode, (done.stdout + done.stderr).strip())
    drafted.figures = read_rows(sources / "figures" / f"{document.document_id}.csv")
    review = sources / "review" / f"{document.document_id}.json"
    if review.is_file():
        drafted.claims = [entry["row"] for entry in json.loads(review.read_text(encoding="utf-8")).get("claims", [])]
    return drafted


def _place(row: dict) -> tuple[str, ...]:
    return tuple(row.get(column, "") for column in PLACE)


def _near(drafted: tuple[str, ...], reviewed: tuple[str, ...]) -> bool:
    """The same section, table row and column, and a paragraph at most one off."""
    if (drafted[0], *drafted[2:]) != (reviewed[0], *reviewed[2:]):
        return False
    if not (drafted[1].isdigit() and reviewed[1].isdigit()):
        return drafted[1] == reviewed[1]
    return abs(int(drafted[1]) - int(reviewed[1])) <= 1


def same_printing(drafted: str, reviewed: str) -> bool:
    """Whether two literals are the same printing: equal, or one inside the other with the same numbers ("1,100"
    drafted where the reviewer recorded "1,100 employees"). The figure is drafted; its literal's extent is then a
    field to change (FIELDS["literal"])."""
    if drafted == reviewed:
        return True
    return (drafted in reviewed or reviewed in drafted) and NUMBER.findall(drafted) == NUMBER.findall(reviewed)


def match_figures(reviewed: list[dict], mentions: list[dict], drafted: list[dict]) -> dict[str, dict]:
    """Each reviewed figure's drafted row, by figure id: a drafted row with its literal at one of its mentions'
    places, exact places first, then a paragraph off; each drafted row matches one figure at most."""
    places: dict[str, list[tuple[str, ...]]] = {}
    for mention in mentions:
        places.setdefault(mention["figure_id"], []).append(_place(mention))
    free = list(range(len(drafted)))
    matched: dict[str, dict] = {}
    for same in (lambda d, r: d == r, _near):
        for figure in reviewed:
            if figure["figure_id"] in matched:
                continue
            wanted = places.get(figure["figure_id"]) or [_place(figure)]
            for index in free:
                row = drafted[index]
                if same_printing(row["stated_text"], figure["stated_text"]) and any(
                    same(_place(row), p) for p in wanted
                ):
                    matched[figure["figure_id"]] = row
                    free.remove(index)
                    break
    return matched


def _inputs(value: str, kind: str, ids: dict[str, str]) -> tuple:
    """A claim's inputs as comparable: each drafted id read as the reviewed figure it matched (an id of another
    document as itself), a whole that is a sum as a set, a sum's parts as a set."""
    items = tuple(frozenset(ids.get(i, i) for i in item.split("+")) for item in value.split(";") if item)
    return tuple(sorted(items, key=sorted)) if kind in UNORDERED_INPUTS else items


def right_claims(reviewed: list[dict], drafted: list[dict], ids: dict[str, str]) -> int:
    """How many reviewed claims a drafted claim states: the same kind, stated figure and inputs, `ids` mapping a
    drafted figure id to the reviewed one it matched."""
    drafted_keys = {
        (
            c.get("claim_kind", ""),
            ids.get(c.get("stated_figure_id", "")),
            _inputs(c.get("input_figure_ids", ""), c.get("claim_kind", ""), ids),
        )
        for c in drafted
    }
    return sum(
        (c["claim_kind"], c["stated_figure_id"], _inputs(c["input_figure_ids"], c["claim_kind"], {})) in drafted_keys
        for c in reviewed
    )


@dataclass
class Score:
    reviewed: int = 0
    drafted: int = 0  # drafted rows in all
    matched: int = 0
    repeats: int = 0  # drafted rows at another printing of a matched figure (review merges them into it)
    no_change: int = 0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    claims: int = 0
    claims_right: int = 0

    def add(self, other: Score) -> None:
        for name in ("reviewed", "drafted", "matched", "repeats", "no_change", "claims", "claims_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in FIELDS:
            self.fields[name] += other.fields[name]

    def percents(self) -> dict[str, float | None]:
        def pct(part: int, whole: int) -> float | None:
            return round(100 * part / whole, 1) if whole else None

        return {
            "recall_pct": pct(self.matched, self.reviewed),
            "no_change_pct": pct(self.no_change, self.matched),
            **{f"{name}_pct": pct(count, self.matched) for name, count in self.fields.items()},
            "claims_pct": pct(self.claims_right, self.claims),
        }


def differences(reviewed: dict, drafted: dict) -> list[str]:
    """The fields (FIELDS) in which a drafted row is not as reviewed."""
    return [name for name, columns in FIELDS.items() if any(drafted.get(c, "") != reviewed[c] for c in columns)]


def score(
    reviewed: list[dict],
    mentions: list[dict],
    claims: list[dict],
    drafted: list[dict],
    drafted_claims: list[dict],
    details: list[str] | None = None,
) -> Score:
    """What a draft got right against the reviewed rows of one document; each figure missed and each field
    differing is told in `details` when given."""
    matched = match_figures(reviewed, mentions, drafted)
    result = Score(len(reviewed), len(drafted), len(matched), claims=len(claims))
    for figure in reviewed:
        row = matched.get(figure["figure_id"])
        if row is None:
            if details is not None:
                details.append(f"{figure['figure_id']} {figure['stated_text']!r}: not drafted at its place")
            continue
        differ = differences(figure, row)
        for name in FIELDS:
            result.fields[name] += name not in differ
        result.no_change += not differ
        if details is not None and differ:
            shown = "; ".join(
                f"{name} {'/'.join(row.get(c, '') for c in FIELDS[name])!r} for "
                f"{'/'.join(figure[c] for c in FIELDS[name])!r}"
                for name in differ
            )
            details.append(f"{figure['figure_id']} {figure['stated_text']!r}: {shown}")
    found = {id(row) for row in matched.values()}
    printings = {(m["figure_id"], _place(m)) for m in mentions}
    literal = {figure["figure_id"]: figure["stated_text"] for figure in reviewed}
    for row in drafted:
        if id(row) in found:
            continue
        if any(literal.get(f) == row["stated_text"] and _near(_place(row), p) for f, p in printings):
            result.repeats += 1
        elif details is not None:
            details.append(f"extra: {row['stated_text']!r} at {_place(row)}")
    ids = {row["figure_id"]: figure_id for figure_id, row in matched.items()}
    result.claims_right = right_claims(claims, drafted_claims, ids)
    return result


def reviewed_rows(document: Document) -> tuple[list[dict], list[dict], list[dict]]:
    folder = CORPUS / "sources" if document.corpus else PROJECT_SOURCES
    return tuple(read_rows(folder / name / f"{document.document_id}.csv") for name in ("figures", "mentions", "claims"))


def measure_document(
    document: Document, work: Path, published_option: bool, code: Path, details: list[str] | None, texts: Path
) -> tuple[Score, Drafted]:
    sources = build_sources(work / document.document_id, held_out=document.document_id)
    drafted = run_draft(document, sources, published_option, code, texts)
    figures, mentions, claims = reviewed_rows(document)
    return score(figures, mentions, claims, drafted.figures, drafted.claims, details), drafted


def time_paper(work: Path, paper: Document, published_option: bool, code: Path) -> Drafted:
    """The paper drafted with the project's own sources (its rows held out) as all the draft knows."""
    sources = build_sources(work / "paper_timing", corpus=False, held_out=PAPER)
    return run_draft(paper, sources, published_option, code)


_COLUMNS = [
    ("document", "{:<26}"),
    ("reviewed", "{:>8}"),
    ("drafted", "{:>7}"),
    ("recall", "{:>7}"),
    ("extra", "{:>5}"),
    ("no change", "{:>9}"),
    *((name, f"{{:>{max(len(name), 6)}}}") for name in FIELDS),
    ("claims", "{:>11}"),
    ("draft s", "{:>7}"),
]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _line(name: str, s: Score, seconds: float | None) -> str:
    p = s.percents()
    cells = [
        name,
        s.reviewed,
        s.matched,
        _pct(p["recall_pct"]),
        s.drafted - s.matched - s.repeats,
        _pct(p["no_change_pct"]),
        *(_pct(p[f"{field_name}_pct"]) for field_name in FIELDS),
        f"{s.claims_right}/{s.claims} {_pct(p['claims_pct'])}" if s.claims else "-",
        "-" if seconds is None else f"{seconds:.2f}",
    ]
    return " ".join(fmt.format(cell) for (_, fmt), cell in zip(_COLUMNS, cells, strict=True))


def _header() -> str:
    return " ".join(fmt.format(title) for title, fmt in _COLUMNS)


def _targets(results: dict) -> list[str]:
    lines = []
    for label, key, sense, target in TARGETS:
        value = results.get(key)
        met = value is not None and (value >= target if sense == "min" else value <= target)
        bound = "≥" if sense == "min" else "≤"
        shown = "-" if value is None else (f"{value:.2f}" if key.endswith("_s") else f"{value:.1f}%")
        lines.append(f"  {label:<28} {shown:>8}   target {bound} {target:g}   {'met' if met else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--only", help="comma-separated document ids (default: every document)")
    parser.add_argument("--keep", type=Path, help="keep each document's sources folder, as drafted, under this folder")
    parser.add_argument(
        "--code",
        type=Path,
        default=PROJECT_ROOT,
        help="the project tree whose draft to measure (`git archive` of a commit)",
    )
    parser.add_argument("--details", action="store_true", help="list each figure missed and each field differing")
    args = parser.parse_args(argv)
    found, missing = documents()
    if missing:
        print(f"note: no text in {OWN_TEXTS} for {', '.join(missing)}: left out (set DOCUMENTS_DIR)")
    if args.only:
        wanted = set(args.only.split(","))
        found = [d for d in found if d.document_id in wanted]
    code = args.code.resolve()
    published_option = draft_accepts("--published", code)
    print(f"`warehouse draft` {'takes' if published_option else 'has no'} --published")
    total, rows, failures = Score(), [], []
    with tempfile.TemporaryDirectory(prefix="draft_quality.") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        texts = texts_folder(work / "texts", documents()[0])
        print(_header())
        for document in found:
            details: list[str] | None = [] if args.details else None
            result, drafted = measure_document(document, work, published_option, code, details, texts)
            if drafted.returncode != 0:
                failures.append((document.document_id, drafted.output.splitlines()[-20:]))
            total.add(result)
            rows.append({"document_id": document.document_id, "seconds": round(drafted.seconds, 3), **vars(result)})
            print(_line(document.document_id + ("" if drafted.returncode == 0 else " FAILED"), result, drafted.seconds))
            for detail in details or ():
                print(f"    {detail}")
        paper = next((d for d in documents()[0] if d.document_id == PAPER), None)
        timed = time_paper(work, paper, published_option, code) if paper else None
    print(_line("overall", total, None))
    results = {
        **total.percents(),
        "paper_draft_s": round(timed.seconds, 2) if timed and timed.returncode == 0 else None,
    }
    print(
        f"\n{PAPER} drafted with the project's sources: " + ("no text" if timed is None else f"{timed.seconds:.2f} s")
    )
    print("targets:")
    print("\n".join(_targets(results)))
    for document_id, output in failures:
        print(f"\n{document_id}: the draft failed:\n  " + "\n  ".join(output))
    if args.json:
        report = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "published_option": published_option,
            "left_out": missing,
            "documents": rows,
            "overall": {**vars(total), **results},
            "targets": [dict(zip(("label", "key", "sense", "target"), t, strict=True)) for t in TARGETS],
            "failures": dict(failures),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
