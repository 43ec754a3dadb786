"""The Dagster resources a run works with, and the DuckDB connection factory they share with the command line."""
