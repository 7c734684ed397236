# Two entry points for a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run test test-only lint format install install-dev browser bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Migrates, loads the demo dealership group once, and serves web + worker + sweeper. The
# port is checked first, before anything is installed: `make run PORT=8001` picks another.
run:
	@$(PYTHON) src/posventa/demo/ports.py $(HOST) $(PORT)
	@$(MAKE) --no-print-directory install
	$(BIN)/posventa run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium and the IMAP tests a real Dovecot; install what is
# missing when we are allowed to, with one package-list update for both.
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v dovecot >/dev/null 2>&1 || missing="$$missing dovecot-imapd"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing:$$missing; browser and IMAP tests will be skipped (run as root to install)"; fi; \
	fi

test: install-dev browser test-only

test-only:
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -q --durations=25

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every page (staff in en/es/sv, portal, public site page, web form) at 1366 and 390 px,
# from the demo data in real Chromium, into var/screenshots/.
screenshots: install-dev
	$(BIN)/python tools/screenshots.py --out var/screenshots

bench: install-dev
	for script in bench/*.py; do $(BIN)/python $$script --quick || exit 1; done

clean:
	rm -rf $(VENV) var
