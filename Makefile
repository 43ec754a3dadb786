# Two commands: `make run` builds the warehouse, `make test` runs every test. Both set up .venv first.
# `make report` serves the report site every run regenerates (it opens from the file system too).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# Every setting can come from the environment (README: Configuration); the texts folder is found by the code.
DATA_DIR ?= $(CURDIR)/data
DAGSTER_HOME ?= $(DATA_DIR)/dagster_home
# pytest-xdist workers for `make test` (0: one process). Whole modules go to a worker, so a module's fixtures are
# built once, the longest modules first (tests/conftest.py: LONGEST_FIRST, kept in that order by
# --no-loadscope-reorder); the session's build is made once for all workers. Three on this 2-core machine:
# a worker waiting on dbt, a daemon's poll or a browser leaves a core to another (README: Scale has the figures).
TEST_WORKERS ?= 3
# where `make dev` serves the Dagster UI
DEV_HOST ?= 127.0.0.1
DEV_PORT ?= 3000

export DATA_DIR
export DAGSTER_HOME

.PHONY: setup run test format dev docs report bench lock clean

setup: $(STAMP)

# uv installs the pinned set, every hash checked, in about 20 s where pip takes a minute (a fresh clone's first
# `make test`, as CI runs it)
INSTALL_UV := $(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(INSTALL_UV)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --require-hashes --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
	rm -f $(VENV)/.installed-*
	touch $@

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

# checks every setting first, runs one build at a time, prints a summary (the full log goes to DATA_DIR/logs)
run: $(STAMP)
	$(BIN)/warehouse run

# The browser the report site's tests drive (Playwright's own download is not reachable; Debian's package is)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update && apt-get install -y chromium

# lint and format check first (seconds), so a style slip fails before the slow tests start; the tests then print
# their 15 slowest, the figures to cut when `make test` grows
test: $(STAMP) $(DAGSTER_HOME)/dagster.yaml $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

# rewrite the code as `make test` wants it: ruff's formatting, then its safe lint fixes
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `dagster dev` under a launcher that stops it, and all it started, within seconds of Ctrl-C or SIGTERM (which
# make passes on to its child); exec, so no shell stands between make and the launcher
dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	exec $(BIN)/warehouse dev --host $(DEV_HOST) --port $(DEV_PORT)

# generated from a copy of the published file, so readers are never blocked and never block it
docs: $(STAMP)
	$(BIN)/warehouse docs
	cd dbt_project && ../$(BIN)/dbt docs serve --target-path $(DATA_DIR)/dbt_docs/target --host 127.0.0.1 --port 8080

# the report site of the last successful run, on this machine only
report:
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory $(DATA_DIR)/report 8090

# How the pipeline's cost grows against plain DuckDB (benchmarks/README.md); not part of `make test`.
BENCH_SIZES ?= 1e3,1e5,1e6,1e7
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(BENCH_SIZES)

# How good `warehouse draft` is against the reviewed corpus of benchmarks/draft_corpus, beside issue 32's targets
.PHONY: bench-draft
bench-draft: $(STAMP)
	$(BIN)/python -m benchmarks.draft_quality --json $(DATA_DIR)/bench/draft_quality.json

# Whole runs killed at random points by random signals, each checked (benchmarks/README.md, "Fault injection"):
# a nightly job, an hour or so, not part of `make test`; FAULT_SEED replays a seed, FAULT_REVISION runs a commit
FAULT_RUNS ?= 20
FAULT_SEED ?=
FAULT_REVISION ?=
.PHONY: fault-injection
fault-injection: $(STAMP)
	nice -n 19 $(BIN)/python -m benchmarks.fault_injection --runs $(FAULT_RUNS) $(if $(FAULT_SEED),--seed $(FAULT_SEED)) \
		$(if $(FAULT_REVISION),--revision $(FAULT_REVISION)) --json $(DATA_DIR)/bench/fault_injection.json

# Re-resolve the pinned dependency set from pyproject.toml's ranges.
lock: $(STAMP)
	$(INSTALL_UV)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
