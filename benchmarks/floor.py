"""The floor: the pipeline's work as plain DuckDB in one connection, from the project's own code and dbt's own SQL.

    python -m benchmarks.floor --sources data/bench/sources/n1000_s42 --out data/bench/1000/floor.duckdb

What the tools must do at minimum: read the CSVs once, then run the SQL. In one connection to `--out`:

1. `validate`: the ingest's validation, `validate_build` itself (the function the ingest asset calls), with the
   texts of --documents if given (generated sources have none): it reads every CSV once with DuckDB's CSV
   reader into tables of cells with file and line, runs every check, and raises listing each problem. It runs
   here instead of in a private in-memory database.
2. `raw`: schema `raw` as views on the rows the validation read (the pipeline reads every CSV a second time to
   load it), then the texts' accounting and schema `ingest` as the load writes them (load_texts, record_build).
3. `models`, `tests`: every seed, model and data test of a `dbt compile` of the project (benchmarks/compiled.py),
   parents first, as `create or replace table|view <relation> as <compiled SQL>` (incremental models in their
   full-refresh form) and dbt's own test query with each test's config.
4. `gx_queries`: each GX suite's query (expectations/) into a temporary table; the expectations GX then checks on
   those rows in pandas are left out, as are GX's, dbt's and Dagster's start-up (the fixed floor,
   benchmarks/fixed_floor.py), the working copy and publishing.

Without --manifest the project is compiled first (not timed in `seconds`). Exits 1 when the validation reports a
problem or a test at severity error fails; the report lists each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.checks.gx_suites import bind_suite_context, load_suites
from orchestration.ingest.load import load_texts, record_build
from orchestration.ingest.reading import identifier
from orchestration.ingest.source_files import SOURCES
from orchestration.ingest.validate import validate_build
from orchestration.ingest.validation import problems
from orchestration.settings import DBT_PROJECT_DIR, setting

from .compiled import CompileError, Node, build_nodes, compile_project

DBT = Path(sys.executable).with_name("dbt")


def load_raw(con: duckdb.DuckDBPyConnection, plan, readings) -> None:
    """Schema raw as the load leaves it, from the rows the validation already read (its `<source>` tables)."""
    con.execute("create schema if not exists raw")
    for source in SOURCES:
        columns = ", ".join(identifier(name) for name in source.column_names)
        con.execute(
            f"create or replace view raw.{source.name} as "
            f"select {columns}, _file as _source_file from main.{source.name}"
        )
        con.execute(f"drop table {source.name}_text")  # the cells as printed: only the validation needed them
    load_texts(con, readings, plan)
    record_build(con, plan)


def run_node(con: duckdb.DuckDBPyConnection, node: Node) -> dict | None:
    """Build one model or seed, or run one test; a test's outcome as dbt's test query gives it."""
    if node.resource_type == "test":
        failures, should_warn, should_error = con.execute(node.test_query()).fetchone()
        severity = str(node.config.get("severity", "error")).lower()
        return {"failures": failures, "fails": bool(should_error) and severity == "error", "warns": bool(should_warn)}
    con.execute(f"create schema if not exists {node.schema}")
    if node.resource_type == "seed":
        con.execute(f"create or replace table {node.relation} as select * from read_csv($path)", {"path": node.sql})
    elif node.materialized == "view":
        con.execute(f"create or replace view {node.relation} as\n{node.sql}")
    elif node.materialized in ("table", "incremental"):
        con.execute(f"create or replace table {node.relation} as\n{node.sql}")
    elif node.materialized != "ephemeral":  # an ephemeral model is inlined into its children's compiled SQL
        raise ValueError(f"{node.unique_id}: the floor does not build materialization {node.materialized!r}")
    return None


# the models the derived checks add (sources/identities.csv to int_claims)
DERIVED_LAYER = ("stg_identities", "int_derived_claims", "int_claim_inputs", "int_claims")


def run(
    sources: Path,
    out: Path,
    manifest: Path,
    threads: int | None = None,
    memory_limit: str | None = None,
    documents: Path | None = None,
) -> dict:
    """The floor on `sources` (and the texts in `documents`) into `out` (replaced), with the compiled nodes of
    `manifest`."""
    nodes = build_nodes(manifest)
    catalogs = {n.relation.split(".")[0].strip('"') for n in nodes if n.resource_type != "test"}
    if catalogs != {out.stem}:
        raise ValueError(
            f"{manifest} names relations in catalog(s) {sorted(catalogs)}, but DuckDB names {out.name}'s catalog "
            f"{out.stem!r}: compile against a file named {out.name} (compile_for)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    steps: dict[str, float] = {}
    node_seconds: dict[str, float] = {}
    tests: dict[str, dict] = {}
    started = time.perf_counter()
    with duckdb.connect(str(out)) as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        if memory_limit:
            con.execute("set memory_limit = $limit", {"limit": memory_limit})
        t = time.perf_counter()
        try:
            validation = validate_build(sources.resolve(), documents, None, con=con)
            plan, read, readings = validation.plan, validation.counts, validation.readings
        except problems.SourceValidationError as exc:
            return {
                "seconds": round(time.perf_counter() - started, 4),
                "validation_problems": [str(p) for p in exc.problems],
            }
        steps["validate"] = round(time.perf_counter() - t, 4)
        t = time.perf_counter()
        load_raw(con, plan, readings)
        steps["raw"] = round(time.perf_counter() - t, 4)
        con.execute("set preserve_insertion_order = false")  # as dbt's profile (dbt_project/profiles.yml) sets it
        for kind, step in (("seed", "models"), ("model", "models"), ("test", "tests")):
            t = time.perf_counter()
            for node in (n for n in nodes if n.resource_type == kind):
                n0 = time.perf_counter()
                try:
                    outcome = run_node(con, node)
                except duckdb.Error as exc:
                    raise RuntimeError(f"{node.unique_id}: {exc}") from exc
                node_seconds[node.unique_id] = round(time.perf_counter() - n0, 4)
                if outcome is not None:
                    tests[node.unique_id] = outcome
            steps[step] = round(steps.get(step, 0) + time.perf_counter() - t, 4)
        t = time.perf_counter()
        suite_rows = {}
        bind_suite_context(con)
        for suite in load_suites():
            con.execute(f"create or replace temp table suite_rows as {suite.sql}")
            suite_rows[suite.name] = con.execute("select count(*) from suite_rows").fetchone()[0]
        steps["gx_queries"] = round(time.perf_counter() - t, 4)
        counts = dict(
            con.execute(
                "select 'figures', count(*) from marts.fct_observation "
                "union all select 'claims', count(*) from marts.claim_checks "
                "union all select 'claims not consistent', count(*) from marts.claim_checks "
                "where verdict <> 'consistent'"
            ).fetchall()
        )
    return {
        "seconds": round(time.perf_counter() - started, 4),
        "steps": steps,
        # counted from what ran (a unique id starts with its resource type), not from the manifest's list
        "nodes": {
            kind: sum(1 for uid in node_seconds if uid.startswith(kind + ".")) for kind in ("seed", "model", "test")
        },
        "slowest_nodes": dict(sorted(node_seconds.items(), key=lambda kv: -kv[1])[:8]),
        "derived_layer": _derived_layer(node_seconds, steps["models"] + steps["tests"]),
        "rows_read": read,
        "rows": counts,
        "gx_suite_rows": suite_rows,
        "failed_tests": {uid: t["failures"] for uid, t in tests.items() if t["fails"]},
        "warned_tests": {uid: t["failures"] for uid, t in tests.items() if t["warns"] and not t["fails"]},
        "duckdb": duckdb.__version__,
    }


def _derived_layer(node_seconds: dict[str, float], build_seconds: float) -> dict:
    """What the checks the identities derive cost: their models and the tests on them, beside the whole dbt build
    (models and tests; README, Scale). The claims they add are checked by claim_checks with the rest."""
    seconds = sum(
        s
        for uid, s in node_seconds.items()
        if any(f".{model}" in uid or f"_{model}_" in uid for model in DERIVED_LAYER)
    )
    return {
        "seconds": round(seconds, 4),
        "share_of_dbt_build": round(seconds / build_seconds, 4) if build_seconds else None,
    }


def compile_for(out: Path, scratch: Path, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """A manifest whose compiled SQL names the catalog of `out`, compiled in `scratch` against an empty file of the
    same name."""
    return compile_project(project_dir, scratch / out.name, scratch / "target", DBT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, required=True, help="the sources folder to read")
    parser.add_argument("--out", type=Path, required=True, help="the DuckDB file to write (replaced)")
    parser.add_argument(
        "--manifest",
        type=Path,
        help="a manifest.json from `dbt compile` against a file named as --out (default: compile the project now)",
    )
    parser.add_argument(
        "--documents", type=Path, help="the document texts to check the literals against (default none)"
    )
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, all cores)")
    parser.add_argument(
        "--memory-limit",
        default=setting(os.environ, "DBT_MEMORY_LIMIT"),
        help="DuckDB memory_limit, e.g. 4GB (default: dbt's, DBT_MEMORY_LIMIT, so that the models run under the "
        "limit dbt builds them in; with DuckDB's own, 80%% of RAM, a query dbt builds within it can run out)",
    )
    parser.add_argument("--report", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)
    if not args.sources.is_dir():
        parser.error(f"--sources {args.sources} is not a directory")
    if args.documents is not None and not args.documents.is_dir():
        parser.error(f"--documents {args.documents} is not a directory")
    if args.manifest is not None and not args.manifest.is_file():
        parser.error(f"--manifest {args.manifest} is not a file")
    try:
        with tempfile.TemporaryDirectory(prefix="floor_compile_") as scratch:
            manifest = args.manifest or compile_for(args.out, Path(scratch))
            result = run(args.sources, args.out, manifest, args.threads, args.memory_limit, args.documents)
    except (CompileError, ValueError) as exc:
        print(f"floor: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=2)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    print(text)
    if result.get("validation_problems"):
        print("floor: the sources do not validate:\n  " + "\n  ".join(result["validation_problems"]), file=sys.stderr)
        return 1
    if result["failed_tests"]:
        print(f"floor: {len(result['failed_tests'])} test(s) failed: {result['failed_tests']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
