"""Every model and every column it builds is described in yml, and `dbt docs generate` works on a built warehouse."""

from __future__ import annotations

import json

import duckdb

from conftest import dbt_on_copy
from orchestration.dbt_models import prepare_manifest


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


def test_dbt_docs_generate_works(built_warehouse, tmp_path):
    result = dbt_on_copy(["docs", "generate"], built_warehouse, tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.outsourcing_warehouse.figures" in catalog["nodes"]
    assert (tmp_path / "target" / "index.html").exists()
