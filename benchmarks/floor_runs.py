"""The floor (benchmarks/floor.py) as the runner measures it: the project compiled once per invocation, then one
measured process per size."""

from __future__ import annotations

import json
from pathlib import Path

from .compiled import compile_project
from .measure import measure, tail
from .paths import BENCH_DIR, VENV_BIN

FLOOR_FILE = "floor.duckdb"  # each size's floor database; the compiled SQL names its catalog, "floor"


def compile_for_floor(code: Path) -> Path:
    """Unmeasured: `dbt compile` of the measured code's project; the manifest every floor run of this invocation
    reads."""
    folder = BENCH_DIR / "floor_compile"
    return compile_project(code / "dbt_project", folder / FLOOR_FILE, folder / "target", VENV_BIN / "dbt")


def run_floor(code: Path, manifest: Path, sources: Path, out: Path, timeout: float, tag: str = "") -> dict:
    """One measured floor run on `sources` into out/floor.duckdb."""
    report = out / f"floor{tag}.json"
    report.unlink(missing_ok=True)
    command = [str(VENV_BIN / "python"), "-m", "benchmarks.floor", "--sources", str(sources)]
    command += ["--out", str(out / FLOOR_FILE), "--manifest", str(manifest), "--report", str(report)]
    result = measure(command, out / f"floor{tag}.log", timeout, cwd=code)
    result.pop("_sampler")
    if report.exists():
        floor = json.loads(report.read_text(encoding="utf-8"))
        for key in ("seconds", "steps", "nodes", "slowest_nodes", "rows", "failed_tests", "validation_problems"):
            if key in floor:
                result[key] = floor[key]
    if result["timed_out"]:
        result["failure"] = f"timeout after {timeout:.0f} s"
    elif result["returncode"] != 0:
        result["failure"] = f"exit {result['returncode']}: " + tail(out / f"floor{tag}.log", 1500).replace("\n", " | ")
    return result
