"""Input a run must not take in silence: settings that would fail late (every one refused up front, naming its
variable and what to write), document texts edited or back after a build without them (part of what a run
compares with the published build), source cells shown as text in the UI, never as Markdown, and a problem in a
row kept from the published build named at its own file and line.

The runs use the cross-document test corpus (tests/cross_document_corpus.py): three short documents with their
texts, written for these tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import PROJECT_ROOT, build, read_rows, write_rows
from cross_document_corpus import BRIEF, MINISTRY, NEWSLETTER, YEARBOOK, write_corpus
from orchestration.ingest.validate import SourceValidationError, validate_build, validate_run
from orchestration.settings import Settings, SettingsError

# a claim statement with an image in Markdown: a viewer's browser would fetch it if the UI rendered the cell
IMAGE = "![x](http://host/x.png)"


@dataclass(frozen=True)
class Corpus:
    sources: Path
    texts: Path
    warehouse: Path
    result: object  # the run that published it


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _copy(warehouse: Path, workdir: Path) -> Path:
    """`warehouse` as the published file of a run in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(warehouse, workdir / "warehouse.duckdb"))


@pytest.fixture(scope="module")
def unchecked(tmp_path_factory) -> Corpus:
    """The corpus built with DOCUMENTS_DIR set empty (its literals not checked against the texts), the newsletter's
    claim statement opening with IMAGE."""
    workdir = tmp_path_factory.mktemp("unchecked")
    sources, texts = write_corpus(workdir / "in")
    claims = sources / "claims" / f"{NEWSLETTER}.csv"
    fields, rows = read_rows(claims)
    rows[0]["statement"] = f"{IMAGE} {rows[0]['statement']}"
    write_rows(claims, fields, rows)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCUMENTS_DIR", "")
        result = build(mp, workdir, sources)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    return Corpus(sources, texts, workdir / "warehouse.duckdb", result)


@pytest.fixture(scope="module")
def checked(unchecked, tmp_path_factory) -> Corpus:
    """The next run over the same sources, the texts folder given this time."""
    workdir = tmp_path_factory.mktemp("checked")
    warehouse = _copy(unchecked.warehouse, workdir)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCUMENTS_DIR", str(unchecked.texts))
        result = build(mp, workdir, unchecked.sources)
    return Corpus(unchecked.sources, unchecked.texts, warehouse, result)


# --- the document texts in change detection


def test_texts_given_after_a_build_without_them_rebuild_every_document(checked):
    assert checked.result.success, [str(e.message) for e in checked.result.all_events if e.is_failure]
    published = checked.warehouse
    assert _query(published, "select mode from ingest.build") == [("incremental",)]
    assert {d for (d,) in _query(published, "select document_id from ingest.run_scope")} == {
        YEARBOOK,
        NEWSLETTER,
        BRIEF,
        MINISTRY,
    }
    assert set(_query(published, "select document_id, text_present from raw.document_texts")) == {
        (YEARBOOK, True),
        (NEWSLETTER, True),
        (BRIEF, True),
        (MINISTRY, True),
    }
    recorded = dict(_query(published, "select document_id, sha256 from ingest.texts"))
    assert recorded == {d: sha for d, sha in _query(published, "select document_id, sha256 from raw.documents")}


def test_a_run_without_the_texts_keeps_what_the_published_build_checked(checked):
    assert validate_run(checked.sources, None, checked.warehouse)[0].rebuilds_nothing
    assert validate_run(checked.sources, checked.texts, checked.warehouse)[0].rebuilds_nothing


def test_an_edited_text_rebuilds_its_document(checked, tmp_path):
    texts = Path(shutil.copytree(checked.texts, tmp_path / "texts"))
    edited = texts / f"{YEARBOOK}.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "A closing line in other words.\n", encoding="utf-8")
    plans = []
    with pytest.raises(SourceValidationError) as caught:
        validate_build(checked.sources, texts, checked.warehouse, on_plan=plans.append).con.close()
    assert [plan.documents for plan in plans] == [{YEARBOOK}]
    assert "1 document text(s) edited or not checked by the published build" in plans[0].reason
    (problem,) = caught.value.problems
    line = 2 + [r["document_id"] for r in read_rows(checked.sources / "documents.csv")[1]].index(YEARBOOK)
    assert (problem.file, problem.line) == ("sources/documents.csv", line)
    assert problem.reason.startswith(f"sha256 of {YEARBOOK}.txt is ") and problem.reason.endswith(": the text changed")


def test_a_text_gone_from_the_folder_is_reported(checked, tmp_path):
    texts = Path(shutil.copytree(checked.texts, tmp_path / "texts"))
    (texts / f"{BRIEF}.txt").unlink()
    with pytest.raises(SourceValidationError) as caught:
        validate_run(checked.sources, texts, checked.warehouse)
    assert [p.reason for p in caught.value.problems] == [
        f"document text {texts / BRIEF}.txt not found in DOCUMENTS_DIR"
    ]


# --- source cells in the UI


def test_table_previews_show_source_cells_as_text(unchecked):
    materialized = {
        tuple(m.asset_key.path): m.metadata for m in unchecked.result.asset_materializations_for_node("ingest_sources")
    }
    markdown = [
        key
        for key, metadata in materialized.items()
        for v in metadata.values()
        if isinstance(v, dg.MarkdownMetadataValue)
    ]
    assert markdown == [], "the UI renders Markdown: an image in a cell would be fetched by every viewer"
    preview = materialized[("raw", "claims")]["preview"]
    assert isinstance(preview, dg.TableMetadataValue)
    statements = {record.data["claim_id"]: record.data["statement"] for record in preview.records}
    assert statements["nl_c001"].startswith(IMAGE)


# --- problems in rows kept from the published build


def test_a_kept_claim_on_a_removed_figure_is_named_at_its_file_and_line(unchecked, tmp_path):
    # the sources moved to a folder of another name; the yearbook drops the figure the newsletter's kept claim
    # takes as an input, and takes one of the newsletter's figure ids
    sources = Path(shutil.copytree(unchecked.sources, tmp_path / "renamed"))
    for folder in ("figures", "mentions"):
        path = sources / folder / f"{YEARBOOK}.csv"
        fields, rows = read_rows(path)
        write_rows(path, fields, [r for r in rows if r["figure_id"] != "yb_f002"])
    fields, figures = read_rows(sources / "figures" / f"{YEARBOOK}.csv")
    taken = read_rows(sources / "figures" / f"{NEWSLETTER}.csv")[1][0]
    write_rows(sources / "figures" / f"{YEARBOOK}.csv", fields, [*figures, {**taken, "document_id": YEARBOOK}])
    with pytest.raises(SourceValidationError) as caught:
        validate_run(sources, None, unchecked.warehouse)
    problems = {(p.file, p.line, p.reason) for p in caught.value.problems}
    claims = [r["claim_id"] for r in read_rows(sources / "claims" / f"{NEWSLETTER}.csv")[1]]
    assert (
        f"renamed/claims/{NEWSLETTER}.csv",
        2 + claims.index("nl_c001"),
        "nl_c001: claim names figure 'yb_f002', which its document no longer has",
    ) in problems
    duplicate = f"duplicate figure_id {taken['figure_id']} (also in renamed/figures/{NEWSLETTER}.csv)"
    assert duplicate in {reason for _, _, reason in problems}


# --- settings


@pytest.fixture
def values(tmp_path) -> dict[str, str]:
    """Settings that pass, under tmp_path, for a test to spoil one of."""
    return {"DATA_DIR": str(tmp_path / "data"), "DOCUMENTS_DIR": ""}


def _problems(values: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        Settings.from_values(values)
    return caught.value.problems


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # a digit to str.isdigit(), not to int()
        ("WAREHOUSE_HISTORY", "²", "WAREHOUSE_HISTORY='²' must be a whole number of at least 1, in the digits 0-9"),
        ("GX_BATCH_ROWS", str(10**30), f"GX_BATCH_ROWS='{10**30}' must be a whole number of at least 1000 and at most"),
        ("DUCKDB_MEMORY_LIMIT", "2MB", "DUCKDB_MEMORY_LIMIT='2MB' is less than a build needs: write at least 128MB"),
        ("DUCKDB_MEMORY_LIMIT", "0B", "DUCKDB_MEMORY_LIMIT='0B' is less than a build needs"),
        ("DBT_MEMORY_LIMIT", "1KB", "DBT_MEMORY_LIMIT='1KB' is less than a build needs"),
        ("DBT_MEMORY_LIMIT", "120MiB", "DBT_MEMORY_LIMIT='120MiB' is less than a build needs"),
        ("DBT_MEMORY_LIMIT", "99999999TB", "DBT_MEMORY_LIMIT='99999999TB' is more than DuckDB can count"),
        # under Dagster's 30 s heartbeat interval and a busy machine's delay, a live daemon would count as stopped
        ("DAEMON_SILENT_SECONDS", "30", "DAEMON_SILENT_SECONDS='30' must be a whole number of at least 35"),
    ],
)
def test_a_number_the_run_cannot_work_with_is_refused(values, name, value, message):
    assert [p for p in _problems({**values, name: value}) if p.startswith(message)], _problems({**values, name: value})


@pytest.mark.parametrize("name", ["system", "temp", "Main", 'my"warehouse'])
def test_a_warehouse_file_dbt_cannot_name_is_refused(values, tmp_path, name):
    path = tmp_path / f"{name}.duckdb"
    (problem,) = _problems({**values, "WAREHOUSE_PATH": str(path)})
    assert problem.startswith(f"WAREHOUSE_PATH={path}: dbt names the database after the file")


def test_a_dagster_home_that_is_a_file_is_refused(values, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    default = tmp_path / "data" / "dagster_home"
    assert _problems({**values, "DAGSTER_HOME": str(a_file)}) == [
        f"DAGSTER_HOME={a_file} is a file, not a folder (name a folder, or unset it: {default})"
    ]


def test_every_problem_is_listed_at_once(values, tmp_path):
    spoilt = {
        **values,
        "WAREHOUSE_HISTORY": "²",
        "GX_BATCH_ROWS": str(10**30),
        "DUCKDB_MEMORY_LIMIT": "0B",
        "DBT_MEMORY_LIMIT": "1KB",
        "WAREHOUSE_PATH": str(tmp_path / "system.duckdb"),
        "DAGSTER_HOME": str(tmp_path),  # a folder: no problem
    }
    named = [p.split("=")[0] for p in _problems(spoilt)]
    assert named == ["WAREHOUSE_HISTORY", "GX_BATCH_ROWS", "DUCKDB_MEMORY_LIMIT", "DBT_MEMORY_LIMIT", "WAREHOUSE_PATH"]


def test_the_command_refuses_a_dagster_home_that_is_a_file_before_any_work(tmp_path):
    a_file = tmp_path / "home"
    a_file.write_text("")
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(a_file), "DOCUMENTS_DIR": ""}
    warehouse = Path(sys.executable).with_name("warehouse")
    result = subprocess.run([str(warehouse), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2, result
    assert f"DAGSTER_HOME={a_file} is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()
