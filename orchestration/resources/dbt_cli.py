"""dagster-dbt's dbt resource, without the two things its `cli` does for helpers this project does not call.

Before every invocation dagster-dbt 0.29 runs `dbt --version` in a subprocess (once per resource instance, and
Dagster makes one per run) and builds a dbt adapter in the Dagster process (importing dbt-core and loading its
macros). The adapter serves only `fetch_row_counts()` and `fetch_column_metadata()`, which this project cannot
use on DuckDB (orchestration/dbt_metadata.py says why), and the version only tells dbt-core from the Fusion
engine. Skipping both took a seed build's dbt step from 13.1 s to 10.4 s (two in-process builds each way).
tests/test_foundation.py fails if a dagster-dbt release renames what this overrides, which would silently bring
the cost back.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging import version


class WarehouseDbtResource(DbtCliResource):
    """Runs the dbt installed beside this interpreter (DBT_EXECUTABLE), so its version is the installed
    dbt-core's; `fetch_row_counts()`/`fetch_column_metadata()` are not available through it."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None
