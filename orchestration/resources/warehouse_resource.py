"""The warehouse resource: the settings a run works by, read from the environment through Dagster and checked by
the settings' rules; the run's working file and its connections.

Each field is the environment variable of the same name in upper case (data_dir: DATA_DIR). A variable set where
the code location loads is given as a dg.EnvVar, which Dagster resolves when a run starts and the UI's resource
page shows by name; an unset one keeps its default (shown there too), or None, which the rules read as unset. The
rules run when Dagster sets the resource up for a run, so bad settings fail the run before any step works, with
every problem listed. `warehouse run` passes the settings of its own environment as the run's config (run_config),
which overrides those fields, so its run works by them in whichever process executes it (the daemon's too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from ..settings import DEFAULTS, VARIABLES, Settings
from ..warehouse import WarehouseFiles, existing_working_copy


def _field(variable: str, unset: str | None = None) -> Any:
    """The field of `variable`: None (unset) or, for a variable with a default, that default, which the UI shows."""
    return Field(default=DEFAULTS.get(variable), description=f"{variable}" + (f"; unset: {unset}" if unset else ""))


class WarehouseResource(dg.ConfigurableResource):
    """The published warehouse, its run folders and history, the sources and texts it is built from, and how
    much memory and how many rows at a time its connections and checks may take."""

    data_dir: str | None = _field("DATA_DIR", "data/ in the project")
    warehouse_path: str | None = _field("WAREHOUSE_PATH", "warehouse.duckdb in DATA_DIR")
    sources_dir: str | None = _field("SOURCES_DIR", "sources/ in the project")
    documents_dir: str | None = _field("DOCUMENTS_DIR", "../shared/seeds when present, else no text checks")
    warehouse_history: str | None = _field("WAREHOUSE_HISTORY")
    duckdb_memory_limit: str | None = _field("DUCKDB_MEMORY_LIMIT")
    dbt_memory_limit: str | None = _field("DBT_MEMORY_LIMIT")
    gx_batch_rows: str | None = _field("GX_BATCH_ROWS")

    _settings: Settings | None = PrivateAttr(default=None)

    @staticmethod
    def run_config(values: Mapping[str, str]) -> dict:
        """The run config under which a run works by the settings `values` (variable to value, as Settings reads
        them) give. Every field is given: an unset variable as null, which the rules read as unset (DOCUMENTS_DIR
        unset and set empty differ), a set path as resolved here, where a relative one was meant."""
        settings = Settings.from_values(values)
        paths = {
            "DATA_DIR": settings.data_dir,
            "WAREHOUSE_PATH": settings.warehouse_path,
            "SOURCES_DIR": settings.sources_dir,
            "DOCUMENTS_DIR": settings.documents_dir,
        }
        config = {name.lower(): values.get(name) for name in VARIABLES}
        config.update({name.lower(): str(path) for name, path in paths.items() if (values.get(name) or "").strip()})
        return {"resources": {"warehouse": {"config": config}}}

    @classmethod
    def from_env(cls) -> WarehouseResource:
        """Every variable set in this process's environment, as a dg.EnvVar; the others left to their default."""
        return cls(**{name.lower(): dg.EnvVar(name) for name in VARIABLES if name in os.environ})

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        values = {name: getattr(self, name.lower()) for name in VARIABLES}
        self._settings = Settings.from_values({name: value for name, value in values.items() if value is not None})

    @property
    def settings(self) -> Settings:
        """The checked settings. Set up for a run (or by process_config_and_initialize()), as only then has Dagster
        resolved the fields' environment variables."""
        if self._settings is None:
            raise RuntimeError("the warehouse resource is used before Dagster set it up")
        return self._settings

    @property
    def files(self) -> WarehouseFiles:
        return WarehouseFiles.from_settings(self.settings)

    def working_copy(self, key: str) -> Path:
        """The working file the run `key` ingested into, which every later step builds on or checks."""
        return existing_working_copy(self.files, key)

    @contextmanager
    def reading(self, key: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the run's working file."""
        with self.files.connect(self.working_copy(key), read_only=True) as con:
            yield con
