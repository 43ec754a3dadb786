"""Which runs may start, judged from a run's selection and steps alone (orchestration/run_rules.py): the whole
build, a continuation that reaches the publish step, or the report site redrawn alone; anything else is refused
before any step with what to press instead. And the report site redrawn alone records what readers open."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.run_rules import PUBLISH_STEP, REPORT_KEY, REPORT_STEP, refusal

ASSETS = {dg.AssetKey(["ingest_sources"]), dg.AssetKey(["marts", "figures"]), dg.AssetKey([PUBLISH_STEP]), REPORT_KEY}
CHECKS = {dg.AssetCheckKey(dg.AssetKey(["marts", "figures"]), "figures_fidelity")}
STEPS = ["ingest_sources", "warehouse_models", "marts__figures_figures_fidelity", PUBLISH_STEP, REPORT_STEP]


def _run(assets=None, checks=None, steps=None, parent=None) -> dg.DagsterRun:
    return dg.DagsterRun(
        job_name="__ASSET_JOB",
        asset_selection=frozenset(assets) if assets is not None else None,
        asset_check_selection=frozenset(checks) if checks is not None else None,
        step_keys_to_execute=steps,
        parent_run_id=parent,
        root_run_id=parent,
    )


@pytest.mark.parametrize(
    "run",
    [
        _run(),  # Materialize all on the Lineage page, or the build_warehouse job
        _run(ASSETS, CHECKS),
        _run(ASSETS, CHECKS, steps=[PUBLISH_STEP, REPORT_STEP], parent="root"),  # re-execute from failure
        _run({REPORT_KEY}, set()),  # the report site alone, from the published warehouse
    ],
    ids=["whole job", "every asset and check", "re-execution from the publish", "report site alone"],
)
def test_a_run_that_publishes_what_it_builds_may_start(run):
    assert refusal(run, ASSETS, CHECKS) is None


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (_run({dg.AssetKey(["marts", "figures"])}, set()), "this run leaves out ingest_sources"),
        (_run(ASSETS, set()), "leaves out marts/figures:figures_fidelity"),
        (_run({dg.AssetKey([PUBLISH_STEP]), REPORT_KEY}, set()), "leaves out"),
        (_run(ASSETS, CHECKS, steps=["warehouse_models"], parent="root"), "stops before the publish step"),
        (_run(ASSETS, CHECKS, steps=[PUBLISH_STEP]), "skips the ingest"),
    ],
    ids=["one mart", "no checks", "the acts alone", "re-execution short of publishing", "no ingest, no parent"],
)
def test_a_run_that_would_not_publish_what_it_builds_is_refused_saying_what_to_press(run, reason):
    refused = refusal(run, ASSETS, CHECKS)
    assert refused is not None and reason in refused, refused
    assert refused.startswith("refused before any step") and '"Materialize all"' in refused


def test_the_report_site_alone_is_redrawn_from_the_published_warehouse_and_recorded_as_published(
    tmp_path, monkeypatch, built_warehouse
):
    import shutil

    from orchestration.definitions import defs

    published = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, published)
    monkeypatch.setenv("WAREHOUSE_PATH", str(published))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    job = defs().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(asset_selection=[REPORT_KEY], raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    recorded = {m.asset_key for m in result.asset_materializations_for_node(REPORT_STEP)}
    assert recorded == {REPORT_KEY, dg.AssetKey(["published", "report"])}
    assert (tmp_path / "data" / "report" / "index.html").is_file()
