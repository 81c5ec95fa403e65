# modaudit: `make demo` sets up and serves the dashboard on demo data; `make test` sets up and runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := data/demo.duckdb
DEMO_DAYS ?= 240
PORT ?= 8501
PRESETS := $(basename $(notdir $(wildcard core/policies/*.toml)))  # every preset in the preset folder

.PHONY: setup demo demo-data test lint chromium report-tools bench clean print-presets

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

demo-data: setup
	@for p in $(PRESETS); do \
	  $(BIN)/modaudit generate --policy $$p --days $(DEMO_DAYS) --seed 7 --bad-fraction 0.002 --out data/demo/$$p.csv && \
	  $(BIN)/modaudit load data/demo/$$p.csv --db $(DEMO_DB) --policy $$p || exit 1; \
	done

print-presets:
	@echo $(PRESETS)

# The demo's logs end on a fixed day (demo.generate.DEMO_END), the same on every machine; the dashboard is told
# that day is today, as a team's is the day after its export, or every page would warn that the data are old.
demo: demo-data chromium report-tools  # the Governance pack page draws its charts with chromium
	@echo "Dashboard: http://localhost:$(PORT)"
	MODAUDIT_TODAY=$$($(BIN)/python -c "from demo.generate import DEMO_END; print(DEMO_END)") \
	  $(BIN)/modaudit dashboard --db $(DEMO_DB) --port $(PORT)

# Browser tests need Debian's chromium; install it when missing (root, as on CI machines).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

# The governance pack (`modaudit report`): WeasyPrint needs pango and fonts, its tests read the PDFs back with
# poppler's pdftotext; install Debian's packages when missing (its charts use the chromium above).
report-tools:
	@{ command -v pdftotext >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2 && fc-list | grep -qi liberation; } || { \
	  pkgs="poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; fi; }

# axe-core for the browser test's accessibility check, pinned by tests/axe/package-lock.json.
AXE := tests/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --silent
	touch $@

test: setup chromium report-tools $(AXE)
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Benchmarks (bench/run.py): every preset side by side on every shape of log (bench/shapes.py), at 1M events
# unless told, e.g. `make bench BENCH_EVENTS="1000000 10000000" BENCH_POLICIES="cntw ctmuhb" BENCH_SHAPES=typical`;
# BENCH_DATA=DIR keeps the logs and warehouses there and generates a log only once.
BENCH_EVENTS ?= 1000000
BENCH_OUT ?= bench/results/latest.md

bench: setup
	$(BIN)/python bench/run.py --events $(BENCH_EVENTS) --out $(BENCH_OUT) $(if $(BENCH_POLICIES),--policies $(BENCH_POLICIES)) \
	  $(if $(BENCH_SHAPES),--shapes $(BENCH_SHAPES)) $(if $(BENCH_DATA),--data $(BENCH_DATA))

clean:
	rm -rf $(VENV) data/demo data/*.duckdb data/*.duckdb.wal
