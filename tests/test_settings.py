"""Every setting is checked before any work, all problems at once, each naming its variable; and only what can
pass on a second try is retried."""

from __future__ import annotations

import ast
import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT
from orchestration.retries import is_transient
from orchestration.settings import DEFAULT_DOCUMENTS_DIR, DEFAULTS, Settings, SettingsError

WAREHOUSE = Path(sys.executable).with_name("warehouse")


@pytest.fixture(autouse=True)
def _no_texts(monkeypatch):
    """Each test names the texts folder it means (by default: none), whatever the environment says."""
    monkeypatch.setenv("DOCUMENTS_DIR", "")


def _problems(monkeypatch, **env) -> list[str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    return caught.value.problems


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: root ignores permission bits, not a read-only mount."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WAREHOUSE_HISTORY", "abc", "WAREHOUSE_HISTORY='abc' must be a whole number of at least 1"),
        ("DUCKDB_MEMORY_LIMIT", "lots", "DUCKDB_MEMORY_LIMIT='lots' is not a memory size"),
        ("DBT_MEMORY_LIMIT", "2.5 gigs", "DBT_MEMORY_LIMIT='2.5 gigs' is not a memory size"),
        ("GX_BATCH_ROWS", "-5", "GX_BATCH_ROWS='-5' must be a whole number"),
        ("DOCUMENTS_DIR", "/no/such/texts", "DOCUMENTS_DIR=/no/such/texts is not a directory"),
        ("SOURCES_DIR", "/no/such/sources", "SOURCES_DIR=/no/such/sources is not a directory"),
    ],
)
def test_each_bad_setting_is_named(monkeypatch, tmp_path, name, value, message):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert any(message in p for p in _problems(monkeypatch, **{name: value}))


def test_paths_under_a_file_or_in_an_unwritable_folder(monkeypatch, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    problems = _problems(monkeypatch, DATA_DIR=str(a_file / "data"))
    assert problems == [f"DATA_DIR: {a_file / 'data'} lies under {a_file}, which is a file, not a folder"]
    locked = _unwritable(tmp_path)
    problems = _problems(monkeypatch, DATA_DIR=str(tmp_path), WAREHOUSE_PATH=str(locked / "w" / "warehouse.duckdb"))
    assert len(problems) == 1 and problems[0].startswith(f"WAREHOUSE_PATH: cannot create files in {locked}")


def test_a_quote_in_the_warehouse_folder_is_accepted_but_not_in_its_name(monkeypatch, tmp_path):
    """Only the file's name reaches a quoted identifier: dbt builds through a link named after the file under the
    project (dbt_project.slot) and names its catalog after it, while the load and the checks give DuckDB the path
    as a parameter. dbt connects to a working file in such a folder through the link."""
    import subprocess

    from orchestration.dbt_models import _build_through_slot
    from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
    from orchestration.resources.warehouse_resource import WarehouseResource

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / 'we"ird'
    monkeypatch.setenv("WAREHOUSE_PATH", str(folder / "warehouse.duckdb"))
    settings = Settings.from_env()
    folder.mkdir()
    con = duckdb.connect()
    con.execute("attach $path as warehouse", {"path": str(settings.warehouse_path)})
    con.execute("create table warehouse.t as select 1 as x")
    assert con.execute("select x from warehouse.t").fetchall() == [(1,)]
    con.close()
    warehouse = WarehouseResource.from_env().process_config_and_initialize()
    with _build_through_slot(warehouse, settings.warehouse_path) as profile:
        debug = subprocess.run(
            [DBT_EXECUTABLE, "--no-use-colors", "debug", *profile, "--profiles-dir", str(dbt_project.project_dir)],
            cwd=dbt_project.project_dir,
            capture_output=True,
            text=True,
        )
    assert debug.returncode == 0 and "Connection test: [OK" in debug.stdout, debug.stdout[-2000:]
    named = folder / 'ware"house.duckdb'
    assert _problems(monkeypatch, WAREHOUSE_PATH=str(named)) == [
        f'WAREHOUSE_PATH={named}: dbt names the database after the file, and its name holds a ", which ends '
        "dbt's quoting (name it e.g. warehouse.duckdb)"
    ]


def test_a_memory_size_we_accept_is_one_duckdb_accepts(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for value in ("1GB", "2.5GB", "500MB", "1gib"):
        monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", value)
        duckdb.connect(config={"memory_limit": Settings.from_env().duckdb_memory_limit}).close()


def test_the_texts_folder_default_set_and_empty(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOCUMENTS_DIR", raising=False)
    unset = Settings.from_env()
    assert unset.texts_checked == DEFAULT_DOCUMENTS_DIR.is_dir()
    monkeypatch.setenv("DOCUMENTS_DIR", "")
    empty = Settings.from_env()
    assert not empty.texts_checked and "NOT checked" in empty.documents_note


def test_the_command_reports_every_problem_at_once_before_any_work(tmp_path):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "WAREHOUSE_HISTORY": "abc",
        "DUCKDB_MEMORY_LIMIT": "lots",
        "DOCUMENTS_DIR": str(tmp_path / "missing"),
    }
    env.pop("DAGSTER_HOME", None)
    started = time.monotonic()
    result = subprocess.run([str(WAREHOUSE), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2, result
    assert time.monotonic() - started < 30
    for name in ("WAREHOUSE_HISTORY", "DUCKDB_MEMORY_LIMIT", "DOCUMENTS_DIR"):
        assert result.stderr.count(name + "=") == 1, result.stderr
    assert not data.exists(), "nothing is created before the settings are known to be good"


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held'), True),
        (OSError(errno.EBUSY, "busy"), True),
        (OSError(errno.ENOSPC, "No space left on device"), False),
        (duckdb.IOException("could not write file: No space left on device"), False),
        (PermissionError(errno.EACCES, "Permission denied"), False),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), False),
    ],
)
def test_only_locks_and_busy_files_are_retried(error, transient):
    assert is_transient(error) is transient


def test_the_warehouse_resource_takes_each_setting_from_its_variable(monkeypatch, tmp_path):
    """Each variable set becomes a dg.EnvVar of the resource (the UI's resource page names it), resolved and
    checked by the same rules as the command line's; an unset one keeps its default."""
    import dagster as dg

    from orchestration.resources.warehouse_resource import WarehouseResource

    given = {
        "DATA_DIR": str(tmp_path / "data"),
        "WAREHOUSE_PATH": str(tmp_path / "pub" / "w.duckdb"),
        "SOURCES_DIR": str(PROJECT_ROOT / "sources"),
        "DOCUMENTS_DIR": "",
        "WAREHOUSE_HISTORY": "3",
        "DUCKDB_MEMORY_LIMIT": "500MB",
        "GX_BATCH_ROWS": "5000",
    }
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DBT_MEMORY_LIMIT", raising=False)
    resource = WarehouseResource.from_env()
    for name in given:
        value = getattr(resource, name.lower())
        assert isinstance(value, dg.EnvVar) and value.env_var_name == name
    assert resource.dbt_memory_limit == DEFAULTS["DBT_MEMORY_LIMIT"]
    assert resource.process_config_and_initialize().settings == Settings.from_env()


def test_a_run_checks_its_settings_by_the_same_rules_before_any_work(monkeypatch, tmp_path):
    from orchestration.definitions import defs

    data = tmp_path / "data"
    for name, value in (("DATA_DIR", str(data)), ("WAREHOUSE_HISTORY", "abc"), ("GX_BATCH_ROWS", "5")):
        monkeypatch.setenv(name, value)
    result = defs().resolve_job_def("build_warehouse").execute_in_process(raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_failure]
    assert not [e for e in result.all_events if e.is_step_start], "no step started"
    cause = str(failure.event_specific_data.error)
    assert "WAREHOUSE_HISTORY='abc' must be a whole number" in cause and "GX_BATCH_ROWS='5'" in cause, cause
    assert not data.exists()


_ENVIRONMENT_CHANGES = {"setdefault", "pop", "popitem", "update", "clear", "putenv", "unsetenv"}


def _changes_the_environment(node: ast.AST) -> bool:
    def is_environ(target: ast.AST) -> bool:
        return isinstance(target, ast.Attribute) and target.attr == "environ"

    if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        return any(isinstance(t, ast.Subscript) and is_environ(t.value) for t in targets)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        return node.func.attr in _ENVIRONMENT_CHANGES and (
            is_environ(owner) or (isinstance(owner, ast.Name) and owner.id == "os")
        )
    return False


def test_no_code_changes_the_process_environment():
    """Settings come from the environment as it was started; dbt gets its profile on the command line and the
    command line its Dagster instance by path, so nothing writes os.environ for another part to read."""
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
        for path in sorted((PROJECT_ROOT / "orchestration").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _changes_the_environment(node)
    ]
    assert found == []
