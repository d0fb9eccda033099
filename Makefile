# EGN Analytics — the README's commands. Everything a fresh machine needs is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CHROMIUM := /usr/bin/chromium
export BROWSER_PATH := $(CHROMIUM)

.PHONY: run test data build lint bench format clean install install-dev chromium help notebooks lab

help:
	@echo "make run    installe, construit les données embarquées si besoin, sert http://127.0.0.1:8050"
	@echo "make test   installe ce qu'il faut aux tests (Chromium compris) et lance toute la suite"
	@echo "make data   (re)génère les données synthétiques embarquées dans data/raw"
	@echo "make build  construit les tables validées (data/processed) et le rapport de qualité"
	@echo "make lint   ruff, mypy et frontière d'import (la bibliothèque n'importe jamais dash)"
	@echo "make bench  mesures de performance (rapports aux pairs)"
	@echo "make notebooks  exécute chaque notebook et l'écrit en HTML dans build/notebooks/"
	@echo "make lab    ouvre JupyterLab sur notebooks/ (.py appariés à des .ipynb par jupytext)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev,notebooks]"
	touch $(VENV)/.stamp-install $@

install: $(VENV)/.stamp-install
install-dev: $(VENV)/.stamp-dev

chromium:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  echo "Installation de Chromium et poppler-utils (Debian) pour les tests navigateur, l'export d'images et le rendu des notes PDF"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null; }

data: $(VENV)/.stamp-install
	$(BIN)/egn synth

build: $(VENV)/.stamp-install
	$(BIN)/egn synth --if-missing
	$(BIN)/egn build

run: $(VENV)/.stamp-install
	$(BIN)/egn synth --if-missing
	$(BIN)/egn build || echo "construction incomplète : voir le rapport de qualité sur la page Données"
	$(BIN)/egn serve --host 127.0.0.1 --port 8050

test: $(VENV)/.stamp-dev chromium
	$(BIN)/python -m pytest -m "" -q -n 2

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy egn_analytics dashboards
	$(BIN)/python scripts/check_import_boundary.py

format: $(VENV)/.stamp-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.stamp-dev
	$(PIP) install --quiet -e ".[dev,notebooks,bench]"
	$(BIN)/python benchmarks/run_all.py

# Notebooks: each jupytext source (notebooks/*.py) executed top to bottom in notebooks/ (as the
# tests do), then rendered to one HTML file that opens offline: PLOTLY_RENDERER embeds plotly.js
# in the page, and the CDN scripts nbconvert and Plotly would add (require.js, MathJax: no
# formula is drawn) are removed. NOTEBOOKS=notebooks/04_fiche_academie.py runs only that one.
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.py))
NOTEBOOK_OUT := build/notebooks

notebooks: $(VENV)/.stamp-dev chromium
	@mkdir -p $(NOTEBOOK_OUT)
	@set -e; for nb in $(NOTEBOOKS); do \
	  name=$$(basename $$nb .py); \
	  echo "notebook $$name"; \
	  PLOTLY_RENDERER=plotly_mimetype+notebook $(BIN)/jupytext --quiet --to ipynb --execute \
	    --run-path notebooks --output $(NOTEBOOK_OUT)/$$name.ipynb $$nb; \
	  $(BIN)/jupyter nbconvert --log-level WARN --to html $(NOTEBOOK_OUT)/$$name.ipynb; \
	  sed -i -E 's#<script[^>]*src="https?://[^"]*"[^>]*>[[:space:]]*</script>##g' \
	    $(NOTEBOOK_OUT)/$$name.html; \
	done
	@echo "HTML : $(NOTEBOOK_OUT)/*.html"

# JupyterLab on notebooks/ with jupytext: a notebook whose header says
# « formats: ipynb,py:percent » (notebooks/jupytext.toml: every new one) is saved as both its
# .py (in git) and its .ipynb with outputs (git-ignored); the .ipynb is made here if missing.
# As root (the project's machines), JupyterLab needs --allow-root.
lab: $(VENV)/.stamp-dev
	@for nb in $$(grep -l '^#     formats: ipynb,py:percent' notebooks/*.py); do \
	  [ -f "$${nb%.py}.ipynb" ] || $(BIN)/jupytext --quiet --to ipynb $$nb; \
	done
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache data/cache
