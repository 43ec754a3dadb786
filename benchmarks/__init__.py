"""Scale benchmarks: synthetic sources of any size, the full pipeline against a plain-DuckDB floor."""
