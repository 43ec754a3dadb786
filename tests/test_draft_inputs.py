"""`warehouse draft`'s inputs, each checked before anything is written (a text that is not UTF-8, an unsafe
prefix, an address that is not http(s), an implausible year, rows it cannot read), all problems at once; the run
naming a text that is not UTF-8 with its file, line and byte; a heading that prints two numbers drafted so that
the reviewed rows validate; and a long draft telling how far it has got."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, SHARED_SEEDS, copy_sources, read_rows, write_rows
from orchestration.ingest.source_files import CURRENT_YEAR

DOC = "harbour_notes"
# our own words and invented figures; line 3 is the heading that prints two numbers
TEXT = """# Notes on a Harbour Town

## Copy 1 1. Introduction

In 2012, the software and information services industry of Dalian reported sales of 98.4 billion yuan.
"""


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


def draft(sources: Path, text: Path, *extra: str, **options: str) -> subprocess.CompletedProcess:
    arguments = {
        "document-id": DOC,
        "title": "Notes on a harbour town",
        "kind": "report",
        "authors": "A. Writer",
        "year": "2018",
        **options,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "draft",
            str(text),
            *(item for name, value in arguments.items() for item in (f"--{name}", value)),
            "--sources",
            str(sources),
            *extra,
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
    )


def files(sources: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sources.rglob("*") if path.is_file()}


def refused(sources: Path, text: Path, **options: str) -> list[str]:
    """The draft's error lines, after checking it wrote nothing and printed no traceback."""
    before = files(sources)
    done = draft(sources, text, **options)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert files(sources) == before, "a refused draft writes nothing"
    return done.stderr.splitlines()


# a text saved in Latin-1 (é is 0xe9, line 5) and the start of a PNG image
LATIN_1 = TEXT.replace("Dalian", "Dalian (café district)").encode("latin-1")
LATIN_1_OFFSET = LATIN_1.index(b"\xe9")
LATIN_1_IN_LINE = LATIN_1_OFFSET - LATIN_1.rindex(b"\n", 0, LATIN_1_OFFSET)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (
            LATIN_1,
            f":5: not a UTF-8 text: byte 0xe9 at byte offset {LATIN_1_OFFSET} (byte {LATIN_1_IN_LINE} of line 5): "
            "invalid continuation byte",
        ),
        (PNG, ":1: not a UTF-8 text: byte 0x89 at byte offset 0 (byte 1 of line 1): invalid start byte"),
    ],
    ids=["latin-1", "binary"],
)
def test_a_text_that_is_not_utf8_is_refused_before_anything_is_written(workspace, data, where):
    sources, texts = workspace
    text = texts / f"{DOC}.txt"
    text.write_bytes(data)
    assert refused(sources, text) == [f"error: {text}{where}; save the text as UTF-8"]


def test_an_empty_text_is_refused_before_anything_is_written(workspace):
    sources, texts = workspace
    text = texts / f"{DOC}.txt"
    text.write_text(" \n\n", encoding="utf-8")
    assert refused(sources, text) == [f"error: {text}: the text is empty: nothing to draft (is it the right file?)"]


def test_a_draft_while_a_run_builds_is_refused_and_writes_nothing(workspace, tmp_path):
    """`warehouse run` holds .writer.lock beside the warehouse while it builds (and reads the sources)."""
    import fcntl

    sources, texts = workspace
    (tmp_path / "data").mkdir(exist_ok=True)
    with open(tmp_path / "data" / ".writer.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        errors = refused(sources, texts / f"{DOC}.txt")
    assert errors == [
        f"error: another build of {tmp_path / 'data' / 'warehouse.duckdb'} is running; wait for it to finish, then "
        "draft again: the run reads the sources a draft changes"
    ]


def test_every_bad_argument_is_named_at_once_before_anything_is_written(workspace):
    sources, texts = workspace
    errors = refused(
        sources,
        texts / f"{DOC}.txt",
        **{"document-id": "Notes", "prefix": '../x"', "url": "javascript:alert(1)", "year": "99999"},
    )
    assert errors == [
        "error: --document-id 'Notes' is not an id (lowercase ASCII letters, digits and _, starting with a letter)",
        "error: --prefix '../x\"' is not an id (lowercase ASCII letters, digits and _, starting with a letter)",
        "error: --url 'javascript:alert(1)': not an http:// or https:// address with a host",
        f"error: --year '99999' is not a publication year (1900 to {CURRENT_YEAR})",
    ]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("url", "http://"),
        ("url", "https://example.org:99999/notes"),
        ("url", "ftp://example.org/notes.txt"),
        ("url", "https://example.org/a; mailto:someone"),
        ("year", "1899"),
        ("year", "²⁰¹⁸"),
        ("year", "20l8"),
        ("prefix", "harbour-notes"),
    ],
)
def test_a_bad_value_is_refused_naming_its_option(workspace, option, value):
    sources, texts = workspace
    [error] = refused(sources, texts / f"{DOC}.txt", **{option: value})
    assert error.startswith(f"error: --{option} "), error


def test_rows_the_draft_cannot_read_are_named_at_their_lines_before_anything_is_written(workspace):
    """The document's own files are inputs too: a figures file saved in another encoding and a mention whose
    paragraph is no number stop the draft before documents.csv is touched."""
    sources, texts = workspace
    assert draft(sources, texts / f"{DOC}.txt").returncode == 0
    figures = sources / "figures" / f"{DOC}.csv"
    figures.write_bytes(figures.read_bytes().replace(b"Introduction", b"Introducci\xf3n"))
    mentions = sources / "mentions" / f"{DOC}.csv"
    fields, rows = read_rows(mentions)
    write_rows(mentions, fields, [{**rows[0], "paragraph": "one"}])
    (texts / f"{DOC}.txt").write_text(TEXT + "\nIts exports reached US$ 2.1 billion in 2012.\n", encoding="utf-8")
    errors = refused(sources, texts / f"{DOC}.txt")
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"error: {figures}:2: not a UTF-8 text: byte 0xf3"), errors
    assert errors[1] == f"error: {mentions}:2: paragraph 'one' is not a whole number"


def test_good_values_are_written(workspace):
    sources, texts = workspace
    done = draft(
        sources,
        texts / f"{DOC}.txt",
        prefix="harbour",
        url="https://example.org/harbour-notes; https://example.org:8443/notes.pdf",
        year="2018",
    )
    assert done.returncode == 0, done.stderr
    row = next(r for r in read_rows(sources / "documents.csv")[1] if r["document_id"] == DOC)
    assert (row["url"], row["year"]) == (
        "https://example.org/harbour-notes; https://example.org:8443/notes.pdf",
        "2018",
    )
    assert [r["figure_id"] for r in read_rows(sources / "figures" / f"{DOC}.csv")[1]] == ["harbour_f001"]


def test_the_run_names_a_text_that_is_not_utf8_with_its_line_and_byte_among_the_other_problems(workspace):
    """The run reads the texts too: a text that is not UTF-8 is a problem at the document's row, naming the text,
    line and byte, listed with every other problem (never a bare UnicodeDecodeError)."""
    from orchestration.ingest.validate import SourceValidationError, validate_sources

    sources, texts = workspace
    (texts / f"{DOC}.txt").write_bytes(LATIN_1)
    fields, documents = read_rows(sources / "documents.csv")
    row = {name: "" for name in fields} | {
        "document_id": DOC,
        "file_name": f"{DOC}.txt",
        "title": "Notes on a harbour town",
        "authors": "A. Writer",
        "year": "2018",
        "kind": "report",
        "sha256": hashlib.sha256(LATIN_1).hexdigest(),
    }
    other = {**row, "document_id": "harbour_copy", "file_name": "", "sha256": "", "kind": ""}
    write_rows(sources / "documents.csv", fields, [*documents, row, other])
    # a document the run reads is one with files of its own
    fields = list(read_rows(sources / "not_figures" / "ningbo_paper.csv")[0])
    ignore = {"document_id": DOC, "section": "", "paragraph": "", "printed": "2012", "reason": "a year"}
    write_rows(sources / "not_figures" / f"{DOC}.csv", fields, [{**ignore, "review_status": "reviewed"}])
    with pytest.raises(SourceValidationError) as raised:
        validate_sources(sources, texts)
    problems = [str(p) for p in raised.value.problems]
    line = len(documents) + 2
    assert f"sources/documents.csv:{line + 1}: kind is required" in problems
    assert (
        f"sources/documents.csv:{line}: document text {texts / DOC}.txt:5: not a UTF-8 text: byte 0xe9 at byte "
        f"offset {LATIN_1_OFFSET}" in "\n".join(problems)
    ), problems


def _review(sources: Path) -> None:
    for folder in ("figures", "mentions", "not_figures"):
        path = sources / folder / f"{DOC}.csv"
        fields, rows = read_rows(path)
        write_rows(path, fields, [{**row, "review_status": "reviewed"} for row in rows])


def test_a_heading_with_two_numbers_is_drafted_so_that_the_reviewed_rows_validate(workspace):
    """`## Copy 1 1. Introduction`: `1.` is the heading's section number and `Copy 1` part of its title, one row
    each, neither accounting for the other's number; reviewed as drafted, the document validates with every number
    of its text accounted for."""
    from orchestration.ingest.validate import validate_build

    sources, texts = workspace
    done = draft(sources, texts / f"{DOC}.txt")
    assert done.returncode == 0, done.stderr
    _review(sources)
    with validate_build(sources, texts) as validation:
        statuses = {(n[2], n[3]): n[9] for n in validation.readings.numbers if n[0] == DOC}
    assert statuses[(3, 9)] == "ignored" and statuses[(3, 11)] == "ignored", statuses
    assert "unaccounted" not in statuses.values() and "draft" not in statuses.values(), statuses
    rows = read_rows(sources / "not_figures" / f"{DOC}.csv")[1]
    heading = "Copy 1 1. Introduction"
    assert [(r["section"], r["printed"], r["reason"]) for r in rows if r["section"] == heading] == [
        (heading, "Copy 1", "part of the heading"),
        (heading, "1.", "the heading's section number"),
    ]


def test_a_long_draft_tells_how_far_it_has_got_on_stderr(workspace):
    from orchestration.corpus.draft import PROGRESS_EVERY

    sources, texts = workspace
    # a figure on every line: as many figures to suggest as lines to read
    lines = [
        f"In 2012, some {n % 900 + 100} software firms of Dalian opened offices."
        for n in range(PROGRESS_EVERY + PROGRESS_EVERY // 4)
    ]
    text = texts / f"{DOC}.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = draft(sources, text)
    assert done.returncode == 0, done.stderr
    progress = done.stderr.splitlines()
    assert progress[0] == f"{DOC}.txt: drafting figures"
    assert progress[1].startswith(f"{DOC}.txt: drafting, line {PROGRESS_EVERY:,} of {len(lines):,} ("), progress
    assert progress[2:4] == [
        f"{DOC}.txt: suggesting what each of {len(lines):,} figures is",
        f"{DOC}.txt: suggesting, {PROGRESS_EVERY:,} of {len(lines):,} figures done (80%)",
    ]
    assert progress[4:] == [
        f"{DOC}.txt: accounting for every number of the text",
        f"{DOC}.txt: drafting claims and the review file",
        f"{DOC}.txt: writing the drafts",
    ]


def test_section_numbers_as_printed():
    from orchestration.corpus.text import section_number

    printed = {
        heading: heading[span[0] : span[1]] if (span := section_number(heading)) else None
        for heading in (
            "## Copy 1 1. Introduction",
            "## 1. Dalian",
            "(2) Analytical Viewpoints",
            "3) Important Roles",
            "2.1. The Scale of Offshore Outsourcing",
            "## **3.2.1 Exports**",
            "## 4 Results",
            "## Top 10 Cities",
        )
    }
    assert printed == {
        "## Copy 1 1. Introduction": "1.",
        "## 1. Dalian": "1.",
        "(2) Analytical Viewpoints": "(2)",
        "3) Important Roles": "3)",
        "2.1. The Scale of Offshore Outsourcing": "2.1.",
        "## **3.2.1 Exports**": "3.2.1",
        "## 4 Results": "4",
        "## Top 10 Cities": None,
    }
