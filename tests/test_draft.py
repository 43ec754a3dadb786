"""`warehouse draft`: a new document's text registered and drafted through the real command line, reviewed by
a script as a person would, and built by the real pipeline; drafts stay out of the marts and are counted."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT, SHARED_SEEDS, build, copy_sources, read_rows, write_rows

DOC = "coastal_notes"
# our own words: prose with money, a share and an approximate count, a growth statement, and a small table
TEXT = """# Notes on Two Coastal Software Cities

## 1. Dalian

In 2012, the software and information services industry of Dalian reported sales of 120.5 billion yuan. \
Its exports reached US$ 3.2 billion in the same year, and the export ratio of Dalian was 16.8% in 2012.

Dalian Software Park hosted about 600 companies in 2012.

## 2. Ningbo

Offshore service outsourcing realization in Ningbo grew by 20.0% in 2016.

Table 1. Offshore outsourcing realization in Ningbo (unit: US$ 100 million)

Years\t2015\t2016
Offshore outsourcing realization amount\t12.50\t15.00
"""
# what the notes' Ningbo table and growth rate state otherwise than the Ningbo paper (12.79 and 16.45, 28.61%)
DISAGREEMENTS = (
    "ningbo__offshore_outsourcing_realization__growth_pct__2016",
    "ningbo__offshore_outsourcing_realization__level__2015",
    "ningbo__offshore_outsourcing_realization__level__2016",
)
# and what the identities find on its own: its growth rate on the paper's levels (28.61%), its two totals against
# the paper's offshore ITO + BPO + KPO of those years
DERIVED = (
    ("growth_coastal_notes_f005", "beyond rounding"),
    ("offshore_lines_sum_coastal_notes_f006", "beyond rounding"),
    ("offshore_lines_sum_coastal_notes_f007", "beyond rounding"),
)
# every quantity TEXT prints, in order: years, heading numbers, the caption's number and column labels are none
LITERALS = ["120.5 billion yuan", "US$ 3.2 billion", "16.8%", "about 600 companies", "20.0%", "12.50", "15.00"]
NOT_THE_PAPERS = "The notes' Ningbo figures differ from the Ningbo paper's, the primary source."
ADDED = "\nNingbo counted about 1,000 service outsourcing enterprises in 2016.\n"


@pytest.fixture()
def workspace(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A copy of the sources and a texts folder holding the project's texts and the new one."""
    sources = copy_sources(tmp_path)
    texts = tmp_path / "texts"
    shutil.copytree(SHARED_SEEDS, texts)
    (texts / f"{DOC}.txt").write_text(TEXT, encoding="utf-8")
    monkeypatch.setenv("DOCUMENTS_DIR", str(texts))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return sources, texts


def draft(sources: Path, texts: Path, *extra: str, kind: str = "report", status: int = 0) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "draft",
            str(texts / f"{DOC}.txt"),
            "--document-id",
            DOC,
            "--title",
            "Notes on two coastal software cities",
            "--kind",
            kind,
            "--authors",
            "A. Writer",
            "--year",
            "2018",
            "--sources",
            str(sources),
            *extra,
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == status, done.stderr
    return done.stdout + done.stderr


# what a reviewer settles each figure of TEXT as: entity, indicator and measure
REVIEWED = {
    "120.5 billion yuan": ("geography", "dalian", "software_is_sales", "level"),
    "US$ 3.2 billion": ("geography", "dalian", "software_is_exports", "level"),
    "16.8%": ("geography", "dalian", "software_is_export_ratio_pct", "level"),
    "about 600 companies": ("geography", "dalian_software_park", "park_tenants", "level"),
    "20.0%": ("geography", "ningbo", "offshore_outsourcing_realization", "growth_pct"),
    "12.50": ("geography", "ningbo", "offshore_outsourcing_realization", "level"),
    "15.00": ("geography", "ningbo", "offshore_outsourcing_realization", "level"),
    "about 1,000 service outsourcing enterprises": ("geography", "ningbo", "outsourcing_enterprises", "level"),
}
_SETTLED = ("entity_type", "entity_id", "indicator_code", "measure")


def warehouse_review(sources: Path, *options: str, status: int = 0) -> str:
    # the runs this module executes in process keep their working folders locked by the test process, as a run's
    # worker does until it exits: the review is pointed at a warehouse no run of this test works on
    # (tests/test_review.py holds the refusal while a run builds)
    elsewhere = sources.parent / "reviewed_beside" / "warehouse.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "review", DOC, "--sources", str(sources), *options],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "WAREHOUSE_PATH": str(elsewhere)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == status, done.stdout + done.stderr
    return done.stdout + done.stderr


def review(sources: Path, keep_draft: tuple[str, ...] = ()) -> None:
    """What a reviewer does with `warehouse review`: correct the suggestions that are not what REVIEWED says,
    accept the rows and the suggested reasons of the numbers that are not figures."""
    _, rows = read_rows(sources / "figures" / f"{DOC}.csv")
    options = []
    for row in rows:
        if row["review_status"] != "draft":
            continue
        settled = dict(zip(_SETTLED, REVIEWED[row["stated_text"]], strict=True))
        options += [f"--set={row['figure_id']}.{c}={v}" for c, v in settled.items() if row[c] != v]
    accepted = [r["figure_id"] for r in rows if r["review_status"] == "draft" and r["figure_id"] not in keep_draft]
    if accepted:
        options.append("--accept=" + ",".join(accepted))
    _, not_figures = read_rows(sources / "not_figures" / f"{DOC}.csv")
    if any(row["review_status"] == "draft" for row in not_figures):
        options.append("--accept-not-figures=all")
    if options:
        warehouse_review(sources, *options)


def drafted_by_id(figures: list[dict]) -> dict[str, str]:
    return {row["figure_id"]: row["stated_text"] for row in figures}


def figure(sources: Path, stated_text: str) -> dict:
    return next(r for r in read_rows(sources / "figures" / f"{DOC}.csv")[1] if r["stated_text"] == stated_text)


def _register(path: Path, entries: list[dict]) -> None:
    """Append investigated findings to a register, as a person does before the run may publish."""
    fields, registered = read_rows(path)
    write_rows(path, fields, registered + entries)


def test_draft_registers_the_document_and_drafts_every_quantity(workspace):
    sources, texts = workspace
    output = draft(sources, texts)
    _, documents = read_rows(sources / "documents.csv")
    row = next(r for r in documents if r["document_id"] == DOC)
    assert (row["file_name"], row["sha256"], row["kind"], row["year"]) == (
        f"{DOC}.txt",
        hashlib.sha256(TEXT.encode()).hexdigest(),
        "report",
        "2018",
    )

    _, figures = read_rows(sources / "figures" / f"{DOC}.csv")
    drafted = {r["stated_text"]: r for r in figures}
    # years, the heading numbers, the caption's number and the table's column labels are not figures
    assert list(drafted) == LITERALS
    assert all(r["review_status"] == "draft" for r in figures)
    assert [r["figure_id"] for r in figures] == [f"{DOC}_f{n:03d}" for n in range(1, 8)]
    # what the literal and its place say is drafted as printed; the period is read around it
    cells = (
        "section",
        "paragraph",
        "table_row",
        "table_column",
        "period_kind",
        "year",
        "unit_as_printed",
        "value",
        "decimals",
        "scale",
        "unit",
        "currency",
        "comparator",
        "obs_status",
    )
    shown = {text: tuple(r[c] for c in cells) for text, r in drafted.items()}
    assert shown == {
        "120.5 billion yuan": (
            "1. Dalian",
            "1",
            "",
            "",
            "year",
            "2012",
            "",
            "120.5",
            "1",
            "9",
            "CNY",
            "CNY",
            "eq",
            "A",
        ),
        "US$ 3.2 billion": ("1. Dalian", "1", "", "", "year", "2012", "", "3.2", "1", "9", "USD", "USD", "eq", "A"),
        "16.8%": ("1. Dalian", "1", "", "", "year", "2012", "", "16.8", "1", "0", "percent", "", "eq", "A"),
        "about 600 companies": (
            "1. Dalian",
            "2",
            "",
            "",
            "year",
            "2012",
            "",
            "600",
            "0",
            "0",
            "firms",
            "",
            "approx",
            "E",
        ),
        "20.0%": ("2. Ningbo", "1", "", "", "year", "2016", "", "20.0", "1", "0", "percent", "", "eq", "A"),
        "12.50": (
            "Table 1",
            "",
            "Offshore outsourcing realization amount",
            "2015",
            "year",
            "2015",
            "US$ 100 million",
            "12.50",
            "2",
            "8",
            "USD",
            "USD",
            "eq",
            "A",
        ),
        "15.00": (
            "Table 1",
            "",
            "Offshore outsourcing realization amount",
            "2016",
            "year",
            "2016",
            "US$ 100 million",
            "15.00",
            "2",
            "8",
            "USD",
            "USD",
            "eq",
            "A",
        ),
    }
    # the entity named in the sentence or referred to ("Its exports"), the park's name over its city's
    assert {text: (r["entity_type"], r["entity_id"]) for text, r in drafted.items()} == {
        text: REVIEWED[text][:2] for text in drafted
    }
    # the indicator the reviewer settles on is among the learned suggestion and its two alternatives, each with a
    # confidence, in the review file the sheet is printed from
    review_file = json.loads((sources / "review" / f"{DOC}.json").read_text(encoding="utf-8"))
    offered_right = {"indicator": [], "measure": []}
    for entry in review_file["figures"]:
        stated_text = drafted_by_id(figures)[entry["figure_id"]]
        for name, column, settled in (("indicator", "indicator_code", 2), ("measure", "measure", 3)):
            suggestion = entry["suggestions"][name]
            offered = [suggestion["value"], *(a["value"] for a in suggestion["alternatives"])]
            if {column: REVIEWED[stated_text][settled]} in offered:
                offered_right[name].append(stated_text)
            assert 0 < suggestion["confidence"] <= 1
        assert len(entry["suggestions"]["indicator"]["alternatives"]) == 2
        assert "⟦" + stated_text + "⟧" in entry["marked"]
    # "Its exports" names no industry: the learned suggestions offer the reviewer's choice for the others
    assert len(offered_right["indicator"]) >= 6 and len(offered_right["measure"]) == 7, offered_right
    _, mentions = read_rows(sources / "mentions" / f"{DOC}.csv")
    assert [(m["mention_id"], m["section"], m["table_column"], m["review_status"]) for m in mentions][-1] == (
        f"{DOC}_f007_m1",
        "Table 1",
        "2016",
        "draft",
    )
    assert "7 draft figure(s) waiting for review" in output
    assert "not in DOCUMENTS_DIR" not in output


def _checks(result) -> dict:
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def test_a_document_added_by_draft_and_review_is_published_incrementally_with_every_number(
    workspace, tmp_path, monkeypatch, built_warehouse
):
    """The whole workflow: a published warehouse (the session's build of the same sources and texts), a draft of a
    new text, a review that leaves one row waiting (the run is refused, naming it; nothing published changes), the
    review finished, an incremental run that reads only the new document and publishes it with every number of its
    text accounted for."""
    sources, texts = workspace
    workdir = tmp_path / "built"
    workdir.mkdir()
    warehouse = Path(shutil.copy(built_warehouse, workdir / "warehouse.duckdb"))

    started = time.monotonic()
    output = draft(sources, texts)
    assert "number(s) that are not figures" in output
    waiting = figure(sources, "12.50")["figure_id"]
    review(sources, keep_draft=(waiting,))
    reviewed = time.monotonic() - started
    published = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    # an unknown document kind is refused at ingest, naming the file and line, before any work
    fields, documents = read_rows(sources / "documents.csv")
    line = 2 + next(i for i, r in enumerate(documents) if r["document_id"] == DOC)
    write_rows(
        sources / "documents.csv",
        fields,
        [{**r, "kind": "podcast"} if r["document_id"] == DOC else r for r in documents],
    )
    rejected = build(monkeypatch, workdir, sources)
    assert not rejected.success
    assert f"sources/documents.csv:{line}: kind='podcast' is not one of" in "\n".join(
        str(e.event_specific_data.error) for e in rejected.all_events if e.event_type_value == "STEP_FAILURE"
    )
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published
    write_rows(sources / "documents.csv", fields, documents)

    refused = build(monkeypatch, workdir, sources)
    assert not refused.success
    coverage = _checks(refused)["document_coverage"]
    assert not coverage.passed
    assert (
        f"{DOC}.txt:16: '12.50' in Table 1 (row Offshore outsourcing realization amount, column 2015) — drafted "
        f"as {waiting}_m1, waiting for review" in coverage.description
    )
    assert _checks(refused)["draft_figures_waiting"].passed is False
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published, "a refused run changes nothing"

    review(sources)
    # the new document states three of the Ningbo paper's facts otherwise: investigated and registered, as the
    # blocking reconciliation_register check demands before the run may publish
    _register(
        sources / "reconciliation_register.csv",
        [
            dict(reconciliation_id=fact, verdict="disagree", diagnosis="beyond rounding", explanation=NOT_THE_PAPERS)
            for fact in DISAGREEMENTS
        ],
    )
    _register(
        sources / "discrepancy_register.csv",
        [
            dict(claim_id=claim, verdict="inconsistent", diagnosis=diagnosis, explanation=NOT_THE_PAPERS)
            for claim, diagnosis in DERIVED
        ],
    )
    started_run = time.monotonic()
    added = build(monkeypatch, workdir, sources)
    assert added.success, [str(e.message) for e in added.all_events if e.is_failure]
    print(f"draft + review {reviewed:.1f} s, incremental run {time.monotonic() - started_run:.1f} s")
    assert _checks(added)["draft_figures_waiting"].passed
    assert _checks(added)["document_coverage"].passed
    texts_read = {m.asset_key.path[-1]: m.metadata for m in added.asset_materializations_for_node("ingest_sources")}
    assert texts_read["document_texts"]["texts_read_this_run"].value == 1, "only the new document's text is read"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mode = con.execute("select mode from ingest.build").fetchone()[0]
        scope = {d for (d,) in con.execute("select document_id from ingest.run_scope").fetchall()}
        figures = dict(
            con.execute("select stated_text, value_usd from marts.figures where document_id = ?", [DOC]).fetchall()
        )
        reconciled = con.execute(
            "select reconciliation_id, verdict, document_ids from marts.figure_reconciliation order by 1"
        ).fetchall()
        coverage_row = con.execute(
            "select numbers_in_text, unaccounted, waiting_review, coverage_pct "
            "from marts.document_coverage where document_id = ?",
            [DOC],
        ).fetchone()
    assert (mode, scope) == ("incremental", {DOC})
    assert reconciled == [(fact, "disagree", f"{DOC}, ningbo_paper") for fact in DISAGREEMENTS]
    assert set(figures) == set(LITERALS)
    assert figures["US$ 3.2 billion"] == 3_200_000_000
    assert figures["15.00"] == 1_500_000_000
    assert coverage_row[1:] == (0, 0, 100.0) and coverage_row[0] > len(figures)

    from orchestration.cli import _published_summary
    from orchestration.settings import Settings

    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    summary = "\n".join(_published_summary(Settings.from_env()))
    assert f"{DOC} 100% of {coverage_row[0]} numbers" in summary
    assert "waiting for review" not in summary


def test_a_second_draft_keeps_reviewed_rows_and_adds_only_what_is_new(workspace):
    sources, texts = workspace
    draft(sources, texts)
    review(sources)
    before = {folder: (sources / folder / f"{DOC}.csv").read_text() for folder in ("figures", "mentions")}
    (texts / f"{DOC}.txt").write_text(TEXT + ADDED, encoding="utf-8")
    output = draft(sources, texts)
    after = {folder: (sources / folder / f"{DOC}.csv").read_text() for folder in ("figures", "mentions")}
    for folder in before:
        assert after[folder].startswith(before[folder]), folder
    _, figures = read_rows(sources / "figures" / f"{DOC}.csv")
    new = [r for r in figures if r["review_status"] == "draft"]
    assert [(r["figure_id"], r["stated_text"], r["entity_id"], r["indicator_code"], r["year"]) for r in new] == [
        (f"{DOC}_f008", "about 1,000 service outsourcing enterprises", "ningbo", "outsourcing_enterprises", "2016")
    ]
    _, documents = read_rows(sources / "documents.csv")
    assert (
        next(r for r in documents if r["document_id"] == DOC)["sha256"]
        == hashlib.sha256((TEXT + ADDED).encode()).hexdigest()
    )
    assert "1 new draft figure(s)" in output and "7 row(s) already there kept" in output
    assert "1 new draft figure(s)" not in draft(sources, texts)  # nothing new the third time


def test_a_claim_on_a_draft_figure_is_an_ingest_error(workspace):
    from orchestration.ingest.validate import SourceValidationError, validate_sources

    sources, texts = workspace
    draft(sources, texts)
    review(sources, keep_draft=(f"{DOC}_f006",))
    claims = sources / "claims" / f"{DOC}.csv"
    fields, _ = read_rows(sources / "claims" / "ningbo_paper.csv")
    write_rows(
        claims,
        fields,
        [
            {
                "claim_id": f"{DOC}_c001",
                "document_id": DOC,
                "section": "Table 1",
                "table_row": "Growth",
                "claim_kind": "growth",
                "stated_figure_id": f"{DOC}_f005",
                "input_figure_ids": f"{DOC}_f006;{DOC}_f007",
                "relation": "eq",
                "statement": "growth as the table prints it",
            }
        ],
    )
    with pytest.raises(SourceValidationError) as raised:
        validate_sources(sources, texts)
    assert [str(p) for p in raised.value.problems] == [
        f"sources/claims/{DOC}.csv:2: {DOC}_c001: claim names draft figure '{DOC}_f006' (review it: fill its "
        "cells and set review_status to reviewed)"
    ]


def test_a_filled_draft_cell_must_still_be_valid(workspace):
    from orchestration.ingest.validate import SourceValidationError, validate_sources

    sources, texts = workspace
    draft(sources, texts)
    path = sources / "figures" / f"{DOC}.csv"
    fields, rows = read_rows(path)
    rows[0]["entity_id"] = "atlantis"
    rows[1]["review_status"] = "reviewed"  # its mention is still a draft
    write_rows(path, fields, rows)
    with pytest.raises(SourceValidationError) as raised:
        validate_sources(sources, texts)
    assert [str(p) for p in raised.value.problems] == [
        f"sources/figures/{DOC}.csv:2: unknown geography entity 'atlantis' (not in geography.csv)",
        f"sources/mentions/{DOC}.csv:3: {DOC}_f002_m1: review_status draft but its figure '{DOC}_f002' is "
        "reviewed (a mention is reviewed with its figure)",
    ]


def test_an_unknown_kind_is_refused_before_anything_is_written(workspace):
    sources, texts = workspace
    before = {p: p.read_bytes() for p in sources.rglob("*.csv")}
    output = draft(sources, texts, kind="podcast", status=2)
    assert "argument --kind: invalid choice: 'podcast' (choose from 'blog_post', 'discussion_paper'" in output
    assert {p: p.read_bytes() for p in sources.rglob("*.csv")} == before
