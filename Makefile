# MessageFlow: `make up` runs the platform, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# neonize's generated protobuf code needs protobuf >= 7.34.1, while dagster 1.13.27 (pinned to
# match dagster-postgres 0.29.27) caps protobuf < 7. dagster 1.13.28 lifted that cap with the same
# generated code, so protobuf 7 is installed over the cap (see docs/architecture.md).
PROTOBUF := protobuf==7.36.2

export LITELLM_LOCAL_MODEL_COST_MAP := True
export LITELLM_OFFLINE_MODE := true
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: install up test lint bench schema clean

# .ci/install-venv.sh (also what CI runs, through `make install`): uv when it can be had (pinned, fetched once per machine), else pip;
# MESSAGEFLOW_INSTALLER=pip forces pip. It says what it is doing and shows the installer's progress.
$(STAMP): pyproject.toml .ci/install-venv.sh
	@PYTHON='$(PYTHON)' VENV='$(VENV)' PROTOBUF='$(PROTOBUF)' sh .ci/install-venv.sh
	@touch $(STAMP)

install: $(STAMP)

up: install
	$(BIN)/messageflow up

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# mypy reads [tool.mypy] in pyproject.toml: every package, and --strict for webapp/db, webapp/llm,
# webapp/analysis and pipelines (tests/webapp/test_typing.py checks that it stays so).
lint: install
	$(BIN)/ruff check webapp pipelines analytics streamlit_app tests $(wildcard bench)
	$(BIN)/mypy

# `make bench` runs every benchmark; `make bench BENCH=bench/test_ws_fanout.py` runs one.
BENCH ?= bench
bench: install
	$(BIN)/python -m pytest $(BENCH) -m bench -p no:randomly -s $(PYTEST_ARGS)

# Regenerate migrations/schema.sql (the readable snapshot of the final schema) after a migration.
schema: install
	$(BIN)/messageflow schema-snapshot

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
