"""The dbt commands of a run, from what its ingest decided (ingest.build: orchestration/ingest/changes.py).

- A full run: `dbt build --full-refresh`, every model for every document.
- Otherwise, what reads a raw table whose rows changed (`source:raw.<table>+`), incrementally: the models held by
  document replace the rows of the run's documents (ingest.run_scope) and keep every other document's.
- And when the dbt project changed, what dbt finds modified against the published build's manifest, with its
  children (`state:modified+`), for every document (`--full-refresh`): after the first command and left out of
  it, since nothing the first one builds can depend on what the second one does.

Nothing changed for dbt: no command, no model rebuilt.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

import duckdb

# dbt's unit tests check the SQL, not the data: the same on every run, and ~5 s of each build, so the test suite
# runs them (tests/test_dbt_unit_tests.py), not the pipeline
BUILD = ("build", "--exclude-resource-type", "unit_test")
MODIFIED = "state:modified+"


@dataclass(frozen=True)
class DbtWork:
    mode: str  # "full" or "incremental"
    reason: str
    changed_sources: tuple[str, ...]  # raw tables whose rows the run changed
    dbt_changed: bool  # the dbt project differs from the published build's

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> DbtWork:
        mode, reason, changed, dbt_changed = con.execute(
            "select mode, reason, changed_sources, dbt_changed from ingest.build"
        ).fetchone()
        return cls(mode, reason, tuple(changed), dbt_changed)

    def commands(self, raw_sources: Set[str], state: Path) -> list[list[str]]:
        """dbt's arguments, one list per invocation. `raw_sources`: the raw tables dbt reads (a raw table it
        does not declare, such as not_figures, selects nothing); `state`: the folder holding the published
        build's manifest.json."""
        if self.mode == "full":
            return [[*BUILD, "--full-refresh"]]
        state_args = ["--state", str(state)]
        selectors = [f"source:raw.{table}+" for table in self.changed_sources if table in raw_sources]
        commands = []
        if selectors:
            left_out = ["--exclude", MODIFIED, *state_args] if self.dbt_changed else []
            commands.append([*BUILD, "--select", " ".join(selectors), *left_out])
        if self.dbt_changed:
            commands.append([*BUILD, "--select", MODIFIED, *state_args, "--full-refresh"])
        return commands
