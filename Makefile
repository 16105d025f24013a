# keras-sprint: `make demo` runs the flow on the bundled example, `make test` runs the tests.
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SPRINT := $(VENV)/bin/sprint
STAMP  := $(VENV)/.installed
DEMO   := build/demo

.PHONY: venv demo test smoke-all lint bench data browser clean gpu-prepare gpu-verify-cpu

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## demo: the whole flow on the bundled example, offline on the CPU (about a minute)
demo: export SPRINT_ROOT := $(DEMO)
demo: venv
	rm -rf $(DEMO) && mkdir -p $(DEMO)/reproductions
	$(SPRINT) new examples/waveform_classifier.py --slug waveforms
	$(SPRINT) run waveforms --seeds 3
	$(SPRINT) check waveforms
	$(SPRINT) card waveforms
	$(SPRINT) space waveforms
	$(SPRINT) push waveforms --dry-run
	$(SPRINT) status --html $(DEMO)/status
	@echo "Demo done: $(DEMO)/reproductions/waveforms, $(DEMO)/spaces/waveforms, $(DEMO)/status/index.html"

## test: lint and the offline test suite (browser tests drive Debian's chromium)
test: venv browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

## smoke-all: every reproduction smoke-run in one command, hermetic: an empty data mirror, so
## datasets come from generated stand-ins (recorded as such); a summary table and JSON
smoke-all: venv
	mkdir -p build
	SPRINT_DATA_DIR=$$(mktemp -d) $(SPRINT) run --all --jobs 2 --seeds 1 --smoke --force \
		--summary build/smoke-all.json

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## browser: Debian's chromium for the real-browser tests (needs root and the Debian mirror)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## data: stage ../shared/data in the local data mirror (data-mirror/) under the real origin URLs
data: venv
	bash scripts/stage_shared_data.sh

## gpu-prepare: wheels and data for the device call (`bash scripts/gpu_verify.sh device`,
## carrying .whl and .data); gpu-verify-cpu: the same script on a tiny subset here
gpu-prepare: venv
	bash scripts/gpu_verify.sh prepare

gpu-verify-cpu: venv
	bash scripts/gpu_verify.sh cpu

bench: venv
	$(PY) bench/bench_scaffold.py

clean:
	rm -rf build $(DEMO)
