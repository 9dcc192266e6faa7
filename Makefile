# fediama: `make run` starts everything on the embedded default; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test install lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python -m config.server_record
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/page.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/tallies.py
	$(BIN)/python bench/crowd.py

clean:
	rm -rf var/test var/broker
