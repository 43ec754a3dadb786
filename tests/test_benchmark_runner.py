"""The benchmark runner's own arithmetic and set-up: the fixed floor's trivial project has the pipeline's node count,
the issue's targets are read at their size, never silently at another, and a re-run starts as a user's would
(benchmarks/README.md)."""

from __future__ import annotations

from benchmarks.compiled import Node
from benchmarks.fixed_floor import node_counts, write_trivial_project
from benchmarks.paths import PROJECT_ROOT
from benchmarks.results import invocation_figures, summarise, targets


def _node(kind: str, materialized: str) -> Node:
    return Node(f"{kind}.x.{materialized}", kind, '"floor"."s"."x"', materialized, "select 1", {})


def test_the_trivial_project_has_the_manifests_views_tables_and_tests(tmp_path):
    nodes = [_node("model", "view")] * 3 + [_node("model", "incremental"), _node("model", "table")]
    nodes += [_node("model", "ephemeral"), _node("test", "test"), _node("test", "test")]
    counts = node_counts(nodes)
    assert counts == {"views": 3, "tables": 2, "tests": 2}
    project = write_trivial_project(tmp_path / "p", counts, PROJECT_ROOT / "dbt_project" / "profiles.yml")
    models = [p.read_text() for p in (project / "models").glob("*.sql")]
    assert sum("materialized='view'" in m for m in models) == 3
    assert sum("materialized='table'" in m for m in models) == 2
    assert len(list((project / "tests").glob("*.sql"))) == 2
    assert (project / "profiles.yml").read_bytes() == (PROJECT_ROOT / "dbt_project" / "profiles.yml").read_bytes()


def _entry(n: int, full: float, floor: float, unchanged: float, incremental: float) -> dict:
    run = {"peak_mib": 1, "tree_peak_mib": 1, "cpu_s": 1}
    return {
        "observations": n,
        "status": "ok",
        "pipeline": {**run, "wall_s": full},
        "floor": {**run, "wall_s": floor},
        "unchanged": {**run, "wall_s": unchanged},
        "incremental": {**run, "wall_s": incremental, "figures_added": n // 100},
    }


def test_the_targets_are_read_at_their_size():
    parts = {"dbt_build": {"cpu_s": 20.0}, "dagster_import": {"cpu_s": 2.0}, "gx_import": {"cpu_s": 3.0}}
    invocation = invocation_figures({"wall_s": 40.0, "parts": parts}, {"wall_s": 50.0, "cpu_s": 30.0})
    assert (invocation["ratio_seed_fixed_floor"], invocation["ratio_seed_fixed_floor_cpu"]) == (1.25, 1.2)
    small = summarise(_entry(1_000, 40.0, 4.0, 36.0, 38.0), None, invocation)
    large = summarise(_entry(10_000_000, 400.0, 250.0, 40.0, 100.0), None, invocation)
    assert (large["ratio_pipeline_floor"], large["ratio_unchanged_full"], large["ratio_incremental_full"]) == (
        1.6,
        0.1,
        0.25,
    )
    found = {t["key"]: t for t in targets([small, large], invocation)}
    assert found["ratio_seed_fixed_floor"]["met"] is True
    assert found["ratio_pipeline_floor"]["met"] is True
    assert found["ratio_incremental_full"]["met"] is False
    assert found["pipeline_peak_mib"]["met"] is True
    assert found["ratio_unchanged_full"]["met"] is None  # the issue sets no number
    # without 1e7, the largest size is shown but never counted as meeting a 1e7 target
    only_small = {t["key"]: t for t in targets([small], invocation)}
    assert only_small["ratio_pipeline_floor"]["measured_at"] == 1_000
    assert only_small["ratio_pipeline_floor"]["met"] is None


def test_a_failed_run_gives_no_ratio():
    entry = _entry(1_000, 40.0, 4.0, 36.0, 38.0)
    entry["unchanged"]["failure"] = "exit 1"
    row = summarise(entry, None)
    assert "ratio_unchanged_full" not in row and row["ratio_incremental_full"] == 0.95


def test_a_rerun_starts_with_the_latest_snapshot_only(tmp_path):
    """Without --keep a measured run leaves the latest snapshot, so the next publishes with one before it."""
    from benchmarks.pipeline import _keep_latest_snapshot

    history = tmp_path / "history"
    history.mkdir()
    names = ["20261201T000000000000Z_a", "20261202T000000000000Z_b", "20261203T000000000000Z_c"]
    for name in names:
        (history / f"{name}.duckdb").write_bytes(b"")
        (history / f"{name}.json").write_text("{}")
    _keep_latest_snapshot(history)
    assert sorted(p.name for p in history.iterdir()) == [f"{names[-1]}.duckdb", f"{names[-1]}.json"]


def test_a_rerun_finds_its_unchanged_source_files_as_they_were(tmp_path):
    """The sources of N + 1% are generated apart; linked in, a file with the bytes of the one already there stays
    that file (same inode), as a user's unchanged files do, and a changed one is the new file."""
    from benchmarks.sources_cache import link_sources

    for name, same, last in (("n", "kept", "short"), ("n1", "kept", "longer")):
        (tmp_path / name / "figures").mkdir(parents=True)
        (tmp_path / name / "figures" / "doc_1.csv").write_text(same)
        (tmp_path / name / "figures" / "doc_2.csv").write_text(last)
    out = tmp_path / "out"
    out.mkdir()
    first = link_sources(tmp_path / "n", out)
    kept, changed = (first / "figures" / f"doc_{i}.csv" for i in (1, 2))
    inodes = (kept.stat().st_ino, changed.stat().st_ino)
    link_sources(tmp_path / "n1", out)
    assert kept.stat().st_ino == inodes[0] == (tmp_path / "n" / "figures" / "doc_1.csv").stat().st_ino
    assert changed.stat().st_ino == (tmp_path / "n1" / "figures" / "doc_2.csv").stat().st_ino != inodes[1]
