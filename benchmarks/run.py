"""How the pipeline's cost grows with size, against a plain-DuckDB floor.

    python -m benchmarks.run --sizes 1e3,1e5,1e6,1e7

For each size: synthetic sources (benchmarks/generate.py, cached under data/bench/sources/), then, each in its
own measured subprocess tree, (a) the full Dagster job `build_warehouse` on them and (b) benchmarks/floor.sql.
Then (unless --no-incremental) the job once more on the sources of N + N//100 figures (same seed), starting from
the warehouse (a) published: what a run adding 1% new figures costs. A tiny build (--fixed-size, 10 figures)
measures the pipeline's fixed start-up cost first. Results go to
data/bench/results.json and data/bench/results.csv; logs and outputs of each size to data/bench/<size>/.
See benchmarks/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "data" / "bench"
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
GNU_TIME = Path("/usr/bin/time")
# The code whose pipeline is measured: this checkout's working tree, or (--revision) a committed revision exported
# with `git archive` under data/bench/trees/, so edits others make meanwhile cannot change what is measured.
CODE_DIR = PROJECT_ROOT
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

TABLE_COLUMNS = [
    ("observations", "observations", "{:>12,}"),
    ("pipeline_wall_s", "pipeline s", "{:>10.1f}"),
    ("pipeline_peak_mib", "pipe MiB", "{:>8.0f}"),
    ("pipeline_tree_peak_mib", "pipe tree MiB", "{:>13.0f}"),
    ("floor_wall_s", "floor s", "{:>8.2f}"),
    ("floor_peak_mib", "floor MiB", "{:>9.0f}"),
    ("ratio_pipeline_floor", "pipe/floor", "{:>10.1f}"),
    ("fixed_s", "fixed s", "{:>7.1f}"),
    ("growing_s", "growing s", "{:>9.1f}"),
    ("ratio_growing_floor", "grow/floor", "{:>10.1f}"),
    ("incremental_wall_s", "incr s", "{:>7.1f}"),
    ("incremental_peak_mib", "incr MiB", "{:>8.0f}"),
    ("ratio_incremental_full", "incr/full", "{:>9.2f}"),
    ("status", "status", "{:<8}"),
]


# ---------------------------------------------------------------------------------------------------------------
# measuring one subprocess tree


class TreeSampler(threading.Thread):
    """Every `interval` s, the resident memory of every process under `root`, summed and by command name."""

    def __init__(self, root: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.halt = threading.Event()
        self.samples: list[tuple[float, int, dict[str, int]]] = []  # (epoch, tree KiB, {comm: KiB})
        self.peak_kib = 0
        self.peak_by_command: dict[str, int] = {}

    def run(self) -> None:
        while True:
            self.sample()
            if self.halt.wait(self.interval):
                return

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)

    def sample(self) -> None:
        parents: dict[int, list[int]] = {}
        names: dict[int, str] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            pid = int(entry.name)
            names[pid] = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            parents.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(parents.get(pid, []))
        total, by_command = 0, {}
        for pid in tree:
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    rss = int(handle.read().split()[1]) * PAGE_KIB
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            name = names.get(pid, "?")
            by_command[name] = by_command.get(name, 0) + rss
        self.samples.append((time.time(), total, by_command))
        self.peak_kib = max(self.peak_kib, total)
        for name, rss in by_command.items():
            self.peak_by_command[name] = max(self.peak_by_command.get(name, 0), rss)

    def peak_between(self, start: float, end: float) -> float | None:
        inside = [total for t, total, _ in self.samples if start <= t <= end]
        return round(max(inside) / 1024, 1) if inside else None


def _parse_gnu_time(text: str) -> dict:
    fields = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    out = {"max_rss_kib": int(fields.get("Maximum resident set size (kbytes)", 0) or 0)}
    for key, name in (("User time (seconds)", "user_s"), ("System time (seconds)", "sys_s")):
        if key in fields:
            out[name] = float(fields[key])
    if "Exit status" in fields:
        out["exit_status"] = int(fields["Exit status"])
    if "Command terminated by signal" in text:
        out["signal"] = text.split("Command terminated by signal", 1)[1].split()[0]
    return out


def measure(command: list[str], log: Path, timeout: float, env: dict | None = None, cwd: Path = PROJECT_ROOT) -> dict:
    """Run `command` in a new session; wall time, peak RSS (kernel and sampled tree sum), CPU, exit status."""
    timing = log.with_suffix(".time")
    timing.unlink(missing_ok=True)
    if GNU_TIME.exists():
        argv = [str(GNU_TIME), "-v", "-o", str(timing), *command]
    else:
        argv = [sys.executable, "-m", "benchmarks.measure", str(timing), "--", *command]
    result: dict = {"command": command, "log": str(log.relative_to(PROJECT_ROOT)), "load_before": os.getloadavg()}
    with log.open("w", encoding="utf-8") as handle:
        started_epoch, started = time.time(), time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait(timeout=timeout)
            result["timed_out"] = False
        except subprocess.TimeoutExpired:
            result["timed_out"] = True
            _kill_group(process)
            returncode = process.wait()
        wall = time.perf_counter() - started
        sampler.stop()
    result.update(
        started_epoch=started_epoch,
        ended_epoch=started_epoch + wall,
        wall_s=round(wall, 3),
        returncode=returncode,
        tree_peak_mib=round(sampler.peak_kib / 1024, 1),
        peak_mib_by_command={
            k: round(v / 1024, 1) for k, v in sorted(sampler.peak_by_command.items(), key=lambda kv: -kv[1])[:6]
        },
    )
    if timing.exists():
        text = timing.read_text(encoding="utf-8", errors="replace")
        parsed = json.loads(text) if text.startswith("{") else _parse_gnu_time(text)
        result.update({k: v for k, v in parsed.items() if k != "wall_s"})
    result["peak_mib"] = round(result.get("max_rss_kib", 0) / 1024, 1)
    cpu = result.get("user_s", 0) + result.get("sys_s", 0)
    result["cpu_s"] = round(cpu, 2)
    result["cpu_utilisation"] = round(cpu / wall, 2) if wall else None
    result["_sampler"] = sampler
    return result


def _kill_group(process: subprocess.Popen) -> None:
    """End the process group this benchmark started (its session leader is `process`), and nothing else."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------------------------
# the three measured commands


def ensure_sources(n: int, seed: int, inconsistent: float, timeout: float) -> tuple[Path, dict]:
    """The generated sources for (n, seed), from the cache when the generator and its inputs are unchanged."""
    name = f"n{n}_s{seed}" + ("" if inconsistent == 0.05 else f"_i{inconsistent}")
    folder = BENCH_DIR / "sources" / name
    marker = folder / "GENERATED.json"
    stamp = folder.parent / f"{name}.fingerprint"  # beside the folder: the folder holds only generator output
    fingerprint = _generator_fingerprint()
    if marker.exists() and stamp.exists() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
        return folder, {"cached": True, "summary": json.loads(marker.read_text(encoding="utf-8"))}
    stamp.unlink(missing_ok=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    log = folder.parent / f"{folder.name}.generate.log"
    measured = measure(
        [
            sys.executable,
            "-m",
            "benchmarks.generate",
            "--observations",
            str(n),
            "--seed",
            str(seed),
            "--inconsistent",
            str(inconsistent),
            "--out",
            str(folder),
        ],
        log,
        timeout,
    )
    measured.pop("_sampler")
    if measured["returncode"] != 0 or not marker.exists():
        reason = "timeout" if measured["timed_out"] else f"exit {measured['returncode']}"
        raise RuntimeError(f"generating {n} observations failed ({reason}): {_tail(log, 800)}")
    summary = json.loads(marker.read_text(encoding="utf-8"))
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    return folder, {"cached": False, "summary": summary, "wall_s": measured["wall_s"], "peak_mib": measured["peak_mib"]}


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (
        Path(__file__).with_name("generate.py"),
        PROJECT_ROOT / "sources" / "fx_rates.csv",
        PROJECT_ROOT / "sources" / "reference_origins.csv",
        PROJECT_ROOT / "sources" / "measures.csv",
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Reads the run's step timings from the Dagster instance the run recorded into (exact, unlike the log's text).
_STEP_STATS = r"""
import json, sys
from dagster import DagsterInstance
instance = DagsterInstance.get()
runs = instance.get_runs(limit=1)
if not runs:
    print(json.dumps({})); sys.exit()
run = runs[0]
stats = instance.get_run_stats(run.run_id)
steps = [{"step": s.step_key, "status": s.status.value if s.status else None, "start": s.start_time,
          "end": s.end_time} for s in instance.get_run_step_stats(run.run_id)]
print(json.dumps({"run_id": run.run_id, "status": run.status.value, "start": stats.start_time,
                  "end": stats.end_time, "steps": steps}))
"""


def _dbt_target() -> Path:
    return CODE_DIR / "dbt_project" / "target"


def _manifest_mtime() -> float | None:
    manifest = _dbt_target() / "manifest.json"
    return manifest.stat().st_mtime if manifest.exists() else None


def _manifest_stale() -> bool:
    """As orchestration/dbt_models.prepare_manifest decides: missing, or older than a model, macro or config."""
    project = CODE_DIR / "dbt_project"
    inputs = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        inputs.extend(p for p in (project / folder).rglob("*") if p.is_file())
    manifest = _manifest_mtime()
    return manifest is None or manifest < max(p.stat().st_mtime for p in inputs if p.exists())


def warm_up() -> dict:
    """Unmeasured: import the definitions once, which re-parses the dbt manifest if a model changed since."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import orchestration.definitions"],
        cwd=CODE_DIR,
        env={**os.environ, "DOCUMENTS_DIR": ""},
        capture_output=True,
        text=True,
    )
    return {
        "s": round(time.perf_counter() - started, 2),
        "returncode": done.returncode,
        "stderr": done.stderr[-1000:] if done.returncode else "",
    }


def link_sources(sources: Path, out: Path) -> Path:
    """`out/sources/`: the generated folder's files under one fixed name, as hard links (symbolic links across
    file systems), replacing what was there.

    A fixed folder whose files change is what a real SOURCES_DIR is; the raw tables' `_source_file` then names
    the same folder for rows kept from the full build and rows the incremental run re-reads."""
    target = out / "sources"
    partial = out / "sources.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for path in sorted(sources.rglob("*")):
        link = partial / path.relative_to(sources)
        if path.is_dir():
            link.mkdir(parents=True, exist_ok=True)
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, link)
        except OSError:
            link.symlink_to(path.resolve())
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


_PLAN = re.compile(r"\b(full|incremental) run: (.*?); re-reading (\d+) document\(s\)")


def _pipeline_plan(log: Path) -> dict | None:
    """What the job said it would re-read ("incremental run: 2 document(s) changed; re-reading 2 document(s)"),
    if it says so."""
    match = _PLAN.search(_tail(log, 50_000_000))
    return {"mode": match.group(1), "reason": match.group(2), "documents": int(match.group(3))} if match else None


def run_pipeline(
    n: int, sources: Path, out: Path, timeout: float, keep: bool, tag: str = "", clean: bool = True
) -> dict:
    """One measured run of the job on `sources`, publishing to out/warehouse.duckdb. With `clean` (a first build)
    the published warehouse, its history, working files and validation reports are deleted first; without, the
    run starts from what is published there (only abandoned working files under .runs/ are removed)."""
    warmed = warm_up() if _manifest_stale() else None
    stale_paths = (
        (
            "warehouse.duckdb",
            "warehouse.duckdb.wal",
            "warehouse.duckdb.sha256",
            "history",
            ".runs",
            "data",
            ".publish.lock",
        )
        if clean
        else (".runs",)
    )
    for stale in stale_paths:
        path = out / stale
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    sources_dir = link_sources(sources, out)
    home = Path(tempfile.mkdtemp(prefix="bench_dagster_home_"))
    shutil.copy(CODE_DIR / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "SOURCES_DIR": str(sources_dir),
        "WAREHOUSE_PATH": str(out / "warehouse.duckdb"),
        "DATA_DIR": str(out / "data"),
        "DAGSTER_HOME": str(home),
        "DOCUMENTS_DIR": "",
    }
    command = [str(VENV_BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "build_warehouse"]
    manifest_before = _manifest_mtime()
    try:
        result = measure(command, out / f"pipeline{tag}.log", timeout, env, cwd=CODE_DIR)
        sampler = result.pop("_sampler")
        result["sources"] = (
            str(sources.relative_to(PROJECT_ROOT)) if sources.is_relative_to(PROJECT_ROOT) else str(sources)
        )
        result["started_from"] = "nothing (first build)" if clean else "the published warehouse"
        result["warm_up_before"] = warmed
        result["plan"] = _pipeline_plan(out / f"pipeline{tag}.log")
        # a model edited during the run makes the job re-parse the dbt project (seconds): flag such a run
        result["dbt_manifest_reparsed"] = _manifest_mtime() != manifest_before
        result["breakdown"] = _pipeline_breakdown(result, sampler, env, out / f"pipeline{tag}.log")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not keep:
        shutil.rmtree(out / "history", ignore_errors=True)  # warehouse.duckdb again (a link, or a copy)
    if result["timed_out"]:
        result["failure"] = f"timeout after {timeout:.0f} s"
    elif result["returncode"] != 0:
        result["failure"] = _pipeline_failure(out / f"pipeline{tag}.log", result["returncode"])
    return result


def _pipeline_breakdown(result: dict, sampler: TreeSampler, env: dict, log: Path) -> dict:
    """Where the wall time and memory went: start-up, each Dagster step (with peak tree RSS), dbt's slowest nodes."""
    breakdown: dict = {}
    try:
        stats = json.loads(
            subprocess.run(
                [str(VENV_BIN / "python"), "-c", _STEP_STATS],
                cwd=CODE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            ).stdout
            or "{}"
        )
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        stats = {}
    if not stats.get("start"):
        return {"note": "no run recorded in the Dagster instance", "log_steps": _log_steps(log)}
    breakdown["run_id"] = stats["run_id"]
    breakdown["run_status"] = stats["status"]
    breakdown["before_run_s"] = round(stats["start"] - result["started_epoch"], 2)
    if stats.get("end"):
        breakdown["after_run_s"] = round(result["ended_epoch"] - stats["end"], 2)
    breakdown["before_run_peak_mib"] = sampler.peak_between(result["started_epoch"], stats["start"])
    steps = {}
    for step in stats["steps"]:
        if step["start"] is None:
            continue
        end = step["end"] or result["ended_epoch"]
        steps[step["step"]] = {
            "s": round(end - step["start"], 2),
            "status": step["status"],
            "peak_tree_mib": sampler.peak_between(step["start"], end + sampler.interval),
        }
    breakdown["steps"] = steps
    breakdown["dbt"] = _dbt_breakdown(stats["run_id"], log.parent, log.stem.replace("pipeline", ""))
    return breakdown


def _dbt_breakdown(run_id: str, out: Path, tag: str = "") -> dict:
    """dbt's own timings from the run's target folder (copied to out/, then the folder this run made is removed)."""
    folders = sorted(_dbt_target().glob(f"warehouse_models-{run_id[:7]}-*"))
    found = [folder / "run_results.json" for folder in folders if (folder / "run_results.json").exists()]
    results = json.loads(found[-1].read_text(encoding="utf-8")) if found else {}
    if found:
        shutil.copy(found[-1], out / f"dbt_run_results{tag}.json")
    for folder in folders:  # only the folder this run's dbt invocation made
        shutil.rmtree(folder, ignore_errors=True)
    if not results:
        return {}
    nodes = results.get("results", [])
    by_kind: dict[str, float] = {}
    for node in nodes:
        kind = node["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + node.get("execution_time", 0.0)
    slowest = sorted(nodes, key=lambda node: -node.get("execution_time", 0.0))[:8]
    return {
        "elapsed_s": round(results.get("elapsed_time", 0.0), 2),
        "nodes": len(nodes),
        "execution_s_by_kind": {k: round(v, 2) for k, v in sorted(by_kind.items())},
        "slowest": [
            {"node": node["unique_id"].split(".", 2)[-1], "s": round(node.get("execution_time", 0.0), 2)}
            for node in slowest
        ],
    }


_LOG_STEP = re.compile(
    r'STEP_(?:SUCCESS|FAILURE) - (?:Finished execution of step|Execution of step) "([^"]+)"'
    r"(?: in ([0-9.]+ms|[0-9hms.]+))?"
)


def _log_steps(log: Path) -> dict:
    """Fallback: step durations as the log prints them (533ms, 5.6s, 4m52s, 1h4m)."""
    steps = {}
    for match in _LOG_STEP.finditer(_tail(log, 10_000_000)):
        steps[match.group(1)] = _duration(match.group(2)) if match.group(2) else None
    return steps


def _duration(text: str) -> float:
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:([0-9.]+)s)?", text)
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups()) if match else (0, 0, 0)
    return hours * 3600 + minutes * 60 + seconds


def _pipeline_failure(log: Path, returncode: int) -> str:
    """The failing step and its error message, from the run log."""
    text = _tail(log, 50_000_000)
    lines = text.splitlines()
    failed_checks = [
        line.split(" - ")[-1]
        for line in lines
        if "ASSET_CHECK_EVALUATION" in line and not line.rstrip(".").endswith("passed")
    ]
    checks = f"; failed checks: {' | '.join(failed_checks)}" if failed_checks else ""
    for i, line in enumerate(lines):
        if "STEP_FAILURE" in line or "RUN_FAILURE" in line:
            detail = [line.split(" - ")[-1]]
            for follow in lines[i + 1 : i + 30]:
                if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", follow) or follow.startswith("Stack Trace"):
                    break
                detail.append(follow.strip())
            step = re.search(r'step "([^"]+)"', line)
            return (
                f"exit {returncode}; step {step.group(1) if step else '?'}: "
                + " | ".join(d for d in detail if d)[:1500]
                + checks
            )
    return f"exit {returncode}{checks}; " + text[-1500:].replace("\n", " | ")


# Components of the pipeline measured on their own, in fresh processes, to attribute time and memory.
_VALIDATE_ONLY = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from orchestration.ingest.validate import validate_sources
imported = time.perf_counter()
counts = validate_sources(Path(sys.argv[1]))
print(json.dumps({"import_s": round(imported - started, 3), "validate_s": round(time.perf_counter() - imported, 3),
                  "rows": sum(counts.values()),
                  "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""

_GX_ONLY = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from orchestration.checks.gx_suites import _context, load_suites, scope_rows
from orchestration.ingest.load import connect
_context()
out = {"import_and_context_s": round(time.perf_counter() - started, 3),
       "rss_after_import_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "suites": {}}
with connect(Path(sys.argv[1]), read_only=True) as con:
    scope_rows(con, every_row=True)
    for suite in load_suites():
        t = time.perf_counter()
        frame = con.execute(suite.query).df()
        queried = time.perf_counter()
        from orchestration.checks.gx_suites import validate_frame
        outcome = validate_frame(suite, frame)
        out["suites"][suite.name] = {"rows": len(frame), "query_to_pandas_s": round(queried - t, 3),
                                     "gx_validate_s": round(time.perf_counter() - queried, 3),
                                     "success": outcome.success,
                                     "max_rss_mib_so_far":
                                         round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        del frame
print(json.dumps(out))
"""


def run_components(sources: Path, out: Path, timeout: float) -> dict:
    """Ingest validation alone, and every GX suite alone on the built warehouse: time and peak memory."""
    components = {}
    for name, script, argument in (
        ("validate_sources", _VALIDATE_ONLY, sources),
        ("gx_suites", _GX_ONLY, out / "warehouse.duckdb"),
    ):
        if name == "gx_suites" and not argument.exists():
            continue
        result = measure(
            [str(VENV_BIN / "python"), "-c", script, str(argument)],
            out / f"{name}.log",
            timeout,
            {**os.environ, "DOCUMENTS_DIR": ""},
            cwd=CODE_DIR,
        )
        result.pop("_sampler")
        lines = _tail(out / f"{name}.log", 100_000).strip().splitlines()
        try:
            detail = json.loads(lines[-1]) if lines else {}
        except json.JSONDecodeError:
            detail = {"output": "\n".join(lines[-10:])}
        components[name] = {
            "wall_s": result["wall_s"],
            "peak_mib": result["peak_mib"],
            "returncode": result["returncode"],
            "timed_out": result["timed_out"],
            **detail,
        }
    return components


def run_floor(sources: Path, out: Path, timeout: float, tag: str = "") -> dict:
    report = out / f"floor{tag}.json"
    report.unlink(missing_ok=True)
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "benchmarks.floor",
        "--sources",
        str(sources),
        "--out",
        str(out / "floor.duckdb"),
        "--report",
        str(report),
    ]
    result = measure(command, out / f"floor{tag}.log", timeout)
    result.pop("_sampler")
    if report.exists():
        floor = json.loads(report.read_text(encoding="utf-8"))
        result["steps"] = floor["steps"]
        result["rows"] = floor["rows"]
        result["failed_checks"] = floor["failed_checks"]
    if result["timed_out"]:
        result["failure"] = f"timeout after {timeout:.0f} s"
    elif result["returncode"] != 0:
        result["failure"] = f"exit {result['returncode']}: " + _tail(out / f"floor{tag}.log", 1500).replace("\n", " | ")
    return result


# ---------------------------------------------------------------------------------------------------------------


def export_revision(revision: str) -> tuple[Path, str]:
    """The committed tree of `revision`, exported once with `git archive` (read-only for the repository)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    if sha.returncode:
        raise SystemExit(f"--revision {revision}: {sha.stderr.strip()}")
    sha_text = sha.stdout.strip()
    tree = BENCH_DIR / "trees" / sha_text[:12]
    if not (tree / "orchestration" / "definitions.py").exists():
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha_text], cwd=PROJECT_ROOT, capture_output=True)
        if archive.returncode:
            raise SystemExit(f"git archive {sha_text} failed: {archive.stderr.decode()[-500:]}")
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
        shutil.rmtree(tree, ignore_errors=True)
        partial.rename(tree)
    return tree, sha_text


def machine_info() -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "import json, sys, platform, duckdb, dagster, great_expectations, pandas;"
            "from dbt.version import __version__ as dbt;"
            "print(json.dumps({'python': platform.python_version(), 'duckdb': duckdb.__version__, "
            "'dagster': dagster.__version__, 'dbt_core': dbt, 'great_expectations': great_expectations.__version__, "
            "'pandas': pandas.__version__}))",
        ],
        cwd=CODE_DIR,
        capture_output=True,
        text=True,
    )
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "mem_total_mib": round(int(meminfo["MemTotal"].split()[0]) / 1024),
        "mem_available_mib": round(int(meminfo["MemAvailable"].split()[0]) / 1024),
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
        "venv": json.loads(versions.stdout) if versions.returncode == 0 else {"error": versions.stderr[-500:]},
        "runner_python": platform.python_version(),
        "git_commit": git.stdout.strip(),
        "git_modified_tracked_files": len(dirty.stdout.splitlines()),
        "code_measured": str(CODE_DIR.relative_to(PROJECT_ROOT)) if CODE_DIR != PROJECT_ROOT else "working tree",
        "rss_measured_with": str(GNU_TIME) + " -v" if GNU_TIME.exists() else "benchmarks/measure.py (getrusage)",
    }


def measure_size(
    n: int, args: argparse.Namespace, repeats: int | None = None, components: bool = True, incremental: bool = True
) -> dict:
    repeats = repeats or args.repeats
    entry: dict = {"observations": n, "status": "ok"}
    out = BENCH_DIR / str(n)
    out.mkdir(parents=True, exist_ok=True)
    print(f"[{_now()}] {n:,} observations: sources", flush=True)
    try:
        sources, entry["generate"] = ensure_sources(n, args.seed, args.inconsistent, args.timeout)
    except RuntimeError as exc:
        entry.update(status="failed", failure=f"generate: {exc}")
        return entry
    entry["sources"] = str(sources.relative_to(PROJECT_ROOT))
    failures = []
    if not args.skip_pipeline:
        entry["pipeline"], entry["pipeline_runs"] = _repeat(
            lambda tag: run_pipeline(n, sources, out, args.timeout, args.keep, tag), repeats, f"{n:,}: pipeline"
        )
        if "failure" in entry["pipeline"]:
            failures.append("pipeline: " + entry["pipeline"]["failure"])
            entry["status"] = "timeout" if entry["pipeline"]["timed_out"] else "failed"
    if args.components and components:
        print(f"[{_now()}] {n:,} observations: components (validation alone, GX suites alone)", flush=True)
        entry["components"] = run_components(sources, out, args.timeout)
    if not args.skip_pipeline and args.incremental and incremental:
        entry["incremental"], entry["incremental_runs"] = run_incremental(n, entry, out, args, repeats)
        if "failure" in entry["incremental"]:
            failures.append("incremental: " + entry["incremental"]["failure"])
            if entry["status"] == "ok":
                entry["status"] = "timeout" if entry["incremental"].get("timed_out") else "failed"
    if not args.skip_floor:
        entry["floor"], entry["floor_runs"] = _repeat(
            lambda tag: run_floor(sources, out, args.timeout, tag), repeats, f"{n:,}: floor"
        )
        if "failure" in entry["floor"]:
            failures.append("floor: " + entry["floor"]["failure"])
            if entry["status"] == "ok":
                entry["status"] = "timeout" if entry["floor"]["timed_out"] else "failed"
    if failures:
        entry["failure"] = "; ".join(failures)
    return entry


def run_incremental(n: int, entry: dict, out: Path, args: argparse.Namespace, repeats: int) -> tuple[dict, list]:
    """The job on the sources of n + n//100 figures (same seed), starting from the warehouse the full run of n
    published in `out`: what a run adding 1% new figures costs. Every repeat starts from that same published
    state (copied aside first, copied back before each repeat after the first)."""
    added = n // 100
    info: dict = {"from_observations": n, "observations": n + added, "figures_added": added}
    if not added:
        return {**info, "skipped": f"{n} // 100 = 0: no figures to add"}, []
    full = entry.get("pipeline") or {}
    if not full or "failure" in full:
        return {**info, "skipped": "the full run failed: " + full.get("failure", "no full run")}, []
    print(f"[{_now()}] {n:,} observations: sources for the incremental run ({n + added:,})", flush=True)
    try:
        sources, info["generate"] = ensure_sources(n + added, args.seed, args.inconsistent, args.timeout)
    except RuntimeError as exc:
        return {**info, "failure": f"generate: {exc}", "timed_out": False}, []
    before = (entry.get("generate") or {}).get("summary") or {}
    after = info["generate"]["summary"]
    # the generator is prefix-stable (tests/test_generator_prefix.py): the last document of n and any new ones
    # change, every other per-document file is the same bytes
    info["documents"] = {
        "before": before.get("documents"),
        "after": after.get("documents"),
        "expected_to_change": (
            after["documents"] - before["documents"] + 1 if before.get("documents") and after.get("documents") else None
        ),
    }
    published = out / "warehouse.duckdb"
    if not published.exists():
        return {**info, "skipped": f"the full run published no {published.relative_to(PROJECT_ROOT)}"}, []
    baseline = out / "warehouse.full.duckdb"  # the full build of n, to restore before each repeat
    if repeats > 1:
        _copy_file(published, baseline)

    def one(tag: str) -> dict:
        if tag:  # a repeat: back to the full build of n (the previous repeat published the n + 1% one)
            published.with_name(published.name + ".wal").unlink(missing_ok=True)
            _copy_file(baseline, published)
        return run_pipeline(n + added, sources, out, args.timeout, args.keep, ".incremental" + tag, clean=False)

    try:
        chosen, runs = _repeat(one, repeats, f"{n:,}: incremental pipeline (+{added:,} figures)")
    finally:
        baseline.unlink(missing_ok=True)
    return {**info, **chosen}, runs


def _copy_file(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    partial.replace(target)


def _repeat(run, repeats: int, label: str) -> tuple[dict, list[dict]]:
    """Run a measurement up to `repeats` times; keep the fastest success (noise on a shared machine only adds
    time), else the last failure. A timeout is not repeated."""
    runs = []
    for i in range(max(1, repeats)):
        print(f"[{_now()}] {label}" + (f" ({i + 1} of {repeats})" if repeats > 1 else ""), flush=True)
        runs.append(run("" if i == 0 else f".{i + 1}"))
        if runs[-1].get("timed_out"):
            break
    good = [r for r in runs if "failure" not in r]
    chosen = min(good, key=lambda r: r["wall_s"]) if good else runs[-1]
    return chosen, [
        {
            "wall_s": r["wall_s"],
            "cpu_s": r.get("cpu_s"),
            "peak_mib": r.get("peak_mib"),
            "load_before": r.get("load_before"),
            "log": r.get("log"),
            "failure": r.get("failure", ""),
            **({"plan": r["plan"]} if r.get("plan") else {}),
        }
        for r in runs
    ]


def summarise(entry: dict, fixed: dict | None) -> dict:
    """The table's figures for one size."""
    row = {"observations": entry["observations"], "status": entry["status"], "failure": entry.get("failure", "")}
    pipeline, floor = entry.get("pipeline") or {}, entry.get("floor") or {}
    pipeline_ok = pipeline and "failure" not in pipeline
    floor_ok = floor and "failure" not in floor
    if pipeline_ok:
        row.update(
            pipeline_wall_s=pipeline["wall_s"],
            pipeline_peak_mib=pipeline["peak_mib"],
            pipeline_tree_peak_mib=pipeline["tree_peak_mib"],
            pipeline_cpu_s=pipeline.get("cpu_s"),
        )
    if floor_ok:
        row.update(floor_wall_s=floor["wall_s"], floor_peak_mib=floor["peak_mib"], floor_cpu_s=floor.get("cpu_s"))
    if pipeline_ok and floor_ok:
        row["ratio_pipeline_floor"] = round(pipeline["wall_s"] / floor["wall_s"], 2)
    fixed_pipeline = (fixed or {}).get("pipeline") or {}
    if pipeline_ok and fixed_pipeline and "failure" not in fixed_pipeline:
        row["fixed_s"] = fixed_pipeline["wall_s"]
        row["growing_s"] = round(pipeline["wall_s"] - fixed_pipeline["wall_s"], 3)
        if floor_ok:
            row["ratio_growing_floor"] = round(row["growing_s"] / floor["wall_s"], 2)
    incremental = entry.get("incremental") or {}
    if pipeline_ok and "wall_s" in incremental and "failure" not in incremental:
        row.update(
            incremental_wall_s=incremental["wall_s"],
            incremental_peak_mib=incremental["peak_mib"],
            incremental_cpu_s=incremental.get("cpu_s"),
            incremental_figures_added=incremental["figures_added"],
            ratio_incremental_full=round(incremental["wall_s"] / pipeline["wall_s"], 2),
        )
        plan = incremental.get("plan")
        if plan:
            row["incremental_plan"] = f"{plan['mode']}, {plan['documents']} document(s) re-read"
    return row


def format_table(rows: list[dict]) -> str:
    header = "  ".join(
        title.ljust(_width(fmt, title)) if key == "status" else title.rjust(_width(fmt, title))
        for key, title, fmt in TABLE_COLUMNS
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        cells = []
        for key, title, fmt in TABLE_COLUMNS:
            value = row.get(key)
            width = _width(fmt, title)
            cells.append(
                (fmt.format(value) if value is not None else "-").rjust(width)
                if key != "status"
                else str(value).ljust(width)
            )
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _width(fmt: str, title: str) -> int:
    digits = re.search(r"(\d+)", fmt)
    return max(len(title), int(digits.group(1)) if digits else 0)


def format_breakdown(entry: dict) -> str:
    """Where one size's pipeline time and memory went (the full run, then the incremental one)."""
    lines = _run_breakdown_lines(f"{entry['observations']:,} observations: pipeline", entry.get("pipeline") or {})
    for name, component in (entry.get("components") or {}).items():
        lines.append(
            f"  alone, {name}: {component['wall_s']:.2f} s, peak {component['peak_mib']:.0f} MiB; "
            + json.dumps(
                {k: v for k, v in component.items() if k not in ("wall_s", "peak_mib", "returncode", "timed_out")}
            )
        )
    floor = entry.get("floor") or {}
    if floor.get("steps"):
        lines.append(f"  floor: {floor['wall_s']:.2f} s, peak {floor['peak_mib']:.0f} MiB; steps {floor['steps']}")
    incremental = entry.get("incremental") or {}
    if incremental.get("skipped"):
        lines.append(f"  incremental run skipped: {incremental['skipped']}")
    elif incremental:
        documents = incremental.get("documents") or {}
        lines += _run_breakdown_lines(
            f"{incremental['from_observations']:,} -> {incremental['observations']:,} observations "
            f"(+{incremental['figures_added']:,} figures; documents {documents.get('before')} -> "
            f"{documents.get('after')}, {documents.get('expected_to_change')} of them changed): incremental pipeline",
            incremental,
        )
    return "\n".join(lines)


def _run_breakdown_lines(title: str, run: dict) -> list[str]:
    breakdown = run.get("breakdown") or {}
    if not breakdown.get("steps"):
        return []
    lines = [
        f"{title} {run['wall_s']:.1f} s, peak {run['peak_mib']:.0f} MiB (one process), "
        f"tree {run['tree_peak_mib']:.0f} MiB (sampled sum; by command: {run.get('peak_mib_by_command')})"
    ]
    plan = run.get("plan")
    lines.append(
        f"  the job's plan: {plan['mode']} run, {plan['reason']}; re-reading {plan['documents']} document(s)"
        if plan
        else "  the job's plan: not reported in its log"
    )
    lines.append(
        f"  before the run starts (imports, definitions, dbt manifest): {breakdown.get('before_run_s')} s, "
        f"peak {breakdown.get('before_run_peak_mib')} MiB"
    )
    for step, info in sorted(breakdown["steps"].items(), key=lambda kv: -kv[1]["s"]):
        lines.append(f"  step {step:<45} {info['s']:>9.2f} s  peak tree {info['peak_tree_mib']} MiB  {info['status']}")
    lines.append(f"  after the run (teardown): {breakdown.get('after_run_s')} s")
    dbt = breakdown.get("dbt") or {}
    if dbt:
        lines.append(
            f"  dbt: {dbt['nodes']} nodes in {dbt['elapsed_s']} s; execution by kind "
            f"{dbt['execution_s_by_kind']}; slowest " + ", ".join(f"{s['node']} {s['s']}s" for s in dbt["slowest"][:5])
        )
    return lines


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        value = float(part.strip())
        if value < 1 or value != int(value):
            raise argparse.ArgumentTypeError(f"{part!r} is not a positive whole number")
        sizes.append(int(value))
    return sizes


def write_results(document: dict, rows: list[dict]) -> None:
    """data/bench/results.json and .csv; with --revision also results-<sha>.json/.csv, kept across runs."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    revision = document["config"].get("revision")
    stems = ["results"] + ([f"results-{revision[:12]}"] if revision else [])
    machine = document["machine"]
    columns = [key for key, _, _ in TABLE_COLUMNS] + [
        "pipeline_cpu_s",
        "floor_cpu_s",
        "incremental_cpu_s",
        "incremental_figures_added",
        "incremental_plan",
        "failure",
        "nproc",
        "mem_total_mib",
        "python",
        "duckdb",
        "revision",
    ]
    for stem in stems:
        (BENCH_DIR / f"{stem}.json").write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        with (BENCH_DIR / f"{stem}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        **row,
                        "nproc": machine["nproc"],
                        "mem_total_mib": machine["mem_total_mib"],
                        "python": machine["venv"].get("python"),
                        "duckdb": machine["venv"].get("duckdb"),
                        "revision": revision or f"working tree at {machine['git_commit']}",
                    }
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("1e3,1e5,1e6,1e7"),
        help="observation counts, comma separated (default 1e3,1e5,1e6,1e7)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--inconsistent", type=float, default=0.05, help="fraction of claims made inconsistent")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per measured command (default 3600)")
    parser.add_argument("--fixed-size", type=int, default=10, help="size whose pipeline time is the fixed cost")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="measure each size this many times and keep the fastest successful run (default 1)",
    )
    parser.add_argument(
        "--fixed-repeats",
        type=int,
        default=2,
        help="measure the fixed size this many times and keep the fastest (default 2)",
    )
    parser.add_argument("--skip-pipeline", action="store_true", help="measure the floor only")
    parser.add_argument("--skip-floor", action="store_true", help="measure the pipeline only")
    parser.add_argument(
        "--components",
        action="store_true",
        help="also measure the ingest validation alone and the GX suites alone, in fresh processes",
    )
    parser.add_argument(
        "--revision",
        help="measure this commit (exported with git archive to data/bench/trees/) "
        "instead of the working tree, e.g. HEAD",
    )
    parser.add_argument(
        "--no-incremental",
        dest="incremental",
        action="store_false",
        help="skip the incremental run (the job again on N + N//100 figures, from the full build)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each build's history/ snapshot")
    args = parser.parse_args(argv)
    if not (VENV_BIN / "dagster").exists():
        parser.error(f"{VENV_BIN / 'dagster'} not found: run `make setup` first")
    global CODE_DIR
    revision = None
    if args.revision:
        CODE_DIR, revision = export_revision(args.revision)
        print(f"measuring revision {revision[:12]} exported to {CODE_DIR.relative_to(PROJECT_ROOT)}", flush=True)

    machine = machine_info()
    print(
        f"machine: {machine['nproc']} cores, {machine['mem_total_mib']} MiB, python {machine['venv'].get('python')}, "
        f"duckdb {machine['venv'].get('duckdb')}, load {machine['loadavg_at_start']}",
        flush=True,
    )
    # unmeasured warm-up: imports into the page cache, and the dbt manifest re-parsed if a model changed
    warmed = warm_up()
    if warmed["returncode"]:
        print(f"warning: importing orchestration.definitions failed: {warmed['stderr']}", flush=True)
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "config": {
            "sizes": args.sizes,
            "seed": args.seed,
            "inconsistent": args.inconsistent,
            "revision": revision,
            "timeout_s": args.timeout,
            "fixed_size": args.fixed_size,
            "repeats": args.repeats,
            "incremental": args.incremental,
        },
        "warm_up": warmed,
    }
    fixed = None
    if not args.skip_pipeline:
        print(f"[{_now()}] fixed cost: the pipeline at {args.fixed_size} observations", flush=True)
        fixed = measure_size(
            args.fixed_size, args, repeats=max(args.fixed_repeats, args.repeats), components=False, incremental=False
        )
        document["fixed"] = fixed
        row = summarise(fixed, fixed)
        print(
            f"  fixed: pipeline {row.get('pipeline_wall_s')} s "
            f"(runs: {[r['wall_s'] for r in fixed.get('pipeline_runs', [])]}), "
            f"floor {row.get('floor_wall_s')} s",
            flush=True,
        )
    results, rows = [], []
    for n in args.sizes:
        entry = measure_size(n, args)
        results.append(entry)
        rows.append(summarise(entry, fixed))
        document["results"], document["table"] = results, rows
        write_results(document, rows)  # after every size, so a later failure or timeout loses nothing
        breakdown = format_breakdown(entry)
        if breakdown:
            print(breakdown, flush=True)
        if entry.get("failure"):
            print(f"  {entry['status']}: {entry['failure'][:2000]}", flush=True)
    document["results"], document["table"] = results, rows
    write_results(document, rows)
    print()
    print(format_table(rows))
    print(
        f"\nwritten: {(BENCH_DIR / 'results.json').relative_to(PROJECT_ROOT)}, "
        f"{(BENCH_DIR / 'results.csv').relative_to(PROJECT_ROOT)}"
    )
    return 0 if all(row["status"] == "ok" for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
