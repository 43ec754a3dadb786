"""Where a pipeline run's time and memory went: from its Dagster instance (start-up, each step with the tree's
peak memory, teardown) and dbt's run_results.json (node count, time by kind, slowest nodes); and how to print it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from .measure import TreeSampler, tail
from .paths import VENV_BIN

# Reads the run's step timings from the Dagster instance the run recorded into (exact, unlike the log's text).
_STEP_STATS = r"""
import json, sys
from dagster import AssetKey, DagsterInstance
instance = DagsterInstance.get()
runs = instance.get_runs(limit=1)
if not runs:
    print(json.dumps({})); sys.exit()
run = runs[0]
stats = instance.get_run_stats(run.run_id)
steps = [{"step": s.step_key, "status": s.status.value if s.status else None, "start": s.start_time,
          "end": s.end_time} for s in instance.get_run_step_stats(run.run_id)]
# the ingest's own split of its time (orchestration/ingest/assets.py), from its materialization of the run's scope
scope = instance.get_latest_materialization_event(AssetKey(["ingest", "run_scope"]))
ingest = scope.asset_materialization.metadata.get("ingest_seconds") if scope and scope.run_id == run.run_id else None
print(json.dumps({"run_id": run.run_id, "status": run.status.value, "start": stats.start_time,
                  "end": stats.end_time, "steps": steps, "ingest_seconds": ingest.value if ingest else None}))
"""


def pipeline_breakdown(code: Path, result: dict, sampler: TreeSampler, env: dict, log: Path) -> dict:
    """Where the wall time and memory went: start-up, each Dagster step (with peak tree RSS), dbt's slowest nodes."""
    breakdown: dict = {}
    try:
        stats = json.loads(
            subprocess.run(
                [str(VENV_BIN / "python"), "-c", _STEP_STATS],
                cwd=code,
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
    breakdown["ingest_s"] = stats.get("ingest_seconds")
    breakdown["dbt"] = _dbt_breakdown(code, stats["run_id"], log.parent, log.stem.replace("pipeline", ""))
    return breakdown


def _dbt_breakdown(code: Path, run_id: str, out: Path, tag: str = "") -> dict:
    """dbt's own timings from the run's target folder (copied to out/, then the folder this run made is removed)."""
    folders = sorted((code / "dbt_project" / "target").glob(f"warehouse_models-{run_id[:7]}-*"))
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
    for match in _LOG_STEP.finditer(tail(log, 10_000_000)):
        steps[match.group(1)] = _duration(match.group(2)) if match.group(2) else None
    return steps


def _duration(text: str) -> float:
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:([0-9.]+)s)?", text)
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups()) if match else (0, 0, 0)
    return hours * 3600 + minutes * 60 + seconds


def format_breakdown(entry: dict) -> str:
    """Where one size's time and memory went: the full run, the floor, the no-change re-run, the +1% run."""
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
        lines.append(
            f"  floor: {floor['wall_s']:.2f} s, peak {floor['peak_mib']:.0f} MiB; steps {floor['steps']}; "
            f"slowest {floor.get('slowest_nodes')}"
        )
    unchanged = entry.get("unchanged") or {}
    if unchanged.get("skipped"):
        lines.append(f"  no-change re-run skipped: {unchanged['skipped']}")
    elif unchanged:
        lines += _run_breakdown_lines(f"{entry['observations']:,} observations again: no-change re-run", unchanged)
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
    ingest = breakdown.get("ingest_s") or {}
    if ingest:  # a run that rebuilds (one with nothing to rebuild materializes no scope)
        lines.append(
            f"  ingest: validation {ingest['validation']} s; the working copy {ingest['working_copy']} s beside it, "
            f"{ingest['waited_for_working_copy']} s after it; load {ingest['load']} s"
        )
    dbt = breakdown.get("dbt") or {}
    if dbt:
        lines.append(
            f"  dbt: {dbt['nodes']} nodes in {dbt['elapsed_s']} s; execution by kind "
            f"{dbt['execution_s_by_kind']}; slowest " + ", ".join(f"{s['node']} {s['s']}s" for s in dbt["slowest"][:5])
        )
    return lines
