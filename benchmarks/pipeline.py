"""One measured run of the Dagster job `build_warehouse`, and what its log says it did or why it failed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .breakdown import pipeline_breakdown
from .measure import measure, tail
from .paths import BENCH_DIR, VENV_BIN, shown
from .sources_cache import link_sources

# every run publishes a file of this name (in its own folder): dbt's profile names a slot after it
WAREHOUSE_FILE = "warehouse.duckdb"
# a first build starts from nothing: the published warehouse, its history, working files and reports go first
FIRST_BUILD_CLEARS = (
    WAREHOUSE_FILE,
    WAREHOUSE_FILE + ".wal",
    WAREHOUSE_FILE + ".sha256",
    "history",
    ".runs",
    "data",
    ".publish.lock",
)
# a later run starts from what is published; only working files a run abandoned are removed
RERUN_CLEARS = (".runs",)

# per measured tree, the dbt parse the last warm-up left: (manifest mtime, the profile record beside it)
_warmed: dict[Path, tuple[int, str]] = {}


def manifest_mtime(code: Path) -> float | None:
    manifest = code / "dbt_project" / "target" / "manifest.json"
    return manifest.stat().st_mtime if manifest.exists() else None


def _parse_state(code: Path) -> tuple[int, str] | None:
    """The manifest's mtime and the record orchestration/dbt_project.prepare_manifest writes of the profile it
    parsed with (target/manifest_profile.json), or None when either is missing."""
    target = code / "dbt_project" / "target"
    try:
        return (target / "manifest.json").stat().st_mtime_ns, (target / "manifest_profile.json").read_text()
    except OSError:
        return None


def manifest_stale(code: Path) -> bool:
    """Whether a run's set-up would parse the dbt project (prepare_manifest): its manifest or profile record is
    not what this invocation's last warm-up left (another parse, with another profile, rewrote them), or a model,
    macro or config is newer than the manifest. The last rule is prepare_manifest's own (dbt_project._newest_input),
    restated: the runner imports nothing of the measured code, which may be another revision."""
    state = _parse_state(code)
    if state is None or state != _warmed.get(code):
        return True
    project = code / "dbt_project"
    inputs = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        inputs.extend(p for p in (project / folder).rglob("*") if p.is_file())
    return state[0] < max(p.stat().st_mtime_ns for p in inputs if p.exists())


# set-up, then the definitions' import (code that prepared dbt's manifest on import has no dbt_project module)
_SET_UP = (
    "try:\n    from orchestration.dbt_project import prepare_manifest\nexcept ImportError:\n    pass\n"
    "else:\n    prepare_manifest()\nimport orchestration.definitions"
)


def warm_up(code: Path) -> dict:
    """Unmeasured: set up and import the definitions once, which parses the dbt project if a model changed since
    or the manifest was parsed with another profile. In the runs' environment as far as the profile goes (a warehouse
    file named WAREHOUSE_FILE, the same DBT_MEMORY_LIMIT), so the parse is the one every run would make."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", _SET_UP],
        cwd=code,
        env={**os.environ, "DOCUMENTS_DIR": "", "WAREHOUSE_PATH": str(BENCH_DIR / WAREHOUSE_FILE)},
        capture_output=True,
        text=True,
    )
    if done.returncode == 0 and (state := _parse_state(code)) is not None:
        _warmed[code] = state
    return {
        "s": round(time.perf_counter() - started, 2),
        "returncode": done.returncode,
        "stderr": done.stderr[-1000:] if done.returncode else "",
    }


def run_env(out: Path, sources_dir: Path, home: Path, documents_dir: Path | None) -> dict:
    """The settings of a measured command: sources, the warehouse and data folder in `out`, its own Dagster
    home, and the texts (none unless given)."""
    return {
        **os.environ,
        "SOURCES_DIR": str(sources_dir),
        "WAREHOUSE_PATH": str(out / WAREHOUSE_FILE),
        "DATA_DIR": str(out / "data"),
        "DAGSTER_HOME": str(home),
        "DOCUMENTS_DIR": str(documents_dir or ""),
    }


def run_pipeline(
    code: Path,
    sources: Path,
    out: Path,
    timeout: float,
    keep: bool,
    tag: str = "",
    clean: bool = True,
    documents_dir: Path | None = None,
) -> dict:
    """One measured run of the job on `sources` (with the texts of `documents_dir`, or none), publishing to
    out/warehouse.duckdb. With `clean` (a first build) everything published there is deleted first; without, the
    run starts from what is published there."""
    warmed = warm_up(code) if manifest_stale(code) else None
    for stale in FIRST_BUILD_CLEARS if clean else RERUN_CLEARS:
        path = out / stale
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    sources_dir = link_sources(sources, out)
    home = Path(tempfile.mkdtemp(prefix="bench_dagster_home_"))
    shutil.copy(code / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = run_env(out, sources_dir, home, documents_dir)
    command = [str(VENV_BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "build_warehouse"]
    log = out / f"pipeline{tag}.log"
    manifest_before = manifest_mtime(code)
    try:
        result = measure(command, log, timeout, env, cwd=code)
        sampler = result.pop("_sampler")
        result["sources"] = shown(sources)
        result["started_from"] = "nothing (first build)" if clean else "the published warehouse"
        result["warm_up_before"] = warmed
        result["plan"] = pipeline_plan(log)
        # a model edited during the run makes the job re-parse the dbt project (seconds): flag such a run
        result["dbt_manifest_reparsed"] = manifest_mtime(code) != manifest_before
        result["breakdown"] = pipeline_breakdown(code, result, sampler, env, log)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not keep:
        _keep_latest_snapshot(out / "history")
    if result["timed_out"]:
        result["failure"] = f"timeout after {timeout:.0f} s"
    elif result["returncode"] != 0:
        result["failure"] = pipeline_failure(log, result["returncode"])
    return result


_PLAN = re.compile(r"\b(full|incremental) run: (.*?); re-reading (\d+) document\(s\)")


def _keep_latest_snapshot(history: Path) -> None:
    """Remove every history snapshot but the latest, so the next run publishes as a user's does, with a snapshot
    before its own: it links its snapshot to the file it publishes. A first publish has none before it and copies
    the whole file instead (warehouse.publish), which would be counted in a re-run that is not a first. The
    latest is a hard link of the published file after any re-run (no disk of its own), a copy after a first."""
    for older in sorted(history.glob("[0-9]*.duckdb"))[:-1]:
        older.unlink()
        older.with_suffix(".json").unlink(missing_ok=True)


def pipeline_plan(log: Path) -> dict | None:
    """What the job said it would re-read ("incremental run: 2 document(s) changed; re-reading 2 document(s)"),
    if it says so."""
    match = _PLAN.search(tail(log, 50_000_000))
    return {"mode": match.group(1), "reason": match.group(2), "documents": int(match.group(3))} if match else None


def pipeline_failure(log: Path, returncode: int) -> str:
    """The failing step and its error message, from the run log."""
    text = tail(log, 50_000_000)
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
