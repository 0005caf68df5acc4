PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench lint clean browser-deps db-deps fuzz chaos

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@if [ -z "$$DISCORD_TOKEN" ] && ! grep -qs '^DISCORD_TOKEN=.\+' .env; then \
		echo "DISCORD_TOKEN is not set: running the local demo instead (python -m bot demo)."; \
		$(BIN)/python -m bot demo; \
	else \
		$(BIN)/python -m bot run; \
	fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot cogs
	$(BIN)/pytest -q

# The system Chromium that tests/web/test_browser.py drives (Debian's package; Playwright's own
# browser downloads are never used). Does nothing when it is already installed.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "Chromium is installed: $(CHROMIUM)"; \
	else \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# The PostgreSQL server the storage and replay tests run a second backend on (Debian's
# package; tests/postgres.py starts a throwaway cluster with its initdb and pg_ctl, or uses
# KINDLING_TEST_POSTGRES_URL). Does nothing when it is already installed.
db-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then \
		echo "PostgreSQL is installed: $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"; \
	else \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi

# Long fuzzing runs (CI runs the same tests with a bounded number of cases).
fuzz: $(STAMP)
	KINDLING_FUZZ_EXAMPLES=10000 $(BIN)/pytest -q -p no:cacheprovider tests/test_replay_fuzz.py tests/e2e/test_command_fuzz.py

# The bot process SIGKILLed under traffic, then compared with a clean replay (KILLS=10).
chaos: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -m chaos tests/e2e/test_chaos.py --chaos-kills $${KILLS:-10}

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
