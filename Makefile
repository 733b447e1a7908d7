# The two commands the README promises: `make demo` (later) and `make test`. Everything runs from a
# virtual environment this Makefile creates; nothing needs to be installed by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt emulator/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test lint typecheck test-emulator bench clean

test: lint typecheck test-emulator

$(STAMP): requirements-dev.txt emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e './emulator[test]'
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check emulator

typecheck: $(STAMP)
	$(BIN)/mypy --config-file emulator/pyproject.toml emulator/src/exchange_emulator

test-emulator: $(STAMP)
	$(BIN)/pytest -q emulator/tests

bench: $(STAMP)
	$(BIN)/python emulator/bench/bench_protocol.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
