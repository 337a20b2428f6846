# Parley's commands. `make run` and `make test` are the two that matter;
# both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt
# DATABASE_URL=mysql://… (MariaDB/MySQL) needs the mysql extra and its C library.
MYSQL  := $(if $(filter mysql% mariadb%,$(DATABASE_URL)),1,)

.PHONY: run test lint format migrate superuser clean

## run: install, migrate and serve Parley at http://$(HOST):$(PORT), with a job worker beside
## (scripts/serve.py: Ctrl-C stops both)
run: $(VENV)/.stamp-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python scripts/serve.py \
		$(BIN)/python -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off \
		--ws parley.realtime.server:WebSocketProtocol --ws-per-message-deflate false

## test: run the whole test suite (SQLite + in-memory unless DATABASE_URL / REDIS_URL are set)
test: $(VENV)/.stamp-dev $(if $(MYSQL),$(VENV)/.stamp-mysql,)
	bash scripts/system-deps.sh browser faults calls axe
	bash scripts/axe-core.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff (lint + format check) and mypy
lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(VENV)/.stamp-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(VENV)/.stamp-run
	$(BIN)/python manage.py migrate --noinput

## superuser: create the first administrator interactively
superuser: $(VENV)/.stamp-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-run: pyproject.toml requirements/constraints.txt | $(VENV)/bin/python
	$(PIP) -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml requirements/constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.stamp-run

# Installed once, not at every run: `make test` runs may go side by side (.ci/run).
$(VENV)/.stamp-mysql: $(VENV)/.stamp-dev
	bash scripts/system-deps.sh mysql
	$(PIP) -e '.[dev,mysql]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
