"""What the Dagster UI shows of the warehouse, through the real job: every dbt asset's storage is its table in the
published file; every materialization carries its table's row count and column types; the marts of findings carry
their verdict counts and coverage as numbers the asset page plots; a failing check lists its failed rows as a
table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.definitions.metadata import normalize_metadata

from orchestration.checks.failed_rows import MAX_ROWS, MORE, failed_rows_table
from orchestration.checks.gx_suites import SuiteOutcome, failed_rows, load_suites
from orchestration.dbt_vars import dbt_var
from orchestration.settings import REPORT_ADDRESS, warehouse_path

CLAIM_CHECKS = dg.AssetKey(["marts", "claim_checks"])
RECONCILIATION = dg.AssetKey(["marts", "figure_reconciliation"])


def test_every_dbt_asset_names_its_table_in_the_published_file():
    from orchestration.dbt_models import _TRANSLATOR, dbt_project, warehouse_models

    published = warehouse_path(os.environ)  # as the code location loaded
    for key in warehouse_models.keys:
        metadata = warehouse_models.specs_by_key[key].metadata
        normalize_metadata(metadata)  # raises on a value the webserver could only show as "(unserializable)"
        assert metadata["published_file"] == dg.MetadataValue.path(str(published))
    figures = warehouse_models.specs_by_key[dg.AssetKey(["marts", "figures"])].metadata
    assert figures["dagster/table_name"] == f"{published.stem}.marts.figures"
    # whatever file dbt's profile named when the manifest was parsed (dbt run by hand: ../data/dev.duckdb)
    node = json.loads(dbt_project.manifest_path.read_text())["nodes"]["model.outsourcing_warehouse.figures"]
    parsed_by_hand = _TRANSLATOR.get_metadata({**node, "database": "dev"})
    assert parsed_by_hand["dagster/table_name"] == f"{published.stem}.marts.figures"


def dbt_materializations(result) -> dict[dg.AssetKey, dict]:
    return {m.asset_key: m.metadata for m in result.asset_materializations_for_node("warehouse_models")}


def assert_tables_described(materialized: dict[dg.AssetKey, dict], warehouse: Path) -> None:
    """Each materialization's row count (a table's) and columns are those of its relation in `warehouse`."""
    from orchestration.dbt_models import TABLES

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for key, metadata in materialized.items():
            table = TABLES[key]
            (kind,) = con.execute(
                "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                [table.schema, table.name],
            ).fetchone()
            if kind == "VIEW":  # counting would run its query
                assert "dagster/row_count" not in metadata, key
            else:
                rows = con.execute(f"select count(*) from {table.schema}.{table.name}").fetchone()[0]
                assert metadata["dagster/row_count"] == dg.MetadataValue.int(rows), key
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [table.schema, table.name],
            ).fetchall()
            schema = metadata["dagster/column_schema"].schema
            assert [(c.name, c.type) for c in schema.columns] == columns, key


def assert_findings_counted(materialized: dict[dg.AssetKey, dict], warehouse: Path) -> None:
    """Verdicts counted as the marts hold them, every verdict the project declares among them; coverage per
    document as marts.document_coverage computes it."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for key, declared in ((CLAIM_CHECKS, "claim_verdicts"), (RECONCILIATION, "reconciliation_verdicts")):
            found = dict(con.execute(f"select verdict, count(*) from marts.{key.path[-1]} group by 1").fetchall())
            counted = {k: v for k, v in materialized[key].items() if k.startswith("verdict")}
            assert counted == {
                **{f"verdict_{v}": dg.MetadataValue.int(found.get(v, 0)) for v in dbt_var(declared)},
                "verdicts_total": dg.MetadataValue.int(sum(found.values())),
            }, key
        coverage = con.execute("select document_id, coverage_pct from marts.document_coverage").fetchall()
    shown = materialized[dg.AssetKey(["marts", "document_coverage"])]
    assert {k: v for k, v in shown.items() if k.startswith("coverage_pct_")} == {
        f"coverage_pct_{document}": dg.MetadataValue.float(float(pct)) for document, pct in coverage
    }


def test_every_dbt_asset_shows_its_row_count_columns_and_findings(built_run):
    from orchestration.dbt_models import warehouse_models

    result, warehouse = built_run
    materialized = dbt_materializations(result)
    assert set(materialized) == set(warehouse_models.keys), "a full build materializes every dbt asset"
    assert_tables_described(materialized, warehouse)
    assert_findings_counted(materialized, warehouse)
    verdict = next(c for c in materialized[CLAIM_CHECKS]["dagster/column_schema"].schema.columns if c.name == "verdict")
    assert verdict.type == "VARCHAR" and verdict.description.startswith("consistent, inconsistent"), verdict
    # links the UI opens: `make report`'s address, not a file path the page shows as text
    for key in (CLAIM_CHECKS, RECONCILIATION):
        assert materialized[key]["discrepancies_page"] == dg.MetadataValue.url(f"{REPORT_ADDRESS}discrepancies.html")
    # the acts record what readers open: the external assets published/warehouse and published/report
    (published,) = _materializations(result, "publish", ["published", "warehouse"])
    assert published.metadata["report_page"] == dg.MetadataValue.url(f"{REPORT_ADDRESS}index.html")
    assert published.metadata["validation_page"] == dg.MetadataValue.url(f"{REPORT_ADDRESS}validation.html")
    (report,) = _materializations(result, "report_site", ["published", "report"])
    assert report.metadata["validation_page"] == published.metadata["validation_page"]
    served = warehouse.parent / "data" / "report" / "validation.html"
    assert served.read_text() == (warehouse.parent / "data" / "validation" / "index.html").read_text()


def _materializations(result, step: str, key: list[str]) -> list:
    return [m for m in result.asset_materializations_for_node(step) if m.asset_key == dg.AssetKey(key)]


def _failed_rows(result, check_name: str) -> list[dict]:
    (evaluation,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == check_name
    ]
    table = evaluation.metadata["failed_rows"]
    assert isinstance(table, dg.TableMetadataValue)
    columns = [column.name for column in table.schema.columns]
    assert all(set(record.data) == set(columns) for record in table.records), "every record has the table's columns"
    return [dict(record.data) for record in table.records]


def test_a_failing_check_lists_its_failed_rows_as_a_table(unaccounted_run):
    result, warehouse, _ = unaccounted_run
    assert not result.success
    register = warehouse.parent / "sources" / "discrepancy_register.csv"
    assert _failed_rows(result, "claim_register") == [
        {
            "id": "ningbo_c045",
            "problem": "unlisted discrepancy",
            "statement": "KPO implemented by Ningbo: 694 million yuan in 2011 (prose) vs Table 2's 2011 KPO, "
            "10.01 x 10^8 yuan (ningbo_paper, 3.2.3. Impact of market quality, paragraph 1)",
            "printed": "694 million yuan",
            "recomputed": "1,001.0 million yuan; range 1,000.5 to 1,001.5",
            "verdict": "inconsistent",
            "diagnosis": "beyond rounding",
            "register_line": "ningbo_c045,inconsistent,beyond rounding,TODO: what the document most likely meant",
            "to_do": f"add the register line to {register}, its explanation written: "
            '`warehouse register ningbo_c045 --explanation "…"` appends it',
        }
    ]
    assert _failed_rows(result, "document_coverage") == [
        {
            "id": "002_23aeadf0344d4dc6.txt:99",
            "problem": "unaccounted",
            "explanation": "002_23aeadf0344d4dc6.txt:99: '19' in 3.1. The Impact Mechanism: Trade Circulation "
            "Theory (paragraph 3) — not recorded, not ignored",
        }
    ]


def test_the_table_of_failed_rows_is_bounded_and_says_how_many_more(tmp_path):
    suite = next(s for s in load_suites() if s.name == "figure_ranges")
    kept = [{"share_pct": 101.0, "figure_id": f"f{i}", "stated_text": "a|b"} for i in range(50)]
    failure = {"expectation": "e", "why": "why", "exception": None, "unexpected_count": 60, "failed_rows": kept}
    rows, total = failed_rows(suite, SuiteOutcome("figure_ranges", False, 1, [failure]), tmp_path)
    assert (len(rows), total) == (50, 60), "GX counted 60 unexpected rows and kept 50"
    records = [record.data for record in failed_rows_table(rows, total, "somewhere").records]
    assert len(records) == MAX_ROWS + 1
    assert records[0] == {"id": "f0", "problem": "share_pct: 101.0, stated_text: a|b", "explanation": "why"}
    assert records[-1] == {"id": MORE, "problem": f"{60 - MAX_ROWS} more (somewhere)", "explanation": None}


class _RawEvent:
    """One line of dbt's JSON log as dagster-dbt hands it over, with the Dagster events it converts to."""

    def __init__(self, raw_event: dict, events: tuple = ()):
        self.raw_event, self._events = raw_event, events

    def to_default_asset_events(self, **_):
        yield from self._events


class _Invocation:
    manifest = dagster_dbt_translator = target_path = project = None

    def __init__(self, lines: list[_RawEvent]):
        self.lines, self.read = lines, 0

    def stream_raw_events(self):
        for line in self.lines:
            self.read += 1
            yield line


def test_each_dbt_result_reaches_dagster_when_dbt_reports_its_node(tmp_path):
    """The UI sees a model as soon as dbt finishes it, described from the line its post-hook printed, not when the
    whole dbt invocation ends."""
    from orchestration.dbt_metadata import described, step_events
    from orchestration.dbt_models import TABLES

    figures, checks = dg.AssetKey(["marts", "figures"]), dg.AssetKey(["marts", "claim_checks"])

    def printed(table: str, rows: int, findings: dict) -> _RawEvent:
        description = {"schema": "marts", "name": table, "row_count": rows, "columns": [["verdict", "VARCHAR"]]}
        message = "dagster_description " + json.dumps({**description, "findings": findings})
        return _RawEvent({"info": {"name": "JinjaLogInfo", "msg": message}})

    def finished(key: dg.AssetKey) -> _RawEvent:
        return _RawEvent({"info": {"name": "NodeFinished"}}, (dg.AssetMaterialization(asset_key=key),))

    invocation = _Invocation(
        [
            printed("figures", 7, {}),
            finished(figures),
            printed("claim_checks", 3, {"verdict_consistent": 3, "verdicts_total": 3}),
            finished(checks),
        ]
    )
    descriptions = {}
    results = described(step_events(invocation, descriptions), descriptions, TABLES)
    first = next(results)
    assert invocation.read == 2, "reported before dbt's later lines were read"
    assert first.asset_key == figures and first.metadata["dagster/row_count"] == 7
    assert "discrepancies_page" not in first.metadata
    second = next(results)
    assert second.metadata["verdict_consistent"] == 3
    assert second.metadata["discrepancies_page"] == dg.MetadataValue.url(f"{REPORT_ADDRESS}discrepancies.html")
    assert [c.name for c in second.metadata["dagster/column_schema"].columns] == ["verdict"]
    assert next(results, None) is None
