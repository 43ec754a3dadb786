"""A run reads a source file's bytes only when it may have changed since the published build hashed it."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from conftest import SOURCES, copy_sources
from orchestration.ingest import fingerprints
from orchestration.ingest.fingerprints import RACY_SECONDS, record_files, recorded_files, source_files
from orchestration.ingest.validate import validate_run

FIGURES = "figures/dalian_paper_2013.csv"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files whose bytes are read for their sha256, by name within the sources folder."""
    read: list[str] = []
    hashing = fingerprints._checksum_and_lines

    def counted(path: Path):
        read.append(f"{path.parent.name}/{path.name}" if path.parent.name != "sources" else path.name)
        return hashing(path)

    monkeypatch.setattr(fingerprints, "_checksum_and_lines", counted)
    return read


def _aged(sources: Path, seconds: int = 60) -> Path:
    """Every file last written `seconds` ago, as files are between one nightly run and the next."""
    then = time.time() - seconds
    for path in sources.rglob("*.csv"):
        os.utime(path, (then, then))
    return sources


def test_a_file_still_as_it_was_hashed_is_not_read_again(tmp_path, reads):
    sources = _aged(copy_sources(tmp_path))
    first = {f.relative: f for f in source_files(sources)}
    reads.clear()

    assert {f.relative: f for f in source_files(sources, first)} == first
    assert reads == []

    # edited in place: a new time
    with (sources / FIGURES).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    # the same bytes renamed into place with the old time: a new inode
    documents = sources / "documents.csv"
    stat = documents.stat()
    shutil.copyfile(documents, tmp_path / "documents.csv")
    os.utime(tmp_path / "documents.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(tmp_path / "documents.csv", documents)
    # recorded as hashed within RACY_SECONDS of its last change: a change after it could have kept its time
    racy = "claims/dalian_paper_2013.csv"
    recorded = {**first, racy: replace(first[racy], hashed_at_ns=first[racy].mtime_ns + RACY_SECONDS * 10**9 - 1)}

    now = {f.relative: f for f in source_files(sources, recorded)}
    assert sorted(reads) == sorted([FIGURES, "documents.csv", racy])
    assert now[FIGURES].sha256 != first[FIGURES].sha256
    assert now[FIGURES].lines == first[FIGURES].lines + 1
    assert now["documents.csv"].sha256 == first["documents.csv"].sha256
    assert now[racy].hashed_at_ns > recorded[racy].hashed_at_ns


def test_the_warehouse_records_what_the_next_run_compares(tmp_path):
    sources = _aged(copy_sources(tmp_path))
    files = source_files(sources)
    with duckdb.connect(str(tmp_path / "recorded.duckdb")) as con:
        con.execute("create schema ingest")
        record_files(con, files)
    with duckdb.connect() as con:
        con.execute(f"attach '{tmp_path / 'recorded.duckdb'}' as base (read_only)")
        assert recorded_files(con, "base", sources) == {f.relative: f for f in files}

    # a warehouse recorded before sizes and times were: every file is read
    with duckdb.connect(str(tmp_path / "older.duckdb")) as con:
        con.execute("create schema ingest")
        con.execute(
            "create table ingest.source_files (source varchar, file varchar, document_id varchar, sha256 varchar)"
        )
    with duckdb.connect() as con:
        con.execute(f"attach '{tmp_path / 'older.duckdb'}' as base (read_only)")
        assert recorded_files(con, "base", sources) == {}


def test_a_run_over_the_files_of_the_published_build_reads_none_of_their_bytes(tmp_path, built_warehouse, reads):
    """The nightly run with nothing changed: the session's build recorded the project's sources as it hashed them."""
    baseline = Path(shutil.copy(built_warehouse, tmp_path / "baseline.duckdb"))
    plan, _ = validate_run(SOURCES, None, baseline)
    assert plan.rebuilds_nothing
    assert reads == []
