"""Run benchmarks/floor.sql: the pipeline's work as plain DuckDB SQL, one process, no orchestration.

    python -m benchmarks.floor --sources data/bench/sources/n1000_s42 --out data/bench/1000/floor.duckdb

Loads the sources with the pipeline's own loader (timed as step `load`), runs the script step by step (each
`-- step:` block, timed), prints the checks the script leaves in table `checks` and exits 1 if any of them found
an offending row.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

from orchestration.ingest.load import load_all

SCRIPT = Path(__file__).with_name("floor.sql")


def steps(script: str) -> list[tuple[str, str]]:
    """The script cut at its `-- step: <name>` lines; whatever precedes the first step is only comments."""
    found: list[tuple[str, list[str]]] = []
    for line in script.splitlines():
        if line.startswith("-- step:"):
            found.append((line.split(":", 1)[1].strip(), []))
        elif found:
            found[-1][1].append(line)
    return [(name, "\n".join(body)) for name, body in found]


def run(sources: Path, out: Path, threads: int | None = None, memory_limit: str | None = None) -> dict:
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with duckdb.connect(str(out)) as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        if memory_limit:
            con.execute(f"set memory_limit = '{memory_limit.replace(chr(39), '')}'")
        t = time.perf_counter()
        load_all(con, sources.resolve())
        timings["load"] = round(time.perf_counter() - t, 4)
        for name, sql in steps(SCRIPT.read_text(encoding="utf-8")):
            t = time.perf_counter()
            con.execute(sql)
            timings[name] = round(time.perf_counter() - t, 4)
        checks = con.execute("select check_name, offending from checks order by check_name").fetchall()
        counts = dict(
            con.execute(
                "select 'figures', count(*) from fct_observation union all select 'claims', count(*) from claim_checks "
                "union all select 'claims not consistent', count(*) from claim_checks where verdict <> 'consistent'"
            ).fetchall()
        )
    return {
        "seconds": round(time.perf_counter() - started, 4),
        "steps": timings,
        "rows": counts,
        "checks": {name: offending for name, offending in checks},
        "failed_checks": {name: offending for name, offending in checks if offending},
        "duckdb": duckdb.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, required=True, help="the sources folder to read")
    parser.add_argument("--out", type=Path, required=True, help="the DuckDB file to write (replaced)")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, all cores)")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 4GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--report", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)
    if not args.sources.is_dir():
        parser.error(f"--sources {args.sources} is not a directory")
    result = run(args.sources, args.out, args.threads, args.memory_limit)
    text = json.dumps(result, indent=2)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    print(text)
    if result["failed_checks"]:
        print(f"floor: {len(result['failed_checks'])} check(s) failed: {result['failed_checks']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
