"""Every setting is checked before any work, all problems at once, each naming its variable; and only what can
pass on a second try is retried."""

from __future__ import annotations

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
from orchestration.settings import DEFAULT_DOCUMENTS_DIR, Settings, SettingsError

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
