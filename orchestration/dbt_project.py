"""The dbt project as Dagster runs it: where it is, the dbt it runs, the profile its runs use, and the preparation
of its manifest.

The manifest is prepared at set-up, never by importing the Dagster definitions, which only read it
(dbt_models.py): by `warehouse run` and `warehouse dev` (`make run`, `make dev`) and the tests before they load the
code location, or by hand with `python -m orchestration.dbt_project`. Under `dagster dev` it is prepared again on
every reload of the code location, as dagster-dbt's `prepare_if_dev()` does, so an edited model shows at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from .resources.dbt_cli import WarehouseDbtResource
from .settings import DBT_PROJECT_DIR, setting, warehouse_path

# The dbt installed beside this interpreter, so runs work without an activated virtual environment.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
# the files a parse reads: a manifest older than any of them describes another project
_INPUT_FOLDERS = ("models", "macros", "tests", "seeds")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_resource = WarehouseDbtResource(
    project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
)


def slot(warehouse_name: str) -> Path:
    """The one path dbt builds through, a link to the run's working file. dbt parses the whole project again
    whenever its profile changes, and the profile names the database file: one path keeps partial parsing
    across runs. It carries the warehouse's own file name, which DuckDB makes the catalog name views refer to."""
    return DBT_PROJECT_DIR / "target" / "run" / warehouse_name


def profile_vars(database: Path, memory_limit: str) -> list[str]:
    """dbt's arguments for its profile (profiles.yml): the database file it builds and the DuckDB memory it may
    use. On the command line, so nothing changes this process's environment; the same for every run of a
    warehouse, so dbt's partial parsing holds."""
    return ["--vars", json.dumps({"warehouse_path": str(database), "memory_limit": memory_limit}, sort_keys=True)]


def _newest_input(project_dir: Path) -> float:
    inputs = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _INPUT_FOLDERS:
        inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in inputs if p.exists())


def manifest_problem() -> str | None:
    """Why the manifest cannot describe the project (None: it can): missing, or older than a model, macro or
    config."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return f"{manifest} is missing"
    if manifest.stat().st_mtime < _newest_input(dbt_project.project_dir):
        return f"{manifest} is older than the dbt project's files"
    return None


def prepare_manifest() -> Path:
    """Set-up's step: parse the project when its manifest is missing, stale, or parsed with another profile than
    runs of this code location use (its warehouse's slot and dbt memory, as the environment says; the resource
    checks them when a run starts, a parse needs neither to be valid), so that runs parse only what changed.
    dagster-dbt's own preparer parses with its default profile, and with a `dbt` found on PATH, which a virtual
    environment used without activating it lacks."""
    manifest = dbt_project.manifest_path
    profile = profile_vars(slot(warehouse_path(os.environ).name), setting(os.environ, "DBT_MEMORY_LIMIT"))
    # which parse of the manifest used which profile: a manifest another parse rewrote (dbt run by hand,
    # another checkout of the code) is not vouched for
    parsed_with = manifest.with_name("manifest_profile.json")
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # `dagster dev` loads the code location in several processes at once: one parses, the others find it fresh
    with open(manifest.with_name(".prepare.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (
            manifest_problem() is not None
            or not parsed_with.exists()
            or json.loads(parsed_with.read_text()) != _parse_record(profile)
        ):
            dbt_resource.cli(["parse", "--quiet", *profile], target_path=dbt_project.target_path).wait()
            parsed_with.write_text(json.dumps(_parse_record(profile)))
    return manifest


def _parse_record(profile: list[str]) -> dict:
    return {"profile": profile, "manifest": dbt_project.manifest_path.stat().st_mtime_ns}


if __name__ == "__main__":
    print(prepare_manifest())
