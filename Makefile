# The two commands of the README: `make figures` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
ARTIFACTS := test-artifacts

.PHONY: figures test lab bench setup data browser clean

setup: $(STAMP) data

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# Fashion-MNIST: Debian's package where apt and root are at hand, else torchvision's download.
data: $(STAMP)
	@$(PY) -c "from sparse_helpers.data import locate; import sys; sys.exit(locate() is None)" \
	|| { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	       apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	     fi; $(PY) -c "from sparse_helpers import load_fashion_mnist as l; l()"; }

# Chromium for the browser test: Debian's package where apt and root are at hand.
browser:
	@command -v chromium >/dev/null || { if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	   else echo "No chromium and no root apt-get: the browser test will be skipped."; fi; }

figures: setup
	@for nb in $(NOTEBOOKS); do \
	  echo "== executing $$nb"; TIMEFORMAT="   $$nb: %R s"; \
	  time $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --log-level=WARN \
	    --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=python3 $$nb || exit 1; \
	done
	@echo "figures written to $(CURDIR)/figures:"; ls figures

test: setup browser
	rm -rf $(ARTIFACTS) && mkdir -p $(ARTIFACTS)
	SPARSE_FIGURES_DIR=$(CURDIR)/$(ARTIFACTS)/figures $(PY) -m pytest tests \
	  --nbval-lax --nbval-current-env notebooks -p no:cacheprovider -rs; \
	status=$$?; echo "Screenshots and test figures: $(CURDIR)/$(ARTIFACTS)"; exit $$status

bench: setup
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/ensemble_speed.py
	$(PY) benchmarks/slider_latency.py

lab: setup
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf $(VENV) checkpoints $(ARTIFACTS)
