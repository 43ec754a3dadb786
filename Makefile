# Two commands: `make run` builds the warehouse, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
DATA_DIR := $(CURDIR)/data
DAGSTER_HOME := $(DATA_DIR)/dagster_home
DOCUMENTS_DIR ?= $(abspath ../shared/seeds)

export DAGSTER_HOME
export DOCUMENTS_DIR

.PHONY: setup run test dev docs bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster job execute -m orchestration.definitions -j build_warehouse

test: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/pytest

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m orchestration.definitions

docs: $(STAMP)
	cd dbt_project && WAREHOUSE_PATH=$${WAREHOUSE_PATH:-$(DATA_DIR)/warehouse.duckdb} \
		../$(BIN)/dbt docs generate --target-path $(DATA_DIR)/dbt_docs && \
		../$(BIN)/dbt docs serve --target-path $(DATA_DIR)/dbt_docs --host 127.0.0.1 --port 8080

# How the pipeline's cost grows against plain DuckDB (benchmarks/README.md); not part of `make test`.
BENCH_SIZES ?= 1e3,1e5,1e6,1e7
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(BENCH_SIZES)

# Re-resolve the pinned dependency set from pyproject.toml's ranges (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
