"""The draft benchmark's scoring and its corpus (benchmarks/draft_quality.py, benchmarks/draft_corpus/): a
drafted row is matched to its reviewed figure by literal and place and each field compared, and every number
each corpus text prints is accounted for by its reviewed rows, as the run's coverage accounting reads them."""

from __future__ import annotations

import copy

import pytest

from benchmarks.draft_quality import CORPUS, FIELDS, documents, read_rows, reviewed_rows, score
from orchestration.corpus.coverage import Ignore, Printing, account
from orchestration.corpus.text import Place

DOCUMENT = "dalian_news_2013"


def _paragraph(row: dict) -> int | None:
    return int(row["paragraph"]) if row["paragraph"] else None


def _corpus_document(document_id: str):
    return next(d for d in documents()[0] if d.document_id == document_id)


def _as_drafted(figures: list[dict]) -> list[dict]:
    """The reviewed rows as a draft would have written them: its own ids, draft status."""
    drafted = copy.deepcopy(figures)
    for number, row in enumerate(drafted, start=1):
        row.update(figure_id=f"drafted_f{number:03d}", review_status="draft")
    return drafted


def test_a_perfect_draft_scores_full_marks():
    figures, mentions, claims = reviewed_rows(_corpus_document(DOCUMENT))
    drafted = _as_drafted(figures)
    ids = {r["figure_id"]: d["figure_id"] for r, d in zip(figures, drafted, strict=True)}
    drafted_claims = [
        {
            **c,
            "stated_figure_id": ids[c["stated_figure_id"]],
            "input_figure_ids": ";".join(ids[i] for i in c["input_figure_ids"].split(";")),
        }
        for c in claims
    ]
    result = score(figures, mentions, claims, drafted, drafted_claims)
    assert (result.reviewed, result.matched, result.no_change) == (len(figures), len(figures), len(figures))
    assert result.claims_right == result.claims == len(claims) > 0
    assert all(result.percents()[f"{name}_pct"] == 100.0 for name in FIELDS)


def test_a_missing_row_a_wrong_field_and_a_moved_paragraph_are_scored_as_such():
    figures, mentions, claims = reviewed_rows(_corpus_document(DOCUMENT))
    drafted = _as_drafted(figures)
    by_literal = {row["stated_text"]: row for row in drafted}
    # not drafted: recall drops by one figure
    drafted.remove(by_literal["95,000"])
    # one wrong field: the entity of the 2012 sales
    by_literal["108.5 billion yuan"]["entity_id"] = "shenyang"
    # a paragraph off by one, in the same section: still matched, and right
    by_literal["630"]["paragraph"] = str(int(by_literal["630"]["paragraph"]) + 1)
    # two paragraphs off: not the same printing, so not matched
    by_literal["246"]["paragraph"] = str(int(by_literal["246"]["paragraph"]) + 2)
    # a growth claim with its base and current year swapped is not the reviewed claim
    ids = {r["figure_id"]: d["figure_id"] for r, d in zip(figures, _as_drafted(figures), strict=True)}
    growth = next(c for c in claims if c["claim_kind"] == "growth")
    swapped = ";".join(ids[i] for i in reversed(growth["input_figure_ids"].split(";")))
    drafted_claims = [{**growth, "stated_figure_id": ids[growth["stated_figure_id"]], "input_figure_ids": swapped}]

    details: list[str] = []
    result = score(figures, mentions, claims, drafted, drafted_claims, details)
    total = len(figures)
    assert result.matched == total - 2
    assert result.fields["entity"] == result.matched - 1
    assert all(result.fields[name] == result.matched for name in FIELDS if name != "entity")
    assert result.no_change == result.matched - 1
    assert result.claims_right == 0
    assert "dlnews_f001 '108.5 billion yuan': entity 'geography/shenyang' for 'geography/dalian'" in details
    assert any(d.startswith("extra: '246'") for d in details)
    percents = result.percents()
    assert percents["entity_pct"] < 100.0 == percents["indicator_pct"]


@pytest.mark.parametrize("document", [d for d in documents()[0] if d.corpus], ids=lambda d: d.document_id)
def test_every_number_of_a_corpus_text_is_accounted_for(document):
    """As the run's coverage check reads them: each mention claims its literal at its place, events their
    dates, the figures' periods and printed units their years and label numbers, not_figures the rest; no
    number is left, no literal is missing from its place and no not_figures row is stale."""
    figures, mentions, _ = reviewed_rows(document)
    sources = CORPUS / "sources"
    by_id = {row["figure_id"]: row for row in figures}
    printings = []
    for row in mentions:
        figure = by_id[row["figure_id"]]
        years = tuple(int(figure[c]) for c in ("year", "start_year", "end_year") if figure[c])
        place = Place(row["section"] or None, _paragraph(row), row["table_row"] or None, row["table_column"] or None)
        printings.append(
            Printing(row["mention_id"], place, figure["stated_text"], figure["unit_as_printed"] or None, years)
        )
    events = [
        Printing(
            row["event_id"],
            Place(row["section"] or None, _paragraph(row)),
            row["stated_text"],
            years=tuple(int(row[c]) for c in ("year", "year_high") if row[c]),
        )
        for row in read_rows(sources / "events" / f"{document.document_id}.csv")
    ]
    ignores = [
        Ignore(
            f"not_figures/{document.document_id}.csv",
            line,
            row["section"] or None,
            _paragraph(row),
            row["printed"] or None,
            row["reason"],
        )
        for line, row in enumerate(read_rows(sources / "not_figures" / f"{document.document_id}.csv"), start=2)
    ]
    sections = {row["section"] for row in figures if row["section"]}
    accounting = account(document.text.read_text(encoding="utf-8"), printings, events, ignores, sections)
    left = [f"line {a.number.line}: {a.number.literal!r}" for a in accounting.numbers if a.status == "unaccounted"]
    assert left == []
    assert [p.key for p in accounting.not_found] == []
    assert [f"{i.file}:{i.line}" for i in accounting.stale] == []
    assert accounting.numbers, "a corpus text prints numbers"
