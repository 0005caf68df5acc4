PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench lint clean

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

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
