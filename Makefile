# The two commands of the README: `make demo` and `make test`. Everything else is set-up they share.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean-venv

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch first and alone: the local CPU wheel; letting another package pull torch downloads CUDA builds.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m compileall -q graphbuddy >/dev/null   # an editable install writes no bytecode itself
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m graphbuddy.demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_index.py --rounds 3

clean-venv:
	rm -rf $(VENV)
