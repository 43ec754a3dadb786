"""The validation page (our Data Docs, readable offline): what the checks found in the published warehouse.

Each check writes its suite's outcome into its run's working folder. Only the publish step moves a run's
outcomes to `DATA_DIR/validation/` and rewrites the page, so the page always describes the warehouse SQL users
open: a failed or refused run never replaces it.
"""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ..warehouse import write_json
from .gx_suites import SuiteDefinition, SuiteOutcome


def write_result(
    directory: Path, suite: SuiteDefinition, outcome: SuiteOutcome, run_id: str, mode: str, rows_in_table: int
) -> dict:
    """Record one suite's outcome in the run's folder. Rows the run kept from the published warehouse were
    validated by the run that built them, with the same suite (a changed suite validates every row again)."""
    directory.mkdir(parents=True, exist_ok=True)
    record = {
        "suite": suite.name,
        "asset": "/".join(suite.asset),
        "blocking": suite.blocking,
        "description": suite.description,
        "success": outcome.success,
        "run_id": run_id,
        "build_mode": mode,
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **outcome.as_metadata(),
        "rows_in_table": rows_in_table,
        "rows_validated_in_earlier_runs": max(rows_in_table - outcome.rows_validated, 0),
        "failed": outcome.failed,
    }
    write_json(directory / f"{suite.name}.json", record)
    return record


def stage_results(run_results: Path, validation_dir: Path, key: str) -> Path:
    """Copy a run's outcomes beside the page before its working folder goes with the publish."""
    staged = validation_dir / f".incoming-{key}"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for path in sorted(run_results.glob("*.json")) if run_results.exists() else []:
        shutil.copyfile(path, staged / path.name)
    return staged


def publish_results(validation_dir: Path, staged: Path, run: dict) -> Path:
    """After a publish: the run's outcomes replace the page's, suite by suite, and the page is rewritten."""
    suites = validation_dir / "suites"
    suites.mkdir(parents=True, exist_ok=True)
    for path in sorted(staged.glob("*.json")):
        path.replace(suites / path.name)
    shutil.rmtree(staged, ignore_errors=True)
    write_json(validation_dir / "run.json", run)
    return _write_index(validation_dir)


def _failure_item(f: dict) -> str:
    judged = f["element_count"] - f["missing_count"]
    why = f"{f.get('why') or ''}; unexpected: {f['unexpected_count']} of {judged} judged"
    if f.get("exception"):
        why += f"; GX could not evaluate it: {f['exception']}"
    return (
        f"<li><code>{html.escape(f['expectation'])}</code> {html.escape(json.dumps(f['kwargs'], default=str))}"
        f" — {html.escape(why)}"
        f"<pre>{html.escape(json.dumps(f.get('failed_rows'), indent=1, default=str)[:4000])}</pre></li>"
    )


def _write_index(directory: Path) -> Path:
    run = json.loads((directory / "run.json").read_text(encoding="utf-8"))
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((directory / "suites").glob("*.json"))]
    rows = []
    for r in records:
        status = "passed" if r["success"] else "FAILED"
        failures = "".join(_failure_item(f) for f in r["failed"])
        rows.append(
            f"<tr class='{status.lower()}'><td>{html.escape(r['suite'])}</td><td>{html.escape(r['asset'])}</td>"
            f"<td>{'blocking' if r['blocking'] else 'warn'}</td><td>{status}</td>"
            f"<td>{r['rows_validated']}</td><td>{r['rows_validated_in_earlier_runs']}</td>"
            f"<td>{r['rows_in_table']}</td><td>{r['expectations_evaluated']}</td><td>{r['expectations_failed']}</td>"
            f"<td>{html.escape(r['run_id'])}</td><td>{html.escape(r['validated_at'])}</td></tr>"
            f"<tr><td colspan='11'>{html.escape(r['description'])}<ul>{failures}</ul></td></tr>"
        )
    facts = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in (
            ("published warehouse", run["warehouse"]),
            ("published at (UTC)", run["published_at"]),
            ("run", run["run_id"]),
            ("re-execution of", run["root_run_id"] if run["root_run_id"] != run["run_id"] else "—"),
            ("build", f"{run['mode']}: {run['reason']}"),
            ("document texts", run["texts"]),
            ("snapshot", run["snapshot"]),
            ("sha256", run["sha256"]),
        )
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation results</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}tr.failed td{{background:#fdd}}
tr.passed td{{background:#dfd}}pre{{max-height:12em;overflow:auto;background:#f6f6f6}}</style></head><body>
<h1>Validation results</h1>
<p>The Great Expectations suites of <code>expectations/</code> on the published warehouse. This page changes only
when a run publishes: a failed or refused run leaves it (and the warehouse) as they were.</p>
<table>{facts}</table>
<table><tr><th>suite</th><th>asset</th><th>severity</th><th>status</th><th>rows validated by this run</th>
<th>rows validated by earlier runs</th><th>rows in table</th><th>expectations</th><th>failed</th><th>run</th>
<th>validated at (UTC)</th></tr>{"".join(rows)}</table></body></html>
"""
    index = directory / "index.html"
    partial = index.with_name("index.html.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(index)
    return index
