"""The source CSVs a review reads and changes, kept byte for byte except the rows it changes and each written whole to
a temporary file renamed into place; and the lock that keeps a review from changing the sources while a build reads
them. The review file itself is review_file.py's."""

from __future__ import annotations

import csv
import fcntl
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.source_files import SOURCES_BY_NAME
from ..settings import WRITER_LOCK
from .text import TextError, decode_text


@dataclass
class Record:
    """One row of a CSV file: its line (of its first cell), its text as the file holds it, and its cells."""

    line: int
    raw: str
    row: dict
    changed: bool = False
    removed: bool = False


@dataclass
class CsvFile:
    path: Path
    source: str
    exists: bool
    head: str = ""  # the header line, as the file holds it
    records: list[Record] = field(default_factory=list)
    tail: str = ""  # blank lines after the last row
    ending: str = "\n"
    added: list[dict] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return SOURCES_BY_NAME[self.source].column_names

    def rows(self) -> list[Record]:
        return [r for r in self.records if not r.removed]

    @property
    def dirty(self) -> bool:
        return bool(self.added) or any(r.changed or r.removed for r in self.records)

    def _line(self, row: dict) -> str:
        out = io.StringIO()
        csv.DictWriter(out, self.columns, lineterminator=self.ending).writerow(row)
        return out.getvalue()

    def text(self) -> str:
        """The file with the changes: rows not changed as they were, changed rows written again, new rows after."""
        head = self.head or self._line(dict(zip(self.columns, self.columns, strict=True)))
        parts = [head if head.endswith("\n") else head + self.ending]
        parts += [self._line(r.row) if r.changed else r.raw for r in self.records if not r.removed]
        parts.append(self.tail)
        if parts[-1] == "" and len(parts) > 1 and not parts[-2].endswith("\n") and self.added:
            parts[-2] += self.ending  # a last row the file left without its line ending
        parts += [self._line(row) for row in self.added]
        return "".join(parts)


def read_csv_file(path: Path, source: str, problems: list[str]) -> CsvFile:
    """The file's rows with their lines and text; none, with a problem, when it is not UTF-8 or not in its format.
    A file that does not exist reads as no rows (`exists` False)."""
    if not path.is_file():
        return CsvFile(path, source, exists=False)
    data = path.read_bytes()
    try:
        text = decode_text(data, path)
    except TextError as exc:
        problems.append(str(exc))
        return CsvFile(path, source, exists=True)
    # the lines as the csv reader counts them, so that each row's text is the lines it was read from
    lines = list(io.StringIO(text, newline=""))
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    reader = csv.DictReader(iter(lines))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        problems.append(f"{path}:1: unreadable CSV header: {exc}")
        return CsvFile(path, source, exists=True)
    file = CsvFile(path, source, True, "".join(lines[: reader.line_num]), ending=ending)
    if header != file.columns:
        problems.append(f"{path}:1: its header is not the {source} format of sources/README.md; fix it first")
        return file
    start = reader.line_num
    try:
        for row in reader:
            chunk = lines[start : reader.line_num]
            blank = next(n for n, line in enumerate(chunk) if line.strip())
            if None in row or None in row.values():
                problems.append(f"{path}:{start + blank + 1}: not {len(file.columns)} cells")
            file.records.append(Record(start + blank + 1, "".join(chunk), row))
            start = reader.line_num
    except csv.Error as exc:
        problems.append(f"{path}:{reader.line_num}: unreadable CSV: {exc}")
    file.tail = "".join(lines[start:])
    return file


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place: a reader sees the old file or
    the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.review-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_csv_file(file: CsvFile) -> None:
    _replace(file.path, file.text().encode("utf-8"))


def _live_run(runs_dir: Path) -> Path | None:
    """A run folder a live process holds (warehouse.py locks it while the run works in it), or None."""
    if not runs_dir.is_dir():
        return None
    for folder in sorted(runs_dir.iterdir()):
        try:
            fd = os.open(folder / "lock", os.O_RDWR)
        except OSError:
            continue  # no lock file: no run has worked in it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return folder
        finally:
            os.close(fd)
    return None


@contextmanager
def no_build_running(warehouse_path: Path, problems: list[str], what: str = "review") -> Iterator[None]:
    """Hold the writer lock `warehouse run` builds under (WRITER_LOCK beside the warehouse) while a review
    changes the sources, so no run starts reading them half-changed; a build already running (`warehouse run`, or
    a run launched from the UI, whose live process holds its folder in .runs/) is a problem, in the words the
    command line uses for it."""
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse_path.parent / WRITER_LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            live = _live_run(warehouse_path.parent / ".runs")
            running = f" (another live process is working in {live})" if live else None
        except BlockingIOError:
            running = ""
        if running is not None:
            problems.append(
                f"another build of {warehouse_path} is running{running}; wait for it to finish, then {what} "
                f"again: the run reads the sources a {what} changes"
            )
        yield
