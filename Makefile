# bonewise: two commands do everything on a fresh machine.
#   make run   installs, loads the food database, starts the app on http://127.0.0.1:8000
#   make test  installs what the tests need (system packages too, when run as root) and runs them all
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade 'pip>=25'
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,spark]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/bonewise demo

# mypy (one core, about a minute from a cold cache) runs beside pytest, which is one process and
# leaves the second core mostly idle; its output is printed when pytest ends, and either failing
# fails the target.
test: $(TEST_STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	@mkdir -p test-output; \
	echo "$(BIN)/mypy > test-output/mypy.log  (beside pytest)"; \
	$(BIN)/mypy > test-output/mypy.log 2>&1 & mypy_pid=$$!; \
	echo "bash scripts/with-postgres.sh $(BIN)/python -m pytest"; \
	bash scripts/with-postgres.sh $(BIN)/python -m pytest; pytest_status=$$?; \
	wait $$mypy_pid; mypy_status=$$?; \
	echo "=== mypy (exit $$mypy_status) ==="; cat test-output/mypy.log; \
	echo "pytest exit $$pytest_status, mypy exit $$mypy_status"; \
	test $$pytest_status -eq 0 && test $$mypy_status -eq 0

lint: $(TEST_STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) test-output .pytest_cache .hypothesis .mypy_cache .ruff_cache
