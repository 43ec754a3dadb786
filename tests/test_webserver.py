"""`make dev`'s command: the real Dagster webserver and daemon serve the asset graph, its checks and the nightly
schedule over GraphQL, the daemons that run the schedule and the run queue report healthy, and `make run` beside
them queues its run like a UI launch."""

from __future__ import annotations

import json
import os
import re
import shutil
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


def _graphql(port: int, query: str, **variables) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


RUN_QUERY = """
query ($id: String!) {
  runsOrError(filter: {runIds: [$id]}) { ... on Runs { results { status pipelineName
    repositoryOrigin { repositoryLocationName repositoryName } tags { key value } } } }
}
"""


def _daemons_healthy(data: dict) -> bool:
    """The scheduler runs the nightly build; the run queue starts what `warehouse run` submits."""
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {s["daemonType"] for s in statuses if s["healthy"]}
    return {"SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy


def test_dagster_dev_serves_assets_checks_schedule_and_a_healthy_daemon(tmp_path, built_warehouse):
    port = _free_port()
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text())
    log_path = tmp_path / "dev.log"
    environment = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_HISTORY"}
    environment.update(DAGSTER_HOME=str(tmp_path), DATA_DIR=str(tmp_path / "data"))
    # published already, from these sources: the queued run below has nothing to rebuild, so it is quick
    (tmp_path / "data").mkdir()
    shutil.copy(built_warehouse, tmp_path / "data" / "warehouse.duckdb")
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
            env=environment,
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
                if data["assetNodes"] and _daemons_healthy(data):
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert data and data["assetNodes"], "the webserver did not serve the asset graph in time"
        assert _daemons_healthy(data), data["instance"]
        # `make run` beside the UI: its run goes through the daemon's queue and is the UI's kind of run
        build = subprocess.run(
            [str(Path(sys.executable).parent / "warehouse"), "run"],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert build.returncode == 0, build.stdout + build.stderr
        assert "nothing new to publish: nothing changed since the published build" in build.stdout, build.stdout
        (run_id,) = re.findall(r"^run (\S+) queued: the Dagster daemon starts it", build.stdout, re.MULTILINE)
        (launched,) = _graphql(port, RUN_QUERY, id=run_id)["data"]["runsOrError"]["results"]
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
    # what the UI's timeline and re-execution need: the run belongs to the code location the webserver serves
    assert launched["status"] == "SUCCESS"
    assert launched["pipelineName"] == "build_warehouse"
    assert launched["repositoryOrigin"] == {
        "repositoryLocationName": "orchestration.definitions",
        "repositoryName": "__repository__",
    }
    assert {"key": "warehouse", "value": "writer"} in launched["tags"], "it queues behind other warehouse writers"
