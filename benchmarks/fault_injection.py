"""Whole runs killed at random (issue 31): `warehouse run`, started as a user starts it, killed at a random point
of the run by a random signal sent to its process group or to one process of it; after each kill the published
file must be the state before or a complete new one, no process of the run may be left 30 s later, and the next
run must publish. `make fault-injection`, a nightly job (benchmarks/README.md, "Fault injection").

Everything happens in a temporary project: a copy of sources/, its own DATA_DIR, WAREHOUSE_PATH and DAGSTER_HOME;
the document texts are read from where a user's run reads them (DOCUMENTS_DIR, or the default folder)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from .machine import export_revision
from .paths import PROJECT_ROOT, VENV_BIN

SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT", "SIGHUP")
# what a signal is sent to: the whole process group, or one process of the run, by its role
GROUP, ANY = "group", "any"
ROLES = ("cli", "code server", "run worker", "dbt")
LEFT_AFTER = 30  # seconds after the kill by which every process of the run must have ended
# how long a run worker or dbt left after LEFT_AFTER may go on (the run may still publish) before it is killed, so
# that the check sees what the run ends with; what is left then (an idle code server) is killed at once, so that
# the next trial starts alone
LINGER = 600
WORKING = ("run worker", "dbt")
RUN_TIMEOUT = 1800
# what is edited before each run, so that every run has something to rebuild: a figure's interpretation note or
# its document's note (file, key column, key, edited column)
EDITS = (
    ("figures/dalian_blog_2009.csv", "figure_id", "blog_f001", "interpretation_note"),
    ("documents.csv", "document_id", "dalian_blog_2009", "note"),
)


@dataclass(frozen=True)
class Project:
    """A temporary project: its own sources, published file, data folder and Dagster home; the code it runs is
    the checkout's, or a revision's exported tree (`code`)."""

    root: Path
    code: Path = PROJECT_ROOT

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def published(self) -> Path:
        return self.root / "published" / "warehouse.duckdb"

    @property
    def integrity(self) -> Path:
        return self.published.with_name(self.published.name + ".sha256")

    @property
    def history(self) -> Path:
        return self.published.parent / "history"

    def env(self) -> dict[str, str]:
        # the exported tree's `orchestration` comes before the checkout's editable install on the import path
        code = {} if self.code == PROJECT_ROOT else {"PYTHONPATH": str(self.code)}
        return {
            **os.environ,
            **code,
            "SOURCES_DIR": str(self.sources),
            "WAREHOUSE_PATH": str(self.published),
            "DATA_DIR": str(self.root / "data"),
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }


def make_project(root: Path, code: Path = PROJECT_ROOT) -> Project:
    project = Project(root, code)
    shutil.copytree(code / "sources", project.sources)
    return project


def change_source(project: Project, edit: int) -> None:
    """Mark a note (a figure's for an even `edit`, its document's for an odd one) with `edit`, so that the next
    run rebuilds the document."""
    name, key, value, column = EDITS[edit % len(EDITS)]
    path = project.sources / name
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames), list(reader)
    row = next(r for r in rows if r[key] == value)
    row[column] = row[column].split(" [fault-injection edit")[0] + f" [fault-injection edit {edit}]"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def start_run(project: Project, log: Path) -> subprocess.Popen:
    """`warehouse run` as a user starts it, leading a process group of its own (the group a terminal signals)."""
    with log.open("w") as handle:  # the child writes through its own copy of the descriptor
        return subprocess.Popen(
            [str(VENV_BIN / "warehouse"), "run"],
            cwd=project.code,
            env=project.env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _role(pid: int, leader: int, args: list[str]) -> str:
    if pid == leader:
        return "cli"
    if args[1:4] == ["-m", "dagster", "api"]:
        return "code server"
    if any("spawn_main" in a for a in args):
        return "run worker"
    if any(a.endswith("/dbt") for a in args[:2]):
        return "dbt"
    return Path(args[0]).name if args else "?"  # a helper: Dagster's log tailers, multiprocessing's tracker


def processes(group: int) -> dict[int, str]:
    """The live processes of process group `group` (orphans keep their group; a zombie has ended), by role."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, _parent, pgid = stat.rsplit(")", 1)[1].split()[:3]
            if int(pgid) != group or state == "Z":
                continue
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[int(entry.name)] = _role(int(entry.name), group, args)
    return found


@dataclass(frozen=True)
class Plan:
    """When and how to kill a run: `signal` after `at` seconds, to the process group, to one process of a role
    (waiting for one to exist), or (ANY) to the process of the run `pick` (0 to 1) lands on at that moment."""

    signal: str
    target: str
    at: float
    pick: float = 0.0

    @classmethod
    def random(cls, rng: random.Random, duration: float) -> Plan:
        return cls(rng.choice(SIGNALS), rng.choice((GROUP, ANY)), rng.uniform(0, duration), rng.random())


@dataclass
class Kill:
    signal: str
    target: str  # what the signal was sent to: the group, or a role and its pid
    at: float | None  # seconds after the start; None: the run ended before the planned point
    exit_status: int  # the CLI's
    left: list[str]  # processes of the run still alive LEFT_AFTER s after the kill
    killed_by_benchmark: list[str]  # of those, the ones the benchmark killed in the end


def _send(leader: int, plan: Plan) -> str | None:
    """Send the plan's signal; what it went to, or None when the run has no process it can go to (any more)."""
    number = getattr(signal, plan.signal)
    alive = processes(leader)
    if plan.target == GROUP:
        if not alive:
            return None
        os.killpg(leader, number)
        return GROUP
    chosen = [(pid, role) for pid, role in alive.items() if role in ROLES and plan.target in (ANY, role)]
    chosen.sort(key=lambda item: (ROLES.index(item[1]), item[0]))
    if not chosen:
        return None
    pid, role = chosen[min(int(plan.pick * len(chosen)), len(chosen) - 1)]
    os.kill(pid, number)
    return f"{role} ({pid})"


def killed_run(project: Project, plan: Plan, log: Path) -> Kill:
    """Start a run, kill it as planned, then wait for its processes to end: those alive LEFT_AFTER s later are
    recorded; then a run worker or dbt may go on for LINGER s, and what is left after that is killed."""
    run = start_run(project, log)
    started = time.monotonic()
    try:
        sent = None
        while sent is None and run.poll() is None:
            if time.monotonic() - started >= plan.at:
                sent = _send(run.pid, plan)
            if sent is None:
                time.sleep(0.05)
        at = time.monotonic() - started if sent else None
        sent_at = time.monotonic()
        while processes(run.pid) and time.monotonic() - sent_at < LEFT_AFTER:
            time.sleep(0.2)
        left = sorted(processes(run.pid).values())
        while set(processes(run.pid).values()) & set(WORKING) and time.monotonic() - sent_at < LEFT_AFTER + LINGER:
            time.sleep(1)
    finally:
        lingering = sorted(processes(run.pid).values())
        _kill_group(run.pid)
        status = run.wait(timeout=60)
    return Kill(plan.signal, sent or f"{plan.target} (not sent)", at, status, left, lingering)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # none left
        os.killpg(group, signal.SIGKILL)


@dataclass(frozen=True)
class State:
    """The published file: its sha256 and inode."""

    sha256: str
    inode: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def published_state(project: Project) -> State:
    return State(_sha256(project.published), project.published.stat().st_ino)


def _record(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _history_problems(project: Project, now: State) -> list[str]:
    """What is wrong with the kept snapshots: a leftover of a publish, a snapshot without its record (or the
    reverse), one whose bytes are not what its record says, or a newest snapshot that is not the published state."""
    names = sorted(p.name for p in project.history.iterdir()) if project.history.exists() else []
    problems = [f"history/{n}: left by a publish" for n in names if n.startswith(".") or n.endswith(".partial")]
    kept = [n for n in names if n[0].isdigit() and n.endswith(".duckdb")]
    for name in names:
        other = name.replace(".json", ".duckdb") if name.endswith(".json") else name.replace(".duckdb", ".json")
        if name[0].isdigit() and other not in names:
            problems.append(f"history/{name} has no {other}")
    digests: dict[int, str] = {}  # snapshots are hard links to one another's files: hash each file once
    for name in kept:
        path = project.history / name
        inode = path.stat().st_ino
        digest = digests.setdefault(inode, _sha256(path))
        recorded = _record(path.with_suffix(".json")).get("sha256")
        if recorded != digest:
            problems.append(f"history/{name}: sha256 {digest}, recorded {recorded}")
    if not kept:
        problems.append("history/ keeps no snapshot")
    elif _record((project.history / kept[-1]).with_suffix(".json")).get("sha256") != now.sha256:
        problems.append(f"the newest snapshot, history/{kept[-1]}, is not the published state")
    return problems


def _unreadable(path: Path) -> str | None:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            figures = con.execute("select count(*) from marts.figures").fetchone()[0]
    except duckdb.Error as exc:
        return f"DuckDB cannot read it: {exc}"
    return None if figures else "marts.figures is empty"


@dataclass
class Outcome:
    published: str  # "old": byte-identical to the state before the run; "new": a complete new state; or "damaged"
    problems: list[str] = field(default_factory=list)


def examine(project: Project, before: State, published: set[str]) -> Outcome:
    """The published file after a killed run: the state before it, byte for byte, or a complete new state; either
    way readable, its integrity record true and its history consistent. `published`: the sha256 of every state
    published so far, the only ones an integrity record may describe."""
    now = published_state(project)
    problems = []
    recorded = _record(project.integrity).get("sha256")
    if recorded not in published | {now.sha256}:
        problems.append(f"the integrity record describes a file never published (sha256 {recorded})")
    # a kill after the swap leaves the record to the next reader of history (a run or `warehouse history`)
    history = subprocess.run(
        [str(VENV_BIN / "warehouse"), "history"], cwd=project.code, env=project.env(), capture_output=True, text=True
    )
    if history.returncode != 0:
        problems.append(f"`warehouse history` failed ({history.returncode}): {history.stderr.strip()[-500:]}")
    record = _record(project.integrity)
    if (record.get("sha256"), record.get("inode")) != (now.sha256, now.inode):
        problems.append(
            f"the integrity record (sha256 {record.get('sha256')}, inode {record.get('inode')}) is not the "
            f"published file's (sha256 {now.sha256}, inode {now.inode})"
        )
    if (unreadable := _unreadable(project.published)) is not None:
        problems.append(unreadable)
    problems += _history_problems(project, now)
    if problems:
        return Outcome("damaged", problems)
    published.add(now.sha256)
    return Outcome("old" if now == before else "new")


@dataclass
class NextRun:
    ok: bool
    exit_status: int
    seconds: float
    why: str = ""


def unkilled_run(project: Project, edit: int, log: Path) -> NextRun:
    """Edit a source, run to the end: it must exit 0, publish a new file and leave no process behind."""
    change_source(project, edit)
    before = published_state(project) if project.published.exists() else None
    started = time.monotonic()
    run = start_run(project, log)
    try:
        status = run.wait(timeout=RUN_TIMEOUT)
        seconds = time.monotonic() - started
        while processes(run.pid) and time.monotonic() - started < seconds + LEFT_AFTER:
            time.sleep(0.2)
        left = sorted(processes(run.pid).values())
    finally:
        _kill_group(run.pid)
    after = published_state(project) if project.published.exists() else None
    why = ""
    if status != 0:
        why = f"exit status {status}: {log.read_text(errors='replace').strip()[-1500:]}"
    elif after is None or after == before:
        why = "it exited 0 and published nothing"
    elif _record(project.integrity).get("inode") != after.inode:
        why = "its integrity record is not the published file's"
    elif left:
        why = f"processes of the run left {LEFT_AFTER} s after it ended: {', '.join(left)}"
    return NextRun(not why, status, seconds, why)


@dataclass
class Trial:
    number: int
    kill: Kill
    outcome: Outcome
    next_run: NextRun


def trial(project: Project, number: int, plan: Plan, published: set[str]) -> Trial:
    """One killed run, the checks after it, and the next run, each on a source edited before it."""
    before = published_state(project)
    logs = project.root / "logs"
    logs.mkdir(exist_ok=True)
    # edits 2n and 2n + 1: a value no earlier run saw; the killed run edits the figure and the document in turn
    killed_edit = 2 * number + number % 2
    change_source(project, killed_edit)
    kill = killed_run(project, plan, logs / f"trial{number:02d}-killed.log")
    outcome = examine(project, before, published)
    after = unkilled_run(project, 4 * number + 1 - killed_edit, logs / f"trial{number:02d}-next.log")
    if after.ok:
        published.add(published_state(project).sha256)
    return Trial(number, kill, outcome, after)


_COLUMNS = "{:>3}  {:<8} {:<20} {:>10}  {:<9} {:<24} {}"


def trial_line(t: Trial) -> str:
    at = f"{t.kill.at:.1f} s" if t.kill.at is not None else "not killed"
    left = ", ".join(t.kill.left) or "none"
    if t.kill.killed_by_benchmark:
        left += f" (then killed: {', '.join(t.kill.killed_by_benchmark)})"
    after = f"ok ({t.next_run.seconds:.0f} s)" if t.next_run.ok else f"FAILED: {t.next_run.why}"
    line = _COLUMNS.format(t.number, t.kill.signal, t.kill.target, at, t.outcome.published, left, after)
    return "\n".join([line, *(f"       {p}" for p in t.outcome.problems)])


def summary(trials: list[Trial]) -> dict:
    published = [t.outcome.published for t in trials]
    return {
        "runs": len(trials),
        "killed": sum(t.kill.at is not None for t in trials),
        "old": published.count("old"),
        "new": published.count("new"),
        "damaged": published.count("damaged"),
        "next_run_ok": sum(t.next_run.ok for t in trials),
        "processes_left": sum(bool(t.kill.left) for t in trials),
    }


def summary_lines(figures: dict) -> list[str]:
    return [
        f"{figures['killed']} of {figures['runs']} runs killed: published file old in {figures['old']}, new in "
        f"{figures['new']}, damaged {figures['damaged']}; next run succeeded {figures['next_run_ok']} of "
        f"{figures['runs']}",
        f"processes of the run left {LEFT_AFTER} s after the kill: in {figures['processes_left']} of "
        f"{figures['runs']} runs",
    ]


def held(figures: dict) -> bool:
    return figures["damaged"] == 0 and figures["processes_left"] == 0 and figures["next_run_ok"] == figures["runs"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fault_injection", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="killed runs (default: 20)")
    parser.add_argument("--seed", type=int, help="seed of the kills' times, signals and targets (default: random)")
    parser.add_argument("--json", type=Path, help="write every trial and the summary here")
    parser.add_argument("--revision", help="run a commit's code (exported with git archive), not the working tree's")
    args = parser.parse_args(argv)
    code, revision = export_revision(args.revision) if args.revision else (PROJECT_ROOT, "working tree")
    seed = args.seed if args.seed is not None else time.time_ns() % 10**6
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="fault-injection-"))
    project = make_project(root, code)
    (root / "logs").mkdir()
    print(f"seed {seed}; code: {revision}; temporary project {root}", flush=True)
    first = unkilled_run(project, 0, root / "logs" / "first.log")
    reference = unkilled_run(project, 1, root / "logs" / "reference.log") if first.ok else first
    if not reference.ok:
        which = "first run" if reference is first else "unkilled run that times the kills"
        print(f"the {which} did not publish: {reference.why}\nkept for inspection: {root}", file=sys.stderr)
        return 2
    print(
        f"first run (full build) {first.seconds:.1f} s; an unkilled run (one document rebuilt) "
        f"{reference.seconds:.1f} s: kills fall uniformly within the shortest of the last three unkilled runs",
        flush=True,
    )
    print(_COLUMNS.format("#", "signal", "sent to", "kill at", "published", f"left after {LEFT_AFTER} s", "next run"))
    published = {published_state(project).sha256}
    trials = []
    # the machine's speed varies by a fifth or more within an hour: the shortest of the last three unkilled runs
    # is the run's duration, so that few runs end before their kill point
    durations = [reference.seconds]
    for number in range(1, args.runs + 1):
        trials.append(trial(project, number, Plan.random(rng, min(durations[-3:])), published))
        durations.append(trials[-1].next_run.seconds)
        print(trial_line(trials[-1]), flush=True)
    figures = summary(trials)
    print("\n".join(summary_lines(figures)))
    if args.json:
        result = {"seed": seed, "code": revision, "reference_seconds": reference.seconds, "summary": figures}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**result, "trials": [asdict(t) for t in trials]}, indent=2))
    if held(figures):
        shutil.rmtree(root)
        return 0
    print(f"kept for inspection: {root} (each run's log in logs/)")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
