"""The machine and the code a benchmark measured: cores, memory, versions, git state; a revision exported."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

from .measure import GNU_TIME
from .paths import BENCH_DIR, PROJECT_ROOT, VENV_BIN, shown


def export_revision(revision: str) -> tuple[Path, str]:
    """The committed tree of `revision`, exported once with `git archive` (read-only for the repository)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    if sha.returncode:
        raise SystemExit(f"--revision {revision}: {sha.stderr.strip()}")
    sha_text = sha.stdout.strip()
    tree = BENCH_DIR / "trees" / sha_text[:12]
    if not (tree / "orchestration" / "definitions.py").exists():
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha_text], cwd=PROJECT_ROOT, capture_output=True)
        if archive.returncode:
            raise SystemExit(f"git archive {sha_text} failed: {archive.stderr.decode()[-500:]}")
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
        shutil.rmtree(tree, ignore_errors=True)
        partial.rename(tree)
    return tree, sha_text


def machine_info(code: Path) -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "import json, sys, platform, duckdb, dagster, great_expectations, pandas;"
            "from dbt.version import __version__ as dbt;"
            "print(json.dumps({'python': platform.python_version(), 'duckdb': duckdb.__version__, "
            "'dagster': dagster.__version__, 'dbt_core': dbt, 'great_expectations': great_expectations.__version__, "
            "'pandas': pandas.__version__}))",
        ],
        cwd=code,
        capture_output=True,
        text=True,
    )
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "mem_total_mib": round(int(meminfo["MemTotal"].split()[0]) / 1024),
        "mem_available_mib": round(int(meminfo["MemAvailable"].split()[0]) / 1024),
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
        "venv": json.loads(versions.stdout) if versions.returncode == 0 else {"error": versions.stderr[-500:]},
        "runner_python": platform.python_version(),
        "git_commit": git.stdout.strip(),
        "git_modified_tracked_files": len(dirty.stdout.splitlines()),
        "code_measured": shown(code) if code != PROJECT_ROOT else "working tree",
        "rss_measured_with": str(GNU_TIME) + " -v" if GNU_TIME.exists() else "benchmarks/measure.py (getrusage)",
    }
