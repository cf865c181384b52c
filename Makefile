# Two commands for a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
PYTHON := $(shell scripts/find-python)
ifeq ($(PYTHON),)
$(error no Python >= 3.12 found; install Python 3.12 or newer and run make again)
endif
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV := .venv/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/crm_ci_$(shell echo $$$$)
PG_URL := $(PG_URL)

.PHONY: run test test-sqlite test-postgres lint setup env static migrate demo clean messages bench

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

env: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	scripts/ensure-secrets

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/copy-vendor.mjs
	touch $@

static: static/vendor/.installed

var/static/staticfiles.json: static/vendor/.installed $(wildcard static/css/* static/js/*)
	$(VENV)/crm collectstatic --noinput --verbosity 0

setup: env static
	$(VENV)/crm migrate --noinput
	$(MAKE) --no-print-directory var/static/staticfiles.json

# The web server, the task worker (django.tasks database queue) and the scheduler (daily
# follow-up discipline run) together: Ctrl-C, or gunicorn exiting, stops all three.
run: setup
	@echo "CRM 正在启动: http://127.0.0.1:$(PORT)/"
	@$(VENV)/crm db_worker & worker=$$!; \
	$(VENV)/crm crontask & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(VENV)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 \
	  --access-logfile - --graceful-timeout 5

lint: env
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy config crm

test-sqlite: env static
	@echo "== SQLite =="
	env -u DATABASE_URL $(VENV)/pytest -n 2 --dist loadfile

test-postgres: env static
	@if ! $(VENV)/python scripts/pg-available "$(PG_URL)"; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL 不可用 (127.0.0.1:5432): CI 要求在 PostgreSQL 上运行测试" >&2; exit 1; fi; \
	  echo "跳过 PostgreSQL 测试: 127.0.0.1:5432 不可用 (CI=true 时这是失败)"; exit 0; \
	fi; \
	echo "== PostgreSQL =="; DATABASE_URL=$(PG_URL) $(VENV)/pytest -n 2 --dist loadfile

test: lint test-sqlite test-postgres

# Refresh locale/en/LC_MESSAGES/django.po from templates and Python, then compile the .mo
# (both are committed: a machine without GNU gettext still gets English). Needs gettext.
I18N_IGNORE := --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=static --ignore=var --ignore=tests
messages: env
	$(VENV)/crm makemessages -l en $(I18N_IGNORE)
	$(VENV)/crm compilemessages -l en $(I18N_IGNORE)

demo: setup
	$(VENV)/crm demo --customers 200 --seed 1

# The benchmark suite (issue 7): gunicorn with the production settings over the database that
# CRM_VAR_DIR / DATABASE_URL name, filled first with `crm demo --scale S` (docs/performance.md);
# options through BENCH, e.g. make bench BENCH="--only 1,5 --requests 50".
bench: env static
	$(VENV)/crm bench $(BENCH)

clean:
	rm -rf .venv .tools node_modules static/vendor var/static
