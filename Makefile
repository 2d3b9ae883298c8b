# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench workbook lite clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	rm -rf demo
	$(VENV)/bin/spso-xl demo --out demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

workbook: $(STAMP)
	$(VENV)/bin/spso-xl new workbook/si_tracker.xlsm --force

lite: $(STAMP)  # the xlwings Lite bundle to hand to managers: workbook, main.py, requirements.txt, folders, wheel
	rm -rf dist/lite
	$(VENV)/bin/spso-xl new --lite dist/lite/si_tracker.xlsx $(if $(WHEEL_URL),--wheel-url $(WHEEL_URL))
	$(PY) -m pip wheel . --no-deps --no-build-isolation --quiet -w dist/lite
	rm -rf build

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
