"""Values the dbt project and the Python code share, set once, as `vars:` in dbt_project/dbt_project.yml.

dbt reads them with var(); the ingest reads them here, so a limit both sides enforce cannot drift apart."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from .settings import DBT_PROJECT_DIR

DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


def dbt_vars() -> dict[str, Any]:
    """Every var the project declares (the file parsed once per version of it: each column rule asks)."""
    return _declared(DBT_PROJECT_FILE.stat().st_mtime_ns)


@cache
def _declared(_version: int) -> dict[str, Any]:
    return yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8")).get("vars") or {}


@cache
def dbt_var(name: str) -> Any:
    declared = dbt_vars()
    if name not in declared:
        raise KeyError(f"{DBT_PROJECT_FILE}: no var {name!r} under vars: (the ingest and dbt read it from there)")
    return declared[name]
