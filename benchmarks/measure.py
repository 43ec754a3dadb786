"""Measuring one command: its process tree's wall time, CPU, peak memory and exit status.

`measure()` runs a command in its own session under `/usr/bin/time -v` (the kernel's peak RSS of the largest
single process) while a thread samples the sum of RSS over the whole tree from /proc. Where GNU time is absent,
this module is the fallback, run as

    python -m benchmarks.measure OUT.json -- command args...

which writes wall seconds, user and system CPU seconds and the peak resident set size (KiB) of the command's
process tree as the kernel reports it for waited-for children (getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest
single process, not the sum), then exits with the command's exit status. A fresh process per measurement, so
nothing else this process ever ran is counted.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .paths import PROJECT_ROOT, shown

GNU_TIME = Path("/usr/bin/time")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


class TreeSampler(threading.Thread):
    """Every `interval` s, the resident memory of every process under `root`, summed and by command name."""

    def __init__(self, root: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.halt = threading.Event()
        self.samples: list[tuple[float, int, dict[str, int]]] = []  # (epoch, tree KiB, {comm: KiB})
        self.peak_kib = 0
        self.peak_by_command: dict[str, int] = {}

    def run(self) -> None:
        while True:
            self.sample()
            if self.halt.wait(self.interval):
                return

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)

    def sample(self) -> None:
        parents: dict[int, list[int]] = {}
        names: dict[int, str] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            pid = int(entry.name)
            names[pid] = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            parents.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(parents.get(pid, []))
        total, by_command = 0, {}
        for pid in tree:
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    rss = int(handle.read().split()[1]) * PAGE_KIB
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            name = names.get(pid, "?")
            by_command[name] = by_command.get(name, 0) + rss
        self.samples.append((time.time(), total, by_command))
        self.peak_kib = max(self.peak_kib, total)
        for name, rss in by_command.items():
            self.peak_by_command[name] = max(self.peak_by_command.get(name, 0), rss)

    def peak_between(self, start: float, end: float) -> float | None:
        inside = [total for t, total, _ in self.samples if start <= t <= end]
        return round(max(inside) / 1024, 1) if inside else None


def parse_gnu_time(text: str) -> dict:
    fields = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    out = {"max_rss_kib": int(fields.get("Maximum resident set size (kbytes)", 0) or 0)}
    for key, name in (("User time (seconds)", "user_s"), ("System time (seconds)", "sys_s")):
        if key in fields:
            out[name] = float(fields[key])
    if "Exit status" in fields:
        out["exit_status"] = int(fields["Exit status"])
    if "Command terminated by signal" in text:
        out["signal"] = text.split("Command terminated by signal", 1)[1].split()[0]
    return out


def measure(command: list[str], log: Path, timeout: float, env: dict | None = None, cwd: Path = PROJECT_ROOT) -> dict:
    """Run `command` in a new session; wall time, peak RSS (kernel and sampled tree sum), CPU, exit status."""
    timing = log.with_suffix(".time")
    timing.unlink(missing_ok=True)
    if GNU_TIME.exists():
        argv = [str(GNU_TIME), "-v", "-o", str(timing), *command]
    else:
        argv = [sys.executable, "-m", "benchmarks.measure", str(timing), "--", *command]
    result: dict = {"command": command, "log": shown(log), "load_before": os.getloadavg()}
    with log.open("w", encoding="utf-8") as handle:
        started_epoch, started = time.time(), time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait(timeout=timeout)
            result["timed_out"] = False
        except subprocess.TimeoutExpired:
            result["timed_out"] = True
            kill_group(process)
            returncode = process.wait()
        wall = time.perf_counter() - started
        sampler.stop()
    result.update(
        started_epoch=started_epoch,
        ended_epoch=started_epoch + wall,
        wall_s=round(wall, 3),
        returncode=returncode,
        tree_peak_mib=round(sampler.peak_kib / 1024, 1),
        peak_mib_by_command={
            k: round(v / 1024, 1) for k, v in sorted(sampler.peak_by_command.items(), key=lambda kv: -kv[1])[:6]
        },
    )
    if timing.exists():
        text = timing.read_text(encoding="utf-8", errors="replace")
        parsed = json.loads(text) if text.startswith("{") else parse_gnu_time(text)
        result.update({k: v for k, v in parsed.items() if k != "wall_s"})
    result["peak_mib"] = round(result.get("max_rss_kib", 0) / 1024, 1)
    cpu = result.get("user_s", 0) + result.get("sys_s", 0)
    result["cpu_s"] = round(cpu, 2)
    result["cpu_utilisation"] = round(cpu / wall, 2) if wall else None
    result["_sampler"] = sampler
    return result


def kill_group(process: subprocess.Popen) -> None:
    """End the process group this benchmark started (its session leader is `process`), and nothing else."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


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
