"""Every model and every column it builds is described in yml, and `dbt docs generate` works on a built warehouse."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import PROJECT_ROOT
from orchestration.dbt_project import prepare_manifest


def test_every_model_and_built_column_is_described(built_warehouse):
    manifest = json.loads(prepare_manifest().read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models
    undocumented = []
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for node in models:
            if not node["description"].strip():
                undocumented.append(f"model {node['name']}")
            built = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [node["schema"], node["name"]],
                ).fetchall()
            ]
            assert built, f"{node['schema']}.{node['name']} was not built"
            described = {name: c["description"].strip() for name, c in node["columns"].items()}
            undocumented += [f"{node['name']}.{c}" for c in built if not described.get(c)]
    assert undocumented == []


def test_make_docs_generates_from_a_copy_while_a_reader_holds_the_published_file(built_warehouse, tmp_path):
    """`make docs`'s generation (`warehouse docs`): a reader's open connection neither fails it nor is blocked,
    and the published file is not written."""
    published = tmp_path / "pub" / "warehouse.duckdb"
    published.parent.mkdir()
    shutil.copy(built_warehouse, published)
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    env = {**os.environ, "WAREHOUSE_PATH": str(published), "DATA_DIR": str(tmp_path / "data")}
    with duckdb.connect(str(published), read_only=True) as reader:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "warehouse"), "docs"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert reader.execute("select count(*) from marts.figures").fetchone()[0] > 100
    assert result.returncode == 0, result.stdout + result.stderr
    target = tmp_path / "data" / "dbt_docs" / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.outsourcing_warehouse.figures" in catalog["nodes"]
    assert (target / "index.html").exists()
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert not (tmp_path / "data" / "dbt_docs" / "warehouse.duckdb").exists(), "the copy is removed"
