# campaign_perf — every target sets up what it needs; a fresh machine needs python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: demo test lint typecheck contracts format lab sample bench bench-scale bench-cli bench-postgres clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,spark,postgres]'
	touch $(STAMP)

## system-deps: Debian's chromium (browser tests), a Java runtime (Spark) and PostgreSQL's
## server (the database tests start a throwaway one), if absent
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v java >/dev/null 2>&1 || \
		! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update -qq && \
		{ [ -x /usr/bin/chromium ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; } && \
		{ command -v java >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; } && \
		{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; \
	fi

## demo: set up, then build the sample report (HTML, Excel, CSV) and print it
DEMO_ARGS := sample_data/events.parquet --campaigns sample_data/campaigns.csv \
	--emails sample_data/emails.parquet --leads sample_data/leads.parquet \
	--time-frame "past 30 days" --today as_of --tz America/New_York
demo: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/campaign-perf report $(DEMO_ARGS) -o $(OUT)/report.html
	$(BIN)/campaign-perf report $(DEMO_ARGS) -o $(OUT)/report.xlsx
	$(BIN)/campaign-perf report $(DEMO_ARGS) -o $(OUT)/report.csv
	$(BIN)/campaign-perf report $(DEMO_ARGS)
	$(BIN)/campaign-perf report sample_data/messy_events.csv --campaigns sample_data/campaigns.csv \
		--rejected $(OUT)/rejected.csv -o $(OUT)/messy_report.csv
	@echo
	@echo "The sample report: $(OUT)/report.html (open it in a browser; it works offline)"
	@echo "                   $(OUT)/report.xlsx $(OUT)/report.csv"
	@echo "Rejected rows of the messy sample: $(OUT)/rejected.csv"

## test: set up, lint, then run the whole suite
test: $(STAMP) system-deps
	$(BIN)/ruff check campaign_perf tests benchmarks notebooks
	$(BIN)/ruff format --check campaign_perf tests benchmarks notebooks
	$(BIN)/lint-imports
	$(BIN)/mypy campaign_perf
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check campaign_perf tests benchmarks notebooks

## contracts: the layers of ARCHITECTURE.md (import-linter, settings in pyproject.toml)
contracts: $(STAMP)
	$(BIN)/lint-imports

## typecheck: mypy over the package (settings in pyproject.toml)
typecheck: $(STAMP)
	$(BIN)/mypy campaign_perf

format: $(STAMP)
	$(BIN)/ruff check --fix campaign_perf tests benchmarks notebooks
	$(BIN)/ruff format campaign_perf tests benchmarks notebooks

## lab: JupyterLab on notebooks/
lab: $(STAMP)
	$(BIN)/pip install --quiet 'jupyterlab>=4.2'
	$(BIN)/jupyter lab notebooks/

## sample: regenerate sample_data/ (deterministic)
sample: $(STAMP)
	$(BIN)/campaign-perf sample sample_data --events 500000 --seed 7 --force

## bench: the speed benchmark against the hand-written DuckDB baseline
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_report.py --update-readme

## bench-scale: 1M, 5M and 20M events, both shapes, against the DuckDB SQL and pandas baselines (minutes)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py --shape blast,trigger --update-readme

## bench-cli: the CLI on the sample, whole processes, against the hand-written query as a script
bench-cli: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py --runs 9

## bench-postgres: 5M events in a throwaway PostgreSQL, pushed down against copied (minutes)
bench-postgres: $(STAMP) system-deps
	$(BIN)/python benchmarks/bench_postgres.py --events 5M

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .hypothesis
