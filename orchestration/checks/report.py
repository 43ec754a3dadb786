"""A self-contained HTML page of the latest validation results (our Data Docs), readable offline."""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

from .gx_suites import SuiteDefinition, SuiteOutcome


def write_result(directory: Path, suite: SuiteDefinition, outcome: SuiteOutcome) -> Path:
    """Record one suite's outcome as JSON and rebuild the index page from every recorded outcome."""
    directory.mkdir(parents=True, exist_ok=True)
    record = {
        "suite": suite.name,
        "asset": "/".join(suite.asset),
        "blocking": suite.blocking,
        "description": suite.description,
        "success": outcome.success,
        "validated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **outcome.as_metadata(),
        "failed": outcome.failed,
    }
    target = directory / f"{suite.name}.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    tmp.replace(target)
    return _write_index(directory)


def _write_index(directory: Path) -> Path:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]
    rows = []
    for r in records:
        status = "passed" if r["success"] else "FAILED"
        failures = "".join(
            f"<li><code>{html.escape(f['expectation'])}</code> {html.escape(json.dumps(f['kwargs'], default=str))}"
            f" — {html.escape(str(f.get('why') or ''))}; unexpected: {html.escape(str(f.get('unexpected_count')))}"
            f"<pre>{html.escape(json.dumps(f.get('failed_rows'), indent=1, default=str)[:4000])}</pre></li>"
            for f in r["failed"]
        )
        rows.append(
            f"<tr class='{status.lower()}'><td>{html.escape(r['suite'])}</td><td>{html.escape(r['asset'])}</td>"
            f"<td>{'blocking' if r['blocking'] else 'warn'}</td><td>{status}</td>"
            f"<td>{r['rows_validated']}</td><td>{r['expectations_evaluated']}</td><td>{r['expectations_failed']}</td>"
            f"<td>{html.escape(r['validated_at'])}</td></tr>"
            f"<tr><td colspan='8'>{html.escape(r['description'])}<ul>{failures}</ul></td></tr>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation results</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;
padding:4px 8px;vertical-align:top}}tr.failed td{{background:#fdd}}tr.passed td{{background:#dfd}}
pre{{max-height:12em;overflow:auto;background:#f6f6f6}}</style></head><body>
<h1>Validation results</h1><p>Great Expectations suites from <code>expectations/</code>, latest run of each.</p>
<table><tr><th>suite</th><th>asset</th><th>severity</th><th>status</th><th>rows</th><th>expectations</th>
<th>failed</th><th>validated at (UTC)</th></tr>{''.join(rows)}</table></body></html>
"""
    index = directory / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
