"""The skeleton holds: definitions load, the job builds the Table 1 slice in base units, the file opens in the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT, check_results

BIN = Path(sys.executable).parent


def test_definitions_validate_with_the_dagster_cli():
    result = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_job_and_a_nightly_schedule_running_by_default():
    import dagster as dg

    from orchestration.definitions import defs

    schedule = defs().resolve_schedule_def("nightly_build")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "build_warehouse"


def test_assets_are_grouped_by_layer_and_lineage_is_connected():
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups["raw/figures"] == "ingest"
    assert groups["staging/stg_figures"] == "staging"
    assert groups["intermediate/int_figures_in_base_units"] == "intermediate"
    assert groups["marts/figures"] == "marts"
    assert groups["seeds/outsourcing_structure_lines"] == "seeds"
    # the dbt source raw.figures is the ingest asset, not a separate unconnected node
    parents = {k.to_user_string() for k in graph.get(graph_key("staging/stg_figures")).parent_keys}
    assert parents == {"raw/figures"}
    # a mart's mapping table is a seed asset upstream of it
    parents = {k.to_user_string() for k in graph.get(graph_key("marts/fct_outsourcing_structure")).parent_keys}
    assert "seeds/outsourcing_structure_lines" in parents


def test_every_asset_has_the_owner_and_dbt_assets_a_clean_description_and_their_file():
    """What the UI's asset page shows: the owner on every asset; for a dbt model its yml description without
    dagster-dbt's pasted SQL, and a code reference to its .sql file instead."""
    from orchestration.definitions import defs
    from orchestration.settings import OWNERS

    specs = {spec.key.to_user_string(): spec for spec in defs().resolve_all_asset_specs()}
    assert {key for key, spec in specs.items() if tuple(spec.owners) != OWNERS} == set()
    figures = specs["marts/figures"]
    assert figures.description.startswith("The public analyst view") and "Raw SQL" not in figures.description
    (reference,) = figures.metadata["dagster/code_references"].code_references
    assert Path(reference.file_path) == PROJECT_ROOT / "dbt_project" / "models" / "marts" / "figures.sql"
    assert not any("Raw SQL" in (spec.description or "") for spec in specs.values())


def test_a_build_reuses_the_parse_the_manifest_was_prepared_with(tmp_path, monkeypatch):
    """dbt's partial parsing holds across runs: a build's profile arguments are the ones the manifest was parsed
    with, so its dbt reuses that parse instead of parsing every model again. And the invocation neither asks dbt
    for its version nor builds a dbt adapter in this process (resources/dbt_cli.py): both would fail here."""
    from dagster_dbt import DbtCliResource
    from dagster_dbt.core import resource as dagster_dbt_resource

    from orchestration.dbt_models import _build_through_slot
    from orchestration.dbt_project import dbt_resource, prepare_manifest
    from orchestration.resources.warehouse_resource import WarehouseResource

    def refused(*args, **kwargs):
        raise AssertionError("dagster-dbt's per-invocation work ran")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", refused)  # `dbt --version`
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", refused)

    prepare_manifest()
    warehouse = WarehouseResource.from_env().process_config_and_initialize()
    working = tmp_path / warehouse.settings.warehouse_path.name
    with _build_through_slot(warehouse, working) as profile:
        dbt_resource.cli(["parse", *profile], target_path=tmp_path / "target").wait()
    log = (tmp_path / "target" / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Nothing changed, skipping partial parsing" in log or "Partial parsing enabled" in log


def graph_key(text: str):
    import dagster as dg

    return dg.AssetKey(text.split("/"))


def test_loading_the_definitions_never_parses_dbt_and_names_an_unprepared_manifest(tmp_path, monkeypatch):
    """Set-up prepares the manifest; importing the code location only reads it, and refuses, naming the command,
    a manifest that is missing or older than the dbt project's files."""
    import shutil

    from dagster_dbt import DbtProject

    from orchestration import dbt_project as prepared

    project = Path(shutil.copytree(PROJECT_ROOT / "dbt_project", tmp_path / "dbt_project", ignore=_outputs))
    monkeypatch.setattr(prepared, "dbt_project", DbtProject(project))
    assert prepared.manifest_problem().endswith("manifest.json is missing")
    (project / "target").mkdir()
    shutil.copy(PROJECT_ROOT / "dbt_project" / "target" / "manifest.json", project / "target")
    assert prepared.manifest_problem() is None
    # an edit after the parse (a second later: file times come from a clock coarser than two calls apart)
    parsed = (project / "target" / "manifest.json").stat().st_mtime
    os.utime(project / "models" / "marts" / "figures.sql", (parsed + 1, parsed + 1))
    assert prepared.manifest_problem().endswith("older than the dbt project's files")

    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_IS_DEV_CLI"}
    never_prepared = "import orchestration.dbt_project as p; p.prepare_manifest = lambda: exit(3); "
    loaded = subprocess.run(
        [sys.executable, "-c", never_prepared + "import orchestration.definitions"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
    )
    assert loaded.returncode == 0, loaded.stderr.decode()[-2000:]


def _outputs(folder, names):
    return [n for n in names if n in ("target", "logs")]


def test_the_full_job_builds_table_1_in_base_units(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select indicator_code, year, value, unit, value_usd, value_cny, document_id, locator, stated_text,
                   measure
            from marts.figures
            where document_id = 'ningbo_paper' and section = 'Table 1' and table_row is not null
            """
        ).fetchall()
    # the amount and its growth row are one indicator: the measure tells them apart
    by_key = {(r[0], r[1]) if r[9] == "level" else (r[0], r[9], r[1]): r for r in rows}
    assert len(by_key) == len(rows)
    assert len(rows) == 27  # 4 rows x 7 years, minus the blank 2011 growth cell
    offshore_2017 = by_key[("offshore_outsourcing_realization", 2017)]
    assert offshore_2017[2] == 2_007_000_000 and offshore_2017[3] == "USD"
    assert offshore_2017[4] == 2_007_000_000
    # at WDI 2017's 6.7588 yuan per US$, to the four significant digits "20.07" was printed with
    assert offshore_2017[5] == 13_560_000_000 == round(2_007_000_000 * 6.7588, -7)
    assert offshore_2017[8] == "20.07"
    share_2017 = by_key[("offshore_share_of_services_exports_pct", 2017)]
    assert share_2017[2] == pytest.approx(26.90) and share_2017[3] == "percent" and share_2017[4] is None
    growth_2017 = by_key[("offshore_outsourcing_realization", "growth_pct", 2017)]
    assert growth_2017[3] == "percent" and growth_2017[4] is None
    exports_2011 = by_key[("services_trade_exports", 2011)]
    assert exports_2011[2] == 1_613_000_000
    assert "column '2011'" in exports_2011[7]


def test_the_gx_checks_ran_and_passed_on_the_real_sources(built_run):
    result, built_warehouse = built_run
    checks = check_results(result)
    assert checks["figures_fidelity"] is True
    assert any(name.startswith("not_null") or name.startswith("unique") for name in checks), "dbt tests surface"
    report = built_warehouse.parent / "data" / "validation" / "index.html"
    assert "figures_fidelity" in report.read_text()


def test_published_file_opens_read_only_in_the_duckdb_cli(built_warehouse):
    cli = BIN / "duckdb"
    result = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-csv",
            str(built_warehouse),
            "select value_usd from marts.figures where stated_text = '20.07'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["value_usd", "2007000000.0"]
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1.5"), version


def test_published_file_opens_read_only_in_the_pinned_python_package(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.figures").fetchone()[0] > 0
