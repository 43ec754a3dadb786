"""The benchmark floor runs the project's own validation, dbt's compiled SQL and the GX suites' queries, and the
generator's register agrees with the project's own claim checks (benchmarks/README.md: "The pieces")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from benchmarks import floor
from benchmarks.generate import generate


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """The project compiled once for floor files named floor.duckdb."""
    return floor.compile_for(Path("floor.duckdb"), tmp_path_factory.mktemp("compile"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Many perturbed claims of every kind, in two documents."""
    out = tmp_path_factory.mktemp("generated") / "sources"
    generate(3_000, 42, out, inconsistent=0.3, doc_figures=2_000)
    return out


@pytest.fixture(scope="module")
def built(generated, manifest, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("built") / "floor.duckdb"
    return out, floor.run(generated, out, manifest)


def test_the_generated_register_is_what_the_projects_checks_find(generated, built):
    from orchestration.checks.gx_suites import load_suites, run_suite

    out, result = built
    assert result["failed_tests"] == {}
    with open(generated / "discrepancy_register.csv", newline="", encoding="utf-8") as handle:
        registered = {row["claim_id"]: row["verdict"] for row in csv.DictReader(handle)}
    with duckdb.connect(str(out), read_only=True) as con:
        found = dict(
            con.execute("select claim_id, verdict from marts.claim_checks where verdict <> 'consistent'").fetchall()
        )
        kinds = {k for (k,) in con.execute("select distinct verdict from marts.claim_checks").fetchall()}
        # the GX suites, register agreement included, pass on what the floor built
        outcomes = {suite.name: run_suite(suite, con) for suite in load_suites()}
    assert kinds == {"consistent", "inconsistent", "gross_inconsistency"}
    assert registered == found and len(found) > 100
    assert {name: o.success for name, o in outcomes.items()} == dict.fromkeys(outcomes, True)


def test_the_floor_builds_every_model_and_runs_every_test(manifest, built):
    out, result = built
    # the manifest itself, not build_nodes' reading of it: a node build_nodes dropped would be missed
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    models = {
        n["relation_name"].replace('"', "")
        for n in nodes
        if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"
    }
    with duckdb.connect(str(out), read_only=True) as con:
        relations = {
            f"{db}.{schema}.{name}"
            for db, schema, name in con.execute(
                "select table_catalog, table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    assert len(models) >= 40 and models <= relations
    assert result["nodes"]["test"] == sum(1 for n in nodes if n["resource_type"] == "test")
    assert result["rows"]["figures"] == 3_000


def test_a_failing_data_test_fails_the_floor(generated, manifest, tmp_path):
    # the compiled SQL of one model, broken: every exchange-rate year twice, which its unique test must find
    document = json.loads(manifest.read_text(encoding="utf-8"))
    node = document["nodes"]["model.outsourcing_warehouse.int_fx_rates_annual"]
    node["compiled_code"] = f"select * from ({node['compiled_code']}) union all select * from ({node['compiled_code']})"
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    result = floor.run(generated, tmp_path / "floor.duckdb", broken)
    assert "test.outsourcing_warehouse.unique_int_fx_rates_annual_year" in {
        uid.rsplit(".", 1)[0] for uid in result["failed_tests"]
    }
    assert (
        floor.main(["--sources", str(generated), "--out", str(tmp_path / "floor.duckdb"), "--manifest", str(broken)])
        == 1
    )


def test_sources_that_do_not_validate_are_reported_with_file_and_line(generated, manifest, tmp_path):
    sources = tmp_path / "sources"
    generate(300, 42, sources)
    figures = next((sources / "figures").glob("*.csv"))
    lines = figures.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[2]  # a figure id twice
    figures.write_text("".join(lines), encoding="utf-8")
    result = floor.run(sources, tmp_path / "floor.duckdb", manifest)
    assert any(p.startswith(f"sources/figures/{figures.name}:4:") for p in result["validation_problems"])


def test_a_manifest_compiled_for_another_file_name_is_refused(generated, manifest, tmp_path, capsys):
    out = tmp_path / "other.duckdb"
    assert floor.main(["--sources", str(generated), "--out", str(out), "--manifest", str(manifest)]) == 2
    assert "compile against a file named other.duckdb" in capsys.readouterr().err
    assert not out.exists()
