# EGN Analytics — the README's commands. Everything a fresh machine needs is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CHROMIUM := /usr/bin/chromium
export BROWSER_PATH := $(CHROMIUM)

.PHONY: run test data build lint bench format clean install install-dev chromium help

help:
	@echo "make run    installe, construit les données embarquées si besoin, sert http://127.0.0.1:8050"
	@echo "make test   installe ce qu'il faut aux tests (Chromium compris) et lance toute la suite"
	@echo "make data   (re)génère les données synthétiques embarquées dans data/raw"
	@echo "make build  construit les tables validées (data/processed) et le rapport de qualité"
	@echo "make lint   ruff, mypy et frontière d'import (la bibliothèque n'importe jamais dash)"
	@echo "make bench  mesures de performance (rapports aux pairs)"

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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache data/cache
