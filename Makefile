# The two commands of the README: `make figures` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.py))
ARTIFACTS := test-artifacts

.PHONY: figures test lab bench setup data browser sync clean

setup: $(STAMP) data

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# Fashion-MNIST: Debian's package where apt and root are at hand, else torchvision's download.
data: $(STAMP)
	@$(PY) -c "from sparse_helpers.data import locate; import sys; sys.exit(locate() is None)" 2>/dev/null \
	|| { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	       apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	     fi; $(PY) -c "from sparse_helpers import load_fashion_mnist as l; l()"; }

# Chromium for the browser test: Debian's package where apt and root are at hand.
browser:
	@command -v chromium >/dev/null || { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	   else echo "No chromium and no root apt-get: the browser test will be skipped."; fi; }

# The text files (notebooks/NN_*.py) are the sources: copy their cells into the .ipynb files,
# keeping the outputs, before anything executes them.
sync: $(STAMP)
	@for src in $(NOTEBOOKS); do $(VENV)/bin/jupytext --quiet --to ipynb --update $$src; done

# Every notebook executed in place, in order, training from scratch; their results go to
# results/ (committed, so that notebooks and tests can reuse them) and their figures to figures/.
# No cell timings and no widget state are stored (the widgets leave a static view in their output),
# so that a rerun changes only what it computed.
figures: setup sync
	rm -rf results && mkdir -p results
	@for src in $(NOTEBOOKS); do nb=$${src%.py}.ipynb; \
	  echo "== executing $$nb"; TIMEFORMAT="   $$nb: %R s"; \
	  time SPARSE_CHECKPOINT_DIR=$(CURDIR)/results $(VENV)/bin/jupyter nbconvert --to notebook \
	    --execute --inplace --log-level=ERROR --ExecutePreprocessor.timeout=3600 \
	    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.store_widget_state=False $$nb || exit 1; \
	done
	@echo "figures written to $(CURDIR)/figures:"; ls figures

# Unit tests, the committed notebooks under nbval (against results/), every notebook again with
# other seeds on another floating-point path and at small settings, and the browser test: two
# workers, one CPU thread each.
test: setup browser
	rm -rf $(ARTIFACTS) && mkdir -p $(ARTIFACTS)
	SPARSE_THREADS=1 SPARSE_FIGURES_DIR=$(CURDIR)/$(ARTIFACTS)/figures \
	SPARSE_CHECKPOINT_DIR=$(CURDIR)/$(ARTIFACTS)/checkpoints \
	$(PY) -m pytest -n 2 --dist loadgroup tests -p no:cacheprovider -rs --durations=12; \
	status=$$?; echo "Screenshots and test figures: $(CURDIR)/$(ARTIFACTS)"; exit $$status

bench: setup
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/stacked_speed.py
	$(PY) benchmarks/optimizer_speed.py
	$(PY) benchmarks/slider_latency.py

lab: setup
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf $(VENV) checkpoints $(ARTIFACTS)
