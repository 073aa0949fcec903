# k8slab: `make lab` to learn, `make test` to check everything. Each target sets itself up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup binaries cluster lab test test-unit course bench bench-build lint down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

binaries: setup            ## obtain the cluster binaries (first time: a Go build, ~6 min)
	$(BIN)/k8slab binaries

cluster: binaries          ## start the embedded cluster
	$(BIN)/k8slab up

lab: cluster               ## JupyterLab on the course, cluster running
	$(BIN)/k8slab lab

test: binaries             ## the whole test suite (unit, cluster, notebooks, browser)
	$(BIN)/ruff check k8slab tests bench
	$(BIN)/pytest notebooks tests --nbval --nbval-current-env \
		--nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout=300 $(PYTEST_ARGS)

test-unit: setup
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

course: cluster            ## execute every notebook with papermill, export HTML slides
	$(BIN)/k8slab run

bench: binaries            ## print the benchmark table, save bench/results.md (own cluster)
	$(BIN)/python bench/run_all.py

bench-build: setup         ## time a cold build of the binaries (slow)
	$(BIN)/python bench/cluster_start.py --cold-build

lint: setup
	$(BIN)/ruff check k8slab tests bench

down:
	$(BIN)/k8slab down

clean:
	rm -rf $(VENV) .k8slab-test .pytest_cache
