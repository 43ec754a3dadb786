"""`warehouse`: the project's command line (installed into .venv/bin by `make setup`).

  warehouse run                build the warehouse once (what `make run` calls), then print what happened
  warehouse history            list the published states kept in history/
  warehouse restore <name>     publish a kept state again, after verifying it
  warehouse docs               generate dbt's docs site from a copy of the published warehouse (`make docs`)
  warehouse report             regenerate the report site (DATA_DIR/report) from the published warehouse
  warehouse draft <text> --document-id <id>
                               register a document and draft a figure for every quantity its text prints
  warehouse register <id> --explanation <text>
                               list a claim or fact the register checks failed on in its register
  warehouse review <document_id>
                               print a draft's review sheet; accept, pick alternatives, type values, reject

`run` checks every setting before any work, runs one build at a time per warehouse (a second waits for the
first), keeps Dagster's full log in DATA_DIR/logs/ and prints a short summary: published or not, the build kind,
the claim verdicts, and for a failure its cause and what to fix.
"""

from __future__ import annotations

import argparse
import fcntl
import gc
import json
import logging
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from .ingest.source_files import DOCUMENT_KINDS
from .settings import PROJECT_ROOT, WRITER_LOCK, Settings, SettingsError, dagster_home
from .warehouse import WarehouseError, WarehouseFiles, history_lines, restore

LAUNCH_TAG = "warehouse/launch"
_MAX_CAUSE_LINES = 40
# documents named in the summary of what a build rebuilt; the rest are counted
_MAX_LISTED = 8
# `warehouse run`'s exit status when it published but a step after the swap failed (README: make run)
PUBLISHED_BUT_FAILED = 3
# the steps after the swap: the first writes the validation page, the second the report site
# how a write that found the disk full reads: the OS's ENOSPC, SQLite's SQLITE_FULL
_NO_SPACE = ("No space left on device", "[Errno 28]", "database or disk is full")
# free space under which SQLite and DuckDB cannot add a page or a log frame: a bare I/O error then is a full disk
_NEARLY_FULL = 16 * 2**20


def _dagster_home(settings: Settings) -> Path:
    home = dagster_home(os.environ, settings.data_dir)  # as Settings checked it
    home.mkdir(parents=True, exist_ok=True)
    shipped = PROJECT_ROOT / "orchestration" / "dagster.yaml"
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != shipped.read_bytes():
        shutil.copyfile(shipped, target)
    return home


def _wait_for_writer_lock(settings: Settings):
    """One `warehouse run` at a time per warehouse; the lock also covers creating a new Dagster instance's
    storage, which two first runs would otherwise create at once."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(settings.warehouse_path.parent / WRITER_LOCK, "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another build of {settings.warehouse_path} is running; waiting for it to finish", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _append_event_log(instance, run_id: str, log: Path) -> None:
    """The run's events, as the UI's run page lists them, after the processes' own output."""
    with log.open("a") as out:
        out.write(f"\n# event log of run {run_id}\n")
        for entry in instance.all_logs(run_id):
            when = datetime.fromtimestamp(entry.timestamp, UTC).isoformat(timespec="milliseconds")
            out.write(f"{when} {logging.getLevelName(entry.level)} {entry.step_key or '-'} {entry.message}\n")


def _summary(instance, run_id: str, log: Path) -> tuple[bool, str | None, list[str]]:
    """Whether the run succeeded, why it kept the published warehouse as it was (None: it published, or failed),
    and what to print."""
    import dagster as dg

    from .checks.failed_rows import record_lines

    run = instance.get_run_by_id(run_id)
    ok = run.status == dg.DagsterRunStatus.SUCCESS
    lines = [f"run {run.run_id}: {run.status.value}"]
    # a run with nothing to rebuild only observes its plan (orchestration/ingest/assets.py)
    kept = next(
        (
            event.dagster_event.event_specific_data.asset_observation.metadata["reason"].value
            for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION)
            if event.dagster_event.asset_key == dg.AssetKey(["ingest", "run_scope"])
        ),
        None,
    )
    failures = _step_errors(instance, run.run_id)
    for step, error in failures:
        message = error.message.strip().splitlines()
        shown = message[:_MAX_CAUSE_LINES]
        if len(message) > len(shown):
            shown.append(f"... and {len(message) - len(shown)} more lines in {log}")
        lines.append(f"step {step} failed ({error.cls_name}):")
        lines += [f"  {line}" for line in shown]
        # a follow-on error (a rollback after a failed write) hides the one that started it
        lines += [f"  raised while handling {_one_line(earlier)}" for earlier in _earlier_errors(error)]
    if not failures and not ok:
        lines += _run_ending(instance, run.run_id)
    checks = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    for event in checks:
        data = event.dagster_event.event_specific_data
        if not data.passed:
            lines.append(
                f"check {data.check_name} on {'/'.join(data.asset_key.path)} did not pass "
                f"({data.severity.value}){': ' + data.description if data.description else ''}"
            )
            # the table the check's page shows (a register gate's rows as blocks to act on); a check whose
            # description lists its problems is not listed twice
            failed_rows = data.metadata.get("failed_rows")
            if failed_rows is not None and not data.description:
                lines += [line for record in failed_rows.records for line in record_lines(record.data)]
    return ok, kept, lines


def _published_summary(settings: Settings, kept: str | None = None) -> list[str]:
    """What the published warehouse holds; `kept`: why this run left it as it was."""
    from .checks.coverage_check import coverage_line, coverage_outcome
    from .ingest.load import draft_figures_waiting, waiting_lines
    from .resources.connections import connect

    with connect(settings.warehouse_path, read_only=True, memory_limit=settings.duckdb_memory_limit) as con:
        mode, reason = con.execute("select mode, reason from ingest.build").fetchone()
        verdicts = con.execute("select verdict, count(*) from marts.claim_checks group by 1 order by 1").fetchall()
        reconciled = con.execute(
            "select verdict, count(*) from marts.figure_reconciliation group by 1 order by 1"
        ).fetchall()
        documents = [d for (d,) in con.execute("select document_id from ingest.run_scope order by 1").fetchall()]
        models = con.execute("select count(*) from ingest.models_rebuilt").fetchone()[0]
        coverage = coverage_outcome(con)[2]
        waiting = draft_figures_waiting(con)
    # the published build is this run's, or (kept) the last run's that published: each sentence says which
    build = "this run's build" if kept is None else "the published build (an earlier run's)"
    return [
        f"nothing new to publish: {kept}; {settings.warehouse_path} is kept as it is"
        if kept is not None
        else f"published {settings.warehouse_path}",
        f"{build}: {mode}, {reason}",
        f"{build} rebuilt {models} dbt model(s) and {len(documents)} document(s)"
        + (
            f" ({', '.join(documents[:_MAX_LISTED])}{', …' if len(documents) > _MAX_LISTED else ''})"
            if documents
            else ""
        ),
        "claims: " + ", ".join(f"{n} {verdict}" for verdict, n in verdicts),
        "facts stated by several documents: "
        + (", ".join(f"{n} {verdict}" for verdict, n in reconciled) if reconciled else "none"),
        "numbers in the texts: " + coverage_line(coverage),
        *waiting_lines(waiting),
        f"validation page: {settings.validation_dir / 'index.html'}",
        f"report: {settings.report_dir / 'index.html'} (`make report` serves it on http://127.0.0.1:8090)",
    ]


def _step_errors(instance, run_id: str) -> list:
    """Each failed step of the run and its error, unwrapped from Dagster's wrapper to the step code's own."""
    import dagster as dg

    failed = []
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = event.dagster_event.step_failure_data.error
        while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
            error = error.cause
        failed.append((event.step_key, error))
    return failed


def _earlier_errors(error) -> list:
    """The errors `error` was raised from or while handling, the first one last."""
    earlier = []
    while (error := error.cause or error.context) is not None:
        earlier.append(error)
    return earlier


def _one_line(error) -> str:
    """An error's first line, which names its class: 'PermissionError: [Errno 1] ...'."""
    return (error.message.strip().splitlines() or [error.cls_name])[0]


def _run_ending(instance, run_id: str) -> list[str]:
    """Why a run no step of which failed has ended, the cause first: its worker process died (whoever marked the
    run failed then: run monitoring, or the code server that started the worker, with a message that names
    neither), its failure's own error, or its cancellation; then the steps it left unfinished."""
    import dagster as dg
    from dagster._core.launcher import WorkerStatus

    lines = []
    launcher = instance.run_launcher
    if launcher.supports_check_run_worker_health:
        health = launcher.check_run_worker_health(instance.get_run_by_id(run_id))
        if health.status == WorkerStatus.FAILED:
            lines.append(f"the run's {health.msg}")
    ended = instance.all_logs(
        run_id, of_type={dg.DagsterEventType.PIPELINE_FAILURE, dg.DagsterEventType.PIPELINE_CANCELED}
    )
    for event in ended:
        error = getattr(event.dagster_event.event_specific_data, "error", None)
        lines.append(f"the run ended: {event.message}" + (f" ({_one_line(error)})" if error else ""))
    steps = {
        kind: {event.step_key for event in instance.all_logs(run_id, of_type=kind)}
        for kind in (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS)
    }
    unfinished = sorted(steps[dg.DagsterEventType.STEP_START] - steps[dg.DagsterEventType.STEP_SUCCESS])
    return lines + [f"step {step} started and never finished" for step in unfinished]


def _failure(instance, run_id: str) -> str:
    """What ended the run, in a line: its first failed step's error, or what ended the run itself."""
    failed = _step_errors(instance, run_id)
    if failed:
        return f"step {failed[0][0]} failed: {_one_line(failed[0][1])}"
    return next(iter(_run_ending(instance, run_id)), "the run did not succeed")


def _previous_pages(instance, run_id: str) -> str:
    """Which pages still describe the previous build after this run's swap, and how to bring them up to date."""
    import dagster as dg

    from .run_rules import PUBLISH_STEP, REPORT_STEP

    succeeded = {e.step_key for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}
    advice = []
    if PUBLISH_STEP not in succeeded:
        advice.append("the validation page describes the previous build until the next publish")
    if REPORT_STEP not in succeeded:
        advice.append(
            "the report site is the previous build's: run `warehouse report` (the next run regenerates it too)"
        )
    return "; ".join(advice)


def _publication(files: WarehouseFiles) -> tuple[tuple[int, int, int] | None, str | None]:
    """Which file is published (inode, size, modification time; None: none) and the run that put it there, as
    the integrity record written with it says (None: the record is not this file's). Every publish and restore
    renames a new file into place, so a run published when the file it leaves is not the one it found."""
    try:
        stat = files.published.stat()
    except FileNotFoundError:
        return None, None
    try:
        record = json.loads(files.integrity.read_text())
    except (OSError, ValueError):
        record = {}
    publisher = record.get("run_id") if record.get("inode") == stat.st_ino else None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns), publisher


def _space(folders: list[Path]) -> tuple[Path, int]:
    """The mount point of the file system with the least free space among those holding `folders`, and how
    many bytes are free on it."""
    spaces = []
    for folder in folders:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        mount = existing
        while not os.path.ismount(mount):
            mount = mount.parent
        spaces.append((shutil.disk_usage(existing).free, str(mount)))
    free, mount = min(spaces)
    return Path(mount), free


def _no_space(settings: Settings, evidence: str, nearly_full: bool) -> str | None:
    """'no space left on <mount point> (...)' when `evidence` (errors, the run's log) says a write found the disk
    full, or, with `nearly_full`, when a file system the run writes to has too little left for SQLite or DuckDB
    to go on (they report that as a bare I/O error); else None."""
    folders = [settings.warehouse_path.parent, settings.data_dir, PROJECT_ROOT]  # dbt writes under the project
    if os.environ.get("DAGSTER_HOME"):
        folders.append(Path(os.environ["DAGSTER_HOME"]))
    mount, free = _space(folders)
    if any(marker in evidence for marker in _NO_SPACE) or (nearly_full and free < _NEARLY_FULL):
        return f"no space left on {mount} ({free / 2**20:.1f} MB free now)"
    return None


def _run_evidence(instance, run_id: str, log: Path) -> str:
    """Everything the run said about its failures: its steps' errors with the ones they were raised from, and
    its log (where a worker's own errors go when the instance's storage cannot take them)."""
    errors = [e for _, error in _step_errors(instance, run_id) for e in (error, *_earlier_errors(error))]
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    return "\n".join([*(e.message for e in errors), text])


class _Failed(NamedTuple):
    """How a run that did not succeed ended, as `warehouse run` tells it."""

    run_id: str | None  # None: the command failed before it knew the run's id
    cause: str  # what ended it, in a line
    no_space: str | None  # 'no space left on ...' when a write found the disk full
    pages: str  # the pages a publish by it left describing the previous build, and what to do
    kept: str | None  # why it had nothing new to publish, when it had not


def _failed(settings: Settings, instance, run_id: str, kept: str | None, log: Path) -> _Failed:
    no_space = _no_space(settings, _run_evidence(instance, run_id, log), nearly_full=False)
    return _Failed(run_id, _failure(instance, run_id), no_space, _previous_pages(instance, run_id), kept)


def _verdict(settings: Settings, found: tuple, left: tuple, failed: _Failed, log: Path) -> tuple[str, int]:
    """What a run that did not succeed did to the published file, read from the file itself (`found` before the
    run, `left` after it, as _publication gives them), and the exit status that says so. Only the run `warehouse
    run` launched publishes while it holds the writer lock; a restore names its snapshot's run."""
    path, full_log = settings.warehouse_path, f"(full log: {log})."
    if left[0] != found[0]:
        publisher = left[1] or failed.run_id
        if failed.run_id in (None, publisher):
            cause = "; ".join(filter(None, (failed.no_space or failed.cause, failed.pages)))
            return f"published {path} (run {publisher}), but {cause}", PUBLISHED_BUT_FAILED
        return f"not published: {path} was replaced by run {publisher} while run {failed.run_id} ran {full_log}", 1
    if failed.no_space:
        return f"not published: {failed.no_space}: free some space and run again; {path} is unchanged {full_log}", 1
    if failed.kept is not None:
        return f"nothing new to publish ({failed.kept}), but {failed.cause}; {path} is kept as it is {full_log}", 1
    return f"not published: {path} is unchanged. Fix the cause above and run again {full_log}", 1


def _error_chain(exc: BaseException) -> str:
    """`exc` and every error it was raised from or while handling, a line each."""
    lines = []
    while exc is not None:
        lines.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__cause__ or exc.__context__
    return "\n".join(lines)


def run(_args) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print("error: the configuration is unusable; nothing was run:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    files = WarehouseFiles.from_settings(settings)
    found = _publication(files)  # the verdict is read from the published file, not from the run's status
    logs = settings.data_dir / "logs"
    log = logs / f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    import sqlite3

    import dagster as dg
    from sqlalchemy.exc import SQLAlchemyError

    from .launch import launch_and_wait
    from .resources.warehouse_resource import WarehouseResource

    if (problem := _prepare()) is not None:
        print(problem, file=sys.stderr)
        return 2
    run_id = None
    try:
        home = _dagster_home(settings)
        logs.mkdir(parents=True, exist_ok=True)
        lock = _wait_for_writer_lock(settings)  # before the instance: it may create the instance's storage
        with dg.DagsterInstance.from_config(str(home)) as instance:
            try:
                print(f"building {settings.warehouse_path} (full log: {log})", flush=True)
                # the settings checked above travel with the run: a daemon's run works by them, not by its own
                config = WarehouseResource.run_config(os.environ)
                run_id = launch_and_wait(instance, {LAUNCH_TAG: "warehouse run"}, config, log)
                _append_event_log(instance, run_id, log)
            finally:
                lock.close()
            ok, kept, lines = _summary(instance, run_id, log)
            failed = None if ok else _failed(settings, instance, run_id, kept, log)
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        # the disk under the data folder or Dagster's storage failed this command itself: no summary to read
        cause = _error_chain(exc).splitlines()[0]
        print(f"error: {cause}", file=sys.stderr)
        # SQLite says 'disk I/O error' when a write finds the disk full; an OSError names its own errno
        no_space = _no_space(settings, _error_chain(exc), nearly_full=not isinstance(exc, OSError))
        pages = "the validation page and the report site may be the previous build's: run `warehouse report`"
        failed = _Failed(run_id, cause, no_space, pages, None)
        verdict, status = _verdict(settings, found, _publication(files), failed, log)
        print(verdict, file=sys.stderr)
        return status
    print(f"documents: {settings.documents_note}")
    left = _publication(files)
    if ok and (left[0] != found[0] or kept is not None):
        lines += _published_summary(settings, kept)
        status = 0
    else:
        failed = failed or _Failed(run_id, "it succeeded and published nothing", None, "", kept)
        verdict, status = _verdict(settings, found, left, failed, log)
        lines.append(verdict)
    print("\n".join(lines), file=sys.stdout if status == 0 else sys.stderr)
    return status


def docs(_args) -> int:
    from .dbt_docs import generate_docs

    settings = Settings.from_env()
    try:
        target = generate_docs(settings.warehouse_path, settings.data_dir / "dbt_docs")
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"dbt docs of {settings.warehouse_path} (generated from a copy) in {target}")
    return 0


def report(_args) -> int:
    from .report.site import build_report

    settings = Settings.from_env()
    if not settings.warehouse_path.exists():
        print(f"error: no published warehouse at {settings.warehouse_path}: run `make run` first", file=sys.stderr)
        return 1
    site = build_report(settings)
    print(f"report site of {settings.warehouse_path}: {site.index} ({site.pages} pages; `make report` serves it)")
    return 0


def history(_args) -> int:
    print("\n".join(history_lines(WarehouseFiles.from_settings(Settings.from_env()))))
    return 0


def restore_command(args) -> int:
    files = WarehouseFiles.from_settings(Settings.from_env())
    try:
        restored = restore(files, args.snapshot)
    except (LookupError, WarehouseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {restored.name} to {files.published} (verified against its recorded sha256)")
    return 0


# rows and claims of the review sheet `draft` prints; a long text's thousands are for `warehouse review`
SHEET_ROWS = 200


def draft(args) -> int:
    # a long text's draft holds millions of small objects to its end and makes next to no cycles: the cyclic
    # collector's passes over them cost a third of its time and free nothing (reference counting frees the rest)
    gc.disable()
    try:
        return _draft(args)
    finally:
        gc.enable()


def _draft(args) -> int:
    from .corpus.draft import Progress, draft_figures
    from .corpus.draft_files import DraftError, read_draft_input, write_draft
    from .corpus.review_files import no_build_running
    from .corpus.review_sheet import render_sheet

    settings = Settings.from_env()
    sources = Path(args.sources).resolve() if args.sources else settings.sources_dir
    text = Path(args.text).resolve()
    fields = {
        name: str(getattr(args, name) or "")
        for name in ("title", "kind", "authors", "publisher", "year", "published", "url")
    }
    try:
        given = read_draft_input(sources, text, args.document_id, args.prefix, fields, settings.documents_dir)
    except DraftError as exc:
        print("error: " + str(exc).replace("\n", "\nerror: "), file=sys.stderr)
        return 2
    progress = Progress(text.name, len(given.text.splitlines()))
    progress.stage("drafting figures")
    drafts, skipped = draft_figures(
        given.text,
        given.suggesters.for_document(given.document, progress.suggested),
        given.document,
        given.sections,
        progress.line,
    )
    problems: list[str] = []
    # a run reads the sources a draft appends to: the draft waits for no run, and none starts while it writes
    with no_build_running(settings.warehouse_path, problems, "draft"):
        if problems:
            print("error: " + "\nerror: ".join(problems), file=sys.stderr)
            return 2
        written = write_draft(given, drafts, skipped, progress)
    print(written.registered)
    figures = sources / "figures" / f"{args.document_id}.csv"
    print(
        f"{len(written.added)} new draft figure(s) in {figures} and its mentions; {written.kept} row(s) already "
        "there kept as they are"
    )
    waiting = [row for row in written.figure_rows if row["review_status"] == "draft"]
    shown = waiting[:SHEET_ROWS]
    print(render_sheet(written.review, shown, written.review["claims"][:SHEET_ROWS]), end="")
    if len(shown) < len(waiting) or len(written.review["claims"]) > SHEET_ROWS:
        print(f"(the first {SHEET_ROWS} rows and claims; `warehouse review {args.document_id}` shows them all)")
    print(
        f"{written.waiting} draft figure(s) waiting for review in {figures}, {len(written.review['claims'])} "
        f"drafted claim(s) and {len(written.review['entities'])} proposed entit(ies) in {written.review_path}: "
        f"accept or correct them with `warehouse review {args.document_id}` (see its --help)"
    )
    if written.not_figures:
        print(
            f"{written.not_figures} number(s) that are not figures, with a suggested reason, as draft rows of "
            f"{sources / 'not_figures' / (args.document_id + '.csv')}: check each reason (or record the number "
            "as a figure instead), then set review_status to reviewed"
        )
    in_texts = (
        settings.documents_dir is not None
        and (settings.documents_dir / text.name).is_file()
        and (settings.documents_dir / text.name).read_bytes() == text.read_bytes()
    )
    if not in_texts:
        print(
            f"note: {text.name} is not in DOCUMENTS_DIR ({settings.documents_dir or 'not set'}): copy it there, "
            "or `warehouse run` stops with 'document text ... not found' (or, with no texts folder, cannot "
            "check the literals and sha256)"
        )
    return 0


def _latest_failed_row(settings: Settings, row_id: str):
    """The register and the failed row of `row_id` in the latest evaluation of its register gate in the Dagster
    instance `warehouse run` records to (a finding never published is only there), or None."""
    import dagster as dg
    from dagster._core.storage.asset_check_execution_record import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES

    from .checks.failed_rows import REGISTERS

    with dg.DagsterInstance.from_config(str(_dagster_home(settings))) as instance:
        for gate in REGISTERS.values():
            key = dg.AssetCheckKey(dg.AssetKey(gate.table.split(".")), gate.check)
            latest = instance.event_log_storage.get_asset_check_execution_history(
                key, limit=1, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
            )
            table = latest[0].event.asset_check_evaluation.metadata.get("failed_rows") if latest else None
            # an evaluation recorded before failed rows were a table has none to read
            records = table.records if isinstance(table, dg.TableMetadataValue) else []
            row = next((record.data for record in records if record.data["id"] == row_id), None)
            if row is not None:
                return gate, row
    return None


def _published_row(settings: Settings, row_id: str):
    """The register and the verdict of `row_id` in the published warehouse, or None."""
    from .checks.failed_rows import REGISTERS
    from .resources.connections import connect

    if not settings.warehouse_path.exists():
        return None
    with connect(settings.warehouse_path, read_only=True, memory_limit=settings.duckdb_memory_limit) as con:
        for gate in REGISTERS.values():
            sql = f"select verdict, diagnosis from {gate.table} where {gate.key} = ?"
            found = con.execute(sql, [row_id]).fetchone()
            if found is not None:
                return gate, {"id": row_id, "problem": None, "verdict": found[0], "diagnosis": found[1]}
    return None


def _not_to_register(gate, row: dict, path: Path, row_id: str) -> str | None:
    """Why `row_id`, whose failed row (or published verdict) is `row`, is not to be appended to `path`, or None."""
    from .checks.failed_rows import NO_LONGER_FOUND

    listed = gate.listed(path, row_id)
    verdict = row.get("verdict")
    if listed and (row.get("problem") == NO_LONGER_FOUND or verdict == gate.fine):
        now = f"its verdict is now {verdict}" if verdict else "nothing has this id any longer"
        return f"{row_id} is listed but no longer found ({now}): delete line {listed[0]} of {path} instead"
    if listed:
        return (
            f"{path} already lists {row_id} at line {listed[0]} (verdict {listed[1][1]}); its verdict now is "
            f"{verdict} ({row.get('diagnosis')}): edit that line"
        )
    if verdict in (None, gate.fine):
        return f"{row_id} needs no entry in {path}: its verdict is {verdict or 'gone'}"
    return None


def register(args) -> int:
    """Append a finding to its register with its verdict and diagnosis now and the explanation given; every
    line already there is kept as it is."""
    settings = Settings.from_env()
    sources = Path(args.sources).resolve() if args.sources else settings.sources_dir
    explanation = args.explanation.strip()
    if not explanation:
        print("error: the explanation is empty: write what the document most likely meant", file=sys.stderr)
        return 2
    found = _latest_failed_row(settings, args.id) or _published_row(settings, args.id)
    if found is None:
        print(
            f"error: {args.id} is neither a claim nor a fact the latest claim_register or reconciliation_register "
            f"check failed on, nor one the published warehouse ({settings.warehouse_path}) holds",
            file=sys.stderr,
        )
        return 2
    gate, row = found
    path = sources / gate.file
    refused = _not_to_register(gate, row, path, args.id)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    line = gate.append(path, args.id, row["verdict"], row["diagnosis"], explanation)
    print(f"added to {path}:\n  {line}\nthe next `warehouse run` checks it against the verdicts")
    return 0


def dev(args) -> int:
    """`make dev`: the webserver and daemon, stopped with everything they started by Ctrl-C or SIGTERM
    (orchestration/dev_server.py)"""
    from .dev_server import serve

    if (problem := _prepare()) is not None:
        print(problem, file=sys.stderr)
        return 2
    return serve(args.host, args.port)


def _prepare() -> str | None:
    """Set-up before the code location loads: dbt's manifest, parsed if the project changed (dbt_project.py).
    What stops it, as the error to print (None: prepared)."""
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from .dbt_project import prepare_manifest

    try:
        prepare_manifest()
    except DagsterDbtCliRuntimeError as exc:
        return f"error: dbt cannot parse the project in dbt_project/; nothing was run: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warehouse", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="build the warehouse once and print a summary").set_defaults(func=run)
    sub.add_parser("history", help="list kept snapshots, oldest first").set_defaults(func=history)
    sub.add_parser("docs", help="generate dbt's docs site from a copy of the published warehouse").set_defaults(
        func=docs
    )
    sub.add_parser("report", help="regenerate the report site from the published warehouse").set_defaults(func=report)
    restore_cmd = sub.add_parser("restore", help="publish a kept snapshot again, after verifying it")
    restore_cmd.add_argument("snapshot", help="snapshot file name or run id")
    restore_cmd.set_defaults(func=restore_command)
    draft_cmd = sub.add_parser("draft", help="register a document and draft its figures and mentions for review")
    draft_cmd.add_argument("text", help="the document's text file (UTF-8)")
    draft_cmd.add_argument("--document-id", required=True, help="id, [a-z][a-z0-9_]*")
    draft_cmd.add_argument("--title", help="title as printed (a new document needs it)")
    draft_cmd.add_argument("--kind", choices=DOCUMENT_KINDS, help="what the document is (a new document needs it)")
    draft_cmd.add_argument("--authors", help="authors as printed, ;-separated (or give --publisher)")
    draft_cmd.add_argument("--publisher", help="the organisation that published it (or give --authors)")
    draft_cmd.add_argument("--year", help="publication year (1900 to this year)")
    draft_cmd.add_argument(
        "--published",
        help="publication date, YYYY-MM-DD: 'last year' and 'now' are read from it, a later period is a target",
    )
    draft_cmd.add_argument("--url", help="http:// or https:// address")
    draft_cmd.add_argument("--prefix", help="figure id prefix, [a-z][a-z0-9_]* (default: the document id)")
    draft_cmd.add_argument("--sources", help="sources folder (default: SOURCES_DIR)")
    draft_cmd.set_defaults(func=draft)
    from .corpus.review import add_review_parser

    add_review_parser(sub)
    register_cmd = sub.add_parser(
        "register", help="add a claim or fact a register check failed on to its register, with its verdict now"
    )
    register_cmd.add_argument("id", help="claim id (discrepancy_register.csv) or reconciliation id")
    register_cmd.add_argument("--explanation", required=True, help="what the document most likely meant, and why")
    register_cmd.add_argument("--sources", help="sources folder (default: SOURCES_DIR)")
    register_cmd.set_defaults(func=register)
    dev_cmd = sub.add_parser("dev", help="Dagster's webserver and daemon; Ctrl-C or SIGTERM stops them within seconds")
    dev_cmd.add_argument("--host", default="127.0.0.1", help="address the webserver listens on (default: 127.0.0.1)")
    dev_cmd.add_argument("--port", type=int, default=3000, help="the webserver's port (default: 3000)")
    dev_cmd.set_defaults(func=dev)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
