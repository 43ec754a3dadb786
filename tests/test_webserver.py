"""`make dev`'s command: the real Dagster webserver and daemon serve the asset graph, its checks and the nightly
schedule over GraphQL, the daemons that run the schedule and the run queue report healthy, and `make run` beside
them queues its run like a UI launch."""

from __future__ import annotations

import contextlib
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

import duckdb

from conftest import PROJECT_ROOT
from orchestration.checks.gx_suites import load_suites
from orchestration.dbt_vars import dbt_var

QUERY = """
{
  assetNodes { assetKey { path } groupName
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } }
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
  runsOrError(filter: {runIds: [$id]}) { ... on Runs { results { status pipelineName allPools
    repositoryOrigin { repositoryLocationName repositoryName } tags { key value } } } }
}
"""


ASSET_QUERY = """
query ($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) { ... on Asset {
    definition { metadataEntries { label ... on TextMetadataEntry { text } ... on PathMetadataEntry { path } } }
    assetMaterializations(limit: 1) { runId metadataEntries { label
      ... on IntMetadataEntry { intValue } ... on FloatMetadataEntry { floatValue }
      ... on TableSchemaMetadataEntry { schema { columns { name type } } } } } } }
}
"""


def _entries(entries: list[dict]) -> dict[str, dict]:
    return {e["label"]: e for e in entries}


def _daemons_healthy(data: dict) -> bool:
    """The scheduler runs the nightly build; the run queue starts what `warehouse run` submits."""
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {s["daemonType"] for s in statuses if s["healthy"]}
    return {"SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy


def _stop(server: subprocess.Popen) -> None:
    """Stop `dagster dev` as Ctrl-C would: it tells its webserver and daemon to shut down and waits for them. A
    SIGTERM to the whole group instead reaches those children directly, and they sometimes outlived it by over a
    minute (seen here). Whatever is left of the group after 30 s is killed: this test is not about shutdown."""
    server.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=15)


def test_dagster_dev_serves_assets_checks_schedule_and_a_healthy_daemon(tmp_path, built_warehouse):
    port = _free_port()
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text())
    log_path = tmp_path / "dev.log"
    environment = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_HISTORY"}
    environment.update(DAGSTER_HOME=str(tmp_path), DATA_DIR=str(tmp_path / "data"))
    # published already, from these sources, but recorded as built by another dbt project: the queued run below
    # rebuilds nothing dbt finds modified, so it is quick, and reports every mart as kept, with its metadata
    (tmp_path / "data").mkdir()
    published = Path(shutil.copy(built_warehouse, tmp_path / "data" / "warehouse.duckdb"))
    with duckdb.connect(str(published)) as con:
        con.execute("update ingest.build set dbt_hash = 'another dbt project'")
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
        assert f"published {published}\nthis run's build: incremental, the dbt project changed" in build.stdout, (
            build.stdout
        )
        (run_id,) = re.findall(r"^run (\S+) queued: the Dagster daemon starts it", build.stdout, re.MULTILINE)
        (launched,) = _graphql(port, RUN_QUERY, id=run_id)["data"]["runsOrError"]["results"]
        assets = {
            name: _graphql(port, ASSET_QUERY, path=name.split("/"))["data"]["assetOrError"]
            for name in ("marts/figures", "marts/fct_observation", "marts/claim_checks")
        }
    finally:
        _stop(server)

    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert nodes["raw/figures"]["groupName"] == "ingest"
    assert nodes["staging/stg_figures"]["groupName"] == "staging"
    assert nodes["marts/figures"]["groupName"] == "marts"
    checks = {c["name"] for c in nodes["marts/fct_observation"]["assetChecksOrError"]["checks"]}
    assert "figures_fidelity" in checks
    # the UI labels as blocking exactly the checks whose failure stops the publish (README: Building from the UI)
    blocking = {
        c["name"]: c["blocking"]
        for n in data["assetNodes"]
        for c in n["assetChecksOrError"]["checks"]
        if not c["name"].startswith(("unique", "not_null", "accepted", "relationships", "dbt_"))
    }
    for suite in load_suites():
        assert blocking[suite.name] is suite.blocking, suite.name
    assert blocking["document_coverage"] is True
    assert blocking["figure_consistency"] is False and blocking["outsourcing_structure"] is False
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
    assert launched["allPools"] == ["warehouse_writer"], "it queues behind any other run that writes the warehouse"
    shown_tags = {t["key"] for t in launched["tags"]}
    assert not {t for t in shown_tags if "worker" in t}, f"the worker tags are hidden from the runs list: {shown_tags}"
    # the asset pages: storage is the published file's table, and the run's (kept) marts carry their row count
    # (a table's) and columns and, for claim_checks, a count per verdict
    definition = _entries(assets["marts/figures"]["definition"]["metadataEntries"])
    assert definition["dagster/table_name"]["text"] == "warehouse.marts.figures"
    assert definition["published_file"]["path"] == str(published)
    assert not [e for e in definition.values() if "(unserializable)" in e.get("text", "")]
    shown = {}
    with duckdb.connect(str(published), read_only=True) as con:
        for name in ("marts/fct_observation", "marts/claim_checks"):  # tables: a view's rows are not counted
            (materialization,) = assets[name]["assetMaterializations"]
            assert materialization["runId"] == run_id, name
            shown[name] = _entries(materialization["metadataEntries"])
            table = name.replace("/", ".")
            assert (
                shown[name]["dagster/row_count"]["intValue"]
                == con.execute(f"select count(*) from {table}").fetchone()[0]
            )
            columns = [c["name"] for c in shown[name]["dagster/column_schema"]["schema"]["columns"]]
            assert columns == [c for (c, *_) in con.execute(f"describe {table}").fetchall()], name
        verdicts = dict(con.execute("select verdict, count(*) from marts.claim_checks group by 1").fetchall())
    counted = {label: e["intValue"] for label, e in shown["marts/claim_checks"].items() if label.startswith("verdict")}
    assert counted == {
        **{f"verdict_{v}": verdicts.get(v, 0) for v in dbt_var("claim_verdicts")},
        "verdicts_total": sum(verdicts.values()),
    }
