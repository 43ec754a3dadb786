"""The checks the warehouse derives on its own (sources/identities.csv, dbt model int_derived_claims), on the
documents written for the cross-document tests (tests/cross_document_corpus.py): what they find that no claim
states, a written claim they duplicate counted once, where the flags land, the register gate both ways, and
incremental runs that recompute exactly the derived checks a change reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build, check_results, read_rows, write_rows
from cross_document_corpus import CLAIM_REGISTER, DERIVED, MINISTRY, NEWSLETTER, YEARBOOK, write_corpus
from orchestration.warehouse import WarehouseFiles
from test_operations import _table_checksums
from test_reconciliation import CLAIMS, _failures, _from_base, _query, _run, build_corpus


@pytest.fixture(scope="module")
def corpus_warehouse(tmp_path_factory) -> Path:
    return build_corpus(tmp_path_factory)


def test_identities_check_what_no_one_wrote_and_a_written_duplicate_counts_once(corpus_warehouse):
    rows = _query(
        corpus_warehouse,
        "select claim_id, claim_origin, identity_id, claim_kind, stated_figure_id, statement from marts.claim_checks",
    )
    origin = {r[0]: r[1] for r in rows}
    assert {c for c, o in origin.items() if o == "derived"} == DERIVED.keys()
    assert {c for c, o in origin.items() if o == "stated"} == CLAIMS.keys()
    # the newsletter's growth and the yearbook's average growth are what identities derive too: each is checked
    # once, as written, and names the identity
    identity = {r[0]: r[2] for r in rows}
    assert identity["nl_c001"] == "growth" and identity["yb_c001"] == "avg_growth"
    assert identity["yb_c002"] is None
    derived_on = {(r[3], r[4]) for r in rows if r[1] == "derived"}
    assert not derived_on & {("growth", "nl_f003"), ("avg_growth", "yb_f006")}
    statement = {r[0]: r[5] for r in rows}
    # a derived claim names its inputs' documents, and which statement stands for a fact several documents state
    assert f"nl_f006 ({NEWSLETTER})" in statement["growth_mn_f002"]
    assert f"yb_f002 ({YEARBOOK}, preferred of 2 statements)" in (statement["sales_in_parent_mn_f013_shenyang"])
    assert _query(
        corpus_warehouse, "select document_id from marts.claim_checks where claim_id = ?",
        ["growth_mn_f002"],
    ) == [(MINISTRY,)]  # fmt: skip


def test_flags_land_on_the_likeliest_culprit(corpus_warehouse):
    flags = dict(_query(corpus_warehouse, "select figure_id, claim_ids from marts.figure_discrepancy_flags"))
    # ITO, BPO and KPO add up to the offshore total, not to the total they were said to make: the parts are
    # mislabelled, the total is not in doubt
    assert {f for f in ("yb_f009", "yb_f010", "yb_f011") if flags.get(f) == "so_lines_sum_yb_f012"} == {
        "yb_f009",
        "yb_f010",
        "yb_f011",
    }
    assert "yb_f012" not in flags
    # a growth rate its levels do not give is flagged; the levels it was recomputed from are not
    assert flags["mn_f014"] == "growth_mn_f014"
    assert "nl_f007" not in flags and "mn_f015" not in flags


def test_a_changed_figure_flips_its_derived_verdict_and_the_register_gate_says_so(
    corpus_warehouse, tmp_path, monkeypatch
):
    # the release prints ITO's share as 60%: the derived share now holds, so its register entry is stale; and the
    # register loses the entry of the multiple that still fails
    share, multiple = "line_shares_mn_f007", "multiple_mn_f016"
    workdir = _from_base(corpus_warehouse, tmp_path)
    result = _run(
        monkeypatch,
        workdir,
        replace={"70%": "60%"},
        claim_register=[r for r in CLAIM_REGISTER if r[0] != multiple],
    )
    assert not result.success and check_results(result)["claim_register"] is False
    failed = _failures(result, "claim_register")
    assert failed.keys() == {share, multiple}
    assert failed[share]["problem"] == "listed but no longer found"
    assert failed[multiple]["problem"] == "unlisted discrepancy"
    working = WarehouseFiles(workdir / "warehouse.duckdb").working(result.run_id)
    assert _query(working, "select verdict from marts.claim_checks where claim_id = ?", [share]) == [("consistent",)]


def test_a_register_entry_for_no_claim_fails_the_gate(corpus_warehouse, tmp_path, monkeypatch):
    workdir = _from_base(corpus_warehouse, tmp_path)
    ghost = ("line_shares_mn_f999", "inconsistent", "beyond rounding", "No such check.")
    result = _run(monkeypatch, workdir, claim_register=[*CLAIM_REGISTER, ghost])
    assert not result.success
    assert {k: v["problem"] for k, v in _failures(result, "claim_register").items()} == {
        ghost[0]: "listed but no longer found"
    }


def test_removing_an_identity_removes_its_checks_incrementally_as_a_full_build_would(
    corpus_warehouse, tmp_path, monkeypatch
):
    shares = "line_shares"
    register = [r for r in CLAIM_REGISTER if shares not in r[0]]

    def without_shares(workdir: Path):
        sources, texts = write_corpus(workdir / "in", claim_register=register)
        path = sources / "identities.csv"
        fields, rows = read_rows(path)
        write_rows(path, fields, [r for r in rows if r["identity_id"] != shares])
        monkeypatch.setenv("DOCUMENTS_DIR", str(texts))
        return build(monkeypatch, workdir, sources)

    incremental = _from_base(corpus_warehouse, tmp_path / "incremental")
    assert without_shares(incremental).success
    warehouse = incremental / "warehouse.duckdb"
    assert _query(warehouse, "select mode from ingest.build") == [("incremental",)]
    assert _query(warehouse, "select count(*) from marts.claim_checks where identity_id = ?", [shares]) == [(0,)]
    full = tmp_path / "full"
    assert without_shares(full).success
    assert _table_checksums(warehouse) == _table_checksums(full / "warehouse.duckdb")


def test_a_changed_document_recomputes_the_derived_checks_on_its_figures_whichever_document_owns_them(
    corpus_warehouse, tmp_path, monkeypatch
):
    # the newsletter prints Dalian's 2010 outsourcing as US$ 2.49 billion: the release's growth rates on the
    # newsletter's figures are recomputed (still consistent), no other derived check, and the tables equal a full
    # build's
    change = {"US$ 2.5 billion": "US$ 2.49 billion"}
    incremental = _from_base(corpus_warehouse, tmp_path / "incremental")
    assert _run(monkeypatch, incremental, replace=change).success
    warehouse = incremental / "warehouse.duckdb"
    assert _query(warehouse, "select document_id from ingest.run_scope") == [(NEWSLETTER,)]
    recomputed = {c for (c,) in _query(warehouse, "select claim_id from ingest.int_claim_scope")}
    assert recomputed == {
        "nl_c001",
        "avg_growth_nl_f008",
        "growth_mn_f002",
        "growth_mn_f014",
    }
    value = _query(
        warehouse,
        "select recomputed_value from marts.claim_checks where claim_id = 'growth_mn_f002'",
    )[0][0]
    assert value == pytest.approx((3.0 / 2.49 - 1) * 100)
    full = tmp_path / "full"
    assert _run(monkeypatch, full, replace=change).success
    assert _table_checksums(warehouse) == _table_checksums(full / "warehouse.duckdb")
