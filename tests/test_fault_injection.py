"""The machinery of `make fault-injection` (benchmarks/fault_injection.py), once: a real `warehouse run` killed
inside dbt, the checks after the kill (which must find a published file damaged between the kill and the check),
and the next run, which must publish."""

from __future__ import annotations

import shutil

from benchmarks.fault_injection import (
    Kill,
    NextRun,
    Outcome,
    Plan,
    Trial,
    change_source,
    examine,
    killed_run,
    make_project,
    published_state,
    summary,
    summary_lines,
    unkilled_run,
)
from orchestration.warehouse import WarehouseFiles, publish, start_working_copy


def test_a_run_killed_inside_dbt_is_checked_and_the_next_run_publishes(tmp_path, built_warehouse):
    project = make_project(tmp_path / "project")
    # the session's build, published as a run publishes (integrity record, snapshot) instead of built again
    project.published.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, project.published)
    files = WarehouseFiles(project.published)
    start_working_copy(files, "session")
    publish(files, "session", keep=7)
    before = published_state(project)
    published = {before.sha256}

    change_source(project, 2)
    kill = killed_run(project, Plan("SIGKILL", "dbt", 0.0), tmp_path / "killed.log")
    assert kill.at is not None and kill.target.startswith("dbt ("), kill
    assert kill.left == [] and kill.exit_status == 1, (kill, (tmp_path / "killed.log").read_text()[-3000:])

    intact = project.published.read_bytes()
    with project.published.open("r+b") as handle:  # damaged in place between the kill and the check
        handle.seek(len(intact) // 2)
        handle.write(b"\xde\xad\xbe\xef" * 64)
    damaged = examine(project, before, published)
    assert damaged.published == "damaged", damaged
    assert any(p.startswith("the integrity record (sha256") for p in damaged.problems), damaged.problems
    project.published.write_bytes(intact)  # the same file, its bytes back
    assert examine(project, before, published) == Outcome("old")

    after = unkilled_run(project, 3, tmp_path / "next.log")
    assert after.ok, after.why
    assert published_state(project) != before


def test_the_summary_counts_every_outcome():
    def one(number: int, at: float | None, published: str, ok: bool, left: list[str]) -> Trial:
        kill = Kill("SIGTERM", "group", at, -15, left, [])
        return Trial(number, kill, Outcome(published), NextRun(ok, 0 if ok else 1, 30.0))

    trials = [one(1, 3.0, "old", True, []), one(2, None, "new", True, []), one(3, 9.0, "damaged", False, ["dbt"])]
    assert summary_lines(summary(trials)) == [
        "2 of 3 runs killed: published file old in 1, new in 1, damaged 1; next run succeeded 2 of 3",
        "processes of the run left 30 s after the kill: in 1 of 3 runs",
    ]
