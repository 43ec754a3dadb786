"""The problems the checks find, and the connection they find them in.

Every check adds to one list of problems (file, line, reason) so that a run reports all of them at once; a file
with many problems would bury the others, so at most MAX_LISTED are listed per file and the rest counted. The
Checker holds that list with the in-memory database the rows are read into, and records which files were read
with rows left unread: a row that refers to one of those is not reported, as the missing row may be the unread one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import duckdb

from ...resources.connections import DEFAULT_MEMORY_LIMIT, connect
from ..records import MAX_LISTED
from ..source_files import Source


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class SourceValidationError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the source files:\n{listing}")


def listed(problems: list[Problem], unlisted: Counter) -> list[Problem]:
    """The first MAX_LISTED problems of each file, by line, and one more saying how many were left out."""
    kept = []
    for file, found in groupby(sorted(problems), key=lambda p: p.file):
        found = list(found)
        kept += found[:MAX_LISTED]
        more = len(found) - MAX_LISTED + unlisted[file]
        if more > 0:
            kept.append(
                Problem(file, found[MAX_LISTED].line, f"{more} more problem(s) from this line on are not listed")
            )
    return kept


class Checker:
    """The rows of the files a run reads and the problems found in them; in an incremental run, rows of documents
    it keeps are read from the warehouse it starts from (`base`), so keys and references are checked across both."""

    def __init__(
        self,
        sources_dir: Path,
        baseline: Path | None,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        con: duckdb.DuckDBPyConnection | None = None,
    ):
        self.sources_dir = sources_dir
        self.con = con if con is not None else connect(memory_limit=memory_limit)
        self.baseline = "base" if baseline is not None else None
        if baseline is not None:
            self.con.execute("attach $path as base (read_only)", {"path": str(baseline)})
        # a value as Python's repr shows it in messages: 'text'
        self.con.execute("create macro q(x) as '''' || x || ''''")
        # the files read with rows left unread (document_id null: a catalogue, or every file of the source)
        self.con.execute("create table incomplete (source varchar, document_id varchar)")
        self.problems: list[Problem] = []
        self.unlisted: Counter = Counter()  # problems found but not kept, per file

    def report(self, sql: str, params: list | dict | None = None) -> None:
        """Add one problem per row of a query returning (file, line, reason); of each file's, only the first
        MAX_LISTED + 1 by line are fetched and the rest counted."""
        for file, line, reason, n, found in self.con.execute(
            f"""
                select * from (
                    select file, line, reason,
                           row_number() over (partition by file order by line, reason) as n,
                           count(*) over (partition by file) as found
                    from ({sql}) as p(file, line, reason))
                where n <= {MAX_LISTED + 1}""",
            params or [],
        ).fetchall():
            self.problems.append(Problem(file, int(line), reason))
            if n == 1:
                self.unlisted[file] += max(0, found - (MAX_LISTED + 1))

    def incomplete(self, source: Source, document: str | None) -> None:
        self.con.execute(
            "insert into incomplete values ($source, $document)", {"source": source.name, "document": document}
        )

    @staticmethod
    def read_whole(target: str, document: str | None = None) -> str:
        """SQL: every row of `target` (of the document `document`, a SQL expression, names) was read, so a row
        that refers to one that is not there is wrong, not a knock-on of an unreadable row."""
        of_document = f" and (i.document_id is null or i.document_id = {document})" if document else ""
        return f"not exists (select 1 from incomplete as i where i.source = '{target}'{of_document})"
