"""A new user's first runs, through the real `make run`: a clone with no `../shared` beside it, settings from the
environment, and a failed run that ends with its cause in a few lines."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import PROJECT_ROOT, SOURCES, read_rows, write_rows

# what a user's environment may set; each test says what it sets itself
_SETTINGS = ("DOCUMENTS_DIR", "DAGSTER_HOME", "DATA_DIR", "WAREHOUSE_PATH", "SOURCES_DIR", "MAKEFLAGS", "MAKELEVEL")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The project's files as a fresh clone has them, with no ../shared beside it; it shares our .venv (file
    times kept, so make finds it set up) and imports its own code first."""
    root = tmp_path_factory.mktemp("newcomer") / "clone"
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        if (PROJECT_ROOT / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, root / name)
    (root / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    assert not (root.parent / "shared").exists()
    # make must find the shared .venv set up: re-running the set-up here would install the clone into it
    assert subprocess.run(["make", "-q", "setup"], cwd=root).returncode == 0, "run `make setup` first"
    return root


def _env(clone: Path, **env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    return {**base, "PYTHONPATH": str(clone), **env}


def _make_run(clone: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=clone,
        capture_output=True,
        text=True,
        env=_env(clone, **env),
        timeout=900,
    )


def test_two_first_runs_of_a_clone_without_texts(clone, tmp_path):
    """Two `make run` at once on an empty data folder named only in the environment: the second waits for the
    first (no collision creating Dagster's storage), then finds nothing changed since what the first published
    and keeps it; both say the literals were not checked against the texts."""
    data = tmp_path / "elsewhere"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = []
    for log in logs:
        with log.open("w") as handle:
            processes.append(
                subprocess.Popen(
                    ["make", "--no-print-directory", "run"],
                    cwd=clone,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    env=_env(clone, DATA_DIR=str(data)),
                )
            )
    for process, log in zip(processes, logs, strict=True):
        assert process.wait(timeout=900) == 0, log.read_text()[-3000:]
    first, second = sorted((log.read_text() for log in logs), key=lambda out: "waiting for it" in out)
    assert "another build of" in second and "waiting for it to finish" in second
    assert f"published {data / 'warehouse.duckdb'}\nthis run's build: full, no published warehouse" in first
    # each sentence says which build it describes: the kept one is an earlier run's
    assert (
        f"nothing new to publish: nothing changed since the published build (sources, dbt project, suites, check "
        f"code); {data / 'warehouse.duckdb'} is kept as it is\n"
        "the published build (an earlier run's): full, no published warehouse" in second
    )
    assert re.search(r"the published build \(an earlier run's\) rebuilt \d+ dbt model\(s\) and 3 document", second)
    for output in (first, second):
        assert "launched (no Dagster daemon is running to queue it)" in output
        assert "literals NOT checked against the document texts" in output
        assert "check literals_in_document_texts on raw/figures did not pass (WARN)" in output
        assert "claims: " in output and "DEBUG" not in output
        assert "numbers in the texts: dalian_blog_2009 not computed (no texts folder" in output
        assert f"report: {data / 'report' / 'index.html'}" in output
        assert re.search(
            r"build(?: \(an earlier run's\))? rebuilt \d+ dbt model\(s\) and 3 document\(s\) \(dalian_blog_2009, ",
            output,
        )
        assert len(output.splitlines()) < 20, output
    assert not (clone / "data").exists(), "DATA_DIR from the environment is where everything goes"
    with dg.DagsterInstance.from_config(str(data / "dagster_home")) as instance:
        origins = {run.remote_job_origin.location_name for run in instance.get_runs()}
    assert origins == {"orchestration.definitions"}, "both runs belong to the code location the UI serves"
    assert "literals NOT checked" in (data / "validation" / "index.html").read_text()
    assert (data / "report" / "index.html").is_file(), "the first run wrote the report site"
    assert len(list((data / "history").glob("*.duckdb"))) == 1, "the second run had nothing new to publish"
    assert not list((data / ".runs").iterdir()), "no working copy is left behind"
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.figures").fetchone()[0] > 100
        assert (
            con.execute(
                "select count(*) from marts.document_coverage where coverage_pct is null "
                "and coverage_note like 'no texts folder%'"
            ).fetchone()[0]
            == 3
        )


def test_a_texts_folder_that_is_set_but_missing_is_an_error(clone, tmp_path):
    result = _make_run(clone, DATA_DIR=str(tmp_path / "data"), DOCUMENTS_DIR=str(tmp_path / "texts"))
    assert result.returncode != 0
    assert f"DOCUMENTS_DIR={tmp_path / 'texts'} is not a directory" in result.stderr
    assert not (tmp_path / "data").exists()


def test_a_rejected_run_ends_with_its_cause_in_a_few_lines_and_changes_nothing(clone, tmp_path, built_warehouse):
    published = tmp_path / "data" / "warehouse.duckdb"
    published.parent.mkdir()
    shutil.copy(built_warehouse, published)
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    sources = Path(shutil.copytree(SOURCES, tmp_path / "sources"))
    path = sources / "figures" / "dalian_paper_2013.csv"
    fields, rows = read_rows(path)
    rows[0]["indicator_code"] = "no_such_indicator"
    rows[1]["currency"] = "GBP"
    write_rows(path, fields, rows)
    result = _make_run(clone, DATA_DIR=str(tmp_path / "data"), SOURCES_DIR=str(sources))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for problem in (
        "sources/figures/dalian_paper_2013.csv:2: unknown indicator_code 'no_such_indicator'",
        "sources/figures/dalian_paper_2013.csv:3: currency='GBP' is not one of CNY, USD, JPY, EUR",
    ):
        assert output.count(problem) == 1, output
    assert "Traceback" not in output and "DEBUG" not in output
    assert len(output.splitlines()) < 30, output
    assert "not published" in result.stderr
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert not list((published.parent / ".runs").glob("*")), "a rejected run makes no working copy"
