"""dbt's own SQL for every node a pipeline build runs, from `dbt compile`: what the floor runs, so it cannot drift.

`compile_project` runs `dbt compile` against an empty scratch DuckDB file. No model exists there, so every
`is_incremental()` is false and each incremental model compiles to its full-refresh form, as a first build runs
it. The scratch file carries the floor's file name: DuckDB names a file's catalog after it, and the compiled SQL
names its relations in that catalog. `build_nodes` reads the manifest: the nodes the pipeline's
`dbt build --exclude-resource-type unit_test` runs (orchestration/dbt_models.py), parents before children.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

# what the pipeline's dbt build runs; unit tests check the SQL on fixtures, not the data, and it excludes them
BUILT_TYPES = ("seed", "model", "test")


class CompileError(RuntimeError):
    pass


@dataclass(frozen=True)
class Node:
    unique_id: str
    resource_type: str
    relation: str  # the quoted relation a model or seed writes; a test's own name
    materialized: str
    sql: str  # compiled SQL (a model's select, a test's failing rows); a seed's CSV path
    config: dict

    @property
    def schema(self) -> str:
        """The quoted catalog.schema part of the relation."""
        return self.relation.rsplit(".", 1)[0]

    def test_query(self) -> str:
        """dbt's default test query (default__get_test_sql in dbt's global project) with this test's config."""
        fail_calc, limit = self.config.get("fail_calc") or "count(*)", self.config.get("limit")
        return (
            f"select {fail_calc} as failures, {fail_calc} {self.config.get('warn_if') or '!= 0'} as should_warn, "
            f"{fail_calc} {self.config.get('error_if') or '!= 0'} as should_error "
            f"from ({self.sql}\n{f'limit {limit}' if limit is not None else ''}) as dbt_internal_test"
        )


def compile_project(project_dir: Path, database: Path, target: Path, dbt: Path) -> Path:
    """Compile the dbt project against the scratch DuckDB file `database` (created empty, replaced) into `target`;
    return the manifest's path."""
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    env = {**os.environ, "WAREHOUSE_PATH": str(database.resolve())}
    done = subprocess.run(
        [
            str(dbt),
            "compile",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target.resolve()),
            "--log-path",
            str((target / "logs").resolve()),
            "--exclude",
            "resource_type:unit_test",
            "--quiet",
        ],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    manifest = target / "manifest.json"
    if done.returncode or not manifest.exists():
        raise CompileError(f"dbt compile in {project_dir} failed (exit {done.returncode}): {done.stdout[-1500:]}")
    return manifest


def build_nodes(manifest_path: Path) -> list[Node]:
    """Every seed, model and data test of the manifest, each after the nodes it depends on."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = {uid: props for uid, props in manifest["nodes"].items() if props["resource_type"] in BUILT_TYPES}
    # unit tests check the SQL, not the data; the project's hook (an operation) records what dbt rebuilt, for
    # the pipeline's suites
    unsupported = sorted(
        uid
        for uid, props in manifest["nodes"].items()
        if props["resource_type"] not in (*BUILT_TYPES, "unit_test", "operation")
    )
    if unsupported:
        raise CompileError(f"{manifest_path}: the floor cannot run these nodes: {unsupported}")
    graph = TopologicalSorter()
    for uid in sorted(nodes):
        graph.add(uid, *sorted(p for p in nodes[uid]["depends_on"].get("nodes", []) if p in nodes))
    return [_node(uid, nodes[uid], manifest_path) for uid in graph.static_order()]


def _node(uid: str, props: dict, manifest_path: Path) -> Node:
    kind = props["resource_type"]
    if kind == "seed":
        sql = str(Path(props["root_path"]) / props["original_file_path"])
    elif props.get("compiled_code") is None:
        raise CompileError(f"{manifest_path}: {uid} has no compiled SQL (was the manifest written by dbt compile?)")
    else:
        sql = props["compiled_code"]
    return Node(
        unique_id=uid,
        resource_type=kind,
        relation=props.get("relation_name") or props["name"],
        materialized=props["config"].get("materialized", ""),
        sql=sql,
        config=props["config"],
    )
