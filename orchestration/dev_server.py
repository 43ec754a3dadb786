"""`warehouse dev` (what `make dev` runs): `dagster dev` for this project, stopped within seconds by Ctrl-C, SIGTERM
or a closed terminal, with everything it started.

`dagster dev` alone does not always stop: it gives SIGTERM whatever handling SIGINT had when it started, so one
started with SIGINT ignored (`make dev &` from a script, some IDE and CI runners) ignores both, and it then waits
up to a minute for each of its webserver and daemon. So it runs in a session of its own; a stop signal reaches it
as SIGINT (Dagster's own shutdown path), and whatever of that session is still running after GRACE_SECONDS, or
after `dagster dev` exits on its own, is killed.

Its processes (`dagster dev`, `dagster_webserver`, `dagster._daemon run`, `dagster code-server start` and its
`dagster api grpc`, multiprocessing's resource tracker, and the runs the daemon launches) stay in that session
and process group; none calls setsid or setpgid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# a clean stop takes 2 to 5 s here (the code server is last); make adds nothing, so a stop stays well within 10 s
GRACE_SECONDS = 5.0
# SIGHUP: a closed terminal reaches this process, not the session `dagster dev` runs in
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _session(sid: int) -> list[int]:
    """the running processes of session `sid` (its leader's pid; the number stays in use while any member runs)"""
    members = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                text = Path(f"/proc/{name}/stat").read_text()
                state, _ppid, _pgid, session = text[text.rindex(")") + 2 :].split()[:4]
                if int(session) == sid and state != "Z":
                    members.append(int(name))
    return members


def _stop(leader: subprocess.Popen) -> None:
    """SIGINT to `dagster dev`'s group, GRACE_SECONDS for its session to end, then SIGKILL for what is left"""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    while _session(leader.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    # by session, not process group, so a process that moved to a group of its own goes too
    for _ in range(3):  # a process forked while the others are killed is caught on the next pass
        members = _session(leader.pid)
        if not members:
            break
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    with contextlib.suppress(subprocess.TimeoutExpired):
        leader.wait(timeout=5)


def serve(host: str, port: int) -> int:
    """Run `dagster dev` until it exits or a stop signal arrives; 128 + the signal's number after a stop signal,
    otherwise `dagster dev`'s own exit code."""
    received: list[int] = []

    def request_stop(signum, _frame):
        received.append(signum)

    # set before the child starts, which then gets the default handling, even for a SIGINT ignored here
    for signum in STOP_SIGNALS:
        signal.signal(signum, request_stop)
    dagster = Path(sys.executable).with_name("dagster")
    leader = subprocess.Popen(
        [str(dagster), "dev", "-h", host, "-p", str(port), "-m", "orchestration.definitions"],
        start_new_session=True,
    )
    try:
        while not received and leader.poll() is None:
            time.sleep(0.2)
    finally:
        _stop(leader)
    return 128 + received[0] if received else leader.returncode
