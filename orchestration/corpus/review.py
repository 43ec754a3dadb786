"""`warehouse review <document_id>`: the review sheet of a drafted document, and the review itself done from the
command line: accept figure rows, take a suggestion's alternative, type a value, reject a row that is no figure,
accept drafted claims and proposed entities.

Every change asked for is worked out and checked before anything is written, and every problem is reported at
once; only a review with none writes, each file whole to a temporary file renamed into place. A cell typed or
picked is checked by its column's rules as the ingest declares them (review_rules.py); what one cell's rules
cannot see is checked by the next run. The sources are not changed while a build reads them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..ingest.source_files import ID_PATTERN, SOURCES_BY_NAME
from .draft import SUGGESTED
from .review_file import read_review, review_path, write_review
from .review_files import CsvFile, Record, no_build_running, read_csv_file, write_csv_file
from .review_rules import CellRules
from .review_sheet import render_sheet

_PICK = re.compile(rf"({ID_PATTERN})\.(\w+)=(.*)", re.DOTALL)
# the columns a review does not type: what ties the row to its mentions, claims and file, and its status
_NOT_TYPED = {
    "figure_id": "the row's id, which its mentions and claims name",
    "document_id": "the document whose file the row is in",
    "review_status": "--accept sets it",
}
FIGURES = SOURCES_BY_NAME["figures"]
# figure ids a summary line names; the rest are counted
_LISTED = 12


def _tokens(values: list[str]) -> list[str]:
    """`a,b` given once or an option given twice: every id, in order, once."""
    return list(dict.fromkeys(t.strip() for value in values for t in value.split(",") if t.strip()))


class Review:
    """One review of a document: its files as read, the changes asked for applied to them in memory, and every
    problem found on the way."""

    def __init__(self, sources: Path, document_id: str):
        self.sources, self.document_id = sources, document_id
        self.problems: list[str] = []
        self.done: list[str] = []
        self.rules = CellRules()
        self.review_path = review_path(sources, document_id)
        self.review = self._read_review()
        self.files = {
            name: read_csv_file(sources / name / f"{document_id}.csv", name, self.problems)
            for name in ("figures", "mentions", "not_figures", "claims")
        }
        if not self.figures.exists:
            self.problems.append(f"{self.figures.path}: no such file: draft the document first (`warehouse draft`)")
        self.records = {r.row["figure_id"]: r for r in self.figures.records}
        self.mentions: dict[str, list[Record]] = {}
        for mention in self.files["mentions"].records:
            self.mentions.setdefault(mention.row["figure_id"], []).append(mention)
        self.items = {item.get("figure_id"): item for item in self.review["figures"]}
        # (figure_id, column) -> (value, the option that gave it)
        self.typed: dict[tuple[str, str], tuple[str, str]] = {}
        self.accepted: set[str] = set()
        self.rejected: set[str] = set()
        self.claims_taken: list[dict] = []
        self.entities_taken: list[dict] = []
        self.review_changed = False

    def _read_review(self) -> dict:
        empty = {"figures": [], "claims": [], "entities": []}
        if not self.review_path.is_file():
            self.problems.append(f"{self.review_path}: no review file (`warehouse draft` writes it with the drafts)")
            return empty
        try:
            review = read_review(self.review_path)
        except ValueError as exc:
            self.problems.append(str(exc))
            return empty
        for part in empty:
            if not all(isinstance(item, dict) for item in review[part]):
                self.problems.append(f"{self.review_path}: {part!r} is not a list of objects")
                review[part] = []
        return review

    @property
    def figures(self) -> CsvFile:
        return self.files["figures"]

    def _figure(self, option: str, figure_id: str) -> Record | None:
        record = self.records.get(figure_id)
        if record is None:
            self.problems.append(f"{option}: unknown figure {figure_id!r}: no row of {self.figures.path} has it")
        return record

    def _where(self, record: Record) -> str:
        return f"{self.figures.path}:{record.line}: {record.row['figure_id']}"

    def _type(self, record: Record, column: str, value: str, option: str) -> None:
        key = (record.row["figure_id"], column)
        earlier = self.typed.get(key)
        if earlier and earlier[0] != value:
            self.problems.append(f"{self._where(record)}: {column} given twice ({earlier[1]}; {option}): give it once")
            return
        self.typed[key] = (value, option)

    def pick(self, option_values: list[str]) -> None:
        for text in option_values:
            option = f"--pick {text}"
            found = _PICK.fullmatch(text)
            if not found or found.group(2) not in SUGGESTED or not re.fullmatch(r"[1-9]", found.group(3)):
                self.problems.append(
                    f"{option}: not FIGURE.SUGGESTION=N (SUGGESTION one of {', '.join(SUGGESTED)}; N the number "
                    "of an alternative the sheet lists, 1 or 2)"
                )
                continue
            figure_id, name, n = found.group(1), found.group(2), int(found.group(3))
            record = self._figure(option, figure_id)
            if record is None:
                continue
            suggestion = (self.items.get(figure_id) or {}).get("suggestions", {}).get(name)
            if not isinstance(suggestion, dict):
                self.problems.append(f"{option}: {self.review_path} has no {name} suggestion for {figure_id}")
                continue
            alternatives = suggestion.get("alternatives", [])
            if n > len(alternatives):
                self.problems.append(
                    f"{option}: the {name} suggestion for {figure_id} in {self.review_path} has "
                    f"{len(alternatives)} alternative(s), no alternative {n}"
                )
                continue
            # a column the suggestion fills and the alternative leaves out is emptied: a period picked as a span
            # keeps no year of the suggestion's
            value = {c: "" for option in (suggestion, *alternatives) for c in option.get("value", {})}
            value |= alternatives[n - 1].get("value", {})
            for column, cell in value.items():
                if column not in FIGURES.column_names or column in _NOT_TYPED:
                    self.problems.append(
                        f"{self.review_path}: alternative {n} of the {name} suggestion for {figure_id} names "
                        f"column {column!r}, which a review does not fill in figures.csv"
                    )
                else:
                    self._type(record, column, str(cell), option)

    def type_cells(self, option_values: list[str]) -> None:
        for text in option_values:
            option = f"--set {text}"
            found = _PICK.fullmatch(text)
            if not found:
                self.problems.append(f"{option}: not FIGURE.COLUMN=VALUE (an empty VALUE empties the cell)")
                continue
            figure_id, column, value = found.groups()
            record = self._figure(option, figure_id)
            if column not in FIGURES.column_names:
                self.problems.append(f"{option}: figures.csv has no column {column!r} (sources/README.md lists them)")
            elif column in _NOT_TYPED:
                self.problems.append(f"{option}: {column} is not typed in a review: {_NOT_TYPED[column]}")
            elif record is not None:
                self._type(record, column, value.strip(), option)

    def accept(self, option_values: list[str]) -> None:
        tokens = _tokens(option_values)
        if "all" in tokens:  # every draft row but those rejected, which reject() has read already
            tokens = [
                i for i, r in self.records.items() if r.row["review_status"] == "draft" and i not in self.rejected
            ]
        for figure_id in tokens:
            if self._figure(f"--accept {figure_id}", figure_id) is not None:
                self.accepted.add(figure_id)

    def accept_not_figures(self, option_values: list[str]) -> None:
        """Draft not_figures rows (their suggested reasons) become reviewed: all, or by their lines in the file."""
        tokens = _tokens(option_values)
        file = self.files["not_figures"]
        drafts = {str(r.line): r for r in file.rows() if r.row["review_status"] == "draft"}
        for token in list(drafts) if "all" in tokens else tokens:
            record = drafts.get(token)
            if record is None:
                self.problems.append(
                    f"--accept-not-figures {token}: no draft row at line {token} of {file.path} (give all, or lines)"
                )
                continue
            record.row["review_status"], record.changed = "reviewed", True
            self.done.append(f"{file.path}:{record.line}: {record.row['printed']!r} reviewed ({record.row['reason']})")

    def reject(self, option_values: list[str], reason: str | None) -> None:
        tokens = _tokens(option_values)
        if tokens and not (reason or "").strip():
            self.problems.append(
                "--reject needs --reason: why the number is not a figure (not_figures/<document>.csv records it)"
            )
        for figure_id in tokens:
            if self._figure(f"--reject {figure_id}", figure_id) is not None:
                self.rejected.add(figure_id)
        for path in sorted(self.sources.glob("claims/*.csv")):
            claims = self.files["claims"] if path == self.files["claims"].path else read_csv_file(path, "claims", [])
            for record in claims.rows():
                named = {record.row["stated_figure_id"], *re.split(r"[;+]", record.row["input_figure_ids"] or "")}
                for figure_id in sorted(named & self.rejected):
                    self.problems.append(
                        f"{path}:{record.line}: claim {record.row['claim_id']} names {figure_id}, which --reject "
                        "would remove: change or remove the claim first"
                    )

    def _apply_figures(self) -> None:
        """The figure rows and mentions as the options leave them, each typed cell and accepted row checked."""
        both = self.rejected & (self.accepted | {figure_id for figure_id, _ in self.typed})
        for figure_id in sorted(both):
            record = self.records[figure_id]
            self.problems.append(f"{self._where(record)}: rejected and also accepted or typed: choose one")
        records = self.records
        for (figure_id, column), (value, option) in self.typed.items():
            record = records[figure_id]
            record.row[column], record.changed = value, True
            draft = figure_id not in self.accepted and record.row["review_status"] == "draft"
            for problem in self.rules.problems(FIGURES, column, value, draft):
                self.problems.append(f"{self._where(record)}: {problem} ({option})")
            self.done.append(f"{figure_id}: {column} {value!r} ({option})")
        reviewed = []
        for figure_id in sorted(self.accepted - self.rejected):
            record = records[figure_id]
            for column in FIGURES.columns:
                if (
                    column.required
                    and not record.row[column.name].strip()
                    and (figure_id, column.name) not in self.typed
                ):
                    self.problems.append(
                        f"{self._where(record)}: {column.name} is required in a reviewed row: fill it "
                        f"(--set {figure_id}.{column.name}=… or --pick) to --accept it"
                    )
            mentions = self.mentions.get(figure_id, [])
            drafts = [r for r in (record, *mentions) if r.row["review_status"] != "reviewed"]
            for draft in drafts:
                draft.row["review_status"], draft.changed = "reviewed", True
            if drafts:
                reviewed.append(figure_id)
        if reviewed:
            shown = ", ".join(reviewed[:_LISTED]) + (
                f" and {len(reviewed) - _LISTED} more" if reviewed[_LISTED:] else ""
            )
            self.done.append(f"reviewed, with their mentions: {shown}")

    def _apply_rejections(self, reason: str) -> None:
        not_figures = self.files["not_figures"]
        listed = {(r.row["section"], r.row["paragraph"], r.row["printed"]) for r in not_figures.rows()}
        for figure_id in sorted(self.rejected):
            record = self.records[figure_id]
            record.removed = True
            mentions = self.mentions.get(figure_id, [])
            for mention in mentions:
                mention.removed = True
            for place in [m.row for m in mentions] or [record.row]:
                key = (place["section"], place["paragraph"], record.row["stated_text"])
                if key not in listed:
                    listed.add(key)
                    not_figures.added.append(
                        dict(
                            document_id=self.document_id,
                            section=key[0],
                            paragraph=key[1],
                            printed=key[2],
                            reason=reason.strip(),
                            review_status="reviewed",
                        )
                    )
            self.done.append(
                f"{figure_id}: removed with its {len(mentions)} mention(s); {record.row['stated_text']!r} listed in "
                f"{not_figures.path} as not a figure"
            )

    def _figure_statuses(self) -> dict[str, str]:
        """Every figure id of the sources with its status once this review is written."""
        statuses = {}
        for path in sorted(self.sources.glob("figures/*.csv")):
            if path != self.figures.path:
                statuses |= {
                    r.row["figure_id"]: r.row["review_status"] for r in read_csv_file(path, "figures", []).rows()
                }
        return statuses | {r.row["figure_id"]: r.row["review_status"] for r in self.figures.rows() if not r.removed}

    def accept_claims(self, option_values: list[str]) -> None:
        drafted = self.review["claims"]
        tokens = _tokens(option_values)
        chosen: list[tuple[int, dict]] = []
        for token in ["all"] if "all" in tokens else tokens:
            numbers = (
                range(1, len(drafted) + 1)
                if token == "all"
                else [n for n, c in enumerate(drafted, 1) if token in (str(n), (c.get("row") or {}).get("claim_id"))]
            )
            if not numbers:
                self.problems.append(
                    f"--accept-claims {token}: {self.review_path} drafts no claim {token} (it lists {len(drafted)}, "
                    "numbered from 1 as the sheet shows them)"
                )
            chosen += [(n, drafted[n - 1]) for n in numbers]
        self.claims_taken = [claim for _, claim in chosen]
        if not chosen:
            return
        claims_source = SOURCES_BY_NAME["claims"]
        existing = {}
        for path in sorted(self.sources.glob("claims/*.csv")):
            for record in read_csv_file(path, "claims", []).rows():
                existing.setdefault(record.row["claim_id"], f"{path}:{record.line}")
        statuses = self._figure_statuses()
        for n, claim in chosen:
            row = claim.get("row") if isinstance(claim.get("row"), dict) else {}
            where = f"{self.review_path}: claim {n} ({row.get('claim_id', 'no claim_id')})"
            extra = sorted(set(row) - set(claims_source.column_names))
            if extra:
                self.problems.append(f"{where}: claims.csv has no column(s) {', '.join(extra)}")
            cells = {c: str(row.get(c) if row.get(c) is not None else "").strip() for c in claims_source.column_names}
            cells["claim_origin"] = "drafted"  # the checks say which claims a person wrote and which were drafted
            for column in claims_source.column_names:
                self.problems += [
                    f"{where}: {p}" for p in self.rules.problems(claims_source, column, cells[column], False)
                ]
            if cells["document_id"] and cells["document_id"] != self.document_id:
                self.problems.append(f"{where}: document_id {cells['document_id']!r} is not {self.document_id!r}")
            if cells["claim_id"] in existing:
                self.problems.append(
                    f"{where}: claim_id {cells['claim_id']} is taken (at {existing[cells['claim_id']]})"
                )
            existing.setdefault(cells["claim_id"], where)
            for figure_id in [cells["stated_figure_id"], *re.split(r"[;+]", cells["input_figure_ids"])]:
                status = statuses.get(figure_id)
                if figure_id and status != "reviewed":
                    why = "is no figure of the sources" if status is None else "is a draft: --accept it too"
                    self.problems.append(
                        f"{where}: names figure {figure_id}, which {why} (a claim names reviewed figures)"
                    )
            self.files["claims"].added.append(cells)
            self.done.append(
                f"claim {cells['claim_id']} ({cells['claim_kind']}) appended to {self.files['claims'].path}"
            )

    def accept_entities(self, option_values: list[str]) -> None:
        tokens = _tokens(option_values)
        proposed = self.review["entities"]
        ids = [e.get("proposed_id") for e in proposed]
        for token in tokens:
            if token != "all" and token not in ids:
                self.problems.append(f"--accept-entities {token}: {self.review_path} proposes no entity {token}")
        self.entities_taken = [e for e in proposed if "all" in tokens or e.get("proposed_id") in tokens]
        catalogues = {}
        note = f"proposed by warehouse draft of {self.document_id}, reviewed"
        for entity in self.entities_taken:
            entity_type, proposed_id = entity.get("entity_type"), str(entity.get("proposed_id") or "")
            where = f"{self.review_path}: entity {proposed_id or '(no proposed_id)'}"
            if entity_type == "geography":
                name, key, row = "geography", "geo_id", {"level": entity.get("level") or ""}
                row |= {"geo_id": proposed_id, "name": entity.get("name") or "", "note": note}
            elif entity_type == "firm":
                name, key, row = "firms", "firm_id", {"firm_kind": entity.get("firm_kind") or ""}
                row |= {"firm_id": proposed_id, "canonical_name": entity.get("name") or "", "note": note}
            else:
                self.problems.append(f"{where}: entity_type {entity_type!r} is neither geography nor firm")
                continue
            if name not in catalogues:
                catalogues[name] = self.files[name] = read_csv_file(self.sources / f"{name}.csv", name, self.problems)
            catalogue, source = catalogues[name], SOURCES_BY_NAME[name]
            row = {c: str(row.get(c, "")).strip() for c in source.column_names}
            for column in source.column_names:
                self.problems += [f"{where}: {p}" for p in self.rules.problems(source, column, row[column], False)]
            taken = [r for r in catalogue.rows() if r.row[key] == proposed_id] + [
                r for r in catalogue.added if r[key] == proposed_id
            ]
            if taken:
                line = f":{taken[0].line}" if isinstance(taken[0], Record) else ""
                self.problems.append(f"{where}: {catalogue.path}{line} already has {key} {proposed_id}")
            catalogue.added.append(row)
            self.done.append(f"{entity_type} {proposed_id} appended to {catalogue.path}")

    def apply_figures(self, reason: str | None) -> None:
        """The figure options applied to the rows in memory; the claims accepted after them see the result."""
        if self.typed or self.accepted or self.rejected:
            self._apply_figures()
            self._apply_rejections(reason or "")

    def prune(self) -> None:
        """The review file without what was accepted or rejected."""
        settled = self.accepted | self.rejected
        before = [len(self.review[part]) for part in ("figures", "claims", "entities")]
        self.review["figures"] = [item for item in self.review["figures"] if item.get("figure_id") not in settled]
        self.review["claims"] = [c for c in self.review["claims"] if all(c is not t for t in self.claims_taken)]
        self.review["entities"] = [e for e in self.review["entities"] if all(e is not t for t in self.entities_taken)]
        self.review_changed = before != [len(self.review[part]) for part in ("figures", "claims", "entities")]

    def write(self) -> None:
        # the catalogues first, then the rows that may name them, and the review file last: a review cut short
        # leaves its items listed, to be done again
        for name in ("geography", "firms", "figures", "mentions", "not_figures", "claims"):
            file = self.files.get(name)
            if file is not None and file.dirty:
                write_csv_file(file)
        if not self.review_changed:
            return
        write_review(self.review_path, self.review)
        if not self.review_path.exists():
            self.done.append(f"{self.review_path} removed: nothing is left to review")


def _changes_asked(args) -> bool:
    return any(
        (
            args.accept,
            args.pick,
            args.set,
            args.reject,
            args.accept_claims,
            args.accept_entities,
            args.accept_not_figures,
        )
    )


def _sheet(review: Review) -> str:
    rows = [
        r.row for r in review.figures.rows() if r.row["review_status"] == "draft" or r.row["figure_id"] in review.items
    ]
    return render_sheet(review.review, rows, review.review["claims"])


def review(args) -> int:
    from ..settings import Settings

    settings = Settings.from_env()
    sources = Path(args.sources).resolve() if args.sources else settings.sources_dir
    problems = []
    if not re.fullmatch(ID_PATTERN, args.document_id):
        problems.append(f"{args.document_id!r} is not a document id (lowercase ASCII letters, digits and _)")
    if not sources.is_dir():
        problems.append(f"no sources folder {sources}")
    if problems:
        print("error: " + "\nerror: ".join(problems), file=sys.stderr)
        return 2
    if not _changes_asked(args):
        work = Review(sources, args.document_id)
        if work.problems:
            print("error: " + "\nerror: ".join(work.problems), file=sys.stderr)
            return 2
        print(_sheet(work), end="")
        return 0
    with no_build_running(settings.warehouse_path, problems):
        work = Review(sources, args.document_id)
        work.problems[:0] = problems
        try:
            work.pick(args.pick)
            work.type_cells(args.set)
            work.reject(args.reject, args.reason)
            work.accept(args.accept)
            work.apply_figures(args.reason)
            work.accept_claims(args.accept_claims)
            work.accept_entities(args.accept_entities)
            work.accept_not_figures(args.accept_not_figures)
            work.prune()
        finally:
            work.rules.close()
        if work.problems:
            print("error: " + "\nerror: ".join(dict.fromkeys(work.problems)), file=sys.stderr)
            print("nothing was changed", file=sys.stderr)
            return 2
        work.write()
    print("\n".join(work.done))
    left = [len(work.review[part]) for part in ("figures", "claims", "entities")]
    if any(left):
        print(f"left to review: {left[0]} figure(s), {left[1]} claim(s), {left[2]} entit(ies)")
    print(
        "typed and picked cells were checked by their columns' rules; the next `warehouse run` checks the rest "
        "(references to the catalogues, periods against the document's year, the literals against the text)"
    )
    return 0


def add_review_parser(sub) -> None:
    cmd = sub.add_parser("review", help="print a drafted document's review sheet; accept, correct or reject its drafts")
    cmd.add_argument("document_id", help="the document drafted (its review file is sources/review/<id>.json)")
    cmd.add_argument("--sources", help="sources folder (default: SOURCES_DIR)")
    cmd.add_argument(
        "--accept", action="append", default=[], metavar="all|ID,ID", help="figure rows (and mentions) to review"
    )
    cmd.add_argument(
        "--pick",
        action="append",
        default=[],
        metavar="ID.SUGGESTION=N",
        help=f"take alternative N of a suggestion ({', '.join(SUGGESTED)}) into the row; repeatable",
    )
    cmd.add_argument(
        "--set", action="append", default=[], metavar="ID.COLUMN=VALUE", help="type a figures.csv cell; repeatable"
    )
    cmd.add_argument(
        "--reject", action="append", default=[], metavar="ID,ID", help="rows that are no figure (needs --reason)"
    )
    cmd.add_argument("--reason", help="why the rejected numbers are not figures (written to not_figures)")
    cmd.add_argument(
        "--accept-claims", action="append", default=[], metavar="all|N,N", help="drafted claims, by number"
    )
    cmd.add_argument(
        "--accept-entities", action="append", default=[], metavar="all|ID,ID", help="proposed catalogue entities"
    )
    cmd.add_argument(
        "--accept-not-figures",
        action="append",
        default=[],
        metavar="all|LINE,LINE",
        help="draft not_figures rows whose suggested reason holds, by line of not_figures/<id>.csv",
    )
    cmd.set_defaults(func=review)
