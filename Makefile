# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
MANAGE := $(PY) example_site/manage.py
# The example site fails closed (debug off, no site without DJANGO_SECRET_KEY): the demo asks for debug, which gives
# it a random key of its own, kept in example_site/var/.
DEMO := DJANGO_DEBUG=1 $(MANAGE)

.PHONY: demo test test-scale test-matrix lint messages clean browser screenshots system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade "pip>=24" "setuptools>=77" wheel

# Stamps reinstall when the package metadata changes.
$(VENV)/.installed-demo: setup.cfg pyproject.toml example_site/requirements.txt | $(PY)
	$(PIP) install -e . -r example_site/requirements.txt
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml example_site/requirements.txt | $(PY)
	$(PIP) install -e ".[test]" -r example_site/requirements.txt
	touch $@ $(VENV)/.installed-demo

demo: $(VENV)/.installed-demo
	$(DEMO) migrate --noinput
	$(DEMO) load_demo_content
	@echo "Sito: http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/ (admin / admin)   Ctrl-C per uscire"
	@# The Huey consumer runs beside the web server; leaving the server (Ctrl-C) stops the consumer too.
	@$(DEMO) run_huey & huey=$$!; \
	trap 'kill $$huey 2>/dev/null; wait $$huey 2>/dev/null' EXIT INT TERM; \
	$(DEMO) runserver 127.0.0.1:8000

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The suite on every core (pytest-xdist; TEST_WORKERS=1 runs it in one process).
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS)

test: lint system-packages
	$(DEMO) makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_PARALLEL)

# The oldest and the newest supported Python, Django and Wagtail, each in its own virtualenv under .matrix/ (the
# suite without the slow, browser and scale tests); prints a table. Pythons come from the PATH, pyenv or uv.
test-matrix:
	bash .ci/test-matrix

# PostgreSQL and Redis, installed from Debian's packages when missing and started on localhost for the run.
test-scale: $(VENV)/.installed-test
	PYTEST_PARALLEL="$(PYTEST_PARALLEL)" bash tests/services/run-scale.sh $(CURDIR)/$(VENV)/bin/pytest

# What the tests need from Debian: chromium for the browser tests (never a browser downloaded by Playwright) and
# gettext for the translation checks. CI runs as root on a clean machine, so they are installed here when missing.
SYSTEM_TOOLS := /usr/bin/chromium /usr/bin/msgfmt /usr/bin/xgettext
system-packages:
	@for tool in $(SYSTEM_TOOLS); do test -x $$tool || missing=1; done; \
	if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium gettext; fi
browser: system-packages

# Refresh the screenshots of the public pages kept in docs/screenshots/ for the editor guide.
screenshots: $(VENV)/.installed-test browser
	WHATSAPP_SCREENSHOT_DIR=docs/screenshots $(VENV)/bin/pytest -m browser -q

messages: $(VENV)/.installed-test
	cd wagtail_whatsapp && DJANGO_DEBUG=1 ../$(PY) ../example_site/manage.py makemessages -l it --no-obsolete
	cd wagtail_whatsapp && DJANGO_DEBUG=1 ../$(PY) ../example_site/manage.py compilemessages -l it

clean:
	rm -rf $(VENV) .matrix build dist *.egg-info example_site/var
