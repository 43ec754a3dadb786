"""The GX suites fail when the numbers are broken: mutation tests on copies of the sources and of a built
warehouse. Each expectation must fail for the break it is about, not only pass on the real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import build, check_results, copy_sources, drop_row, read_rows, write_rows
from orchestration.checks.gx_suites import SuiteDefinition, SuiteDefinitionError, load_suites, run_suite
from orchestration.dbt_docs import dbt_on_copy
from orchestration.warehouse import WarehouseFiles


def _rewrite(path, key, match, **changes):
    fields, rows = read_rows(path)
    hits = [row for row in rows if row[key] == match]
    assert hits, (path, match)
    for row in hits:
        row.update(changes)
    write_rows(path, fields, rows)


def _figure_id(path, table_row, table_column):
    for row in read_rows(path)[1]:
        if row["table_row"].startswith(table_row) and row["table_column"] == table_column:
            return row["figure_id"]
    raise LookupError((table_row, table_column))


def _failures(result, check_name) -> dict[str, dict]:
    """The failed rows a check reported, by id: the table its page shows."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and event.event_specific_data.check_name == check_name:
            return {
                record.data["id"]: record.data for record in event.event_specific_data.metadata["failed_rows"].records
            }
    raise LookupError(check_name)


def _verdicts(workdir, result) -> dict[str, str]:
    # a run stopped by a blocking check publishes nothing: read the run's own working file
    working = WarehouseFiles(workdir / "warehouse.duckdb").working(result.run_id)
    with duckdb.connect(str(working), read_only=True) as con:
        return dict(con.execute("select claim_id, verdict from marts.claim_checks").fetchall())


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One build of sources broken four independent ways at once, each test below reading its own break: a share
    over 100% on a figure no claim takes, a changed table cell, a register entry removed and a register verdict
    changed. One build instead of four (about 15 s each); every check reports each of its breaks."""
    workdir = tmp_path_factory.mktemp("broken")
    sources = copy_sources(workdir)
    figures = sources / "figures" / "ningbo_paper.csv"
    # consistent literal and value, so ingest accepts it; a share of 126.9% must still fail validation
    _rewrite(figures, "figure_id", "ningbo_f082", stated_text="126.9%", value="126.9")
    # 20.52 makes the printed 24.70% growth right and the 26.90% proportion and the prose's 2.007 billion wrong
    cell = _figure_id(figures, "Offshore outsourcing realization", "2017")
    _rewrite(figures, "figure_id", cell, stated_text="20.52", value="20.52")
    drop_row(sources / "discrepancy_register.csv", "claim_id", "ningbo_c045")
    _rewrite(sources / "discrepancy_register.csv", "claim_id", "ningbo_c047", verdict="inconsistent")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCUMENTS_DIR", "")  # a changed cell no longer occurs in the text; skip that check
        return workdir, build(mp, workdir, sources)


def test_range_suite_fails_on_a_share_over_100(broken):
    workdir, result = broken
    assert check_results(result)["figure_ranges"] is False
    assert "ningbo_f082" in _failures(result, "figure_ranges")
    assert not (workdir / "warehouse.duckdb").exists(), "a blocking failure publishes nothing"
    assert not (workdir / "data" / "validation").exists(), "nor a validation page for a file never published"


def test_changing_one_table_cell_flips_the_claims_that_use_it(broken):
    workdir, result = broken
    verdicts = _verdicts(workdir, result)
    assert verdicts["ningbo_c009"] == "consistent"  # growth 2016 -> 2017, registered as inconsistent
    assert verdicts["ningbo_c016"] == "inconsistent"  # 2017 proportion
    assert verdicts["ningbo_c002"] == "inconsistent"  # the same total printed in the prose
    assert check_results(result)["claim_register"] is False
    failures = _failures(result, "claim_register")
    assert all(claim in failures for claim in ("ningbo_c009", "ningbo_c016", "ningbo_c002"))


def test_removing_a_register_entry_fails_the_claim_suite(broken):
    _, result = broken
    assert check_results(result)["claim_register"] is False
    failures = _failures(result, "claim_register")
    assert failures["ningbo_c045"]["problem"] == "unlisted discrepancy"
    assert "ningbo_c046" not in failures  # only the claim whose entry went missing


def test_a_changed_register_verdict_fails_the_claim_suite(broken):
    _, result = broken
    assert check_results(result)["claim_register"] is False
    changed = _failures(result, "claim_register")["ningbo_c047"]
    assert (changed["problem"], changed["verdict"]) == ("verdict changed from inconsistent", "gross_inconsistency")
    assert changed["to_do"].startswith("replace the line starting 'ningbo_c047,' in ")


@pytest.fixture
def tampered(tmp_path, built_warehouse):
    """A writable copy of the built warehouse, to break the published numbers directly."""
    path = tmp_path / "tampered.duckdb"
    shutil.copy(built_warehouse, path)
    return path


def _suite(name):
    return next(s for s in load_suites() if s.name == name)


def _outcome(warehouse, name, *changes):
    with duckdb.connect(str(warehouse)) as con:
        for change in changes:
            con.execute(change)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return run_suite(_suite(name), con)


def _first(where: str) -> str:
    return f"(select min(figure_id) from marts.fct_observation where {where})"


def _update_figure(assignment: str, where: str) -> str:
    return f"update marts.fct_observation set {assignment} where figure_id = {_first(where)}"


# One break per expectation of every suite: (suite, change, the one expectation that must fail, a failed row id)
BREAKS = [
    (
        "figures_fidelity",
        "update marts.fct_observation set stated_text = 'US$ 20.08 billion' where figure_id = 'ningbo_f009'",
        "a figure's literal is what its document prints where its mention places it",
        "ningbo_f009",
    ),
    (
        "figures_fidelity",
        # the text no longer prints the figure's literal where its mention places it
        "update raw.mention_printings set text_at_locator = '40.28 billion yuan' where mention_id = 'dalian_f003_m1'",
        "a figure's literal is what its document prints where its mention places it",
        "dalian_f003",
    ),
    (
        "figures_fidelity",
        "update marts.fct_observation set value = value * 10 where figure_id = 'dalian_f003'",
        "a figure's value is the value read again from what its document prints there",
        "dalian_f003",
    ),
    (
        "figures_fidelity",
        # a literal in words printed in other words ("three major corporations") is judged by its value
        "update marts.fct_observation set value = 4 where figure_id = 'dalian_f012'",
        "a figure's value is the value read again from what its document prints there",
        "dalian_f012",
    ),
    (
        "figure_ranges",
        _update_figure("value = 126.9", "measure = 'share_pct'"),
        "a share or percentage lies within 0-100 (stored as printed: 26.90, not 0.269)",
        "dalian_f007",
    ),
    (
        "figure_ranges",
        _update_figure("value = -124.7", "measure = 'growth_pct'"),
        "a level falls by at most 100%; a rise beyond elevenfold within one figure's period is a misread multiple "
        "or scale",
        "ningbo_f010",
    ),
    (
        "figure_ranges",
        _update_figure("value = 0", "measure = 'multiple'"),
        "a multiple of a level is positive, and a thousandfold one is a scale slip",
        "ningbo_f078",
    ),
    (
        "figure_ranges",
        _update_figure("value = 0", "measure = 'rank'"),
        "ranks start at 1 (the largest)",
        "dalian_f020",
    ),
    (
        "figure_ranges",
        _update_figure("value = 3.4e10", "unit = 'persons'"),
        "a count is non-negative and smaller than the world's population",
        "dalian_f015",
    ),
    (
        "figure_ranges",
        _update_figure("value = 2.5", "unit = 'persons'"),
        "counts and ranks are whole numbers",
        "dalian_f015",
    ),
    (
        "figure_ranges",
        _update_figure("value_usd = value_usd * 1e6", "figure_id = 'ningbo_f001'"),  # RMB 29,085 billion
        "an amount is non-negative and below a year of world output (about US$ 10^14)",
        "ningbo_f001",
    ),
    (
        "figure_ranges",
        _update_figure("value = 0", "unit = 'km2'"),
        "an area is positive and smaller than the Earth's land (1.5 x 10^8 km2)",
        "dalian_f032",
    ),
    (
        "claim_register",
        "update marts.claim_checks set verdict = 'consistent' where claim_id = 'ningbo_c045'",
        "the register and the recomputed verdicts must agree claim by claim",
        "ningbo_c045",
    ),
    (
        "claim_register",
        "update marts.claim_checks set verdict = 'inconsistent' where claim_id = "
        "(select min(claim_id) from marts.claim_checks where verdict = 'consistent')",
        "the register and the recomputed verdicts must agree claim by claim",
        "_c0",
    ),
    (
        # the real documents state no fact twice: a disagreement the register does not list
        "reconciliation_register",
        "insert into marts.figure_reconciliation (reconciliation_id, verdict, diagnosis) "
        "values ('dalian__software_is_sales__level__2010', 'disagree', 'beyond rounding')",
        "the register and the reconciliation's verdicts must agree fact by fact, both ways",
        "dalian__software_is_sales__level__2010",
    ),
    (
        "reconciliation_register",
        "insert into raw.reconciliation_register values "
        "('ningbo__kpo_realization__level__2011', 'disagree', 'beyond rounding', 'an entry no fact matches', 'x')",
        "the register and the reconciliation's verdicts must agree fact by fact, both ways",
        "ningbo__kpo_realization__level__2011",
    ),
    (
        "outsourcing_structure",
        "update marts.fct_outsourcing_structure set value_usd = -1e6 where structure_key = "
        "(select min(structure_key) from marts.fct_outsourcing_structure where is_derived)",
        "an offshore part cannot exceed its line's total",
        "ningbo:",
    ),
]


@pytest.mark.parametrize(("name", "change", "why", "failed_id"), BREAKS)
def test_each_expectation_fails_on_the_break_it_is_about(tampered, name, change, why, failed_id):
    outcome = _outcome(tampered, name, change)
    assert not outcome.success
    assert [f["why"] for f in outcome.failed] == [why]
    assert failed_id in json.dumps(outcome.failed[0]["failed_rows"])


def test_every_expectation_has_a_break():
    broken = {why for _, _, why, _ in BREAKS}
    for suite in load_suites():
        for item in suite.expectations:
            assert item["meta"]["why"] in broken, (suite.name, item["type"], item["kwargs"])


def _consistency(warehouse: Path, workdir: Path, change: str) -> tuple[str, list[tuple]]:
    """dbt's figure_consistency test (models/marts/claim_checks.yml) run on a copy of the warehouse after
    `change`: its status, and the failed rows it stored."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(change)
    # its failed rows stored on request: published builds keep no audit schema in the analysts' file
    dbt_on_copy(["test", "--select", "figure_consistency", "--store-failures"], warehouse, workdir, timeout=600)
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    # the project's on-run-end hook reports as an operation beside the test
    (result,) = [r for r in results if r["unique_id"].startswith("test.")]
    with duckdb.connect(str(workdir / warehouse.name), read_only=True) as con:
        return result["status"], con.execute("select * from dbt_test__audit.figure_consistency").fetchall()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        # one more disagreeing figure, still over half, passes: `at_least` is a share, not a zero tolerance
        (
            "update marts.claim_checks set verdict = 'inconsistent' where claim_id = (select min(claim_id) "
            "from marts.claim_checks where document_id = 'dalian_paper_2013' and verdict = 'consistent')",
            "pass",
        ),
        # Dalian's consistent figures turn inconsistent: 34 of the 71 checked figures agree, under half
        (
            "update marts.claim_checks set verdict = 'inconsistent' "
            "where document_id = 'dalian_paper_2013' and verdict = 'consistent'",
            "warn",
        ),
    ],
)
def test_consistency_warns_only_past_its_share(tampered, tmp_path, change, status):
    found, failed = _consistency(tampered, tmp_path / "dbt", change)
    assert found == status
    if status == "warn":  # each figure that does not agree, with the claims that disagree on it
        assert len(failed) == 37 and ("dalian_f016", "dalian_c007") in failed
    else:
        assert failed == []


@pytest.mark.parametrize("name", [s.name for s in load_suites()])
def test_every_suite_passes_on_the_untouched_copy(tampered, name):
    with duckdb.connect(str(tampered), read_only=True) as con:
        outcome = run_suite(_suite(name), con)
    assert outcome.success, outcome.failed
    # the real documents state no fact twice, so the reconciliation (and its register) is empty on them
    assert outcome.rows_validated > 0 or name == "reconciliation_register"


def test_an_incremental_scope_validates_only_the_rebuilt_documents(tampered):
    """The suites read the scope through one view: with one document rebuilt, only its rows are validated, and
    a broken row of a kept document is not looked at again."""
    outcome = _outcome(
        tampered,
        "figure_ranges",
        "delete from ingest.run_scope where document_id <> 'dalian_blog_2009'",
        _update_figure("value = 126.9", "measure = 'share_pct'"),  # a Dalian paper figure, kept
    )
    assert outcome.success and outcome.rows_validated == 2


def _one_off_suite(tmp_path, sql, *expectations):
    return SuiteDefinition(
        name="batched",
        asset=("t",),
        blocking=True,
        description="batch test",
        id_columns=("id",),
        sql=sql,
        expectations=expectations,
        path=tmp_path / "batched.json",
    )


def _in_memory_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema ingest; create table ingest.run_scope (document_id varchar)")
    return con


def test_batched_validation_finds_what_one_batch_would(tmp_path):
    """A bad value in a later batch is found with its full count, and `mostly` is judged on every batch's rows
    together: a batch that alone falls under it does not fail a result that reaches it."""
    suite = _one_off_suite(
        tmp_path,
        "select id, share, flag from t order by id",
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "share", "min_value": 0, "max_value": 100},
            "meta": {"why": "share"},
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "flag", "value_set": [True], "mostly": 0.9},
            "meta": {"why": "mostly"},
        },
    )
    with _in_memory_warehouse() as con:
        # 10,000 rows; three shares over 100 far from the start; the last 800 flags false: 8% of all the rows,
        # but 44% of the last batch of 1,808
        con.execute(
            "create table t as select i as id, 50.0::double as share, i < 9200 as flag from range(10000) as r(i)"
        )
        con.execute("update t set share = 150 where id in (6000, 8000, 9999)")
        outcome = run_suite(suite, con, batch_rows=2048)
        assert outcome.rows_validated == 10000
        assert not outcome.success
        assert {f["why"]: f["unexpected_count"] for f in outcome.failed} == {"share": 3}
        con.execute("update t set flag = false where id < 300")  # 11%: now the whole result is under 90%
        outcome = run_suite(suite, con, batch_rows=2048)
        assert {f["why"]: f["unexpected_count"] for f in outcome.failed} == {"share": 3, "mostly": 1100}


def test_a_filtered_result_is_validated_to_its_last_row(tmp_path):
    """A filter hands DuckDB's stream chunks shorter than a batch long before the result ends: validation goes on
    to the empty chunk that ends it (a short chunk once ended it, leaving most rows of a large table unchecked)."""
    suite = _one_off_suite(
        tmp_path,
        "select id, share from t where id % 3 <> 0",
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "share", "min_value": 0, "max_value": 100},
            "meta": {"why": "share"},
        },
    )
    with _in_memory_warehouse() as con:
        con.execute("create table t as select i as id, 50.0::double as share from range(30000) as r(i)")
        con.execute("update t set share = 150 where id = 29999")
        outcome = run_suite(suite, con, batch_rows=4096)
        assert outcome.rows_validated == 20000
        assert {f["why"]: f["unexpected_count"] for f in outcome.failed} == {"share": 1}


def test_an_aggregate_expectation_is_refused(tmp_path):
    suite = _one_off_suite(
        tmp_path,
        "select 1 as id, 2.0 as x",
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "x", "min_value": 0}, "meta": {}},
    )
    with _in_memory_warehouse() as con, pytest.raises(SuiteDefinitionError, match="not judged row by row"):
        run_suite(suite, con)


def test_an_expectation_gx_cannot_evaluate_fails_with_its_reason(tmp_path):
    """A column the query no longer returns leaves GX without counts: the expectation fails, saying why, instead
    of passing as one with no rows to judge."""
    suite = _one_off_suite(
        tmp_path,
        "select 1 as id",
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "gone", "value_set": [1]}, "meta": {}},
    )
    with _in_memory_warehouse() as con:
        outcome = run_suite(suite, con)
    assert not outcome.success
    assert "gone" in outcome.failed[0]["exception"]


def _suite_files(tmp_path, sql: str | None, name: str = "s") -> Path:
    folder = tmp_path / "expectations"
    folder.mkdir(exist_ok=True)
    definition = {"name": name, "asset": ["t"], "blocking": True, "description": "d", "expectations": []}
    (folder / f"{name}.json").write_text(json.dumps(definition))
    if sql is not None:
        (folder / f"{name}.sql").write_text(sql)
    return folder


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (None, r"s\.sql: missing \(each suite's query is the \.sql file beside its \.json\)"),
        ("select 1; select 2", r"s\.sql: must hold exactly one SELECT statement, not 2"),
        ("delete from t", r"s\.sql: must hold exactly one SELECT statement"),
        ("select * frm t", r"s\.sql: Parser Error: syntax error at or near \"t\""),
    ],
)
def test_a_bad_suite_file_is_named_with_its_reason(tmp_path, sql, message):
    with pytest.raises(SuiteDefinitionError, match=message):
        load_suites(_suite_files(tmp_path, sql))


def test_a_query_without_a_suite_and_a_misnamed_suite_are_refused(tmp_path):
    folder = _suite_files(tmp_path, "select 1")
    (folder / "orphan.sql").write_text("select 1")
    with pytest.raises(SuiteDefinitionError, match=r"orphan\.sql belong\(s\) to no suite"):
        load_suites(folder)
    (folder / "orphan.sql").unlink()
    (folder / "t.json").write_text((folder / "s.json").read_text())
    (folder / "t.sql").write_text("select 1")
    with pytest.raises(SuiteDefinitionError, match=r"t\.json: its name is 's'"):
        load_suites(folder)
