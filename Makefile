# Shortcuts for the book's scripts (each works without make too; see README.md).
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: help env book test execute lab bench bib lock clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

env:  ## create .venv and install the pinned requirements and lstm_edu
	bash scripts/setup_env.sh

book:  ## build the static site into _build/html (the README's first command)
	bash scripts/build_book.sh

test:  ## run every test: unit, notebooks (nbval), site build, browser (the README's second command)
	bash scripts/test.sh

execute: env  ## re-execute notebooks in place, saving outputs and widget state (NB=path to pick one)
	$(PYTHON) scripts/execute_notebooks.py $(NB)

lab:  ## open the notebooks in JupyterLab on 127.0.0.1 with a token
	bash scripts/lab.sh

bench: env  ## run every benchmark script in benchmarks/ (prints figures)
	@set -e; for script in benchmarks/*.py; do echo "== $$script"; $(PYTHON) "$$script"; done

bib: env  ## merge book/_bib/*.bib into book/references.bib
	$(PYTHON) scripts/merge_bib.py

lock:  ## regenerate constraints.txt from .venv
	bash scripts/lock.sh

clean:  ## remove the built site, test reports and caches (keeps .venv)
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
