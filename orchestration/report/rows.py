"""What the report shows, read from the published warehouse in one short read-only connection and kept as plain
rows (dicts), so rendering never holds the file open and can be tested on rows built by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Above this many figures the report writes its overview alone. Every page holds its rows in memory and a series
# gets a page of its own: 1e6 synthetic figures make about 43,000 series pages, and the full report of them had
# taken over 6 GB and five minutes when it was stopped (the warehouse build itself: about a minute).
FULL_REPORT_MAX_FIGURES = 20_000

# The overview's counts, from aggregates in every report, full or not
_COUNTS = {
    "figure_count": "select count(*) from marts.figures",
    "claim_verdicts": "select verdict, count(*) from marts.claim_checks group by verdict",
    "reconciliation_verdicts": "select verdict, count(*) from marts.figure_reconciliation group by verdict",
}
# What an overview alone reads besides the counts; the rest of _QUERIES only for a full report
_OVERVIEW = ("build", "rebuilt_models", "run_scope", "documents")

# The order a highlight takes its colour by: a figure used by several claims shows the worst of their verdicts.
# A verdict the warehouse gains later ranks worst, so it is seen rather than hidden.
VERDICT_ORDER = ("consistent", "unverifiable", "inconsistent", "gross_inconsistency")

_QUERIES = {
    "build": "select mode, reason, changed_sources, dbt_changed from ingest.build",
    "rebuilt_models": "select model, every_document from ingest.models_rebuilt order by model",
    "run_scope": "select document_id from ingest.run_scope order by document_id",
    "documents": """
        select d.document_id, d.title, d.authors, d.publisher, d.publication_year, d.document_kind, d.url,
               c.file_name, c.text_present, c.numbers_in_text, c.recorded, c.ignored, c.unaccounted,
               c.waiting_review, c.literals_not_found, c.coverage_pct, c.coverage_note
        from marts.dim_document as d left join marts.document_coverage as c using (document_id)
        order by d.document_id""",
    "figures": """
        select f.figure_id, f.document_id, f.entity_kind, f.entity_id, f.entity_name, f.indicator_code,
               f.indicator_name, f.measure, f.measure_name, f.period_kind, f.year, f.start_year, f.end_year,
               f.as_of_date, f.comparator, f.stated_text, f.locator, f.section, f.paragraph, f.table_row,
               f.table_column, f.value, f.range_high, f.unit, f.currency, f.value_usd, f.value_cny,
               f.fx_cny_per_usd, b.printed_value::double as printed_value, b.scale, b.unit_as_printed,
               i.value_low, i.value_high, d.discrepancy_flags
        from marts.figures as f
        join intermediate.int_figures_in_base_units as b using (figure_id)
        join intermediate.int_figure_intervals as i using (figure_id)
        left join marts.figure_discrepancy_flags as d using (figure_id)
        order by f.document_id, f.figure_id""",
    # the literal as the text prints it (markup included): what is searched for in the text
    "mentions": """
        select m.mention_id, m.figure_id, m.document_id, m.section, m.paragraph, m.table_row, m.table_column,
               f.stated_text_as_printed as stated_text
        from staging.stg_mentions as m join marts.figures as f using (figure_id)
        order by m.document_id, m.mention_id""",
    # where the text reading found each mention's literal in its text (corpus/coverage.py)
    "mention_printings": """
        select document_id, mention_id, line, line_column, text_at_locator, in_other_words
        from staging.stg_mention_printings order by document_id, line, line_column""",
    "unaccounted": "select * from marts.unaccounted_numbers order by document_id, line, line_column",
    "claims": "select * from marts.claim_checks order by document_id, claim_id",
    "reconciliation": "select * from marts.figure_reconciliation order by reconciliation_id",
    "preferred": """
        select entity_id, indicator_code, measure, year, value, figure_id, document_id, chosen_by, previous_year,
               implied_growth_pct, plausibility_flag, plausibility_evidence
        from marts.preferred_series order by entity_id, indicator_code, measure, year""",
    "claim_sections": "select distinct document_id, section from staging.stg_claims where section is not null",
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def split_ids(ids: str | None) -> list[str]:
    """A reconciliation's figure_ids (', '-joined) as a list."""
    return [part.strip() for part in (ids or "").split(",") if part.strip()]


def verdict_rank(verdict: str | None) -> int:
    if verdict is None:
        return -1
    return VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else len(VERDICT_ORDER)


@dataclass
class Warehouse:
    """The published warehouse as the report reads it: one list of rows per query of _QUERIES (empty lists beyond
    _OVERVIEW when it is too large for a full report), and the counts of _COUNTS."""

    full: bool  # every document, series and discrepancy is shown, or the overview alone (FULL_REPORT_MAX_FIGURES)
    figure_count: int
    claim_verdicts: dict[str, int]
    reconciliation_verdicts: dict[str, int]
    build: dict
    rebuilt_models: list[dict]
    run_scope: list[str]
    documents: list[dict]
    figures: list[dict]
    mentions: list[dict]
    mention_printings: list[dict]
    unaccounted: list[dict]
    claims: list[dict]
    reconciliation: list[dict]
    preferred: list[dict]
    claim_sections: list[dict]
    claims_by_figure: dict[str, list[dict]] = field(init=False)

    def __post_init__(self) -> None:
        self.claims_by_figure = {}
        for claim in self.claims:
            inputs = [(i, "input") for i in claim["input_figures"] or []]
            roles = [(claim["stated_figure_id"], "stated"), *inputs]
            for figure_id, role in roles:
                if figure_id:
                    self.claims_by_figure.setdefault(figure_id, []).append({**claim, "role": role})

    @property
    def figure_document(self) -> dict[str, str]:
        return {f["figure_id"]: f["document_id"] for f in self.figures}

    def worst_verdict(self, figure_id: str) -> str | None:
        return max((c["verdict"] for c in self.claims_by_figure.get(figure_id, [])), key=verdict_rank, default=None)


def read_warehouse(published: Path, memory_limit: str) -> Warehouse:
    from ..resources.connections import connect

    with connect(published, read_only=True, memory_limit=memory_limit) as con:
        (figure_count,) = con.execute(_COUNTS["figure_count"]).fetchone()
        full = figure_count <= FULL_REPORT_MAX_FIGURES
        rows = {name: _rows(con, sql) if full or name in _OVERVIEW else [] for name, sql in _QUERIES.items()}
        claim_verdicts = dict(con.execute(_COUNTS["claim_verdicts"]).fetchall())
        reconciliation_verdicts = dict(con.execute(_COUNTS["reconciliation_verdicts"]).fetchall())
    return Warehouse(
        **{
            **rows,
            "full": full,
            "figure_count": figure_count,
            "claim_verdicts": claim_verdicts,
            "reconciliation_verdicts": reconciliation_verdicts,
            "build": rows["build"][0],
            "run_scope": [r["document_id"] for r in rows["run_scope"]],
        }
    )
