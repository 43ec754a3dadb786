"""The buttons a Dagster user presses first, pressed in a real browser against `make dev`:
"Materialize all" on the Lineage page builds and publishes the warehouse after a real source change, and one
asset's "Materialize" is refused before any step, saying what to press instead; the published file is untouched.
Then a run a register gate refuses: the failure is on the run and its acts, the published assets stay as they are,
and the failed check's table names the claim to register."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import PROJECT_ROOT, copy_sources, drop_row, read_rows, write_rows
from orchestration.ingest import changes
from orchestration.ingest.fingerprints import sha256
from test_webserver import _free_port, _graphql

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]

RUNS = """
{ runsOrError { ... on Runs { results { runId status pipelineName assetSelection { path } } } } }
"""
LOGS = """
query ($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events { __typename
  ... on MessageEvent { message level } } } } }
"""
LATEST = """
query ($keys: [AssetKeyInput!]!) { assetsLatestInfo(assetKeys: $keys) { assetKey { path }
  latestMaterialization { runId } latestRun { id status } } }
"""
STALE = """
query ($keys: [AssetKeyInput!]!) { assetNodes(assetKeys: $keys) { assetKey { path } staleStatus } }
"""
PUBLISHED = [{"path": ["published", "warehouse"]}, {"path": ["published", "report"]}]
UNLISTED = "ningbo_c045"  # a claim the register accounts for: without its row, claim_register refuses the publish


def _press(page, label: str) -> None:
    """Press a button as a user would, past Dagster's first-visit newsletter prompt and its "Are you sure?"
    confirmation (shown when upstream assets were never materialized in this instance)."""
    button = page.locator("button:enabled", has_text=label).first  # disabled until the code location loads
    deadline = time.monotonic() + 180
    while True:
        skip = page.locator("button", has_text="Skip")  # the prompt opens a moment after the page
        if skip.count():
            skip.first.click()
        try:
            button.click(timeout=5000)
            break
        except PlaywrightTimeout:
            assert time.monotonic() < deadline, f"{label!r} could not be pressed"
    confirm = page.get_by_role("button", name="Confirm")
    with contextlib.suppress(Exception):
        confirm.click(timeout=5000)


@contextlib.contextmanager
def _page():
    """A page of the system chromium, closed with its browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1600, "height": 1000})
        finally:
            browser.close()


def _launched(page, port: int, url: str, label: str, timeout: float) -> dict:
    """The run pressing `label` on the page at `url` launches, once it has ended."""
    known = {r["runId"] for r in _runs(port)}
    page.goto(url, wait_until="networkidle")
    _press(page, label)
    return _wait_for_new_run(port, known, timeout)


def _runs(port: int) -> list[dict]:
    return _graphql(port, RUNS)["data"]["runsOrError"]["results"]


def _wait_for_new_run(port: int, known: set[str], timeout: float) -> dict:
    """The run launched since `known` was listed, once it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [r for r in _runs(port) if r["runId"] not in known]
        if new and new[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return new[0]
        time.sleep(1)
    raise AssertionError(f"no run ended within {timeout} s: {_runs(port)[:3]}")


@pytest.fixture()
def dev_server(tmp_path, built_warehouse):
    """`make dev` on a free port, with a published warehouse as this code built it
    and a copy of the sources to change."""
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    data = tmp_path / "data"
    data.mkdir()
    published = Path(shutil.copy(built_warehouse, data / "warehouse.duckdb"))
    code = changes.code_hashes()
    with duckdb.connect(str(published)) as con:
        con.execute(
            "update ingest.build set ingest_hash = ?, dbt_hash = ?, check_hash = ?",
            [code.ingest, code.dbt, code.checks],
        )
    sources = copy_sources(tmp_path)
    environment = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_HISTORY"}
    environment.update(DAGSTER_HOME=str(home), DATA_DIR=str(data), SOURCES_DIR=str(sources))
    log = (tmp_path / "dev.log").open("w")
    environment["DEV_PORT"] = str(port)
    server = subprocess.Popen(
        ["make", "dev"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "dev.log").read_text()[-2000:]
            with contextlib.suppress(OSError, KeyError, TypeError):
                data_ = _graphql(port, "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
                healthy = {s["daemonType"] for s in data_["data"]["instance"]["daemonHealth"]["allDaemonStatuses"]}
                if {"QUEUED_RUN_COORDINATOR", "MONITORING"} <= healthy:
                    break
            time.sleep(1)
        yield port, published, sources
    finally:
        server.send_signal(signal.SIGTERM)  # `make dev` stops everything it started within 10 s
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
        log.close()


def test_the_ui_buttons_publish_or_refuse_up_front(dev_server, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")

    port, published, sources = dev_server
    base = f"http://127.0.0.1:{port}"
    before = sha256(published)
    # a real source change: a catalogue row the published build does not have
    fields, rows = read_rows(sources / "reference_origins.csv")
    rows[0]["licence"] = "CC BY 4.0 (changed for this test)"
    write_rows(sources / "reference_origins.csv", fields, rows)

    with _page() as page:
        # one asset's Materialize: refused before any step, naming what to press instead
        refused = _launched(page, port, f"{base}/assets/marts/figures", "Materialize", 120)
        assert refused["status"] == "CANCELED", refused
        messages = [
            e.get("message") or "" for e in _graphql(port, LOGS, id=refused["runId"])["data"]["logsForRun"]["events"]
        ]
        assert any("refused before any step" in m and "Materialize all" in m for m in messages), messages
        assert sha256(published) == before, "a refused run leaves the published file as it was"

        # "Materialize all" on the Lineage page: the whole build, published
        built = _launched(page, port, f"{base}/asset-groups", "Materialize all", 600)
        page.screenshot(path=str(tmp_path / "lineage.png"))
    assert built["status"] == "SUCCESS", built
    assert built["pipelineName"] == "__ASSET_JOB", "the UI's own asset job, not build_warehouse"
    assert sha256(published) != before, "the run published a new warehouse"
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select count(*) from marts.dim_reference_origin where licence = 'CC BY 4.0 (changed for this test)'"
        ).fetchone() == (1,)
    # a quiet log: no message a person cannot read at a glance, and the project's own lines at INFO
    events = _graphql(port, LOGS, id=built["runId"])["data"]["logsForRun"]["events"]
    longest = max(events, key=lambda e: len(e.get("message") or ""))
    assert len(longest["message"]) <= 500, (len(longest["message"]), longest["message"][:300])
    info = [e["message"] for e in events if e.get("level") == "INFO"]
    assert any(m.startswith("published ") for m in info), info
    for info in _graphql(port, LATEST, keys=PUBLISHED)["data"]["assetsLatestInfo"]:
        assert info["latestMaterialization"]["runId"] == built["runId"], info
        assert info["latestRun"] is None, "no run plans what readers open, so no run can fail it"
    published_build = sha256(published)

    # a run the register gate refuses: failed, on the run and its acts; the published assets as they were
    drop_row(sources / "discrepancy_register.csv", "claim_id", UNLISTED)
    with _page() as page:
        failed = _launched(page, port, f"{base}/asset-groups", "Materialize all", 600)
        assert failed["status"] == "FAILURE", failed
        short = failed["runId"][:8]
        shown = {}
        for asset in ("publish", "published/warehouse", "published/report"):
            page.goto(f"{base}/assets/{asset}", wait_until="networkidle")
            page.get_by_text("Latest materialization", exact=False).first.wait_for(timeout=30000)
            shown[asset] = page.inner_text("body")
            page.screenshot(path=str(tmp_path / f"{asset.replace('/', '_')}.png"))
        # the failed check's rows, in the table its evaluation carries
        page.goto(f"{base}/assets/marts/claim_checks?view=checks", wait_until="networkidle")
        page.get_by_text("claim_register").first.click()
        # the latest execution's metadata, the failed rows a table inside it
        header = page.locator("th", has_text="register_line")
        header.first.wait_for(timeout=30000)
        table = page.locator("table", has=header).last.inner_text()
        page.screenshot(path=str(tmp_path / "failed_rows.png"))
    assert sha256(published) == published_build, "a refused run leaves the published file as it was"
    assert short in shown["publish"], "the act the gate refused shows the failed run"
    for asset in ("published/warehouse", "published/report"):
        assert short not in shown[asset] and "Failed" not in shown[asset], (asset, shown[asset][:1500])
    for info in _graphql(port, LATEST, keys=PUBLISHED)["data"]["assetsLatestInfo"]:
        assert info["latestMaterialization"]["runId"] == built["runId"], info
        assert info["latestRun"] is None, info
    stale = {
        "/".join(n["assetKey"]["path"]): n["staleStatus"]
        for n in _graphql(port, STALE, keys=[*PUBLISHED, {"path": ["publish"]}])["data"]["assetNodes"]
    }
    # unsynced means something real: the marts hold a build newer than the one published
    assert stale == {"published/warehouse": "FRESH", "published/report": "FRESH", "publish": "STALE"}, stale
    for column in ("statement", "printed", "recomputed", "diagnosis", "register_line"):
        assert column in table, table[:2000]
    assert UNLISTED in table, table[:2000]
