"""Where things live. Every path is absolute: dbt runs with its own working directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


class SettingsError(ValueError):
    """A configured path is unusable; the message names the variable and what to fix."""


def _path_from_env(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    return path


@dataclass(frozen=True)
class Settings:
    sources_dir: Path
    warehouse_path: Path
    documents_dir: Path | None
    data_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _path_from_env("DATA_DIR", PROJECT_ROOT / "data")
        sources_dir = _path_from_env("SOURCES_DIR", PROJECT_ROOT / "sources")
        warehouse = _path_from_env("WAREHOUSE_PATH", data_dir / "warehouse.duckdb")
        docs_raw = os.environ.get("DOCUMENTS_DIR", "").strip()
        documents_dir = _path_from_env("DOCUMENTS_DIR", PROJECT_ROOT) if docs_raw else None
        settings = cls(sources_dir, warehouse, documents_dir, data_dir)
        settings.validate()
        return settings

    def validate(self) -> None:
        problems = []
        if not self.sources_dir.is_dir():
            problems.append(f"SOURCES_DIR={self.sources_dir} is not a directory")
        if self.warehouse_path.suffix != ".duckdb":
            problems.append(f"WAREHOUSE_PATH={self.warehouse_path} must name a .duckdb file")
        if self.warehouse_path.exists() and not self.warehouse_path.is_file():
            problems.append(f"WAREHOUSE_PATH={self.warehouse_path} exists and is not a file")
        if self.documents_dir is not None and not self.documents_dir.is_dir():
            problems.append(f"DOCUMENTS_DIR={self.documents_dir} is not a directory")
        if problems:
            raise SettingsError("; ".join(problems))
