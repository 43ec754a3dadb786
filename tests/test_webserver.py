"""`make dev`'s command: the real Dagster webserver and daemon serve the asset graph, its checks and the nightly
schedule over GraphQL, and the daemon that runs the schedule reports healthy."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import PROJECT_ROOT

QUERY = """
{
  assetNodes { assetKey { path } groupName
    assetChecksOrError { ... on AssetChecks { checks { name } } } }
  repositoriesOrError { ... on RepositoryConnection { nodes { name
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    allTopLevelResourceDetails { name configuredValues { key value type } } } } }
  instance { daemonHealth { allDaemonStatuses { daemonType healthy } } }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _scheduler_healthy(data: dict) -> bool:
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    return any(s["daemonType"] == "SCHEDULER" and s["healthy"] for s in statuses)


def test_dagster_dev_serves_assets_checks_schedule_and_a_healthy_daemon(tmp_path):
    port = _free_port()
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text())
    log_path = tmp_path / "dev.log"
    environment = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_HISTORY"}
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster"),
                "dev",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-m",
                "orchestration.definitions",
            ],
            cwd=PROJECT_ROOT,
            env={**environment, "DAGSTER_HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "data")},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        data = None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise AssertionError(f"dagster dev exited: {log_path.read_text()[-2000:]}")
            try:
                data = _graphql(port, QUERY)["data"]
                if data["assetNodes"] and _scheduler_healthy(data):
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert data and data["assetNodes"], "the webserver did not serve the asset graph in time"
        assert _scheduler_healthy(data), data["instance"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert nodes["raw/figures"]["groupName"] == "ingest"
    assert nodes["staging/stg_figures"]["groupName"] == "staging"
    assert nodes["marts/figures"]["groupName"] == "marts"
    checks = {c["name"] for c in nodes["marts/fct_observation"]["assetChecksOrError"]["checks"]}
    assert "figures_fidelity" in checks
    assert any(name.startswith("unique") for name in checks), "dbt tests show as asset checks"
    schedules = [s for repo in data["repositoriesOrError"]["nodes"] for s in repo["schedules"]]
    nightly = {s["name"]: s for s in schedules}["nightly_build"]
    assert nightly["cronSchedule"] == "0 2 * * *"
    assert nightly["executionTimezone"] == "Asia/Shanghai"
    assert nightly["scheduleState"]["status"] == "RUNNING"
    # the resource page names the variable each setting comes from, or shows the default of one left unset
    resources = {
        r["name"]: r for repo in data["repositoriesOrError"]["nodes"] for r in repo["allTopLevelResourceDetails"]
    }
    configured = {v["key"]: v for v in resources["warehouse"]["configuredValues"]}
    assert configured["data_dir"] == {"key": "data_dir", "value": "DATA_DIR", "type": "ENV_VAR"}
    assert configured["warehouse_history"] == {"key": "warehouse_history", "value": '"7"', "type": "VALUE"}
