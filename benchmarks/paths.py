"""Where the benchmark reads and writes: the project, its venv, and data/bench/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "data" / "bench"
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"


def shown(path: Path) -> str:
    """A path as the results name it: relative to the project when inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
