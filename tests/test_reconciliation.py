"""Documents against each other: three short documents written for these tests (tests/cross_document_corpus.py)
state some facts twice, and the real pipeline reconciles them (marts.figure_reconciliation), picks a preferred
value per fact (marts.preferred_figures, marts.preferred_series), flags the figures it doubts, checks claims
across documents and gates every disagreement through sources/reconciliation_register.csv."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import build, check_results
from cross_document_corpus import (
    BRIEF,
    DERIVED,
    NEWSLETTER,
    RECONCILIATION_REGISTER,
    YEARBOOK,
    write_corpus,
)
from orchestration.checks.failed_rows import PLACEHOLDER
from orchestration.warehouse import WarehouseFiles
from test_operations import _table_checksums

# what the test documents were written to produce: one fact per verdict and diagnosis
EXPECTED = {
    "shenyang__software_is_sales__level__2011": ("agree", "within rounding"),
    "shenyang__software_is_exports__level__2011": ("disagree", "beyond rounding"),
    "shenyang__software_is_sales__level__1998": ("contradict", "bounds exclude each other"),
    "shenyang__software_is_sales__level__2010": ("disagree", "agrees only at another exchange rate"),
    "china__software_is_sales__level__2011": ("disagree", "scale slip of ~10^1"),
}
CLAIMS = {
    "nl_c001": ("consistent", "within rounding"),  # the newsletter's growth rate on the yearbook's two years
    "yb_c001": ("consistent", "within rounding"),  # 38.9 percent a year on average, 2000 to 2010
    "yb_c002": ("consistent", "direction holds"),  # from 2.0 billion yuan to 53.5 billion
}


def _run(monkeypatch, workdir: Path, **corpus):
    sources, texts = write_corpus(workdir / "in", **corpus)
    monkeypatch.setenv("DOCUMENTS_DIR", str(texts))
    return build(monkeypatch, workdir, sources)


def _query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _failures(result, check_name) -> dict[str, dict]:
    """The failed rows a check reported, by id: the table its page shows."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and event.event_specific_data.check_name == check_name:
            return {
                record.data["id"]: record.data for record in event.event_specific_data.metadata["failed_rows"].records
            }
    raise LookupError(check_name)


def build_corpus(tmp_path_factory) -> Path:
    """The test documents built in full, every register gate passing: the published file the tests start from."""
    workdir = tmp_path_factory.mktemp("corpus")
    with pytest.MonkeyPatch.context() as mp:
        result = _run(mp, workdir)
        assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
        checks = check_results(result)
        assert checks["reconciliation_register"] is True and checks["claim_register"] is True
    return workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def corpus_warehouse(tmp_path_factory) -> Path:
    return build_corpus(tmp_path_factory)


def _from_base(corpus_warehouse: Path, tmp_path: Path) -> Path:
    """A workdir whose published warehouse is the corpus build: the next run starts from it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(corpus_warehouse, tmp_path / "warehouse.duckdb")
    return tmp_path


def test_every_verdict_from_the_test_documents(corpus_warehouse):
    rows = _query(
        corpus_warehouse,
        "select reconciliation_id, verdict, diagnosis, document_count from marts.figure_reconciliation",
    )
    assert {r[0]: (r[1], r[2]) for r in rows} == EXPECTED
    assert all(r[3] == 2 for r in rows)
    # money that agrees only at another rate says which: 53.5 billion yuan over US$ 8.1 billion
    implied, average, gap, statements = _query(
        corpus_warehouse,
        "select implied_cny_per_usd, fx_cny_per_usd, relative_gap, statements from marts.figure_reconciliation "
        "where reconciliation_id = 'shenyang__software_is_sales__level__2010'",
    )[0]
    assert implied == pytest.approx(53.5 / 8.1) and average == pytest.approx(6.7703)
    assert gap == pytest.approx(8.1 * 6.7703 / 53.5 - 1)
    assert "53.5 billion yuan" in statements and "US$ 8.1 billion" in statements and "(from USD)" in statements
    exports_gap = _query(
        corpus_warehouse,
        "select relative_gap from marts.figure_reconciliation "
        "where reconciliation_id = 'shenyang__software_is_exports__level__2011'",
    )[0][0]
    assert exports_gap == pytest.approx(3.1 / 2.6 - 1)


def test_claims_across_documents_and_the_new_kinds(corpus_warehouse):
    rows = _query(corpus_warehouse, "select claim_id, verdict, diagnosis, document_id from marts.claim_checks")
    assert {r[0]: (r[1], r[2]) for r in rows} == CLAIMS | DERIVED
    # the newsletter's claim is the newsletter's, on the yearbook's figures
    assert next(r[3] for r in rows if r[0] == "nl_c001") == NEWSLETTER


def test_the_preferred_series_and_the_flags(corpus_warehouse):
    chosen = {
        (e, year): (figure, rule, agreeing)
        for e, year, figure, rule, agreeing in _query(
            corpus_warehouse,
            "select entity_id, year, figure_id, chosen_by, agreeing_documents from marts.preferred_series "
            "where indicator_code = 'software_is_sales' and measure = 'level'",
        )
    }
    assert chosen[("shenyang", 2011)] == ("yb_f002", "the more authoritative source (primary statistical source)", 2)
    assert chosen[("shenyang", 1998)][0] == "yb_f004"
    # the brief's total is ten times the yearbook's and the brief is the less authoritative: it is never chosen
    assert chosen[("china", 2011)] == ("yb_f007", "the other statements are in a gross inconsistency", 1)
    flags = dict(
        _query(corpus_warehouse, "select figure_id, in_gross_inconsistency from marts.figure_discrepancy_flags")
    )
    assert flags["mb_f001"] is True and flags["yb_f007"] is False
    assert "nl_f004" in flags and "yb_f002" not in flags  # a disagreement flags both sides; an agreement neither
    assert _query(
        corpus_warehouse, "select discrepancy_reconciliation_ids from marts.figures where figure_id = 'nl_f005'"
    ) == [("shenyang__software_is_sales__level__1998",)]
    # one value per entity, indicator, measure and year
    assert _query(
        corpus_warehouse,
        "select count(*) from (select 1 from marts.preferred_series "
        "group by entity_type, entity_id, indicator_code, measure, year having count(*) > 1)",
    ) == [(0,)]


def test_the_register_gate_names_a_flipped_verdict_and_an_unlisted_disagreement(
    corpus_warehouse, tmp_path, monkeypatch
):
    # the newsletter prints the yearbook's exports, so the two now agree and the register lists a disagreement that
    # is no longer found; and the register loses its entry for the 1998 contradiction, which is still found
    exports, contradiction = "shenyang__software_is_exports__level__2011", "shenyang__software_is_sales__level__1998"
    workdir = _from_base(corpus_warehouse, tmp_path)
    result = _run(
        monkeypatch,
        workdir,
        replace={"US$ 3.1 billion": "US$ 2.6 billion"},
        reconciliation_register=[r for r in RECONCILIATION_REGISTER if r[0] != contradiction],
    )
    assert not result.success and check_results(result)["reconciliation_register"] is False
    failed = _failures(result, "reconciliation_register")
    assert failed.keys() == {exports, contradiction}, failed
    register = workdir / "in" / "sources" / "reconciliation_register.csv"
    assert (failed[exports]["problem"], failed[exports]["register_line"]) == ("listed but no longer found", None)
    assert (
        failed[exports]["to_do"] == f"delete the line starting '{exports},' from {register}: its verdict is now agree"
    )
    # the fact, each document's statement as printed and in the unit they are compared in, the line to paste
    found = failed[contradiction]
    assert found["problem"] == "unlisted disagreement"
    assert found["statement"] == (
        f"Shenyang: Software and information services industry sales (level), 1998; stated by {NEWSLETTER}, {YEARBOOK}"
    )
    assert (
        found["printed"]
        == f"{NEWSLETTER} nl_f005: less than 200 million yuan; {YEARBOOK} yb_f004: over 200 million yuan"
    )
    assert (
        found["recomputed"]
        == f"{NEWSLETTER} nl_f005: 0.0 to 200.0 million yuan; {YEARBOOK} yb_f004: 200.0 to ∞ million yuan"
    )
    assert found["register_line"] == f"{contradiction},contradict,bounds exclude each other,{PLACEHOLDER}"
    working = WarehouseFiles(workdir / "warehouse.duckdb").working(result.run_id)
    assert _query(
        working, "select verdict from marts.figure_reconciliation where reconciliation_id = ?", [exports]
    ) == [("agree",)]


def test_an_incremental_run_recomputes_the_claims_on_a_changed_document(corpus_warehouse, tmp_path, monkeypatch):
    # the yearbook prints 62.5 billion yuan for 2011: the newsletter's growth claim on it is recomputed although
    # the newsletter did not change, and the published tables equal a full build of the same sources
    change = {"62.4 billion yuan": "62.5 billion yuan"}
    workdir = _from_base(corpus_warehouse, tmp_path / "incremental")
    result = _run(monkeypatch, workdir, replace=change)
    assert result.success
    warehouse = workdir / "warehouse.duckdb"
    assert _query(warehouse, "select mode from ingest.build") == [("incremental",)]
    assert _query(warehouse, "select document_id from ingest.run_scope") == [(YEARBOOK,)]
    recomputed = {c for (c,) in _query(warehouse, "select claim_id from ingest.int_claim_scope")}
    # the yearbook's claims, written and derived, and those of other documents on its figures
    assert recomputed == {
        "yb_c001",
        "yb_c002",
        "so_lines_sum_yb_f012",
        "avg_growth_nl_f008",
        "nl_c001",
        "offshore_in_all_yb_f012",
        "sales_in_parent_yb_f007_liaoning",
        "sales_in_parent_mn_f013_shenyang",
    }
    value = _query(warehouse, "select recomputed_value from marts.claim_checks where claim_id = 'nl_c001'")[0][0]
    assert value == pytest.approx((62.5 / 53.5 - 1) * 100)
    assert _query(
        warehouse,
        "select verdict from marts.figure_reconciliation "
        "where reconciliation_id = 'shenyang__software_is_sales__level__2011'",
    ) == [("agree",)]

    full = tmp_path / "full"
    full.mkdir()
    assert _run(monkeypatch, full, replace=change).success
    assert _query(full / "warehouse.duckdb", "select mode from ingest.build") == [("full",)]
    assert _table_checksums(warehouse) == _table_checksums(full / "warehouse.duckdb")


def test_the_corpus_has_one_document_of_each_rank():
    # the preference rule is exercised across ranks: a yearbook (primary), a report (research), a newsletter
    from cross_document_corpus import DOCUMENTS

    assert {DOCUMENTS[d]["kind"] for d in (YEARBOOK, BRIEF, NEWSLETTER)} == {
        "statistical_yearbook",
        "report",
        "news_article",
    }


def test_a_figure_another_documents_claim_takes_cannot_silently_go(corpus_warehouse, tmp_path):
    # the yearbook drops its 2011 sales: the newsletter's kept claim on it is reported at its own line
    from conftest import read_rows, write_rows
    from orchestration.ingest.validate import SourceValidationError, validate_run

    sources, texts = write_corpus(tmp_path / "in")
    for folder, key in (("figures", "figure_id"), ("mentions", "figure_id")):
        path = sources / folder / f"{YEARBOOK}.csv"
        fields, rows = read_rows(path)
        write_rows(path, fields, [r for r in rows if r[key] != "yb_f002"])
    with pytest.raises(SourceValidationError) as caught:
        validate_run(sources, texts, corpus_warehouse)
    problems = [(p.file, p.line, p.reason) for p in caught.value.problems]
    assert (
        f"sources/claims/{NEWSLETTER}.csv",
        2,
        "nl_c001: claim names figure 'yb_f002', which its document no longer has",
    ) in problems


def test_an_incremental_run_recomputes_only_the_facts_and_claims_the_change_reaches(
    corpus_warehouse, tmp_path, monkeypatch
):
    # every published row is marked; the newsletter then prints US$ 3.0 billion of exports (still a disagreement,
    # as registered): the facts and claims the change reaches are recomputed, the rest keep their mark
    workdir = _from_base(corpus_warehouse, tmp_path)
    kept = "kept from the published build"
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.execute("update marts.figure_reconciliation set explanation = ?", [kept])
        con.execute("update marts.claim_checks set explanation = ?", [kept])
        con.execute("update marts.preferred_figures set chosen_by = ?", [kept])
        stated = {f for (f,) in con.execute("select reconciliation_id from marts.preferred_figures").fetchall()}
    result = _run(monkeypatch, workdir, replace={"US$ 3.1 billion": "US$ 3.0 billion"})
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    warehouse = workdir / "warehouse.duckdb"
    assert _query(warehouse, "select document_id from ingest.run_scope") == [(NEWSLETTER,)]
    claims = dict(_query(warehouse, "select claim_id, explanation = ? from marts.claim_checks", [kept]))
    # its claim, and the release's growth rates derived on the newsletter's 2010 levels
    assert {c for c, was_kept in claims.items() if not was_kept} == {
        "nl_c001",
        "avg_growth_nl_f008",
        "growth_mn_f002",
        "growth_mn_f014",
    }
    newsletters = {
        f
        for (f,) in _query(
            warehouse,
            "select reconciliation_id from marts.preferred_figures where document_ids like ?",
            [f"%{NEWSLETTER}%"],
        )
    }
    # its two sales, growth, exports, 1998 bound, average growth, and Dalian's 2010 outsourcing and exports
    assert len(newsletters) == 8
    # The facts recomputed are int_fact_scope's, the one scope both marts read: every fact the newsletter states,
    # and those of every figure the recomputed claims name, whose flags those claims may change (the yearbook's
    # 2000 sales, the release's 2011 outsourcing and exports and their growth). The brief's national total, which
    # nothing recomputed reaches, is kept although one of its statements is set aside for a gross inconsistency.
    scope = {f for (f,) in _query(warehouse, "select reconciliation_id from ingest.int_fact_scope")}
    assert scope == newsletters | {
        "shenyang__software_is_sales__level__2000",
        "dalian__service_outsourcing_realization__level__2011",
        "dalian__service_outsourcing_realization__growth_pct__2011",
        "dalian__software_is_exports__level__2011",
        "dalian__software_is_exports__growth_pct__2011",
    }
    preferred = dict(_query(warehouse, "select reconciliation_id, chosen_by = ? from marts.preferred_figures", [kept]))
    assert preferred.keys() == stated and {f for f, was_kept in preferred.items() if not was_kept} == scope
    facts = dict(
        _query(warehouse, "select reconciliation_id, explanation = ? from marts.figure_reconciliation", [kept])
    )
    assert {f for f, was_kept in facts.items() if not was_kept} == scope & facts.keys()
    assert {f for f, was_kept in facts.items() if was_kept} == {"china__software_is_sales__level__2011"}
    gap = _query(
        warehouse,
        "select relative_gap from marts.figure_reconciliation "
        "where reconciliation_id = 'shenyang__software_is_exports__level__2011'",
    )[0][0]
    assert gap == pytest.approx(3.0 / 2.6 - 1)


def test_an_incremental_run_over_the_corpus_publishes_what_a_full_build_would(corpus_warehouse, tmp_path, monkeypatch):
    # the newsletter prints other exports and the brief the national total the yearbook prints (no longer a scale
    # slip, so its register entry goes): facts, flags, claims and preferred figures across documents come out of
    # the incremental run as a full build of the same sources makes them
    change = dict(
        replace={"US$ 3.1 billion": "US$ 3.0 billion", "18.4 trillion yuan": "1.84 trillion yuan"},
        reconciliation_register=[r for r in RECONCILIATION_REGISTER if not r[0].startswith("china__")],
    )
    incremental = _from_base(corpus_warehouse, tmp_path / "incremental")
    result = _run(monkeypatch, incremental, **change)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    full = tmp_path / "full"
    assert _run(monkeypatch, full, **change).success
    assert _query(incremental / "warehouse.duckdb", "select mode from ingest.build") == [("incremental",)]
    assert _table_checksums(incremental / "warehouse.duckdb") == _table_checksums(full / "warehouse.duckdb")
    assert _query(
        full / "warehouse.duckdb",
        "select chosen_by, statements_set_aside from marts.preferred_figures "
        "where reconciliation_id = 'china__software_is_sales__level__2011'",
    ) == [("the more authoritative source (primary statistical source)", 0)]


def test_an_edited_register_entry_reaches_its_fact_in_an_incremental_run(corpus_warehouse, tmp_path, monkeypatch):
    # no document changes: the fact whose entry was reworded is recomputed with the new words, the others kept
    register = [
        (*r[:3], r[3] + " (reworded)") if r[0] == "shenyang__software_is_exports__level__2011" else r
        for r in RECONCILIATION_REGISTER
    ]
    workdir = _from_base(corpus_warehouse, tmp_path)
    result = _run(monkeypatch, workdir, reconciliation_register=register)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    warehouse = workdir / "warehouse.duckdb"
    assert _query(warehouse, "select mode, changed_sources from ingest.build") == [
        ("incremental", ["reconciliation_register"])
    ]
    explained = dict(
        _query(warehouse, "select reconciliation_id, registered_explanation from marts.figure_reconciliation")
    )
    assert explained["shenyang__software_is_exports__level__2011"].endswith(" (reworded)")
    assert explained == {r[0]: r[3] for r in register} | {"shenyang__software_is_sales__level__2011": None}


def test_a_bad_pin_or_register_row_is_named_with_file_line_and_reason(tmp_path):
    from conftest import write_rows
    from orchestration.ingest.validate import SourceValidationError, validate_run

    sources, texts = write_corpus(tmp_path / "in")
    write_rows(
        sources / "preferred_figures.csv",
        ["figure_id", "reason"],
        [{"figure_id": "nl_f004", "reason": "the newsletter quotes the customs figure"}, {"figure_id": "zz_f001"}],
    )
    register = [*RECONCILIATION_REGISTER, ("shenyang__software_is_sales__level__2011", "agree", "within rounding", "x")]
    write_rows(
        sources / "reconciliation_register.csv",
        ["reconciliation_id", "verdict", "diagnosis", "explanation"],
        [dict(zip(("reconciliation_id", "verdict", "diagnosis", "explanation"), r, strict=True)) for r in register],
    )
    with pytest.raises(SourceValidationError) as caught:
        validate_run(sources, texts)
    problems = {str(p) for p in caught.value.problems}
    assert {p for p in problems if "preferred_figures" in p or "reconciliation_register" in p} == {
        "sources/preferred_figures.csv:3: reason is required",
        "sources/preferred_figures.csv:3: unknown figure_id 'zz_f001' (not in figures/*.csv)",
        "sources/reconciliation_register.csv:6: verdict='agree' is not one of disagree, contradict",
    }
