"""The last steps of every build, and what they leave for readers.

Two kinds of asset, so that the UI shows the published warehouse as it is. `publish` and `report_site` are the
run's acts: swap the run's checked working file in (and make the validation page describe it), then draw the
report site from the published file. A run whose gates refuse fails at them, and Dagster marks these two "Failed
in run …": true of that run. `published/warehouse` and `published/report` are what readers open: external assets
no run plans, so a failed or refused run never marks them failed; the acts record a materialization of them only
when the file or the site is replaced, and Dagster never calls an external asset unsynced."""

import shutil

import dagster as dg

from .checks.report import publish_results, stage_results
from .dbt_models import MART_KEYS
from .resources.warehouse_resource import WarehouseResource
from .retries import retry_transient
from .run_worker import record_worker
from .settings import OWNERS, VALIDATION_PAGE, WRITER_POOL, Settings, report_link
from .warehouse import publish


def _read_by_people(name: str, act: str, kind: str, description: str) -> dg.AssetSpec:
    """What readers open, recorded by the run's act `act` when it replaces it (no run plans it)."""
    return dg.AssetSpec(
        key=["published", name], deps=[act], group_name="publish", kinds={kind}, owners=OWNERS, description=description
    )


PUBLISHED_WAREHOUSE = _read_by_people(
    "warehouse",
    "publish",
    "duckdb",
    "The published DuckDB file SQL users open (WAREHOUSE_PATH). Its latest materialization is the last run that "
    "published; a run that fails or is refused leaves it, and the file, as they are. Every published state is kept "
    "in history/.",
)
PUBLISHED_REPORT = _read_by_people(
    "report",
    "report_site",
    "html",
    "The report site readers open (DATA_DIR/report): an overview, every document's text with its figures "
    "highlighted, a chart of every series, the discrepancy register. Its latest materialization is the last time "
    "report_site replaced it.",
)


@dg.asset(
    name="publish",
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb"},
    owners=OWNERS,
    pool=WRITER_POOL,
    description="Swap this run's working file in as published/warehouse, atomically, only after every blocking "
    "check of this run passed and only if no other run published since this one started. Failed in a run whose "
    "checks refused: the published warehouse is then the previous one.",
)
def publish_step(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings
    key = record_worker(context, warehouse.settings)
    files = warehouse.files
    with warehouse.reading(key) as con:
        mode, reason = con.execute("select mode, reason from ingest.build").fetchone()
    staged = stage_results(files.run_dir(key) / "validation", settings.validation_dir, key)
    try:
        with retry_transient(context):
            outcome = publish(files, key, settings.history)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    page = publish_results(
        settings.validation_dir,
        staged,
        {
            "warehouse": str(files.published),
            "published_at": outcome["published_at"],
            "run_id": context.run.run_id,
            "root_run_id": key,
            "mode": mode,
            "reason": reason,
            "texts": settings.documents_note,
            "snapshot": outcome["snapshot"],
            "sha256": outcome["sha256"],
        },
    )
    for dead in outcome["removed_dead_runs"]:
        context.log.info(f"removed the working files of run {dead}, which can no longer publish")
    context.log.info(f"published {files.published} (snapshot {outcome['snapshot']}); validation page {page}")
    metadata = {
        "published_file": dg.MetadataValue.path(str(files.published)),
        "snapshot": dg.MetadataValue.path(outcome["snapshot"]),
        "published_at": outcome["published_at"],
        "build_mode": mode,
        "sha256": outcome["sha256"],
        "pruned_snapshots": dg.MetadataValue.json(outcome["pruned"]),
        "size_bytes": files.published.stat().st_size,
        "validation_page": report_link(VALIDATION_PAGE),
        "report_page": report_link("index.html"),
    }
    context.log_event(dg.AssetMaterialization(asset_key=PUBLISHED_WAREHOUSE.key, metadata=metadata))
    return dg.MaterializeResult(metadata={"published_at": outcome["published_at"], "build_mode": mode})


@dg.asset(
    name="report_site",
    deps=[publish_step],
    group_name="publish",
    kinds={"html"},
    owners=OWNERS,
    pool=WRITER_POOL,
    description="Draw the report site from the published warehouse and swap it in whole as published/report. "
    "Materialize it alone to redraw the site of the warehouse as published.",
)
def report_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from .report.site import build_report  # plotly and the templates load in the step that draws, not with the code

    settings = warehouse.settings
    site = build_report(settings)
    context.log.info(
        f"report site of {settings.warehouse_path}: {site.index} ({site.pages} pages"
        + ("" if site.full else "; the overview alone: too many figures for a full report")
        + ")"
    )
    metadata = {
        "index": report_link("index.html"),
        "validation_page": report_link(VALIDATION_PAGE),
        "pages": site.pages,
        "document_pages": site.documents,
        "series_pages": site.series,
        "full_report": site.full,
    }
    context.log_event(dg.AssetMaterialization(asset_key=PUBLISHED_REPORT.key, metadata=metadata))
    return dg.MaterializeResult(metadata={"pages": site.pages})


def report_outdated(settings: Settings) -> str | None:
    """Why the report site does not show the published warehouse, or None when it does. The site is written from
    the published file after the file's last write, so a site older than it (or none) was not made from it: the
    report step failed or its worker died after the swap, or a snapshot was restored since."""
    try:
        published = settings.warehouse_path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    index = settings.report_dir / "index.html"
    if not index.is_file():
        return f"{index} does not exist"
    if index.stat().st_mtime_ns < published:
        return f"{index} is older than {settings.warehouse_path}"
    return None


def refresh_report(settings: Settings) -> str | None:
    """Regenerate the report site when it does not show the published warehouse; why it did not, or None when it
    did already (and was left as it is)."""
    outdated = report_outdated(settings)
    if outdated is not None:
        from .report.site import build_report

        build_report(settings)
    return outdated
