"""Ingest assets: the source files a run reads, validated, then loaded into DuckDB schema `raw`."""

import time
from concurrent.futures import Future, ThreadPoolExecutor

import dagster as dg

from ..resources.warehouse_resource import WarehouseResource
from ..retries import retry_transient
from ..run_worker import record_worker
from ..settings import OWNERS, WRITER_POOL, Settings
from ..warehouse import clean_dead_runs, discard_working_copy, published_identity, start_working_copy
from .changes import RunPlan
from .load import draft_figures_waiting, load_all, waiting_lines
from .source_files import SOURCES
from .texts import TEXT_TABLES
from .validate import validate_build

INGEST_GROUP = "ingest"
RUN_SCOPE_KEY = dg.AssetKey(["ingest", "run_scope"])
FIGURES_KEY = dg.AssetKey(["raw", "figures"])
TEXTS_CHECK = "literals_in_document_texts"
_TEXT_DESCRIPTIONS = {
    "text_numbers": "Every number printed in the texts of the documents, with its line, column and place, and what "
    "accounts for it: a figure's mention, an event, a unit label, a recorded period, a not-figure "
    "entry, or nothing (unaccounted); plus each mention whose literal is not printed at its place.",
    "document_texts": "Whether each document's text was read, and why not when it was not.",
    "mention_printings": "Where the accounting found each mention's literal in its text (line, column), what the "
    "text prints there and its value read again by the literal parser; a literal in words printed in other words "
    "there is found at the number of its value, or at the start of its place.",
}
DRAFTS_CHECK = "draft_figures_waiting"


@dg.multi_asset(
    specs=[
        *(
            dg.AssetSpec(
                ["raw", s.name],
                group_name=INGEST_GROUP,
                description=s.description,
                kinds={"duckdb", "csv"},
                skippable=True,
                owners=OWNERS,
            )
            for s in SOURCES
        ),
        *(
            dg.AssetSpec(
                ["raw", name],
                group_name=INGEST_GROUP,
                description=_TEXT_DESCRIPTIONS[name],
                kinds={"duckdb"},
                skippable=True,
                owners=OWNERS,
            )
            for name in TEXT_TABLES
        ),
        dg.AssetSpec(
            RUN_SCOPE_KEY,
            group_name=INGEST_GROUP,
            kinds={"duckdb"},
            description="What this run rebuilds: the documents (every one in a full run; incremental dbt "
            "models and the checks work on these and keep the rest as published), the raw tables whose rows "
            "change, whether the dbt project changed, and the suites that re-validate every row. A run with "
            "nothing to rebuild only observes it: nothing after the ingest runs, nothing new is published.",
            skippable=True,
            owners=OWNERS,
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            TEXTS_CHECK,
            asset=FIGURES_KEY,
            description="Every printed literal of the documents read this run occurs in its document's text, and "
            "each text's sha256 matches documents.csv. Fails (as a warning) when no texts folder was "
            "given: the literals were then not checked.",
        ),
        dg.AssetCheckSpec(
            DRAFTS_CHECK,
            asset=FIGURES_KEY,
            description="No figure written by `warehouse draft` is waiting for review. Fails (as a warning) "
            "naming each file with draft rows: they are left out of the marts until reviewed.",
        ),
    ],
    name="ingest_sources",
    can_subset=False,
    pool=WRITER_POOL,
)
def ingest_sources(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Decide what this run rebuilds against the published warehouse (changes.py) while validating what
    changed since (every problem reported at once), copying the published file into the run's working file
    meanwhile once there is something to rebuild; then load it, in one transaction, into that copy. The
    published file is only replaced by the publish step; a run with nothing to rebuild stops here, and every
    later step is skipped."""
    settings = warehouse.settings
    key = record_worker(context, warehouse.settings)
    files = warehouse.files
    for dead in clean_dead_runs(files, key):
        context.log.info(f"removed the working files of run {dead}, which can no longer publish")
    planned_from = published_identity(files)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        copying: list[Future] = []
        try:
            validation = validate_build(
                settings.sources_dir,
                settings.documents_dir,
                files.published if planned_from else None,
                settings.duckdb_memory_limit,
                # the copy (the kernel's, seconds per gigabyte) overlaps the validation (DuckDB's threads)
                on_plan=lambda _: copying.append(pool.submit(_timed, start_working_copy, files, key, planned_from)),
            )
        except BaseException:
            if copying and copying[0].exception() is None:
                discard_working_copy(files, key)  # a run that cannot publish keeps no copy
            raise
        validated = time.monotonic()  # leaving the pool waits for the copy
    seconds = {"validation": validated - began}
    plan, read, readings = validation.plan, validation.counts, validation.readings
    if settings.texts_checked:
        context.log.info(settings.documents_note)
    else:
        context.log.warning(settings.documents_note)
    context.log.info(f"{plan.mode} run: {plan.reason}; re-reading {len(plan.documents)} document(s)")
    if plan.rebuilds_nothing:
        validation.con.close()
        context.log.info(f"nothing to rebuild: {files.published} stays as it is; nothing new is published")
        yield dg.AssetObservation(asset_key=RUN_SCOPE_KEY, metadata=_plan_metadata(plan, settings, seconds))
        with files.connect(files.published, read_only=True) as con:
            yield from _ingest_checks(settings, plan, draft_figures_waiting(con))
        _refresh_report(context, settings)
        return
    with validation:
        with retry_transient(context):
            # validation passed and the run rebuilds: on_plan was called
            working, seconds["working_copy"] = copying[0].result()
        seconds["waited_for_working_copy"] = time.monotonic() - validated
        loading = time.monotonic()
        with retry_transient(context):
            counts = load_all(validation, working)
        seconds["load"] = time.monotonic() - loading
        con = validation.con
        waiting = draft_figures_waiting(con)
        for source in SOURCES:
            yield dg.MaterializeResult(
                asset_key=["raw", source.name],
                metadata={
                    "dagster/row_count": counts[source.name],
                    "rows_read_this_run": read[source.name],
                    "source_files": dg.MetadataValue.json(
                        {f.relative: f.sha256 for f in plan.files if f.source == source.name}
                    ),
                    "preview": _preview(con, source.name),
                },
            )
        for name in TEXT_TABLES:
            yield dg.MaterializeResult(
                asset_key=["raw", name],
                metadata={
                    "dagster/row_count": counts[name],
                    "rows_read_this_run": len(readings.rows(name)),
                    "texts_read_this_run": sum(1 for row in readings.texts if row[2]),
                },
            )
    context.log.info(
        f"validated in {seconds['validation']:.1f} s; the working copy took {seconds['working_copy']:.1f} s beside "
        f"it ({seconds['waited_for_working_copy']:.1f} s more after it); loaded in {seconds['load']:.1f} s"
    )
    yield dg.MaterializeResult(asset_key=RUN_SCOPE_KEY, metadata=_plan_metadata(plan, settings, seconds))
    yield from _ingest_checks(settings, plan, waiting)


def _refresh_report(context: dg.AssetExecutionContext, settings: Settings) -> None:
    """The report step runs only after a publish: when it failed, or its worker died, after the swap, a run with
    nothing to rebuild is the next chance to make the site show the published warehouse again."""
    from ..publish import refresh_report  # the publish step's module: loaded by the step that needs it

    outdated = refresh_report(settings)
    if outdated is not None:
        context.log.info(f"regenerated the report site {settings.report_dir} from the published file: {outdated}")


def _preview(con, name: str) -> dg.TableMetadataValue:
    """The first rows of raw.<name> as a table, whose cells the UI shows as text: a cell holds a document's words,
    and as Markdown an image in one (`![x](http://host/x.png)`) would be fetched by every viewer's browser."""
    cursor = con.execute(f"select * exclude (_source_file) from raw.{name} limit 5")
    columns = [(column[0], str(column[1])) for column in cursor.description]
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({c: _cell(value) for (c, _), value in zip(columns, row, strict=True)})
            for row in cursor.fetchall()
        ],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, kind) for c, kind in columns]),
    )


def _cell(value):
    """A value as a table record holds it: a number, a flag, or text (a decimal or a date as printed)."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _timed(function, *args):
    began = time.monotonic()
    return function(*args), time.monotonic() - began


def _plan_metadata(plan: RunPlan, settings: Settings, seconds: dict[str, float]) -> dict:
    return {
        "mode": plan.mode,
        "reason": plan.reason,
        "documents_rebuilt": len(plan.documents),
        "raw_tables_changed": dg.MetadataValue.json(sorted(plan.changed_sources)),
        "dbt_project_changed": plan.dbt_changed,
        "suites_validating_every_row": dg.MetadataValue.json(sorted(plan.suites_every_row)),
        "published": "kept as it is: nothing to rebuild" if plan.rebuilds_nothing else "replaced if every check passes",
        "texts": settings.documents_note,
        # where the ingest's time went: the working copy (of the published file) is made beside the validation,
        # so only the wait for it after the validation adds to the step
        "ingest_seconds": dg.MetadataValue.json({part: round(took, 2) for part, took in seconds.items()}),
    }


def _ingest_checks(settings: Settings, plan: RunPlan, waiting: dict[str, int]):
    yield dg.AssetCheckResult(
        asset_key=FIGURES_KEY,
        check_name=DRAFTS_CHECK,
        passed=not waiting,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(waiting_lines(waiting)) or None,
        metadata={"draft_figures": sum(waiting.values()), "files": dg.MetadataValue.json(waiting)},
    )
    yield dg.AssetCheckResult(
        asset_key=FIGURES_KEY,
        check_name=TEXTS_CHECK,
        passed=settings.texts_checked,
        severity=dg.AssetCheckSeverity.WARN,
        description=settings.documents_note,
        metadata={
            "texts_folder": str(settings.documents_dir or ""),
            "documents_checked": len(plan.documents) if settings.texts_checked else 0,
        },
    )
