"""Parts of the pipeline measured on their own, each in a fresh process (--components): the ingest's validation,
and the GX suites on every row of the built warehouse."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .measure import measure, tail
from .paths import VENV_BIN

# Components of the pipeline measured on their own, in fresh processes, to attribute time and memory.
_VALIDATE_ONLY = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from orchestration.ingest.validate import validate_sources
imported = time.perf_counter()
counts = validate_sources(Path(sys.argv[1]))
print(json.dumps({"import_s": round(imported - started, 3), "validate_s": round(time.perf_counter() - imported, 3),
                  "rows": sum(counts.values()),
                  "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""

_GX_ONLY = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from orchestration.checks.gx_suites import _context, load_suites, run_suite
from orchestration.resources.connections import connect
_context()
out = {"import_and_context_s": round(time.perf_counter() - started, 3),
       "rss_after_import_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "suites": {}}
with connect(Path(sys.argv[1]), read_only=True) as con:
    for suite in load_suites():
        t = time.perf_counter()
        outcome = run_suite(suite, con, every_row=True)
        out["suites"][suite.name] = {"rows": outcome.rows_validated,
                                     "query_and_validate_s": round(time.perf_counter() - t, 3),
                                     "success": outcome.success,
                                     "max_rss_mib_so_far":
                                         round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
print(json.dumps(out))
"""


def run_components(code: Path, sources: Path, out: Path, timeout: float) -> dict:
    """Ingest validation alone, and every GX suite alone on the built warehouse: time and peak memory."""
    components = {}
    for name, script, argument in (
        ("validate_sources", _VALIDATE_ONLY, sources),
        ("gx_suites", _GX_ONLY, out / "warehouse.duckdb"),
    ):
        if name == "gx_suites" and not argument.exists():
            continue
        result = measure(
            [str(VENV_BIN / "python"), "-c", script, str(argument)],
            out / f"{name}.log",
            timeout,
            {**os.environ, "DOCUMENTS_DIR": ""},
            cwd=code,
        )
        result.pop("_sampler")
        lines = tail(out / f"{name}.log", 100_000).strip().splitlines()
        try:
            detail = json.loads(lines[-1]) if lines else {}
        except json.JSONDecodeError:
            detail = {"output": "\n".join(lines[-10:])}
        components[name] = {
            "wall_s": result["wall_s"],
            "peak_mib": result["peak_mib"],
            "returncode": result["returncode"],
            "timed_out": result["timed_out"],
            **detail,
        }
    return components
