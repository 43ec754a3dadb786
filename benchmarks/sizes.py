"""Everything measured for one size: sources, the full build, the no-change re-run, the +1% run, the floor."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .components import run_components
from .floor_runs import run_floor
from .nightly_tick import run_tick
from .paths import BENCH_DIR, shown
from .pipeline import run_pipeline
from .sources_cache import ensure_sources


@dataclass(frozen=True)
class Bench:
    """What every measurement of one invocation shares."""

    args: argparse.Namespace
    code: Path  # the code measured: the working tree, or a revision exported with git archive
    floor_manifest: Path  # dbt's compiled SQL: the floor runs it, the fixed floor counts its nodes


def now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def measure_size(bench: Bench, n: int, repeats: int | None = None, fixed: bool = False) -> dict:
    """Every measurement of size `n`; `fixed` (the fixed-cost size) measures the full build only."""
    args = bench.args
    repeats = repeats or args.repeats
    entry: dict = {"observations": n, "status": "ok"}
    out = BENCH_DIR / str(n)
    out.mkdir(parents=True, exist_ok=True)
    print(f"[{now()}] {n:,} observations: sources", flush=True)
    try:
        sources, entry["generate"] = ensure_sources(n, args.seed, args.inconsistent, args.timeout)
    except RuntimeError as exc:
        entry.update(status="failed", failure=f"generate: {exc}")
        return entry
    entry["sources"] = shown(sources)
    failures = []

    def record(name: str, result: dict) -> None:
        if "failure" in result:
            failures.append(f"{name}: {result['failure']}")
            if entry["status"] == "ok":
                entry["status"] = "timeout" if result.get("timed_out") else "failed"

    if not args.skip_pipeline:
        entry["pipeline"], entry["pipeline_runs"] = repeat(
            lambda tag: run_pipeline(bench.code, sources, out, args.timeout, args.keep, tag),
            repeats,
            f"{n:,}: pipeline",
        )
        record("pipeline", entry["pipeline"])
    if args.components and not fixed:
        print(f"[{now()}] {n:,} observations: components (validation alone, GX suites alone)", flush=True)
        entry["components"] = run_components(bench.code, sources, out, args.timeout)
    if not args.skip_pipeline and args.unchanged and not fixed:
        entry["unchanged"], entry["unchanged_runs"] = run_unchanged(bench, n, entry, sources, out, repeats)
        record("no-change re-run", entry["unchanged"])
        if "wall_s" in entry["unchanged"]:
            print(f"[{now()}] {n:,} observations: the nightly tick, nothing changed", flush=True)
            entry["tick"] = run_tick(bench.code, out, args.timeout)
            record("nightly tick", entry["tick"])
    if not args.skip_pipeline and args.incremental and not fixed:
        entry["incremental"], entry["incremental_runs"] = run_incremental(bench, n, entry, out, repeats)
        record("incremental", entry["incremental"])
    if not args.skip_floor and not fixed:
        entry["floor"], entry["floor_runs"] = repeat(
            lambda tag: run_floor(bench.code, bench.floor_manifest, sources, out, args.timeout, tag),
            repeats,
            f"{n:,}: floor",
        )
        record("floor", entry["floor"])
    if failures:
        entry["failure"] = "; ".join(failures)
    return entry


def _published(entry: dict, out: Path) -> str | None:
    """Why a re-run cannot start from the full build's published warehouse, or None when it can."""
    full = entry.get("pipeline") or {}
    if not full or "failure" in full:
        return "the full run failed: " + full.get("failure", "no full run")
    if not (out / "warehouse.duckdb").exists():
        return f"the full run published no {shown(out / 'warehouse.duckdb')}"
    return None


def run_unchanged(bench: Bench, n: int, entry: dict, sources: Path, out: Path, repeats: int) -> tuple[dict, list]:
    """The job again on the same sources, from the warehouse the full run published: a night when nothing
    changed. Each repeat republishes the same build, so every one starts from the same state."""
    skipped = _published(entry, out)
    if skipped:
        return {"skipped": skipped}, []
    return repeat(
        lambda tag: run_pipeline(
            bench.code, sources, out, bench.args.timeout, bench.args.keep, ".unchanged" + tag, clean=False
        ),
        repeats,
        f"{n:,}: no-change re-run",
    )


def run_incremental(bench: Bench, n: int, entry: dict, out: Path, repeats: int) -> tuple[dict, list]:
    """The job on the sources of n + n//100 figures (same seed), starting from the warehouse the full run of n
    published in `out`: what a run adding 1% new figures costs. Every repeat starts from that same published
    state (copied aside first, copied back before each repeat after the first)."""
    args = bench.args
    added = n // 100
    info: dict = {"from_observations": n, "observations": n + added, "figures_added": added}
    if not added:
        return {**info, "skipped": f"{n} // 100 = 0: no figures to add"}, []
    skipped = _published(entry, out)
    if skipped:
        return {**info, "skipped": skipped}, []
    print(f"[{now()}] {n:,} observations: sources for the incremental run ({n + added:,})", flush=True)
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
    baseline = out / "warehouse.full.duckdb"  # the build of n, to restore before each repeat
    if repeats > 1:
        _copy_file(published, baseline)

    def one(tag: str) -> dict:
        if tag:  # a repeat: back to the build of n (the previous repeat published the n + 1% one)
            published.with_name(published.name + ".wal").unlink(missing_ok=True)
            _copy_file(baseline, published)
        return run_pipeline(bench.code, sources, out, args.timeout, args.keep, ".incremental" + tag, clean=False)

    try:
        chosen, runs = repeat(one, repeats, f"{n:,}: incremental pipeline (+{added:,} figures)")
    finally:
        baseline.unlink(missing_ok=True)
    return {**info, **chosen}, runs


def _copy_file(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    partial.replace(target)


def repeat(run, repeats: int, label: str) -> tuple[dict, list[dict]]:
    """Run a measurement up to `repeats` times; keep the fastest success (noise on a shared machine only adds
    time), else the last failure. A timeout is not repeated."""
    runs = []
    for i in range(max(1, repeats)):
        print(f"[{now()}] {label}" + (f" ({i + 1} of {repeats})" if repeats > 1 else ""), flush=True)
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
