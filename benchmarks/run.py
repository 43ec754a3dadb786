"""How the pipeline's cost grows with size, against the floors of plain DuckDB and of the tools themselves.

    python -m benchmarks.run --sizes 1e3,1e5,1e6,1e7

First the invocation's fixed costs: the job on a tiny source set (--fixed-size, 10 figures), the job's full
build of the project's own sources/ (with the texts of ../shared/seeds when present), and the tools' fixed
floor (benchmarks/fixed_floor.py). Then for each size: synthetic sources (benchmarks/generate.py, cached under
data/bench/sources/), then, each in its own measured subprocess tree, the full Dagster job `build_warehouse`,
the job again on the same sources from the warehouse it published (no-change re-run; unless --no-unchanged),
the job on the sources of N + N//100 figures from that warehouse (unless --no-incremental), and the floor
(benchmarks/floor.py: dbt's compiled SQL in one DuckDB connection). Results go to data/bench/results.json and
results.csv; logs and outputs of each size to data/bench/<size>/. See benchmarks/README.md for how to read them.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from .breakdown import format_breakdown
from .compiled import CompileError, build_nodes
from .fixed_floor import node_counts, run_fixed_floor
from .floor_runs import compile_for_floor
from .machine import export_revision, machine_info
from .nightly_tick import run_tick
from .paths import BENCH_DIR, PROJECT_ROOT, VENV_BIN, shown
from .pipeline import run_pipeline, warm_up
from .results import format_table, format_targets, invocation_figures, summarise, targets, write_results
from .sizes import Bench, measure_size, now, repeat

# the texts folder a checkout reads by default (orchestration/settings.py), named here so that a revision
# exported under data/bench/trees/ reads the same texts
TEXTS = PROJECT_ROOT.parent / "shared" / "seeds"


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        value = float(part.strip())
        if value < 1 or value != int(value):
            raise argparse.ArgumentTypeError(f"{part!r} is not a positive whole number")
        sizes.append(int(value))
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("1e3,1e5,1e6,1e7"),
        help="observation counts, comma separated (default 1e3,1e5,1e6,1e7)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--inconsistent", type=float, default=0.05, help="fraction of claims made inconsistent")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per measured command (default 3600)")
    p.add_argument("--fixed-size", type=int, default=10, help="size whose pipeline time is the fixed cost")
    p.add_argument(
        "--repeats", type=int, default=1, help="measure each size this many times, keep the fastest success (1)"
    )
    p.add_argument(
        "--fixed-repeats",
        type=int,
        default=2,
        help="measure the fixed costs (tiny build, own sources, fixed floor) this many times, keep the fastest (2)",
    )
    p.add_argument("--skip-pipeline", action="store_true", help="measure the floor only")
    p.add_argument("--skip-floor", action="store_true", help="measure the pipeline only")
    p.add_argument(
        "--components",
        action="store_true",
        help="also measure the ingest validation alone and the GX suites alone, in fresh processes",
    )
    p.add_argument(
        "--revision",
        help="measure this commit (exported with git archive to data/bench/trees/) instead of the working tree",
    )
    p.add_argument(
        "--no-unchanged",
        dest="unchanged",
        action="store_false",
        help="skip the no-change re-run (the job again on the same sources, from the full build)",
    )
    p.add_argument(
        "--no-incremental",
        dest="incremental",
        action="store_false",
        help="skip the incremental run (the job again on N + N//100 figures, from the full build)",
    )
    p.add_argument("--keep", action="store_true", help="keep each build's history/ snapshot")
    return p


def fixed_costs(bench: Bench, document: dict) -> tuple[dict, dict]:
    """The tiny build, the full build of the project's own sources and the tools' fixed floor."""
    args = bench.args
    repeats = max(args.fixed_repeats, args.repeats)
    print(f"[{now()}] fixed cost: the pipeline at {args.fixed_size} observations", flush=True)
    fixed = measure_size(bench, args.fixed_size, repeats=repeats, fixed=True)
    document["fixed"] = fixed
    texts = TEXTS if TEXTS.is_dir() else None
    out = BENCH_DIR / "seed"
    out.mkdir(parents=True, exist_ok=True)
    seed, seed_runs = repeat(
        lambda tag: run_pipeline(
            bench.code, bench.code / "sources", out, args.timeout, args.keep, tag, documents_dir=texts
        ),
        repeats,
        f"full build of the project's own sources ({'texts from ' + str(texts) if texts else 'no texts'})",
    )
    document["seed_build"], document["seed_build_runs"] = seed, seed_runs
    if "failure" not in seed:
        print(f"[{now()}] the nightly tick on the project's own sources, nothing changed", flush=True)
        document["seed_tick"] = run_tick(bench.code, out, args.timeout, documents_dir=texts)
    print(f"[{now()}] fixed floor: a trivial dbt build of the same node count, Dagster's and GX's import", flush=True)
    counts = node_counts(build_nodes(bench.floor_manifest))
    document["fixed_floor"] = run_fixed_floor(bench.code, counts, BENCH_DIR / "fixed_floor", args.timeout, repeats)
    invocation = invocation_figures(document["fixed_floor"], seed, document.get("seed_tick"))
    pipeline = fixed.get("pipeline") or {}
    parts = ", ".join(f"{name} {part['wall_s']} s" for name, part in document["fixed_floor"]["parts"].items())
    print(
        f"  fixed: pipeline at {args.fixed_size} figures {pipeline.get('wall_s')} s "
        f"(runs: {[r['wall_s'] for r in fixed.get('pipeline_runs', [])]}); own sources {seed.get('wall_s')} s"
        f"{' FAILED: ' + seed['failure'] if 'failure' in seed else ''}; fixed floor "
        f"{document['fixed_floor'].get('wall_s')} s ({parts})",
        flush=True,
    )
    return fixed, invocation


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not (VENV_BIN / "dagster").exists():
        p.error(f"{VENV_BIN / 'dagster'} not found: run `make setup` first")
    code, revision = PROJECT_ROOT, None
    if args.revision:
        code, revision = export_revision(args.revision)
        print(f"measuring revision {revision[:12]} exported to {shown(code)}", flush=True)
    machine = machine_info(code)
    print(
        f"machine: {machine['nproc']} cores, {machine['mem_total_mib']} MiB, python {machine['venv'].get('python')}, "
        f"duckdb {machine['venv'].get('duckdb')}, load {machine['loadavg_at_start']}",
        flush=True,
    )
    # unmeasured: imports into the page cache, the dbt manifest re-parsed if a model changed, the floor's SQL
    warmed = warm_up(code)
    if warmed["returncode"]:
        print(f"warning: importing orchestration.definitions failed: {warmed['stderr']}", flush=True)
    try:
        bench = Bench(args, code, compile_for_floor(code))
    except CompileError as exc:
        raise SystemExit(f"the floor needs dbt's compiled SQL: {exc}") from exc
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "config": {
            "sizes": args.sizes,
            "seed": args.seed,
            "inconsistent": args.inconsistent,
            "revision": revision,
            "timeout_s": args.timeout,
            "fixed_size": args.fixed_size,
            "repeats": args.repeats,
            "unchanged": args.unchanged,
            "incremental": args.incremental,
        },
        "warm_up": warmed,
        "floor_manifest": shown(bench.floor_manifest),
    }
    fixed, invocation = fixed_costs(bench, document) if not args.skip_pipeline else (None, {})
    results, rows = [], []
    for n in args.sizes:
        entry = measure_size(bench, n)
        results.append(entry)
        rows.append(summarise(entry, fixed, invocation))
        document["results"], document["table"] = results, rows
        document["targets"] = targets(rows, invocation)
        write_results(document, rows)  # after every size, so a later failure or timeout loses nothing
        breakdown = format_breakdown(entry)
        if breakdown:
            print(breakdown, flush=True)
        if entry.get("failure"):
            print(f"  {entry['status']}: {entry['failure'][:2000]}", flush=True)
    document["results"], document["table"] = results, rows
    document["targets"] = targets(rows, invocation)
    write_results(document, rows)
    print()
    print(format_table(rows))
    print()
    print(format_targets(document["targets"], invocation))
    print(f"\nwritten: {shown(BENCH_DIR / 'results.json')}, {shown(BENCH_DIR / 'results.csv')}")
    seed_failed = "failure" in (document.get("seed_build") or {}) or "failure" in (document.get("fixed_floor") or {})
    return 0 if all(row["status"] == "ok" for row in rows) and not seed_failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
