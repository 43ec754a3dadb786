"""Every kind of bad input is rejected before anything is written, naming file, line and reason, all at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import SHARED_SEEDS, SOURCES, copy_sources, read_rows, write_rows
from orchestration.ingest.source_files import SOURCES_BY_NAME
from orchestration.ingest.validate import SourceValidationError, validate_sources


def _edit(path: Path, index: int, **changes) -> dict:
    """Change row `index` (0-based, header excluded); return the edited row. Its file line is index + 2."""
    fields, rows = read_rows(path)
    rows[index].update(changes)
    write_rows(path, fields, rows)
    return rows[index]


def _first(path: Path, **match) -> int:
    _, rows = read_rows(path)
    for i, row in enumerate(rows):
        if all(row[k] == v for k, v in match.items()):
            return i
    raise LookupError(match)


def _problems(sources: Path, documents: Path | None = None) -> list[str]:
    with pytest.raises(SourceValidationError) as info:
        validate_sources(sources, documents)
    return [str(p) for p in info.value.problems]


@pytest.fixture
def sources(tmp_path) -> Path:
    return copy_sources(tmp_path)


FIGURES = Path("figures") / "dalian_paper_2013.csv"
FIGURE_COLUMNS = len(SOURCES_BY_NAME["figures"].columns)


def test_the_real_sources_are_valid():
    validate_sources(SOURCES, SHARED_SEEDS)


def test_wrong_column_count_names_file_and_line(sources):
    path = sources / FIGURES
    with path.open("a", encoding="utf-8") as handle:
        handle.write("dalian_f999,dalian_paper_2013,too,few\n")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    problems = _problems(sources)
    expected = f"sources/{FIGURES}:{lines}: expected {FIGURE_COLUMNS} columns, found 4"
    assert any(p.startswith(expected) for p in problems), problems


def test_malformed_quoting_is_reported(sources):
    path = sources / "indicators.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write('bad_code,"unterminated,count,count,true,x\n')
    problems = _problems(sources)
    assert any("indicators.csv" in p and ("unreadable CSV" in p or "columns" in p) for p in problems), problems


def test_duplicate_id(sources):
    path = sources / FIGURES
    fields, rows = read_rows(path)
    rows.append(dict(rows[0]))
    write_rows(path, fields, rows)
    problems = _problems(sources)
    assert any(f":{len(rows) + 1}: duplicate figure_id {rows[0]['figure_id']} (first at" in p for p in problems), (
        problems
    )


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("indicator_code", "no_such_indicator", "unknown indicator_code 'no_such_indicator'"),
        ("entity_id", "atlantis", "unknown geography entity 'atlantis'"),
        ("currency", "GBP", "currency='GBP' is not one of CNY, USD, JPY, EUR"),
        ("stated_text", "lots of money", "unparseable literal"),
        ("value", "999.5", "value=999.5 disagrees with the literal"),
        ("scale", "3", "scale=3 disagrees with the literal"),
        ("year", "2031", "year 2031 is after the document's publication (2013)"),
        ("year", "1066", "year 1066 is before 1900"),
    ],
)
def test_bad_figure_cells(sources, column, bad, message):
    path = sources / FIGURES
    index = _first(path, entity_type="geography", currency="CNY", period_kind="year")
    _edit(path, index, **{column: bad})
    problems = _problems(sources)
    assert any(p.startswith(f"sources/{FIGURES}:{index + 2}:") and message in p for p in problems), problems


def test_unknown_document(sources):
    path = sources / "events" / "dalian_paper_2013.csv"
    _edit(path, 0, document_id="lost_manuscript")
    problems = _problems(sources)
    assert any(":2: unknown document_id 'lost_manuscript'" in p for p in problems), problems


def test_an_event_span_running_backwards_is_rejected_at_its_line(sources):
    path = sources / "events" / "dalian_paper_2013.csv"
    index = _first(path, event_id="dalian_e033")
    _edit(path, index, year_high="1979")
    problems = _problems(sources)
    assert (
        f"sources/events/dalian_paper_2013.csv:{index + 2}: year_high 1979 is before year 1980 (the span a "
        "date admits runs forwards)" in problems
    ), problems


def test_an_event_year_high_after_the_document_is_rejected_at_its_line(sources):
    path = sources / "events" / "dalian_paper_2013.csv"
    index = _first(path, event_id="dalian_e033")
    _edit(path, index, year_high="2019")
    problems = _problems(sources)
    assert (
        f"sources/events/dalian_paper_2013.csv:{index + 2}: dalian_e033: year_high 2019 is after the "
        "document's publication (2013)" in problems
    ), problems


def test_negative_count(sources):
    path = sources / FIGURES
    index = _first(path, stated_text="1,100 employees")
    _edit(path, index, stated_text="-1,100 employees", value="-1100")
    problems = _problems(sources)
    assert any(f":{index + 2}:" in p and "negative count" in p for p in problems), problems


def test_monetary_figure_without_exchange_rate(sources):
    path = sources / FIGURES
    index = _first(path, currency="CNY", period_kind="year")
    _edit(path, index, year="1989")
    problems = _problems(sources)
    assert any(f":{index + 2}:" in p and "no CNY per US$ rate for 1989" in p for p in problems), problems


def test_claim_naming_a_missing_figure(sources):
    path = sources / "claims" / "dalian_paper_2013.csv"
    row = _edit(path, 0, input_figure_ids="dalian_f000;dalian_f999")
    problems = _problems(sources)
    assert any(
        f":2: {row['claim_id']}: claim names figure 'dalian_f999', which does not exist" in p for p in problems
    ), problems


def test_literal_missing_from_the_document_text(sources):
    path = sources / FIGURES
    index = _first(path, currency="CNY", period_kind="year")
    row = _edit(path, index, stated_text="RMB 1 billion", value="1", decimals="0", scale="9")
    problems = _problems(sources, SHARED_SEEDS)
    assert any(f":{index + 2}:" in p and "does not occur in document 'dalian_paper_2013'" in p for p in problems), (
        row,
        problems,
    )


def test_changed_document_text_fails_its_checksum(sources, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    for text in SHARED_SEEDS.glob("*.txt"):
        (documents / text.name).write_bytes(text.read_bytes())
    target = next(documents.glob("000_*.txt"))
    target.write_bytes(target.read_bytes() + b"\nedited")
    problems = _problems(sources, documents)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert any(f"sha256 of {target.name} is {digest}" in p for p in problems), problems


def test_every_problem_is_reported_in_one_run(sources):
    figures = sources / FIGURES
    _edit(figures, 0, indicator_code="nope")
    _edit(figures, 1, value="123456")
    claims = sources / "claims" / "dalian_paper_2013.csv"
    _edit(claims, 0, stated_figure_id="dalian_f999")
    problems = _problems(sources)
    assert any(f"{FIGURES}:2:" in p for p in problems)
    assert any(f"{FIGURES}:3:" in p for p in problems)
    assert any("claims/dalian_paper_2013.csv:2:" in p for p in problems)


def test_lines_after_a_malformed_row_keep_their_numbers(sources):
    path = sources / FIGURES
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    target = read_rows(path)[1][3]["figure_id"]  # on line 5 now, line 6 once a malformed line goes in at line 4
    lines.insert(3, "dalian_f999,dalian_paper_2013,too,few\n")
    path.write_text("".join(lines).replace(f"{target},", f"{target}x,", 1), encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[5].startswith(f"{target}x,")
    problems = _problems(sources)
    expected = f"sources/{FIGURES}:4: expected {FIGURE_COLUMNS} columns, found 4"
    assert any(p.startswith(expected) for p in problems), problems
    # the renamed figure now lacks a mention: reported on its own line, 6
    assert any(p.startswith(f"sources/{FIGURES}:6: {target}x: figure has no mention") for p in problems), problems
