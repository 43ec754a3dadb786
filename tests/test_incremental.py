"""Incremental runs: a run re-reads only the documents whose files changed, checks them against the documents it
keeps, and publishes exactly the warehouse a full rebuild from the same sources would."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from conftest import SOURCES, build, check_results, read_rows, write_rows
from orchestration.checks.gx_suites import load_suites
from orchestration.dbt_docs import dbt_on_copy
from orchestration.dbt_selection import BUILD, DbtWork
from orchestration.ingest import assets, changes
from orchestration.ingest.validate import SourceValidationError, validate_run
from test_asset_metadata import assert_findings_counted, assert_tables_described, dbt_materializations
from test_operations import _table_checksums

NINGBO = "ningbo_paper"


def _without_ningbo_and_with_an_edit(sources: Path) -> None:
    """Sources as they might have stood earlier: no Ningbo paper yet, and one Dalian event worded differently."""
    for folder in ("figures", "mentions", "claims", "events", "not_figures"):
        (sources / folder / f"{NINGBO}.csv").unlink(missing_ok=True)
    for name, column, value in (("documents.csv", "document_id", NINGBO), ("firm_aliases.csv", "document_id", NINGBO)):
        fields, rows = read_rows(sources / name)
        write_rows(sources / name, fields, [r for r in rows if r[column] != value])
    fields, rows = read_rows(sources / "discrepancy_register.csv")
    write_rows(
        # the paper's claims, and those the identities derive on its figures (<identity>_ningbo_f…)
        sources / "discrepancy_register.csv",
        fields,
        [r for r in rows if "ningbo_" not in r["claim_id"]],
    )
    fields, rows = read_rows(sources / "events" / "dalian_paper_2013.csv")
    rows[0]["description"] += " (earlier wording)"
    write_rows(sources / "events" / "dalian_paper_2013.csv", fields, rows)


def _build_state(warehouse: Path) -> tuple[str, set[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mode = con.execute("select mode from ingest.build").fetchone()[0]
        scope = {d for (d,) in con.execute("select document_id from ingest.run_scope").fetchall()}
    return mode, scope


def _rows_read(result) -> dict[str, int]:
    return {
        m.asset_key.path[-1]: m.metadata["rows_read_this_run"].value
        for m in result.asset_materializations_for_node("ingest_sources")
        if "rows_read_this_run" in m.metadata
    }


def _rows_validated(result) -> dict[str, tuple[int, int, int]]:
    """Per suite: rows validated by this run, by earlier runs, and in the whole table."""
    return {
        e.event_specific_data.check_name: tuple(
            e.event_specific_data.metadata[k].value
            for k in ("rows_validated_this_run", "rows_validated_in_earlier_runs", "rows_in_table")
        )
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and "rows_validated_this_run" in e.event_specific_data.metadata
    }


def _skipped(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}


def _check_steps(result) -> set[str]:
    """The steps of the GX suites and of the coverage check: each check is a step of its own."""
    names = {s.name for s in load_suites()} | {"document_coverage"}
    return {e.step_key for e in result.all_events if e.step_key and any(e.step_key.endswith(n) for n in names)}


def _models_rebuilt(warehouse: Path) -> dict[str, bool]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute("select model, bool_and(every_document) from ingest.models_rebuilt group by 1").fetchall()
        )


def _text_numbers(warehouse: Path, document: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            'select * from raw.text_numbers where document_id = ? order by line, "column"', [document]
        ).fetchall()


def _page(workdir: Path) -> tuple[dict, dict[str, dict]]:
    """The validation page's record of the published run, and of each suite, read strictly as JSON."""

    def strict(path: Path) -> dict:
        return json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"{path} holds {c}"))

    folder = workdir / "data" / "validation"
    return strict(folder / "run.json"), {p.stem: strict(p) for p in (folder / "suites").glob("*.json")}


def test_an_incremental_run_publishes_what_a_full_rebuild_would(tmp_path, monkeypatch, built_warehouse):
    earlier = Path(shutil.copytree(SOURCES, tmp_path / "earlier" / "sources"))
    _without_ningbo_and_with_an_edit(earlier)
    current = Path(shutil.copytree(SOURCES, tmp_path / "current" / "sources"))
    warehouse = tmp_path / "warehouse.duckdb"

    assert build(monkeypatch, tmp_path, earlier).success
    assert _build_state(warehouse) == ("full", {"dalian_blog_2009", "dalian_paper_2013"})
    earlier_full = _table_checksums(warehouse)
    blog_numbers = _text_numbers(warehouse, "dalian_blog_2009")

    # the Ningbo paper arrives and the Dalian event gets its printed wording back: two documents are re-read;
    # the copy of the published file is made as slow as a large warehouse's, so that its time shows apart
    copy = assets.start_working_copy
    with pytest.MonkeyPatch.context() as slow:
        slow.setattr(assets, "start_working_copy", lambda *args: time.sleep(3) or copy(*args))
        added = build(monkeypatch, tmp_path, current)
    assert added.success
    assert _build_state(warehouse) == ("incremental", {NINGBO, "dalian_paper_2013"})
    read = _rows_read(added)
    assert read["figures"] == 106 + 65 and read["claims"] == 47 + 22 and read["events"] == 33
    texts = {m.asset_key.path[-1]: m.metadata for m in added.asset_materializations_for_node("ingest_sources")}
    assert texts["document_texts"]["texts_read_this_run"].value == 2, "only the two documents' texts are read"
    assert _text_numbers(warehouse, "dalian_blog_2009") == blog_numbers, "the kept document's numbers are kept"
    assert read["documents"] == 3, "catalogues are always read whole"
    assert _rows_validated(added)["figures_fidelity"] == (106 + 65, 2, 173), "GX validates the rebuilt rows"
    seconds = texts["run_scope"]["ingest_seconds"].value
    assert seconds.keys() == {"validation", "working_copy", "waited_for_working_copy", "load"}
    assert min(seconds.values()) >= 0 and seconds["working_copy"] >= 3
    # the copy runs beside the validation: the step waits after it only for what is left of the copy
    assert seconds["validation"] < seconds["working_copy"]
    assert seconds["validation"] + seconds["waited_for_working_copy"] >= seconds["working_copy"] - 0.05
    assert _table_checksums(warehouse) == _table_checksums(built_warehouse)
    run, suites = _page(tmp_path)
    assert (run["run_id"], run["mode"]) == (added.run_id, "incremental")
    assert (suites["figures_fidelity"]["rows_validated"], suites["figures_fidelity"]["rows_in_table"]) == (171, 173)

    # nothing changed: dbt, the suites, the publish step and the report do not run; the published file and its page stay
    published = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    same = build(monkeypatch, tmp_path, current)
    assert same.success
    assert _skipped(same) == {"warehouse_models", "publish", "report_site", *_check_steps(same)}
    assert len(_check_steps(same)) == 6  # five suites and the coverage check
    assert not _rows_validated(same), "no suite ran"
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published
    assert len(list((tmp_path / "history").glob("*.duckdb"))) == 2, "nothing new was published"
    assert not any((tmp_path / ".runs").iterdir()), "no working copy was made"
    (observed,) = [e.event_specific_data.asset_observation for e in same.all_events if e.is_asset_observation]
    assert observed.metadata["published"].value == "kept as it is: nothing to rebuild"
    assert observed.metadata["reason"].value.startswith("nothing changed since the published build")
    run, suites = _page(tmp_path)
    assert run["run_id"] == added.run_id, "the page still describes the published run"
    assert all(s["rows_validated_in_earlier_runs"] + s["rows_validated"] == s["rows_in_table"] for s in suites.values())

    # and back: the Ningbo paper's rows leave every table, the Dalian event is reworded again
    removed = build(monkeypatch, tmp_path, earlier)
    assert removed.success
    assert _build_state(warehouse) == ("incremental", {NINGBO, "dalian_paper_2013"})
    assert _table_checksums(warehouse) == earlier_full


def _published_from(built_warehouse: Path, workdir: Path) -> Path:
    """The session's full build of the current sources, published under `workdir` for a run to start from."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(built_warehouse, workdir / "warehouse.duckdb"))


def test_a_dbt_model_edit_rebuilds_that_model_and_its_children(tmp_path, monkeypatch, built_warehouse):
    warehouse = _published_from(built_warehouse, tmp_path)
    project = Path(
        shutil.copytree(
            changes.DBT_PROJECT_DIR, tmp_path / "code" / "dbt_project", ignore=shutil.ignore_patterns("target", "logs")
        )
    )
    model = project / "models" / "intermediate" / "int_figure_intervals.sql"
    model.write_text(model.read_text() + "-- an edit that changes nothing the model computes\n")
    monkeypatch.setattr(changes, "DBT_PROJECT_DIR", project)

    edited = build(monkeypatch, tmp_path, dbt_project=project)
    assert edited.success, [str(e.message) for e in edited.all_events if e.is_failure]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reason, changed, documents = con.execute(
            "select reason, changed_sources, (select count(*) from ingest.run_scope) from ingest.build"
        ).fetchone()
    assert (changed, documents) == ([], 0) and "the dbt project changed" in reason
    # the model and what reads it, each for every document; nothing else: the claims, the reconciliation of
    # facts stated twice, the flags and what carries them, the preferred series
    assert _models_rebuilt(warehouse) == {
        "int_figure_intervals": True,
        "int_claim_operands": True,
        "claim_checks": True,
        "figures": True,
        "int_figure_statement_bounds": True,
        "int_figure_statements": True,
        "int_derived_claims": True,
        "int_claim_inputs": True,
        "int_claims": True,
        "int_claim_scope": True,
        "int_fact_scope": True,
        "figure_reconciliation": True,
        "figure_discrepancy_flags": True,
        "preferred_figures": True,
        "preferred_series": True,
        "city_outsourcing_comparison": True,
        "fct_outsourcing_structure": True,
        "japan_offshore_orders": True,
        "ningbo_offshore_share_of_exports": True,
        "wage_gaps": True,
    }
    assert _table_checksums(warehouse) == _table_checksums(built_warehouse)
    validated = _rows_validated(edited)
    # 70 claims written and 24 the identities derive
    assert validated["claim_register"] == (94, 0, 94), "a suite on a model rebuilt whole validates every row"
    assert check_results(edited)["figure_consistency"] is True, "dbt's test of the rebuilt claim_checks"
    assert validated["figures_fidelity"] == (0, 173, 173), "fct_observation was kept: none of its rows changed"
    assert validated["figure_ranges"] == (0, 173, 173)


def test_a_suite_edit_revalidates_every_row_of_that_suite(tmp_path, monkeypatch, built_warehouse):
    warehouse = _published_from(built_warehouse, tmp_path)
    suites = Path(shutil.copytree(changes.EXPECTATIONS_DIR, tmp_path / "code" / "expectations"))
    path = suites / "claim_register.json"
    path.write_text(path.read_text().replace('"description": "', '"description": "(edited) ', 1))
    monkeypatch.setattr(changes, "EXPECTATIONS_DIR", suites)

    edited = build(monkeypatch, tmp_path)
    assert edited.success, [str(e.message) for e in edited.all_events if e.is_failure]
    assert "warehouse_models" not in _skipped(edited) and not _models_rebuilt(warehouse), "dbt rebuilt nothing"
    from orchestration.dbt_models import MART_KEYS

    kept = dbt_materializations(edited)
    assert {k for k, m in kept.items() if m["rebuilt_this_run"].value is False} == set(MART_KEYS) == set(kept)
    assert_tables_described(kept, warehouse)  # a kept mart carries the row count of the published table
    assert_findings_counted(kept, warehouse)
    validated = _rows_validated(edited)
    assert validated["claim_register"] == (94, 0, 94)
    assert check_results(edited)["figure_consistency"] is True, "dbt's test of the kept claim_checks"
    assert validated["figures_fidelity"] == (0, 173, 173)
    assert _table_checksums(warehouse) == _table_checksums(built_warehouse)
    run, pages = _page(tmp_path)
    assert run["run_id"] == edited.run_id, "the run published: the page records the suite's new outcome"
    assert (pages["claim_register"]["rows_validated"], pages["claim_register"]["run_id"]) == (94, edited.run_id)


@pytest.fixture
def baseline(tmp_path, built_warehouse) -> Path:
    """A published warehouse to start from, as a run's working copy would be."""
    return Path(shutil.copy(built_warehouse, tmp_path / "baseline.duckdb"))


@pytest.fixture
def sources(tmp_path) -> Path:
    return Path(shutil.copytree(SOURCES, tmp_path / "sources"))


def _add_document(sources: Path, document_id: str, figures: list[dict], claims: list[dict]) -> None:
    fields, rows = read_rows(sources / "documents.csv")
    write_rows(sources / "documents.csv", fields, [*rows, {**rows[0], "document_id": document_id}])
    fields, _ = read_rows(sources / "figures" / "dalian_blog_2009.csv")
    write_rows(sources / "figures" / f"{document_id}.csv", fields, figures)
    fields, _ = read_rows(sources / "mentions" / "dalian_blog_2009.csv")
    write_rows(
        sources / "mentions" / f"{document_id}.csv",
        fields,
        [
            {
                "mention_id": f"{f['figure_id']}_m",
                "figure_id": f["figure_id"],
                "document_id": document_id,
                "section": "1",
                "paragraph": "",
                "table_row": "",
                "table_column": "",
                "occurrence": "1",
            }
            for f in figures
        ],
    )
    fields, _ = read_rows(sources / "claims" / "dalian_blog_2009.csv")
    write_rows(sources / "claims" / f"{document_id}.csv", fields, claims)


def test_a_new_document_is_checked_against_the_documents_kept(sources, baseline):
    _, blog = read_rows(sources / "figures" / "dalian_blog_2009.csv")
    _, paper_claims = read_rows(sources / "claims" / "dalian_paper_2013.csv")
    copied = {**blog[0], "document_id": "extra_doc"}  # same figure_id as the blog's: a collision
    own = {**blog[1], "figure_id": "extra_f1", "document_id": "extra_doc"}
    claim = {**paper_claims[0], "claim_id": "extra_c1", "document_id": "extra_doc", "stated_figure_id": "extra_f1"}
    _add_document(sources, "extra_doc", [copied, own], [claim])

    with pytest.raises(SourceValidationError) as caught:
        validate_run(sources, None, baseline)
    reasons = [(p.file, p.line, p.reason) for p in caught.value.problems]
    assert (
        "sources/figures/extra_doc.csv",
        2,
        f"duplicate figure_id {blog[0]['figure_id']} (also in sources/figures/dalian_blog_2009.csv)",
    ) in reasons
    # a claim may take its inputs from another document's figures (its stated figure is its own)
    assert not any(reason.startswith("extra_c1:") for _, _, reason in reasons)
    # only the new document's rows were read: nothing is reported against the kept ones
    assert {file for file, _, _ in reasons} <= {
        f"sources/{folder}/extra_doc.csv" for folder in ("figures", "mentions", "claims")
    }


def test_what_makes_a_run_rebuild_everything(sources, baseline):
    plan, read = validate_run(sources, None, baseline)
    assert (plan.mode, plan.documents, read["figures"]) == ("incremental", frozenset(), 0)
    assert plan.rebuilds_nothing

    # a registered verdict changes: the claim's document is checked again, and what reads the register rebuilt
    fields, rows = read_rows(sources / "discrepancy_register.csv")
    changed = next(r for r in rows if r["claim_id"].startswith("ningbo_"))
    changed["explanation"] += " (revised)"
    write_rows(sources / "discrepancy_register.csv", fields, rows)
    plan, read = validate_run(sources, None, baseline)
    assert (plan.mode, plan.documents, read["figures"]) == ("incremental", frozenset({NINGBO}), 106)
    assert plan.changed_sources == {"discrepancy_register", "text_numbers", "document_texts", "mention_printings"}

    # an added exchange rate keeps the run incremental; a changed one rebuilds everything
    fields, rows = read_rows(sources / "fx_rates.csv")
    write_rows(sources / "fx_rates.csv", fields, [*rows, {**rows[0], "year": "1989"}])
    plan = validate_run(sources, None, baseline)[0]
    assert (plan.mode, "fx_rates" in plan.changed_sources) == ("incremental", True)
    rows[0]["units_per_usd"] = str(float(rows[0]["units_per_usd"]) * 2)
    write_rows(sources / "fx_rates.csv", fields, rows)
    plan, _ = validate_run(sources, None, baseline)
    assert (plan.mode, plan.reason) == ("full", "fx_rates: 1 row(s) changed or removed since the published build")


def test_changed_ingest_code_rebuilds_everything(sources, baseline):
    with duckdb.connect(str(baseline)) as con:
        con.execute("update ingest.build set ingest_hash = 'built by other code'")
    plan, read = validate_run(sources, None, baseline)
    assert (plan.mode, plan.reason) == ("full", "the ingest or corpus code changed since the published build")
    assert read["figures"] == 173


def test_dbt_tests_on_rows_by_document_look_at_the_run_documents_only(tmp_path, built_warehouse):
    """One filter (get_where_subquery) scopes every test on a by_document model: a duplicate figure in a document
    the run keeps is not looked at again; in a document it rebuilds, it fails the test."""
    tampered = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, tampered)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            "insert into marts.fct_observation select * from marts.fct_observation "
            "where document_id = 'dalian_blog_2009' limit 1"
        )
        con.execute(f"create or replace table ingest.run_scope as select '{NINGBO}' as document_id")
    test = ["test", "--select", "unique_fct_observation_figure_id"]
    (tmp_path / "kept").mkdir()
    kept = dbt_on_copy(test, tampered, tmp_path / "kept", timeout=600)
    assert kept.returncode == 0, kept.stdout[-3000:]
    with duckdb.connect(str(tampered)) as con:
        con.execute("insert into ingest.run_scope values ('dalian_blog_2009')")
    (tmp_path / "rebuilt").mkdir()
    rebuilt = dbt_on_copy(test, tampered, tmp_path / "rebuilt", timeout=600)
    assert rebuilt.returncode != 0 and "unique_fct_observation_figure_id" in rebuilt.stdout


def test_what_dbt_builds_follows_what_changed(tmp_path):
    state = tmp_path / "published_manifest"

    def commands(mode: str = "incremental", changed: tuple[str, ...] = (), dbt_changed: bool = False):
        return DbtWork(mode, "why", changed, dbt_changed).commands({"documents", "figures"}, state)

    modified = [*BUILD, "--select", "state:modified+", "--state", str(state), "--full-refresh"]
    assert commands("full") == [[*BUILD, "--full-refresh"]]
    assert commands() == [], "nothing changed: no dbt at all"
    assert commands(changed=("figures", "not_figures")) == [[*BUILD, "--select", "source:raw.figures+"]]
    assert commands(dbt_changed=True) == [modified]
    assert commands(changed=("documents", "figures"), dbt_changed=True) == [
        [*BUILD, "--select", "source:raw.documents+ source:raw.figures+", "--exclude", "state:modified+"]
        + ["--state", str(state)],
        modified,
    ]
