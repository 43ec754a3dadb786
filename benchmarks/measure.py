"""Fallback for `/usr/bin/time -v`: run one command in this fresh process and record what it cost.

    python -m benchmarks.measure OUT.json -- command args...

Writes wall seconds, user and system CPU seconds and the peak resident set size (KiB) of the command's process
tree as the kernel reports it for waited-for children (getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest single
process, not the sum), then exits with the command's exit status. A fresh process per measurement, so nothing
else this process ever ran is counted.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, command = argv[0], argv[2:]
    started = time.perf_counter()
    status = subprocess.call(command)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "wall_s": wall,
                "user_s": usage.ru_utime,
                "sys_s": usage.ru_stime,
                "max_rss_kib": usage.ru_maxrss,
                "exit_status": status,
            },
            handle,
        )
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
