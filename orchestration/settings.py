"""Where things live and how much they may use, and the rules every setting is checked by before any work.

The settings are environment variables (VARIABLES). The rules read them from any mapping of variable to value, so
the command line checks the environment it will pass on and the warehouse resource checks the values Dagster
resolved for it, by the same rules. Every path is absolute (dbt runs with its own working directory). Every
problem is reported at once, each naming its variable and what to fix, so a run fails in a second rather than
after a build or a round of retries.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# Where a checkout finds the document texts when DOCUMENTS_DIR is not set (a new clone has none)
DEFAULT_DOCUMENTS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
# who answers for the warehouse: the owner the UI shows on every asset (ingest, dbt, publish)
OWNERS = ("team:warehouse",)
# Every step that reads or writes the warehouse is in this Dagster concurrency pool. dagster.yaml limits it per run
# (granularity run, limit 1): however a run was launched (a job, "Materialize all", the schedule, `make run`), it
# waits in the queue while another run that writes the warehouse is in progress.
# the file `warehouse run` locks beside the warehouse while it builds; a draft or review waits for no run
WRITER_LOCK = ".writer.lock"
WRITER_POOL = "warehouse_writer"
# Where `make report` serves the report site (the Makefile's `report` target): the UI links its pages there
REPORT_ADDRESS = "http://127.0.0.1:8090/"
# the validation page of the published warehouse, carried in the report site so that address serves it too
VALIDATION_PAGE = "validation.html"


def report_link(page: str):
    """A report page as a link the Dagster UI opens (a file path there is text, not a link)."""
    import dagster as dg

    return dg.MetadataValue.url(REPORT_ADDRESS + page)


DEFAULTS = {
    "WAREHOUSE_HISTORY": "7",
    "DUCKDB_MEMORY_LIMIT": "1GB",
    "DBT_MEMORY_LIMIT": "2.5GB",
    "GX_BATCH_ROWS": "200000",
    # seconds the Dagster daemon's run queue may go without a heartbeat before `warehouse run` counts it stopped
    "DAEMON_SILENT_SECONDS": "60",
}
# `warehouse run`'s own setting, read where it launches: not a run's, so not in its run config
LAUNCH_ONLY = ("DAEMON_SILENT_SECONDS",)
# Every setting a run works by; an unset one takes its default (README: Configuration)
VARIABLES = ("DATA_DIR", "WAREHOUSE_PATH", "SOURCES_DIR", "DOCUMENTS_DIR")
VARIABLES += tuple(name for name in DEFAULTS if name not in LAUNCH_ONLY)
# DuckDB's memory_limit syntax, which both our connections and dbt-duckdb's profile pass on to DuckDB; its KB, MB,
# GB and TB are powers of 1000, its KiB, MiB, GiB and TiB powers of 1024
_MEMORY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_BYTES = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4}
_BYTES |= {"KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}
# The least memory a build works in. Measured with the project's sources: the ingest's connections ran out of
# memory at DUCKDB_MEMORY_LIMIT=32MB and built at 64MB, and dbt ran out at DBT_MEMORY_LIMIT=32MB and built
# at 64MB; twice that leaves room for larger sources.
MIN_MEMORY = "128MB"
# DuckDB holds a memory limit as a 64-bit count of bytes: it refuses 18446744TB and more as out of range
MAX_MEMORY = "18000000TB"
# dbt-duckdb names the database after the warehouse file (system.duckdb: system) and quotes that name in every
# statement it writes: these are DuckDB's own catalogs (dbt failed creating its schemas in each), and a " in the
# name ends the quoting
_RESERVED_CATALOGS = ("system", "temp", "main")
# A GX batch is a pandas frame of up to ~480 bytes a row (figure_ranges, the widest suite, measured on the project's
# warehouse): 10 million rows are ~5 GB before GX's working copies, the most one batch should take of a machine
# like this one (23 GB); a batch as large as the largest table is no batching at all.
MAX_GX_BATCH_ROWS = 10_000_000
# The daemon writes a heartbeat every 30 s (Dagster's fixed interval): a shorter silence would take a live daemon
# between two heartbeats for a stopped one, and a busy machine delays a heartbeat by seconds
MIN_DAEMON_SILENT_SECONDS = 35


class SettingsError(ValueError):
    """The configuration is unusable; the message names each variable and what to fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _raw(values: Mapping[str, str], name: str) -> str:
    """A variable as the rules read it: surrounding blanks dropped, unset and blank alike empty."""
    return (values.get(name) or "").strip()


def _path(values: Mapping[str, str], name: str, default: Path) -> Path:
    raw = _raw(values, name)
    if not raw:
        return default
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def setting(values: Mapping[str, str], name: str) -> str:
    """A variable of DEFAULTS, or its default when unset or blank; unchecked (Settings checks it)."""
    return _raw(values, name) or DEFAULTS[name]


def warehouse_path(values: Mapping[str, str]) -> Path:
    """The published file WAREHOUSE_PATH names, by default in DATA_DIR; unchecked (Settings checks it)."""
    return _path(values, "WAREHOUSE_PATH", _path(values, "DATA_DIR", PROJECT_ROOT / "data") / "warehouse.duckdb")


def dagster_home(values: Mapping[str, str], data_dir: Path) -> Path:
    """Where `warehouse run` keeps Dagster's runs: DAGSTER_HOME, by default in DATA_DIR; unchecked (Settings checks
    it when `values` set it, as the command line's environment may; DATA_DIR's check covers the default)."""
    return _path(values, "DAGSTER_HOME", data_dir / "dagster_home")


def _dagster_home_problem(values: Mapping[str, str], data_dir: Path) -> str | None:
    if not _raw(values, "DAGSTER_HOME"):
        return None
    home = dagster_home(values, data_dir)
    if home.exists() and not home.is_dir():
        return f"DAGSTER_HOME={home} is a file, not a folder (name a folder, or unset it: {data_dir / 'dagster_home'})"
    return _writable_folder_problem("DAGSTER_HOME", home)


def _catalog_problem(path: Path) -> str | None:
    """Why dbt cannot build into a warehouse file of this name, or None."""
    name = path.stem
    if name.lower() in _RESERVED_CATALOGS:
        why = f"{name!r} is DuckDB's own catalog {name.lower()!r}"
    elif '"' in name:
        why = "its name holds a \", which ends dbt's quoting"
    else:
        return None
    return f"WAREHOUSE_PATH={path}: dbt names the database after the file, and {why} (name it e.g. warehouse.duckdb)"


def _writable_folder_problem(name: str, folder: Path) -> str | None:
    """Why files cannot be created in `folder` (made on demand), or None. Checks the nearest existing
    ancestor: a path under a file, or in a read-only folder, fails here and not half-way through a run."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"{name}: {folder} lies under {probe}, which is a file, not a folder"
    try:  # a real file, not os.access: root passes every permission bit but not a read-only mount
        fd, name_written = tempfile.mkstemp(dir=probe, prefix=".write-probe-")
        os.close(fd)
        os.unlink(name_written)
    except OSError as exc:
        return f"{name}: cannot create files in {probe} ({exc.strerror}), needed for {folder}"
    return None


@dataclass(frozen=True)
class Settings:
    sources_dir: Path
    warehouse_path: Path
    documents_dir: Path | None  # None: the literals are not checked against the texts
    documents_note: str  # how the texts folder was chosen, for logs and reports
    data_dir: Path
    history: int
    duckdb_memory_limit: str
    dbt_memory_limit: str
    gx_batch_rows: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls.from_values(os.environ)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Settings:
        """The settings `values` (variable to value; a variable missing is unset) give, or SettingsError
        listing every problem."""
        problems: list[str] = []
        documents_dir, note = _documents_dir(values, problems)
        history = _whole_number(values, "WAREHOUSE_HISTORY", 1, problems)
        batch = _whole_number(values, "GX_BATCH_ROWS", 1000, problems, MAX_GX_BATCH_ROWS)
        _whole_number(values, "DAEMON_SILENT_SECONDS", MIN_DAEMON_SILENT_SECONDS, problems)
        for name in ("DUCKDB_MEMORY_LIMIT", "DBT_MEMORY_LIMIT"):
            if (problem := _memory_problem(values, name)) is not None:
                problems.append(problem)
        settings = cls(
            _path(values, "SOURCES_DIR", PROJECT_ROOT / "sources"),
            warehouse_path(values),
            documents_dir,
            note,
            _path(values, "DATA_DIR", PROJECT_ROOT / "data"),
            history or 0,
            setting(values, "DUCKDB_MEMORY_LIMIT"),
            setting(values, "DBT_MEMORY_LIMIT"),
            batch or 0,
        )
        problems += settings._path_problems()
        if (problem := _dagster_home_problem(values, settings.data_dir)) is not None:
            problems.append(problem)
        if problems:
            raise SettingsError(problems)
        return settings

    def _path_problems(self) -> list[str]:
        problems = []
        if not self.sources_dir.is_dir():
            problems.append(f"SOURCES_DIR={self.sources_dir} is not a directory")
        if self.warehouse_path.suffix != ".duckdb":
            problems.append(f"WAREHOUSE_PATH={self.warehouse_path} must name a .duckdb file")
        if (problem := _catalog_problem(self.warehouse_path)) is not None:
            problems.append(problem)
        if self.warehouse_path.exists() and not self.warehouse_path.is_file():
            problems.append(f"WAREHOUSE_PATH={self.warehouse_path} exists and is not a file")
        folders = {self.data_dir: "DATA_DIR"}
        folders.setdefault(self.warehouse_path.parent, "WAREHOUSE_PATH")  # under DATA_DIR unless set apart
        for folder, name in folders.items():
            if (problem := _writable_folder_problem(name, folder)) is not None:
                problems.append(problem)
        return problems

    @property
    def texts_checked(self) -> bool:
        return self.documents_dir is not None

    @property
    def validation_dir(self) -> Path:
        return self.data_dir / "validation"

    @property
    def report_dir(self) -> Path:
        """The report site every successful run regenerates from the published warehouse."""
        return self.data_dir / "report"


def _documents_dir(values: Mapping[str, str], problems: list[str]) -> tuple[Path | None, str]:
    """Set: that folder, which must exist. Set empty: no texts. Unset: ../shared/seeds when the checkout has
    it, else no texts (a new clone), said plainly wherever results are shown."""
    if "DOCUMENTS_DIR" not in values:
        if DEFAULT_DOCUMENTS_DIR.is_dir():
            return DEFAULT_DOCUMENTS_DIR, f"texts read from {DEFAULT_DOCUMENTS_DIR} (the default)"
        return None, (
            f"literals NOT checked against the document texts: DOCUMENTS_DIR is not set and the "
            f"default folder {DEFAULT_DOCUMENTS_DIR} does not exist"
        )
    if not _raw(values, "DOCUMENTS_DIR"):
        return None, "literals NOT checked against the document texts: DOCUMENTS_DIR is set empty"
    folder = _path(values, "DOCUMENTS_DIR", DEFAULT_DOCUMENTS_DIR)
    if not folder.is_dir():
        problems.append(
            f"DOCUMENTS_DIR={folder} is not a directory (unset it to use {DEFAULT_DOCUMENTS_DIR} "
            "when present, or set it empty to skip the text checks)"
        )
    return folder, f"texts read from {folder} (DOCUMENTS_DIR)"


def _memory_problem(values: Mapping[str, str], name: str) -> str | None:
    raw = setting(values, name)
    if not _MEMORY.match(raw):
        return f"{name}={raw!r} is not a memory size (write e.g. 1GB, 2.5GB or 500MB)"
    if _bytes(raw) < _bytes(MIN_MEMORY):
        why = f"is less than a build needs: write at least {MIN_MEMORY}"
    elif _bytes(raw) > _bytes(MAX_MEMORY):
        why = f"is more than DuckDB can count: write at most {MAX_MEMORY}"
    else:
        return None
    return f"{name}={raw!r} {why} (the default: {DEFAULTS[name]})"


def _bytes(size: str) -> float:
    number, unit = _MEMORY.match(size).groups()
    return float(number) * _BYTES[unit.upper()]


def _whole_number(
    values: Mapping[str, str], name: str, minimum: int, problems: list[str], maximum: int | None = None
) -> int | None:
    raw = setting(values, name)
    # ASCII digits only: str.isdigit() and int() take others too ('²' is a digit to isdigit, not to int)
    if re.fullmatch("[0-9]+", raw) and minimum <= int(raw) and (maximum is None or int(raw) <= maximum):
        return int(raw)
    bounds = f"of at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
    problems.append(
        f"{name}={raw!r} must be a whole number {bounds}, in the digits 0-9 (the default: {DEFAULTS[name]})"
    )
    return None
