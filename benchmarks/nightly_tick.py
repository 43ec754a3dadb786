"""The nightly schedule's tick on a night when nothing changed: it decides from the published build and starts
no run (orchestration/schedules.py). Measured in a fresh process: importing the definitions (a code server does
that once, not per tick) and then the tick's own evaluation, which the script times itself."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from .measure import measure, tail
from .paths import VENV_BIN
from .pipeline import run_env

# run by the measured code's own Python: the runner imports nothing of the code it measures
_TICK = """
import json, time
import dagster as dg
from orchestration.resources.warehouse_resource import WarehouseResource
from orchestration.schedules import nightly_build
started = time.perf_counter()
with dg.build_schedule_context(resources={"warehouse": WarehouseResource.from_env()}) as context:
    result = nightly_build(context)
seconds = time.perf_counter() - started
skipped = isinstance(result, dg.SkipReason)
print("TICK " + json.dumps({"evaluation_s": round(seconds, 3), "skipped": skipped,
                            "message": result.skip_message if skipped else "run requested"}))
"""


def run_tick(code: Path, out: Path, timeout: float, documents_dir: Path | None = None) -> dict:
    """The tick against what the runs in `out` published, on the sources they linked there."""
    home = Path(tempfile.mkdtemp(prefix="bench_dagster_home_"))
    env = run_env(out, out / "sources", home, documents_dir)
    log = out / "nightly_tick.log"
    try:
        result = measure([str(VENV_BIN / "python"), "-c", _TICK], log, timeout, env, cwd=code)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result.pop("_sampler", None)
    reported = [line for line in tail(log, 1_000_000).splitlines() if line.startswith("TICK ")]
    if result["returncode"] != 0 or not reported:
        result["failure"] = tail(log, 2000)
    else:
        result.update(json.loads(reported[-1][len("TICK ") :]))
        if not result["skipped"]:
            result["failure"] = "the tick requested a run on a night when nothing changed"
    return result
