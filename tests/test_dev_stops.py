"""`make dev` stops on Ctrl-C or SIGTERM within 10 s and leaves none of the processes it started: `make dev` is
started as a user starts it, and once the webserver answers it is stopped as a terminal or `kill` stops it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

STOP_SECONDS = 10
# what `dagster dev` starts beside itself; the test waits for all of them, so it stops a whole dev stack
STACK = ("-m dagster_webserver", "-m dagster._daemon run", "-m dagster api grpc")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[str, int, int, int, int] | None:
    """state, parent, process group, session and start time (the latter tells a reused pid apart)"""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])


def _args(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _tree(root: int) -> set[int]:
    """root and its descendants, through every thread's list of children"""
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in children.read_text().split() if int(child) not in found]
    return found


def _session(sid: int) -> set[int]:
    return {pid for pid in _pids() if (stat := _stat(pid)) and stat[3] == sid}


def _mentions(pid: int, home: Path, port: int) -> bool:
    """a process of this test's `make dev`: Dagster's processes carry DAGSTER_HOME in their instance reference,
    make and the launchers the port"""
    args = _args(pid)
    port_given = any(a == str(port) and b in ("-p", "--port") for b, a in zip(args, args[1:], strict=False))
    return port_given or f"DEV_PORT={port}" in args or any(str(home) in arg for arg in args)


def _started(home: Path, port: int) -> set[int]:
    return {pid for pid in _pids() if pid != os.getpid() and _mentions(pid, home, port)}


def _alive(known: dict[int, int], home: Path, port: int) -> dict[int, str]:
    """what is still running of `known` (pid: start time) or of this test's `make dev`; zombies are gone already"""
    left = {}
    for pid in set(known) | _started(home, port):
        stat = _stat(pid)
        if stat and stat[0] != "Z" and known.get(pid, stat[4]) == stat[4]:
            left[pid] = " ".join(_args(pid))[:160]
    return left


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _no_sigint():
    # what a non-interactive shell does to a job it starts with `&`
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "how",
    [
        "sigterm",  # `kill <pid of make>`
        "ctrl-c",  # a terminal's Ctrl-C: SIGINT to the whole foreground process group
        "sigterm-background-job",  # `make dev &` in a script (SIGINT ignored), then `kill <pid of make>`
    ],
)
def test_make_dev_stops_within_10_s_leaving_no_process(tmp_path, how):
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    environment.update(DAGSTER_HOME=str(home), DATA_DIR=str(tmp_path / "data"))
    log_path = tmp_path / "dev.log"
    known: dict[int, int] = {}
    with log_path.open("w") as log:
        make = subprocess.Popen(
            ["make", "dev", f"DEV_PORT={port}"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # its own process group, as a terminal gives a foreground job, and a session of its own so that
            # everything left in it can be found
            start_new_session=True,
            preexec_fn=_no_sigint if how == "sigterm-background-job" else None,
        )
    try:
        deadline = time.monotonic() + 180
        while not _serving(port):
            assert make.poll() is None, f"make dev exited: {log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no answer on port {port}: {log_path.read_text()[-3000:]}"
            time.sleep(1)
        deadline = time.monotonic() + 60
        while True:
            started = _tree(make.pid) | _session(make.pid) | _started(home, port)
            commands = [" ".join(_args(pid)) for pid in started]
            if all(any(part in c for c in commands) for part in STACK):
                break
            assert time.monotonic() < deadline, f"not all of {STACK} started: {commands}"
            time.sleep(1)
        known = {pid: stat[4] for pid in started if (stat := _stat(pid))}

        began = time.monotonic()
        if how == "ctrl-c":
            os.killpg(make.pid, signal.SIGINT)
        else:
            make.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=STOP_SECONDS)
        while (left := _alive(known, home, port)) and time.monotonic() < began + STOP_SECONDS:
            time.sleep(0.1)
        took = time.monotonic() - began
        print(f"{how}: make exited with {make.returncode}, all stopped after {took:.1f} s")
        assert make.returncode is not None, f"make still running {STOP_SECONDS} s after {how}"
        assert not left, f"still running {STOP_SECONDS} s after {how}: {left}\n{log_path.read_text()[-3000:]}"
    finally:
        # a failing run leaves nothing behind either
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)
        for pid in _alive(known, home, port):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        make.wait(timeout=15)
