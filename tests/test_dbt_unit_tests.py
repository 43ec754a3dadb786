"""dbt's unit tests (unit_tests: in the models' yml) pass, and cover every verdict and diagnosis branch of
claim_checks and every interval rule of int_figure_intervals. The pipeline's dbt build leaves them out
(orchestration/dbt_selection.py); this runs them once, in `dbt build --empty` over a warehouse holding only the
ingest's raw tables: dbt reads each input model's column types from the empty models it builds first, so no
full build is waited for."""

from __future__ import annotations

import json
import re

import pytest

from conftest import SOURCES
from orchestration.dbt_docs import dbt_on_copy
from orchestration.dbt_project import dbt_project
from orchestration.dbt_vars import dbt_var
from orchestration.ingest.load import load_all
from orchestration.ingest.validate import validate_build

MODELS = dbt_project.project_dir / "models"

# Each verdict branch of claim_checks as (claim_kind or None for any, relation or None, verdict, diagnosis
# prefix); the diagnosis literals of the SQL are checked separately, so a new one without a case fails.
VERDICT_BRANCHES = [
    (None, None, "unverifiable", "missing input"),
    (None, None, "unverifiable", "inputs do not determine the claim"),
    (None, None, "consistent", "holds at every value the printing admits"),
    (None, None, "unverifiable", "open bounds: the check cannot fail ("),
    ("rank", None, "unverifiable", "open bounds: the check cannot fail"),
    ("rank", None, "consistent", "order holds"),
    ("rank", None, "inconsistent", "order does not hold"),
    ("bound", "lt", "consistent", "bound holds"),
    ("bound", "lt", "inconsistent", "bound does not hold"),
    ("bound", "lt", "consistent", "holds at every value the printing admits"),
    ("bound", "gt", "consistent", "bound holds"),
    ("bound", "gt", "inconsistent", "bound does not hold"),
    ("sum", "of_which", "consistent", "parts within the whole"),
    ("sum", "of_which", "gross_inconsistency", "parts exceed the whole"),
    ("sum", "of_which", "consistent", "holds at every value the printing admits"),
    ("sum", "eq", "consistent", "within rounding"),
    ("sum", "eq", "inconsistent", "beyond rounding"),
    ("magnitude", None, "consistent", "same order of magnitude"),
    ("magnitude", None, "gross_inconsistency", "scale slip of ~10^"),
    ("magnitude", None, "inconsistent", "beyond rounding"),
    ("same_total", None, "inconsistent", "same value dated to different years ("),
    ("same_total", None, "consistent", "within rounding"),
    ("multiple", None, "consistent", "times read as a ratio"),
    ("multiple", None, "consistent", "times read as an increase (ratio - 1)"),
    ("growth", None, "consistent", "within rounding"),
    ("avg_growth", None, "consistent", "at least "),
    ("growth", None, "consistent", "at most "),
    ("growth", None, "consistent", "bound holds"),
    ("bound", "gt", "unverifiable", "open bounds: the check cannot fail ("),
    ("growth", None, "gross_inconsistency", "direction of change flipped"),
    ("share", None, "gross_inconsistency", "share over 100"),
    ("share", None, "gross_inconsistency", "scale slip of ~10^"),
    ("share", None, "inconsistent", "rounding: agrees only if the printed trailing zeros are padding"),
    ("fx_share", None, "consistent", "within rounding"),
    ("fx_share", None, "inconsistent", "beyond rounding"),
    ("avg_growth", None, "consistent", "within rounding"),
    ("avg_growth", None, "inconsistent", "beyond rounding"),
    ("avg_growth", None, "gross_inconsistency", "direction of change flipped"),
    ("avg_growth", None, "unverifiable", "inputs do not determine the claim"),
    ("from_to", "gt", "consistent", "direction holds"),
    ("from_to", "gt", "gross_inconsistency", "direction of change flipped"),
    ("from_to", None, "inconsistent", "the start is not before the end"),
    ("sum", "eq", "inconsistent", "parts add up to "),
]
# Each verdict and diagnosis of figure_reconciliation, as (verdict, diagnosis prefix)
RECONCILIATION_BRANCHES = [
    ("agree", "within rounding"),
    ("agree", "within rounding and the rate spread"),
    ("contradict", "bounds exclude each other"),
    ("disagree", "scale slip of ~10^"),
    ("disagree", "agrees only at another exchange rate"),
    ("disagree", "beyond rounding"),
]

COMPARATORS = set(dbt_var("comparators"))


@pytest.fixture(scope="module")
def unit_run(tmp_path_factory):
    """The seeds, every model built empty and the unit tests, in one `dbt build --empty` on the real sources' raw
    tables (the ingest's load alone)."""
    tmp = tmp_path_factory.mktemp("dbt_unit")
    raw = tmp / "raw" / "warehouse.duckdb"
    raw.parent.mkdir()
    with validate_build(SOURCES) as validation:
        load_all(validation, raw)
    build = ["build", "--empty", *(arg for kind in ("seed", "model", "unit_test") for arg in ("--resource-type", kind))]
    result = dbt_on_copy(build, raw, tmp, timeout=600)
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    return result, manifest["unit_tests"], results


def test_every_unit_test_passes(unit_run):
    result, unit_tests, results = unit_run
    assert result.returncode == 0, result.stdout[-5000:]
    # the seeds and the empty models report beside the unit tests; every one of them passed (returncode 0)
    statuses = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(statuses) == set(unit_tests) and unit_tests
    assert {uid: s for uid, s in statuses.items() if s != "pass"} == {}


def _cases(unit_tests, model):
    """(given rows by input, expected rows) of each unit test of `model`."""
    for test in unit_tests.values():
        if test["model"] == model:
            assert test["expect"]["format"] == "dict", test["name"]
            given = {g["input"]: g["rows"] for g in test["given"]}
            yield test["name"], given, test["expect"]["rows"]


def test_claim_checks_cases_cover_every_branch(unit_run):
    covered = set()
    for _name, given, expected in _cases(unit_run[1], "claim_checks"):
        claims = {c["claim_id"]: c for c in given["ref('int_claims')"]}
        for row in expected:
            claim = claims[row["claim_id"]]
            covered.add((claim["claim_kind"], claim["relation"], row["verdict"], row["diagnosis"]))

    def met(kind, relation, verdict, prefix):
        return any(
            (kind is None or k == kind)
            and (relation is None or r == relation)
            and v == verdict
            and d.startswith(prefix)
            for k, r, v, d in covered
        )

    assert [b for b in VERDICT_BRANCHES if not met(*b)] == []
    # every diagnosis the SQL can write (a literal, or the literal start of a composed one) has a case
    sql = (MODELS / "marts" / "claim_checks.sql").read_text()
    diagnosis_case = sql[sql.index("as compared_in") : sql.index("end as diagnosis")]
    # a result's leading literal (lowercase: not the ' (printed ' appended to one)
    literals = set(re.findall(r"(?:then|else)\s+'([a-z][^']*)'", diagnosis_case))
    assert len(literals) >= 15
    assert [lit for lit in literals if not any(d.startswith(lit) for *_, d in covered)] == []


def test_interval_cases_cover_every_rule(unit_run):
    figures = []
    names = set()
    for name, given, _ in _cases(unit_run[1], "int_figure_intervals"):
        names.add(name)
        kinds = {i["indicator_code"]: i["unit_kind"] for i in given["ref('stg_indicators')"]}
        measures = {m["measure"]: m["unit_kind"] for m in given["ref('stg_measures')"]}
        for f in given["ref('int_figures_in_base_units')"]:
            figures.append({**f, "unit_kind": measures.get(f.get("measure")) or kinds.get(f["indicator_code"])})
    sql = (MODELS / "intermediate" / "int_figure_intervals.sql").read_text()
    assert set(re.findall(r"when '(\w+)' then value", sql)) == COMPARATORS  # the rules' comparators
    assert {f["comparator"] for f in figures} == COMPARATORS
    assert {f["decimals"] for f in figures} >= {0, 1, 2}
    assert {f["scale"] for f in figures} >= {0, 4, 8}
    for kind in ("count", "rank"):  # exact when plain, rounded with decimals or a scale
        plain = [f for f in figures if f["unit_kind"] == kind and f["decimals"] == 0 and f["scale"] == 0]
        assert plain, kind
    assert any(f["unit_kind"] == "count" and f["decimals"] > 0 for f in figures)
    assert any(f["unit_kind"] == "count" and f["scale"] > 0 for f in figures)
    # a measure's own unit kind over its indicator's (a share of a count is not exact)
    assert any(f.get("measure") == "share_pct" and f["unit_kind"] == "percent" for f in figures)
    assert {f.get("currency") for f in figures} >= {"CNY", "JPY", "USD", None}
    assert any(re.search(r"\.\d*0%?$", f["stated_text"]) for f in figures)  # trailing zeros as padding
    assert names >= {
        "int_figure_intervals_comparators",
        "int_figure_intervals_rounding_scale_and_exact_counts",
        "int_figure_intervals_trailing_zeros_as_padding",
        "int_figure_intervals_us_dollars_with_rate_spread",
    }


def test_reconciliation_cases_cover_every_verdict_and_diagnosis(unit_run):
    covered = {
        (row["verdict"], row["diagnosis"])
        for _name, _given, expected in _cases(unit_run[1], "figure_reconciliation")
        for row in expected
    }
    assert [b for b in RECONCILIATION_BRANCHES if not any(v == b[0] and d.startswith(b[1]) for v, d in covered)] == []
    assert {v for v, _ in covered} == set(dbt_var("reconciliation_verdicts"))
    sql = (MODELS / "marts" / "figure_reconciliation.sql").read_text()
    diagnosis_case = sql[sql.index("as relative_gap") : sql.index("end as diagnosis")]
    literals = set(re.findall(r"(?:then|else)\s+'([a-z][^']*)'", diagnosis_case))
    assert len(literals) >= 6
    assert [lit for lit in literals if not any(d.startswith(lit) for _, d in covered)] == []


def test_every_document_kind_has_a_source_rank():
    import csv

    with open(dbt_project.project_dir / "seeds" / "document_kind_priority.csv", newline="") as handle:
        kinds = {row["document_kind"] for row in csv.DictReader(handle)}
    assert kinds == set(dbt_var("document_kinds"))
