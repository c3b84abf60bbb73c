# The two commands of the README: `make figures` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := $(sort $(wildcard notebooks/sources/[0-9][0-9]_*.py))
ARTIFACTS := test-artifacts
USED := build/results-used.log
# The kernel talks to nbconvert over local sockets (no "running over TCP without encryption"), at
# an absolute path: the kernel runs in notebooks/, nbconvert here.
EXECUTE := $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --log-level=ERROR \
	--KernelManager.transport=ipc --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.startup_timeout=300 \
	--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False \
	--ExecutePreprocessor.store_widget_state=False

.PHONY: figures retrain plan canaries test lab bench mutate setup data browser sync clean

setup: $(STAMP) data

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# Fashion-MNIST: Debian's package where apt and root are at hand, else torchvision's download.
data: $(STAMP)
	@$(PY) -c "from sparse_helpers.computing.data import locate; import sys; sys.exit(locate() is None)" 2>/dev/null \
	|| { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	       echo "Installing Debian's dataset-fashion-mnist (the four Fashion-MNIST files) with apt-get"; \
	       apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	     fi; $(PY) -c "from sparse_helpers import load_fashion_mnist as l; l()"; }

# Chromium for the browser test: Debian's package where apt and root are at hand.
browser:
	@command -v chromium >/dev/null || { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	   echo "Installing Debian's chromium with apt-get, for tests/test_browser.py (apt may upgrade packages it depends on)"; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	   else echo "No chromium and no root apt-get: the browser test will be skipped."; fi; }

# The text files (notebooks/sources/NN_*.py) are the sources: write their navigation links, then
# copy their cells into the .ipynb files, keeping the outputs, before anything executes them.
sync: $(STAMP)
	@$(PY) sparse_helpers/analysis/navigation.py $(SOURCES)
	@$(PY) tools/sync_notebooks.py $(SOURCES)

# Every notebook executed in place, in order. Results still valid for their keys (settings, data
# and the code that computes them) are read from results/; only missing or stale ones are
# computed. Results no notebook used any more are removed. Figures go to figures/.
# `make figures SETTINGS=my-run.json` runs the whole series at the settings that JSON file states
# (computing/settings.py reads it through $SPARSE_SETTINGS): the executed notebooks go to
# build/notebooks/, results to checkpoints/, figures to build/figures/; the committed ones stay.
ifdef SETTINGS
figures: setup sync
	@mkdir -p build/notebooks && $(PY) -c "import sparse_helpers as sh; sh.series('$(abspath $(SETTINGS))')"
	@sockets=$$(mktemp -d) && trap 'rm -rf $$sockets' EXIT; for src in $(SOURCES); do name=$$(basename $${src%.py}).ipynb; \
	  cp notebooks/$$name build/notebooks/$$name; echo "== executing build/notebooks/$$name"; \
	  SPARSE_SETTINGS=$(abspath $(SETTINGS)) $(EXECUTE) --KernelManager.ip=$$sockets/kernel build/notebooks/$$name || exit 1; \
	done
else
figures: setup sync
	@mkdir -p results build && rm -f $(USED)
	@sockets=$$(mktemp -d) && trap 'rm -rf $$sockets' EXIT; for src in $(SOURCES); do nb=notebooks/$$(basename $${src%.py}).ipynb; \
	  echo "== executing $$nb"; TIMEFORMAT="   $$nb: %R s"; \
	  time SPARSE_CHECKPOINT_DIR=$(CURDIR)/results SPARSE_RESULTS_LOG=$(CURDIR)/$(USED) $(EXECUTE) --KernelManager.ip=$$sockets/kernel $$nb || exit 1; \
	  $(PY) tools/merge_streams.py $$nb; \
	done
	@$(PY) tools/results_used.py results $(USED)
	@$(PY) tools/readme_findings.py README.md $(SOURCES:notebooks/sources/%.py=notebooks/%.ipynb)
	@$(PY) tools/holm_table.py
	@echo "figures written to $(CURDIR)/figures:"; ls figures
endif

# The same, computing every result afresh.
retrain:
	SPARSE_RECOMPUTE=1 $(MAKE) figures

# What make figures would reuse and what it would compute (and why, and at what cost), from the
# stored results' keys against today's code, data and defaults. Computes nothing.
plan: setup
	@$(PY) -m sparse_helpers.experiments.plan results

# Store the canaries afresh (tests/canaries/: a tiny version of every experiment): after an edit
# that is meant to change what is computed. Commit them with the edit.
canaries: setup
	SPARSE_THREADS=1 SPARSE_WRITE_CANARIES=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_canaries.py

# Unit tests, the committed notebooks under nbval (against results/), every notebook again with
# other seeds on another floating-point path and at small settings, and the browser test: two
# workers, one CPU thread each.
test: setup browser
	rm -rf $(ARTIFACTS) && mkdir -p $(ARTIFACTS)
	SPARSE_THREADS=1 SPARSE_FIGURES_DIR=$(CURDIR)/$(ARTIFACTS)/figures \
	SPARSE_CHECKPOINT_DIR=$(CURDIR)/$(ARTIFACTS)/checkpoints \
	$(PY) -m pytest -n 2 --dist loadgroup tests -p no:cacheprovider -rs --durations=12; \
	status=$$?; echo "Screenshots, executed notebooks and test figures: $(CURDIR)/$(ARTIFACTS)"; exit $$status

bench: setup
	$(PY) benchmarks/trainer_speed.py
	$(PY) benchmarks/slider_latency.py

# Mutation testing of the experiments and pruning code against the fast tests (not part of make test).
mutate: setup
	$(PY) -m pip install --quiet mutmut==3.8.1 -c constraints.txt
	$(PY) tools/mutation_run.py

# JupyterLab on notebook 01, quietly: kernels over local sockets (no "running over TCP without
# encryption"), the series' own notebooks trusted in a signature store under build/ (no "not
# trusted"), and the text sources touched so that jupytext finds them no older than their notebooks.
NOTARY := --NotebookNotary.data_dir=$(CURDIR)/build/jupyter
lab: setup
	@mkdir -p build/jupyter && touch notebooks/sources/[0-9][0-9]_*.py
	@$(PY) -c "import sys, nbformat; from nbformat.sign import NotebookNotary; n = NotebookNotary(data_dir=sys.argv[1]); \
	  [n.sign(nbformat.read(p, as_version=4)) for p in sys.argv[2:]]" build/jupyter notebooks/[0-9][0-9]_*.ipynb
	@sockets=$$(mktemp -d) && trap 'rm -rf $$sockets' EXIT; $(VENV)/bin/jupyter lab --ip=127.0.0.1 \
	  --ServerApp.root_dir=notebooks --LabApp.default_url=/lab/tree/01_train_baseline.ipynb $(NOTARY) \
	  --KernelManager.transport=ipc --KernelManager.ip=$$sockets/kernel $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf $(VENV) checkpoints build $(ARTIFACTS)
