"""The figures of each size and of the invocation, as a printed table, a list of the issue's targets, and
data/bench/results.json and results.csv."""

from __future__ import annotations

import csv
import json
import re

from .paths import BENCH_DIR

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
    ("unchanged_wall_s", "same s", "{:>7.1f}"),
    ("ratio_unchanged_full", "same/full", "{:>9.2f}"),
    ("tick_wall_s", "tick s", "{:>6.1f}"),
    ("ratio_tick_full", "tick/full", "{:>9.2f}"),
    ("incremental_wall_s", "incr s", "{:>7.1f}"),
    ("incremental_peak_mib", "incr MiB", "{:>8.0f}"),
    ("ratio_incremental_full", "incr/full", "{:>9.2f}"),
    ("status", "status", "{:<8}"),
]
CSV_EXTRA = [
    "pipeline_cpu_s",
    "floor_cpu_s",
    "unchanged_cpu_s",
    "unchanged_plan",
    "tick_evaluation_s",
    "incremental_cpu_s",
    "incremental_figures_added",
    "incremental_plan",
    "fixed_floor_s",
    "fixed_floor_cpu_s",
    "seed_build_s",
    "seed_build_cpu_s",
    "ratio_seed_fixed_floor",
    "ratio_seed_fixed_floor_cpu",
    "seed_tick_s",
    "ratio_seed_tick_full",
    "failure",
]
# the targets: (what, key, at most, at which size; None: the invocation's)
TARGETS = [
    ("full build of the project's own sources / fixed floor", "ratio_seed_fixed_floor", 1.5, None),
    ("full build / compiled-SQL floor", "ratio_pipeline_floor", 2.0, 10_000_000),
    ("no-change re-run / full build", "ratio_unchanged_full", None, 10_000_000),
    ("nightly tick, nothing changed / full build (own sources)", "ratio_seed_tick_full", 0.20, None),
    ("nightly tick, nothing changed / full build", "ratio_tick_full", 0.20, 1_000_000),
    ("+1% run / full build", "ratio_incremental_full", 0.08, 10_000_000),
    ("peak memory of the full build, MiB (its largest process)", "pipeline_peak_mib", 3 * 1024, 10_000_000),
]


def ok(run: dict | None) -> bool:
    return bool(run) and "wall_s" in run and "failure" not in run


def _plan(run: dict) -> str | None:
    plan = run.get("plan")
    return f"{plan['mode']}, {plan['documents']} document(s) re-read" if plan else None


def summarise(entry: dict, fixed: dict | None, invocation: dict | None = None) -> dict:
    """The table's figures for one size (and, in the CSV, the invocation's fixed floor and seed build)."""
    row = {"observations": entry["observations"], "status": entry["status"], "failure": entry.get("failure", "")}
    pipeline, floor = entry.get("pipeline") or {}, entry.get("floor") or {}
    if ok(pipeline):
        row.update(
            pipeline_wall_s=pipeline["wall_s"],
            pipeline_peak_mib=pipeline["peak_mib"],
            pipeline_tree_peak_mib=pipeline["tree_peak_mib"],
            pipeline_cpu_s=pipeline.get("cpu_s"),
        )
    if ok(floor):
        row.update(floor_wall_s=floor["wall_s"], floor_peak_mib=floor["peak_mib"], floor_cpu_s=floor.get("cpu_s"))
    if ok(pipeline) and ok(floor):
        row["ratio_pipeline_floor"] = round(pipeline["wall_s"] / floor["wall_s"], 2)
    fixed_pipeline = (fixed or {}).get("pipeline")
    if ok(pipeline) and ok(fixed_pipeline):
        row["fixed_s"] = fixed_pipeline["wall_s"]
        row["growing_s"] = round(pipeline["wall_s"] - fixed_pipeline["wall_s"], 3)
        if ok(floor):
            row["ratio_growing_floor"] = round(row["growing_s"] / floor["wall_s"], 2)
    for name in ("unchanged", "incremental"):
        run = entry.get(name) or {}
        if ok(pipeline) and ok(run):
            row[f"{name}_wall_s"] = run["wall_s"]
            row[f"{name}_peak_mib"] = run["peak_mib"]
            row[f"{name}_cpu_s"] = run.get("cpu_s")
            row[f"ratio_{name}_full"] = round(run["wall_s"] / pipeline["wall_s"], 2)
            row[f"{name}_plan"] = _plan(run)
    tick = entry.get("tick") or {}
    if ok(pipeline) and ok(tick):
        # the whole process (it imports the definitions, which a daemon's code server has done already)
        row.update(tick_wall_s=tick["wall_s"], tick_evaluation_s=tick.get("evaluation_s"))
        row["ratio_tick_full"] = round(tick["wall_s"] / pipeline["wall_s"], 2)
    if ok(entry.get("incremental")):
        row["incremental_figures_added"] = entry["incremental"]["figures_added"]
    return {**row, **(invocation or {})}


def invocation_figures(fixed_floor: dict | None, seed: dict | None, tick: dict | None = None) -> dict:
    """The fixed floor, the full build of the project's own sources, the nightly tick on them, and ratios."""
    row = {}
    if ok(seed) and ok(tick):
        row["seed_tick_s"] = tick["wall_s"]
        row["ratio_seed_tick_full"] = round(tick["wall_s"] / seed["wall_s"], 2)
    if fixed_floor and "failure" not in fixed_floor:
        row["fixed_floor_s"] = fixed_floor["wall_s"]
        row["fixed_floor_cpu_s"] = round(sum(part["cpu_s"] for part in fixed_floor["parts"].values()), 2)
    if ok(seed):
        row["seed_build_s"], row["seed_build_cpu_s"] = seed["wall_s"], seed.get("cpu_s")
        if "fixed_floor_s" in row:
            row["ratio_seed_fixed_floor"] = round(seed["wall_s"] / row["fixed_floor_s"], 2)
            # CPU seconds, less disturbed than wall time when other work shares the machine
            if seed.get("cpu_s") and row["fixed_floor_cpu_s"]:
                row["ratio_seed_fixed_floor_cpu"] = round(seed["cpu_s"] / row["fixed_floor_cpu_s"], 2)
    return row


def targets(rows: list[dict], invocation: dict) -> list[dict]:
    """Each target with the value measured: the invocation's, or that of the size it names (else the largest
    size measured, marked as such)."""
    found = []
    for what, key, limit, size in TARGETS:
        if size is None:
            value, at = invocation.get(key), None
        else:
            measured = [r for r in rows if r.get(key) is not None]
            exact = [r for r in measured if r["observations"] == size]
            chosen = exact[0] if exact else (max(measured, key=lambda r: r["observations"]) if measured else None)
            value, at = (chosen.get(key), chosen["observations"]) if chosen else (None, None)
        found.append(
            {
                "what": what,
                "key": key,
                "at_most": limit,
                "target_size": size,
                "measured_at": at,
                "value": value,
                "met": None if value is None or limit is None or at != size else value <= limit,
            }
        )
    return found


def format_targets(found: list[dict], invocation: dict) -> str:
    lines = ["the issue's targets:"]
    for t in found:
        limit = f"target <= {t['at_most']}" if t["at_most"] is not None else "no number set"
        where = f" at {t['target_size']:,}" if t["target_size"] else ""
        value = "not measured" if t["value"] is None else f"{t['value']:.2f}"
        if t["measured_at"] is not None and t["measured_at"] != t["target_size"]:
            value += f" (measured at {t['measured_at']:,} only: not the target's size)"
        elif t["met"] is not None:
            value += " met" if t["met"] else " NOT met"
        lines.append(f"  {t['what']}: {value} ({limit}{where})")
    if "fixed_floor_s" in invocation:
        lines.append(
            f"  (fixed floor {invocation['fixed_floor_s']:.1f} s, {invocation['fixed_floor_cpu_s']:.1f} s CPU; "
            f"full build of the project's own sources {invocation.get('seed_build_s', '-')} s, "
            f"{invocation.get('seed_build_cpu_s', '-')} s CPU; in CPU seconds the ratio is "
            f"{invocation.get('ratio_seed_fixed_floor_cpu', '-')})"
        )
    return "\n".join(lines)


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


def write_results(document: dict, rows: list[dict]) -> None:
    """data/bench/results.json and .csv; with --revision also results-<sha>.json/.csv, kept across runs."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    revision = document["config"].get("revision")
    stems = ["results"] + ([f"results-{revision[:12]}"] if revision else [])
    machine = document["machine"]
    columns = [key for key, _, _ in TABLE_COLUMNS] + CSV_EXTRA + ["nproc", "mem_total_mib", "python", "duckdb"]
    columns.append("revision")
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
