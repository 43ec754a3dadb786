"""The tools' own fixed floor: what dbt, Dagster and GX cost before there is any data.

Three commands, each measured on its own, fastest of --fixed-repeats kept, summed:
- `dbt build` of a trivial project with as many models (views and tables alike) and data tests as the pipeline's
  build runs, each model `select 1`, each test one that finds no row; generated in a temporary folder with the
  project's own profiles.yml (same adapter, threads and settings) and no partial-parse state, as every pipeline
  run parses in full (its profile names the run's own working file);
- `python -c "import dagster"` and `python -c "import great_expectations"`.

The issue's target: a full build of the project's own sources at most 1.5 times this.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .compiled import Node
from .measure import measure
from .paths import VENV_BIN

IMPORTS = {"dagster_import": "import dagster", "gx_import": "import great_expectations"}


def node_counts(nodes: list[Node]) -> dict[str, int]:
    """How many views, tables (incremental models build as tables in a first build) and tests a build runs."""
    models = [n for n in nodes if n.resource_type in ("model", "seed") and n.materialized != "ephemeral"]
    views = sum(1 for n in models if n.materialized == "view")
    return {"views": views, "tables": len(models) - views, "tests": sum(1 for n in nodes if n.resource_type == "test")}


def write_trivial_project(folder: Path, counts: dict[str, int], profiles: Path) -> Path:
    """A dbt project of `counts` trivial nodes in `folder`, with the profile of `profiles` (profiles.yml)."""
    (folder / "models").mkdir(parents=True)
    (folder / "tests").mkdir()
    shutil.copy(profiles, folder / "profiles.yml")
    (folder / "dbt_project.yml").write_text(
        "name: trivial\nversion: '1.0'\nconfig-version: 2\nprofile: outsourcing_warehouse\n"
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    models = []
    for kind in ("views", "tables"):
        for i in range(counts[kind]):
            name = f"{kind[:-1]}_{i:04d}"
            materialized = kind[:-1]
            (folder / "models" / f"{name}.sql").write_text(
                f"{{{{ config(materialized='{materialized}') }}}}\nselect 1 as x\n", encoding="utf-8"
            )
            models.append(name)
    for i in range(counts["tests"]):
        model = models[i % len(models)] if models else None
        source = f"{{{{ ref('{model}') }}}}" if model else "(select 1 as x)"
        (folder / "tests" / f"test_{i:04d}.sql").write_text(f"select * from {source} where x <> 1\n", encoding="utf-8")
    return folder


def run_fixed_floor(code: Path, counts: dict[str, int], out: Path, timeout: float, repeats: int) -> dict:
    """Measure the three commands `repeats` times each; the fastest successful of each, and their sum."""
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench_trivial_dbt_"))
    try:
        project = write_trivial_project(folder / "project", counts, code / "dbt_project" / "profiles.yml")
        commands = {
            "dbt_build": (
                [str(VENV_BIN / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project)]
                + ["--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
                project,
            ),
            **{name: ([str(VENV_BIN / "python"), "-c", statement], code) for name, statement in IMPORTS.items()},
        }
        parts = {}
        for name, (command, cwd) in commands.items():
            runs = []
            for i in range(max(1, repeats)):
                shutil.rmtree(folder / "target", ignore_errors=True)  # no partial parse from the previous repeat
                env = {**os.environ, "WAREHOUSE_PATH": str(folder / f"trivial{i}.duckdb")}
                runs.append(measure(command, out / f"fixed_floor.{name}.log", timeout, env, cwd=cwd))
                runs[-1].pop("_sampler")
            good = [r for r in runs if r["returncode"] == 0 and not r["timed_out"]]
            best = min(good, key=lambda r: r["wall_s"]) if good else runs[-1]
            parts[name] = {
                "wall_s": best["wall_s"],
                "peak_mib": best["peak_mib"],
                "cpu_s": best["cpu_s"],
                "runs_s": [r["wall_s"] for r in runs],
                **({} if good else {"failure": f"exit {best['returncode']}, see {best['log']}"}),
            }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = {name: part["failure"] for name, part in parts.items() if "failure" in part}
    result = {"nodes": counts, "parts": parts, "wall_s": round(sum(p["wall_s"] for p in parts.values()), 3)}
    return {**result, "failure": "; ".join(f"{k}: {v}" for k, v in failed.items())} if failed else result
