"""The GX suites fail when the numbers are broken: mutation tests on copies of the sources and of a built
warehouse. Each must fail for the break it is about, not only pass on the real data."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from conftest import build, check_results, copy_sources, read_rows, write_rows
from orchestration.checks.gx_suites import load_suites, run_suite
from orchestration.warehouse import WarehouseFiles


def _rewrite(path, key, match, **changes):
    fields, rows = read_rows(path)
    hits = [row for row in rows if row[key] == match]
    assert hits, (path, match)
    for row in hits:
        row.update(changes)
    write_rows(path, fields, rows)


def _drop(path, key, match):
    fields, rows = read_rows(path)
    kept = [row for row in rows if row[key] != match]
    assert len(kept) == len(rows) - 1
    write_rows(path, fields, kept)


def _figure_id(path, table_row, table_column):
    for row in read_rows(path)[1]:
        if row["table_row"].startswith(table_row) and row["table_column"] == table_column:
            return row["figure_id"]
    raise LookupError((table_row, table_column))


def _failures(result, check_name) -> str:
    """The failed rows a check reported, as text."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and event.event_specific_data.check_name == check_name:
            return json.dumps(event.event_specific_data.metadata["failures"].value)
    raise LookupError(check_name)


def _verdicts(workdir, result) -> dict[str, str]:
    # a run stopped by a blocking check publishes nothing: read the run's own working file
    working = WarehouseFiles(workdir / "warehouse.duckdb").working(result.run_id)
    with duckdb.connect(str(working), read_only=True) as con:
        return dict(con.execute("select claim_id, verdict from marts.claim_checks").fetchall())


@pytest.fixture
def mutated(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCUMENTS_DIR", "")  # a changed cell no longer occurs in the text; skip that check
    return copy_sources(tmp_path)


def test_fidelity_suite_fails_on_a_share_over_100(tmp_path, monkeypatch, mutated):
    figures = mutated / "figures" / "ningbo_paper.csv"
    target = _figure_id(figures, "Proportion of offshore", "2017")
    # consistent literal and value, so ingest accepts it; a share of 126.90% must still fail validation
    _rewrite(figures, "figure_id", target, stated_text="126.90%", value="126.90")
    result = build(monkeypatch, tmp_path, mutated)
    assert check_results(result)["figures_fidelity"] is False
    assert target in _failures(result, "figures_fidelity")
    assert not (tmp_path / "warehouse.duckdb").exists(), "a blocking failure publishes nothing"
    assert not (tmp_path / "data" / "validation").exists(), "nor a validation page for a file never published"


def test_changing_one_table_cell_flips_the_claims_that_use_it(tmp_path, monkeypatch, mutated):
    figures = mutated / "figures" / "ningbo_paper.csv"
    target = _figure_id(figures, "Offshore outsourcing realization", "2017")
    # 20.52 makes the printed 24.70% growth right and the 26.90% proportion and the prose's 2.007 billion wrong
    _rewrite(figures, "figure_id", target, stated_text="20.52", value="20.52")
    result = build(monkeypatch, tmp_path, mutated)
    verdicts = _verdicts(tmp_path, result)
    assert verdicts["ningbo_c009"] == "consistent"  # growth 2016 -> 2017, registered as inconsistent
    assert verdicts["ningbo_c016"] == "inconsistent"  # 2017 proportion
    assert verdicts["ningbo_c002"] == "inconsistent"  # the same total printed in the prose
    assert check_results(result)["claim_register"] is False
    failures = _failures(result, "claim_register")
    assert all(claim in failures for claim in ("ningbo_c009", "ningbo_c016", "ningbo_c002"))


def test_removing_a_register_entry_fails_the_claim_suite(tmp_path, monkeypatch, mutated):
    _drop(mutated / "discrepancy_register.csv", "claim_id", "ningbo_c045")
    result = build(monkeypatch, tmp_path, mutated)
    assert check_results(result)["claim_register"] is False
    failures = _failures(result, "claim_register")
    assert "ningbo_c045" in failures and "unlisted discrepancy" in failures
    assert "ningbo_c046" not in failures  # only the claim whose entry went missing


def test_a_changed_register_verdict_fails_the_claim_suite(tmp_path, monkeypatch, mutated):
    _rewrite(mutated / "discrepancy_register.csv", "claim_id", "ningbo_c047", verdict="inconsistent")
    result = build(monkeypatch, tmp_path, mutated)
    assert check_results(result)["claim_register"] is False
    assert "verdict changed from inconsistent" in _failures(result, "claim_register")


@pytest.fixture
def tampered(tmp_path, built_warehouse):
    """A writable copy of the built warehouse, to break the published numbers directly."""
    path = tmp_path / "tampered.duckdb"
    shutil.copy(built_warehouse, path)
    return path


def _suite(name):
    return next(s for s in load_suites() if s.name == name)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            "update marts.fct_observation set scale = scale + 1 where figure_id = 'ningbo_f009'",
            "the base-unit value is the printed literal times 10^scale",
        ),
        (
            "update marts.fct_observation set value_cny = value_cny * 1.01 where figure_id = 'ningbo_f009'",
            "value_usd x rate = value_cny",
        ),
        (
            "update marts.fct_observation set value = 2.5, printed_value = 2.5 where figure_id = "
            "(select figure_id from marts.fct_observation where unit = 'persons' limit 1)",
            "counts are whole numbers",
        ),
        (
            "insert into marts.fct_observation select * from marts.fct_observation where figure_id = 'ningbo_f009'",
            "one row per distinct figure",
        ),
        (
            "update marts.fct_observation set geo_id = 'atlantis' where figure_id = 'ningbo_f009'",
            "every fact joins to its place or firm",
        ),
    ],
)
def test_fidelity_suite_fails_on_a_tampered_fact(tampered, change, why):
    with duckdb.connect(str(tampered)) as con:
        con.execute(change)
    with duckdb.connect(str(tampered), read_only=True) as con:
        outcome = run_suite(_suite("figures_fidelity"), con)
    assert not outcome.success
    assert [f["why"] for f in outcome.failed] == [why]


@pytest.mark.parametrize("name", [s.name for s in load_suites()])
def test_every_suite_passes_on_the_untouched_copy(tampered, name):
    with duckdb.connect(str(tampered), read_only=True) as con:
        outcome = run_suite(_suite(name), con)
    assert outcome.success, outcome.failed


def test_figures_contract_fails_when_a_contract_column_goes_missing(tampered):
    with duckdb.connect(str(tampered)) as con:
        con.execute("alter view marts.figures rename to figures_before")
        con.execute(
            "create view marts.figures as select * rename (indicator_name as measure_name) from marts.figures_before"
        )
    with duckdb.connect(str(tampered), read_only=True) as con:
        outcome = run_suite(_suite("figures_contract"), con)
    assert not outcome.success
    assert "the columns promised to SQL users are all there (more may be added)" in [f["why"] for f in outcome.failed]


def test_batched_validation_finds_what_one_batch_would(tmp_path):
    """A key duplicated across batches and a bad value in a later batch are found with their full counts."""
    from orchestration.checks.gx_suites import SuiteDefinition

    suite = SuiteDefinition(
        name="batched",
        asset=("t",),
        blocking=True,
        description="batch test",
        id_columns=("id",),
        query="select id, share, count(*) over (partition by id) as copies from t",
        expectations=(
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "copies", "value_set": [1]},
                "meta": {"why": "unique"},
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "share", "min_value": 0, "max_value": 100},
                "meta": {"why": "share"},
            },
        ),
        path=tmp_path / "batched.json",
    )
    with duckdb.connect() as con:
        # 10,000 rows in order; id 7 again at the end, three shares over 100 far from the start
        con.execute(
            "create table t as select i as id, 50.0::double as share from range(10000) as r(i) "
            "union all select 7, 50.0::double"
        )
        con.execute("update t set share = 150 where id in (6000, 8000, 9999)")
        outcome = run_suite(suite, con, batch_rows=2048)
    assert outcome.rows_validated == 10001
    assert not outcome.success
    counts = {f["why"]: f["unexpected_count"] for f in outcome.failed}
    assert counts == {"unique": 2, "share": 3}
