"""dbt's own documentation site, generated from a copy of the published warehouse.

`dbt docs generate` opens its database for writing: on the published file it would fail whenever a reader has the
file open and would block readers while it runs. The copy is taken the way readers see the file (a complete
published state; publishing replaces the file, never writes into it), then dbt reads its catalog from the copy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .dbt_project import DBT_EXECUTABLE, dbt_project, profile_vars
from .settings import DEFAULTS


def dbt_on_copy(args: list[str], warehouse: Path, workdir: Path, timeout: int) -> subprocess.CompletedProcess:
    """The real dbt CLI, configured as the pipeline configures it, on a copy of `warehouse` in `workdir` (dbt
    writes into the file it opens), with its artefacts in `workdir/target`."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / warehouse.name
    shutil.copy(warehouse, copy)
    return subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            *profile_vars(copy, DEFAULTS["DBT_MEMORY_LIMIT"]),
            "--target-path",
            str(workdir / "target"),
            "--profiles-dir",
            str(dbt_project.project_dir),
        ],
        cwd=dbt_project.project_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def generate_docs(published: Path, out: Path, timeout: int = 600) -> Path:
    """Generate the docs site of `published` into `out/target` (index.html, catalog.json, manifest.json); raise
    RuntimeError with dbt's output when dbt fails."""
    if not published.exists():
        raise RuntimeError(f"no published warehouse at {published}: run `make run` first")
    result = dbt_on_copy(["docs", "generate"], published, out, timeout)
    if result.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    (out / published.name).unlink(missing_ok=True)  # the catalog is read; the copy is not needed to serve
    return out / "target"
