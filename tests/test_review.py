"""`warehouse review`: the review sheet of a drafted document, and each option of the review changing exactly the
rows it names, on a copy of the sources holding an invented document's draft rows and a hand-made review file."""

from __future__ import annotations

import argparse
import csv
import fcntl
import io
import json
from pathlib import Path

import pytest

from conftest import copy_sources
from orchestration.corpus.review import add_review_parser
from orchestration.corpus.review_sheet import WIDTH, render_sheet
from orchestration.ingest.source_files import SOURCES_BY_NAME

DOC = "harbour_notes"
FIGURES = f"figures/{DOC}.csv"
MENTIONS = f"mentions/{DOC}.csv"
NOT_FIGURES = f"not_figures/{DOC}.csv"
CLAIMS = f"claims/{DOC}.csv"
REVIEW = f"review/{DOC}.json"
# our own words, invented figures; the draft took the heading's "2.1" for a figure (hn_f004)
SECTION = "2.1 Trade in Services"
SENTENCE = (
    "Ningbo's software firms sold US$ 4.5 billion of services abroad in 2016, up 12.5% on the US$ 4.0 billion "
    "they sold in 2015."
)
TENANTS = "About 300 firms worked in Beilun Port Zone that year, Harbour Soft Ltd the largest of them."


def _figure(figure_id: str, stated_text: str, value: str, **cells: str) -> dict:
    row = dict.fromkeys(SOURCES_BY_NAME["figures"].column_names, "")
    row |= dict(figure_id=figure_id, document_id=DOC, section=SECTION, paragraph="1", entity_type="geography")
    row |= dict(entity_id="ningbo", indicator_code="software_is_exports", measure="level", period_kind="year")
    row |= dict(year="2016", stated_text=stated_text, value=value, decimals="1", scale="9", unit="USD")
    row |= dict(currency="USD", comparator="eq", obs_status="A", review_status="draft")
    return row | cells


ROWS = [
    _figure("hn_f001", "US$ 4.5 billion", "4.5", unit_as_printed="US$ billion"),
    _figure("hn_f002", "12.5%", "12.5", measure="growth_pct", scale="0", unit="percent", currency=""),
    _figure(
        "hn_f003",
        "About 300",
        "300",
        paragraph="2",
        entity_id="ningbo",
        indicator_code="",
        decimals="0",
        scale="0",
        unit="firms",
        currency="",
        comparator="approx",
        obs_status="E",
    ),
    _figure("hn_f004", "2.1", "2.1", section="", paragraph="", indicator_code="", unit="", scale="0", currency=""),
    _figure("hn_f005", "US$ 4.0 billion", "4.0", year="2015", unit_as_printed="US$ billion"),
]
MARKED = SENTENCE.replace("US$ 4.5 billion", "⟦US$ 4.5 billion⟧", 1)


def _suggestion(value: dict, confidence: float, *alternatives: tuple[dict, float], via: str = "model") -> dict:
    return {
        "value": value,
        "confidence": confidence,
        "alternatives": [{"value": v, "confidence": c} for v, c in alternatives],
        "via": via,
    }


def _suggestions(row: dict) -> dict:
    return {
        "entity": _suggestion(
            {"entity_type": "geography", "entity_id": row["entity_id"]},
            0.9,
            ({"entity_type": "geography", "entity_id": "zhejiang"}, 0.06),
            ({"entity_type": "geography", "entity_id": "china"}, 0.02),
        ),
        "indicator": _suggestion(
            {"indicator_code": "software_is_exports"},
            0.42,
            ({"indicator_code": "software_is_sales"}, 0.35),
            ({"indicator_code": "outsourcing_revenue"}, 0.1),
        ),
        "measure": _suggestion({"measure": row["measure"]}, 0.95),
        "unit": _suggestion({"unit": row["unit"]}, 0.99, ({"unit": "CNY"}, 0.01)),
        "period": _suggestion(
            {"period_kind": "year", "year": row["year"]}, 0.85, ({"period_kind": "year", "year": "2015"}, 0.1)
        ),
    }


def _claim(claim_id: str, kind: str, stated: str, inputs: str, relation: str, verdict: str, stated_value: str):
    row = dict(claim_id=claim_id, document_id=DOC, section=SECTION, paragraph="1", table_row="", table_column="")
    row |= dict(claim_kind=kind, stated_figure_id=stated, input_figure_ids=inputs, relation=relation)
    return {
        "row": row | {"statement": SENTENCE},
        "confidence": 0.8,
        "via": f"pattern {kind}",
        "tentative": {"verdict": verdict, "stated": stated_value, "recomputed": "12.5", "note": "4.0 to 4.5"},
    }


REVIEW_FILE = {
    "document_id": DOC,
    "text_file": f"{DOC}.txt",
    "sha256": "0" * 64,
    "drafted_at": "2026-12-07T15:00:00Z",
    "figures": [
        {
            "figure_id": "hn_f001",
            "line": 5,
            "sentence": SENTENCE,
            "marked": MARKED,
            "suggestions": _suggestions(ROWS[0]),
        },
        {
            "figure_id": "hn_f002",
            "line": 5,
            "sentence": SENTENCE,
            "marked": SENTENCE.replace("12.5%", "⟦12.5%⟧"),
            "suggestions": {"measure": _suggestion({"measure": "growth_pct"}, 0.7, ({"measure": "share_pct"}, 0.2))},
        },
        {
            "figure_id": "hn_f003",
            "line": 7,
            "sentence": TENANTS,
            "marked": TENANTS.replace("About 300", "⟦About 300⟧"),
            "suggestions": {
                "entity": _suggestion(
                    {"entity_type": "geography", "entity_id": "ningbo"},
                    0.3,
                    ({"entity_type": "geography", "entity_id": "beilun_port_zone"}, 0.25),
                )
            },
        },
        {"figure_id": "hn_f004", "line": 3, "sentence": SECTION, "marked": "⟦2.1⟧ Trade in Services"},
        {
            "figure_id": "hn_f005",
            "line": 5,
            "sentence": SENTENCE,
            "marked": SENTENCE.replace("US$ 4.0 billion", "⟦US$ 4.0 billion⟧"),
            "suggestions": {
                "period": _suggestion(
                    {"period_kind": "year", "year": "2015"},
                    0.6,
                    ({"period_kind": "span", "start_year": "2014", "end_year": "2015"}, 0.3),
                )
            },
        },
    ],
    "claims": [
        _claim("hn_c001", "growth", "hn_f002", "hn_f005;hn_f001", "eq", "consistent", "12.5"),
        _claim("hn_c002", "from_to", "hn_f001", "hn_f005", "gt", "inconsistent", "12.9"),
    ],
    "entities": [
        {
            "entity_type": "geography",
            "proposed_id": "beilun_port_zone",
            "name": "Beilun Port Zone",
            "level": "zone",
            "first_seen_line": 7,
            "sentence": TENANTS,
        },
        {
            "entity_type": "firm",
            "proposed_id": "harbour_soft",
            "name": "Harbour Soft Ltd",
            "firm_kind": "software_company",
            "first_seen_line": 7,
            "sentence": TENANTS,
        },
    ],
}


def _write_csv(path: Path, source: str, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, SOURCES_BY_NAME[source].column_names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def sources(tmp_path, monkeypatch) -> Path:
    """The project's sources with the invented document's draft rows and its review file."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "data" / "warehouse.duckdb"))
    sources = copy_sources(tmp_path)
    _write_csv(sources / FIGURES, "figures", ROWS)
    mentions = [
        {k: row[k] for k in ("figure_id", "document_id", "section", "paragraph", "table_row", "table_column")}
        | {"mention_id": f"{row['figure_id']}_m1", "occurrence": "1", "review_status": "draft"}
        for row in ROWS
    ]
    _write_csv(sources / MENTIONS, "mentions", mentions)
    not_figure = dict(document_id=DOC, section=SECTION, paragraph="1", printed="in 2015")
    _write_csv(sources / NOT_FIGURES, "not_figures", [not_figure | {"reason": "a year", "review_status": "draft"}])
    (sources / "review").mkdir()
    (sources / REVIEW).write_text(json.dumps(REVIEW_FILE, ensure_ascii=False, indent=1), encoding="utf-8")
    return sources


def warehouse_review(sources: Path, *options: str) -> int:
    """`warehouse review` as the command line parses it."""
    parser = argparse.ArgumentParser(prog="warehouse")
    add_review_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["review", DOC, "--sources", str(sources), *options])
    return args.func(args)


def snapshot(sources: Path) -> dict[str, bytes]:
    return {str(p.relative_to(sources)): p.read_bytes() for p in sorted(sources.rglob("*")) if p.is_file()}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, tuple[list[str], list[str]]]:
    """Per file that changed, the lines only the old one holds and the lines only the new one holds."""
    out = {}
    for name in sorted(before.keys() | after.keys()):
        old = before.get(name, b"").decode().splitlines()
        new = after.get(name, b"").decode().splitlines()
        if old != new:
            out[name] = ([line for line in old if line not in new], [line for line in new if line not in old])
    return out


def rows(lines: list[str], source: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO("\n".join(lines)), SOURCES_BY_NAME[source].column_names))


def figure_ids(lines: list[str]) -> list[str]:
    return [line.split(",")[0] for line in lines]


def test_the_sheet_shows_each_row_in_text_order_with_its_marked_sentence_confidences_and_alternatives(sources, capsys):
    assert warehouse_review(sources) == 0
    sheet = capsys.readouterr().out
    assert all(len(line) <= WIDTH for line in sheet.splitlines())
    assert "\x1b" not in sheet  # not a terminal: no colour codes
    heads = [line.split()[0] for line in sheet.splitlines() if line.startswith("hn_f")]
    assert heads == ["hn_f004", "hn_f001", "hn_f002", "hn_f005", "hn_f003"]  # lines 3, 5, 5, 5, 7
    block = sheet.split("hn_f001  draft  line 5")[1].split("\nhn_f")[0]
    assert "⟦US$ 4.5 billion⟧ of services abroad" in block.replace("\n    ", " ")
    # a sure suggestion, and an unsure one flagged with its numbered alternatives and their confidences
    assert (
        "  entity     geography ningbo" in block
        and " 90%    1 geography zhejiang   6%  2 geography china   2%" in block
    )
    indicator = next(line for line in block.splitlines() if line.startswith("  indicator"))
    assert indicator.split() == [
        "indicator",
        "software_is_exports",
        "42%",
        "!",
        "1",
        "software_is_sales",
        "35%",
        "2",
        "outsourcing_revenue",
        "10%",
    ]
    # a cell the draft left empty, and a row's value that is not its suggestion's
    unsure = sheet.split("hn_f003  draft  line 7")[1]
    assert "  indicator  —" in unsure and "no suggestion" in unsure
    assert " 30% !  1 geography beilun_port_zone  25%" in unsure
    # drafted claims with their tentative verdicts, numbered; proposed entities
    claims = sheet.split("drafted claims")[1]
    assert "   1  hn_c001  growth: hn_f002 from hn_f005;hn_f001 (eq)   80%" in claims
    assert "consistent: stated 12.5, recomputed 12.5  (4.0 to 4.5)" in claims
    assert "   2  hn_c002  from_to" in claims and "inconsistent: stated 12.9, recomputed 12.5" in claims
    assert "  beilun_port_zone  geography zone  'Beilun Port Zone'  first seen line 7" in sheet
    assert "  harbour_soft  firm software_company  'Harbour Soft Ltd'" in sheet


def test_the_sheet_says_which_alternative_a_row_holds_and_paints_only_in_colour(sources):
    review = json.loads((sources / REVIEW).read_text(encoding="utf-8"))
    picked = ROWS[0] | {"indicator_code": "software_is_sales"}
    assert "row holds software_is_sales (alternative 1)" in render_sheet(review, [picked], [], colour=False)
    typed = ROWS[0] | {"indicator_code": "firm_sales"}
    assert "row holds firm_sales (typed)" in render_sheet(review, [typed], [], colour=False)
    painted = render_sheet(review, [picked], [], colour=True)
    assert "⟦\x1b[1mUS$ 4.5 billion\x1b[0m⟧" in painted
    assert "\x1b[33m  indicator  software_is_exports" in painted  # under half sure
    assert "\x1b[33m  measure" not in painted


def _with(sources: Path, *options: str) -> dict[str, tuple[list[str], list[str]]]:
    before = snapshot(sources)
    assert warehouse_review(sources, *options) == 0
    return changed(before, snapshot(sources))


def _review_file(sources: Path) -> dict:
    return json.loads((sources / REVIEW).read_text(encoding="utf-8"))


def test_accept_reviews_the_rows_named_with_their_mentions_and_nothing_else(sources):
    diff = _with(sources, "--accept", "hn_f001,hn_f002")
    assert sorted(diff) == [FIGURES, MENTIONS, REVIEW]
    old, new = diff[FIGURES]
    assert figure_ids(old) == figure_ids(new) == ["hn_f001", "hn_f002"]
    assert [{k: v for k, v in r.items() if k != "review_status"} for r in rows(new, "figures")] == [
        {k: v for k, v in r.items() if k != "review_status"} for r in rows(old, "figures")
    ]
    assert {r["review_status"] for r in rows(new, "figures")} == {"reviewed"}
    assert [r["mention_id"] for r in rows(diff[MENTIONS][1], "mentions")] == ["hn_f001_m1", "hn_f002_m1"]
    assert {r["review_status"] for r in rows(diff[MENTIONS][1], "mentions")} == {"reviewed"}
    review = _review_file(sources)
    assert [f["figure_id"] for f in review["figures"]] == ["hn_f003", "hn_f004", "hn_f005"]
    assert review["claims"] == REVIEW_FILE["claims"] and review["entities"] == REVIEW_FILE["entities"]


def test_pick_takes_the_alternative_into_its_row_only(sources):
    diff = _with(sources, "--pick", "hn_f001.indicator=1", "--pick", "hn_f001.period=1")
    assert sorted(diff) == [FIGURES]
    old, new = diff[FIGURES]
    (before,), (after,) = rows(old, "figures"), rows(new, "figures")
    assert {k for k in before if before[k] != after[k]} == {"indicator_code", "year"}
    assert (after["indicator_code"], after["year"], after["review_status"]) == ("software_is_sales", "2015", "draft")


def test_a_picked_alternative_empties_the_columns_it_leaves_out(sources):
    (old,), (new,) = (rows(lines, "figures") for lines in _with(sources, "--pick", "hn_f005.period=1")[FIGURES])
    assert {k: (old[k], new[k]) for k in old if old[k] != new[k]} == {
        "period_kind": ("year", "span"),
        "year": ("2015", ""),
        "start_year": ("", "2014"),
        "end_year": ("", "2015"),
    }


def test_set_types_the_cells_named_only(sources):
    diff = _with(sources, "--set", "hn_f003.indicator_code=park_tenants", "--set", "hn_f005.value_high=")
    assert sorted(diff) == [FIGURES]
    old, new = diff[FIGURES]
    assert figure_ids(old) == figure_ids(new) == ["hn_f003"]  # hn_f005's value_high was empty already
    (after,) = rows(new, "figures")
    assert after == ROWS[2] | {"indicator_code": "park_tenants"}


def test_reject_removes_the_row_and_its_mentions_and_lists_the_number_as_no_figure(sources):
    diff = _with(sources, "--reject", "hn_f004", "--reason", "the heading's section number")
    assert sorted(diff) == [FIGURES, MENTIONS, NOT_FIGURES, REVIEW]
    assert (figure_ids(diff[FIGURES][0]), diff[FIGURES][1]) == (["hn_f004"], [])
    assert (figure_ids(diff[MENTIONS][0]), diff[MENTIONS][1]) == (["hn_f004_m1"], [])
    assert diff[NOT_FIGURES] == ([], [f"{DOC},,,2.1,the heading's section number,reviewed"])
    assert [f["figure_id"] for f in _review_file(sources)["figures"]] == ["hn_f001", "hn_f002", "hn_f003", "hn_f005"]


def test_accept_not_figures_reviews_the_draft_reasons_named_by_line(sources, capsys):
    assert warehouse_review(sources, "--accept-not-figures", "3") == 2
    assert "no draft row at line 3 of" in capsys.readouterr().err
    diff = _with(sources, "--accept-not-figures", "2")
    assert sorted(diff) == [NOT_FIGURES]
    assert diff[NOT_FIGURES] == (
        [f"{DOC},{SECTION},1,in 2015,a year,draft"],
        [f"{DOC},{SECTION},1,in 2015,a year,reviewed"],
    )


def test_accepted_claims_go_to_a_new_claims_file_in_its_columns(sources):
    diff = _with(sources, "--accept", "hn_f001,hn_f002,hn_f005", "--accept-claims", "1")
    assert sorted(diff) == [CLAIMS, FIGURES, MENTIONS, REVIEW]
    assert diff[CLAIMS][0] == []
    header, line = diff[CLAIMS][1]
    assert header.split(",") == SOURCES_BY_NAME["claims"].column_names
    # the claim as drafted, marked as a drafted one (marts.claim_checks.claim_origin)
    assert rows([line], "claims") == [REVIEW_FILE["claims"][0]["row"] | {"claim_origin": "drafted"}]
    assert [c["row"]["claim_id"] for c in _review_file(sources)["claims"]] == ["hn_c002"]


def test_accepted_entities_are_appended_to_their_catalogues(sources):
    diff = _with(sources, "--accept-entities", "all")
    assert sorted(diff) == ["firms.csv", "geography.csv", REVIEW]
    note = f"proposed by warehouse draft of {DOC}, reviewed"
    assert diff["geography.csv"] == ([], [f'beilun_port_zone,Beilun Port Zone,zone,,,"{note}"'])
    assert diff["firms.csv"] == ([], [f'harbour_soft,Harbour Soft Ltd,,software_company,,,"{note}"'])
    assert _review_file(sources)["entities"] == []


def test_the_review_file_goes_when_nothing_is_left(sources, capsys):
    _with(
        sources,
        "--set",
        "hn_f003.indicator_code=park_tenants",
        "--accept",
        "all",
        "--reject",
        "hn_f004",
        "--reason",
        "the heading's section number",
        "--accept-claims",
        "all",
        "--accept-entities",
        "beilun_port_zone,harbour_soft",
    )
    assert not (sources / REVIEW).exists()
    figures = (sources / FIGURES).read_text(encoding="utf-8").splitlines()
    statuses = {r["figure_id"]: r["review_status"] for r in rows(figures[1:], "figures")}
    assert statuses == dict.fromkeys(["hn_f001", "hn_f002", "hn_f003", "hn_f005"], "reviewed")


def test_bad_options_change_nothing_and_every_problem_is_named(sources, capsys):
    before = snapshot(sources)
    status = warehouse_review(
        sources,
        "--accept",
        "hn_f099,hn_f003",
        "--pick",
        "hn_f001.indicator=3",
        "--pick",
        "hn_f002.period=1",
        "--set",
        "hn_f001.colour=red",
        "--set",
        "hn_f001.year=20x6",
        "--set",
        "hn_f002.scale=40",
        "--set",
        "hn_f005.comparator=about",
        "--reject",
        "hn_f004",
        "--accept-claims",
        "1,7",
        "--accept-entities",
        "atlantis",
    )
    assert status == 2
    assert snapshot(sources) == before
    errors = capsys.readouterr().err
    figures, review = sources / FIGURES, sources / REVIEW
    for problem in (
        f"--accept hn_f099: unknown figure 'hn_f099': no row of {figures} has it",
        f"{figures}:4: hn_f003: indicator_code is required in a reviewed row",
        f"--pick hn_f001.indicator=3: the indicator suggestion for hn_f001 in {review} has 2 alternative(s), no "
        "alternative 3",
        f"--pick hn_f002.period=1: {review} has no period suggestion for hn_f002",
        "--set hn_f001.colour=red: figures.csv has no column 'colour'",
        f"{figures}:2: hn_f001: year='20x6' is not a valid int (--set hn_f001.year=20x6)",
        f"{figures}:3: hn_f002: scale 40 is not a power of ten from 0 to 18 (--set hn_f002.scale=40)",
        f"{figures}:6: hn_f005: comparator='about' is not one of",
        "--reject needs --reason",
        f"{review}: claim 1 (hn_c001): names figure hn_f002, which is a draft: --accept it too",
        f"--accept-claims 7: {review} drafts no claim 7 (it lists 2",
        f"--accept-entities atlantis: {review} proposes no entity atlantis",
    ):
        assert problem in errors, problem
    assert "nothing was changed" in errors


@pytest.mark.parametrize(
    "breakage, problem",
    [
        (lambda s: (s / REVIEW).unlink(), "{review}: no review file"),
        (lambda s: (s / REVIEW).write_text("{not json", encoding="utf-8"), "{review}: not a review file"),
        (lambda s: (s / FIGURES).unlink(), "{figures}: no such file"),
    ],
    ids=["no review file", "review file not JSON", "no figures file"],
)
def test_a_review_of_files_that_are_not_there_or_not_json_names_them(sources, capsys, breakage, problem):
    breakage(sources)
    before = snapshot(sources)
    assert warehouse_review(sources, "--accept", "hn_f001") == 2
    assert problem.format(review=sources / REVIEW, figures=sources / FIGURES) in capsys.readouterr().err
    assert snapshot(sources) == before


def test_a_missing_sources_folder_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert warehouse_review(tmp_path / "nowhere") == 2
    assert f"no sources folder {tmp_path / 'nowhere'}" in capsys.readouterr().err


@pytest.mark.parametrize("holder", ["warehouse run", "a run launched from the UI"])
def test_a_review_while_a_run_builds_is_refused_and_goes_through_once_it_ends(sources, tmp_path, capsys, holder):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    if holder == "warehouse run":  # cli.py's writer lock
        lock = warehouse.parent / ".writer.lock"
    else:  # warehouse.py's lock on the run's working folder, held by its live worker process
        lock = warehouse.parent / ".runs" / "a1b2c3" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    before = snapshot(sources)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert warehouse_review(sources, "--accept", "hn_f001") == 2
    assert f"another build of {warehouse} is running" in capsys.readouterr().err
    assert snapshot(sources) == before
    assert warehouse_review(sources, "--accept", "hn_f001") == 0
    assert snapshot(sources) != before
