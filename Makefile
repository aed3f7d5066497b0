# rdwatch — every target creates .venv and installs on first use, and re-installs when
# pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_EXTRA_LOGGERS ?= rdwatch
export PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW ?= ignore

BENCH_VENV := .bench-venv

.PHONY: run test test-cluster lint bench bench-env eval serve demo browser cluster cluster-down clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,postgres]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rdwatch run

serve: $(STAMP)
	$(BIN)/rdwatch serve

# The offline demo: a bundled sample news world, watched in two waves through the real flow.
demo: $(STAMP)
	$(BIN)/rdwatch demo --workdir data/demo

lint: $(STAMP)
	$(BIN)/ruff check src tests flows deployments
	$(BIN)/ruff format --check src tests flows deployments
	$(BIN)/mypy

# Chromium for the Prefect UI test comes from Debian; Playwright cannot download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"; }

# Two workers, a test file each at a time: most of the suite waits on servers and subprocesses.
test: $(STAMP) browser lint
	$(BIN)/pytest -n 2 --dist loadfile

# The watch spread over a PostgreSQL-backed Prefect server and several workers (end to end, and
# bench_cluster.py at a tiny size): `make test` leaves these out, they take minutes.
test-cluster: $(STAMP)
	$(BIN)/pytest -m cluster

# PostgreSQL, a Prefect server on it, a process work pool with WORKERS workers, the deployments;
# everything under data/cluster. SCHEDULES=0: no cron runs, only runs started by hand.
WORKERS ?= 3
SCHEDULES ?= 1
cluster: $(STAMP)
	$(BIN)/python -m deployments.cluster up --workers $(WORKERS) $(if $(filter 0,$(SCHEDULES)),--no-schedules)

cluster-down: $(STAMP)
	$(BIN)/python -m deployments.cluster down

# Every benchmark at full size; one that fails does not stop the others, but fails the target.
bench: $(STAMP) bench-env
	@failed=""; for bench in tests/benchmarks/bench_*.py; do \
		echo "== $$bench"; $(BIN)/python $$bench || failed="$$failed $$bench"; done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

# lemon24/reader for bench_poll.py's comparison, in a venv of its own: no dependency of rdwatch.
# Its vendored feedparser imports sgmllib, which sgmllib3k provides.
bench-env: $(BENCH_VENV)/.stamp
$(BENCH_VENV)/.stamp:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet "reader>=3.20" sgmllib3k
	touch $@

# rdwatch on the real-coverage corpus in ../shared/corpus: dev and held-out, English and with Chinese.
eval: $(STAMP)
	$(BIN)/python -m tests.eval.run_eval --part both --lang both

clean:
	rm -rf $(VENV) $(BENCH_VENV) data .pytest_cache .mypy_cache .ruff_cache
