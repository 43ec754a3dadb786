"""The real Dagster webserver serves the asset graph, its checks and the nightly schedule over GraphQL."""

from __future__ import annotations

import json
import os
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
    schedules { name cronSchedule executionTimezone scheduleState { status } } } } }
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


def test_webserver_answers_graphql_with_assets_checks_and_schedule(tmp_path):
    port = _free_port()
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text())
    log = (tmp_path / "webserver.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
         "-m", "orchestration.definitions"],
        cwd=PROJECT_ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        data = None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise AssertionError(f"webserver exited: {(tmp_path / 'webserver.log').read_text()[-2000:]}")
            try:
                data = _graphql(port, QUERY)["data"]
                if data["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert data and data["assetNodes"], "webserver did not serve the asset graph in time"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert nodes["raw/figures"]["groupName"] == "ingest"
    assert nodes["marts/figures"]["groupName"] == "marts"
    checks = {c["name"] for c in nodes["marts/fct_observation"]["assetChecksOrError"]["checks"]}
    assert "figures_fidelity" in checks
    schedules = [s for repo in data["repositoriesOrError"]["nodes"] for s in repo["schedules"]]
    nightly = {s["name"]: s for s in schedules}["nightly_build"]
    assert nightly["cronSchedule"] == "0 2 * * *"
    assert nightly["executionTimezone"] == "Asia/Shanghai"
    assert nightly["scheduleState"]["status"] == "RUNNING"
