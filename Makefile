# The two commands the README promises: `make demo` (with the baseline role) and `make test`.
# Everything runs from a virtual environment this Makefile creates; nothing is installed by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
TMP := $(CURDIR)/.tmp
COLLECTIONS := $(TMP)/collections
SANITY := $(TMP)/sanity/ansible_collections/mailhygiene/exchange
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt requirements.txt emulator/pyproject.toml | cksum | cut -d' ' -f1)
PY_VERSION = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

.PHONY: test-compat demo test system-packages kerberos-extras bench-backscatter lint typecheck test-emulator collection test-collection test-molecule sanity bench clean venv
# Commands run with the virtual environment first on PATH and the installed collection.
RUN := PATH=$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ANSIBLE_NOCOLOR=$${ANSIBLE_NOCOLOR:-0}

test: system-packages kerberos-extras lint typecheck test-emulator test-collection test-molecule sanity

demo: collection
	$(RUN) lab/demo.sh

$(STAMP): requirements-dev.txt requirements.txt emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -r requirements.txt -e './emulator[test]'
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

# System packages some tests need (bindep.txt, profile test: postfix, swaks). Installed here where that is
# possible (root with apt-get, as CI runs); elsewhere those tests are skipped with a reason naming the package.
system-packages: $(STAMP)
	@missing="$$($(BIN)/bindep -b test | tr "\n" " " | sed "s/ *$$//" || true)"; \
	if [ -z "$$missing" ]; then echo "System packages for the tests: all present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages for the tests: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
	    || echo "Could not install $$missing: the tests that need them will be skipped"; \
	else echo "Not installing $$missing (needs root and apt-get): the tests that need them will be skipped"; fi

# The Kerberos Python packages (requirements-kerberos.txt) compile against libkrb5-dev, so they come after
# system-packages; where the headers are missing they are not installed and the Kerberos tests skip.
KERBEROS_STAMP := $(VENV)/.kerberos-$(shell cat requirements-kerberos.txt | cksum | cut -d' ' -f1)
kerberos-extras: system-packages
	@if [ -f $(KERBEROS_STAMP) ]; then echo "Kerberos Python packages: installed"; \
	elif command -v krb5-config >/dev/null && command -v gcc >/dev/null; then \
	  echo "Installing the Kerberos Python packages (requirements-kerberos.txt)"; \
	  $(BIN)/python -m pip install --quiet -r requirements-kerberos.txt && rm -f $(VENV)/.kerberos-* && touch $(KERBEROS_STAMP) \
	    || echo "Could not install requirements-kerberos.txt: the Kerberos tests will be skipped"; \
	else echo "Not installing requirements-kerberos.txt (needs libkrb5-dev and gcc): the Kerberos tests will be skipped"; fi

# ansible-lint resolves mailhygiene.exchange.* through the collection as installed from the tarball,
# never through whatever an earlier run left under ~/.ansible.
lint: collection
	$(BIN)/ruff check emulator bench
	$(BIN)/ruff check --config ruff-plugins.toml plugins tests/unit
	$(RUN) ansible-lint --profile production --offline
	$(BIN)/antsibull-changelog lint
	$(RUN) antsibull-docs --config-file .ci/antsibull-docs.cfg lint-collection-docs --plugin-docs --check-extra-docs-refs .

# plugins/ is type-checked as Ansible imports it, from an ansible_collections tree (a link to this checkout).
typecheck: $(STAMP)
	$(BIN)/mypy --config-file emulator/pyproject.toml emulator/src/exchange_emulator
	rm -rf $(TMP)/typecheck && mkdir -p $(TMP)/typecheck/ansible_collections/mailhygiene
	ln -s $(CURDIR) $(TMP)/typecheck/ansible_collections/mailhygiene/exchange
	cd $(TMP)/typecheck && $(BIN)/mypy --config-file $(CURDIR)/mypy-plugins.ini -p ansible_collections.mailhygiene.exchange.plugins

test-emulator: $(STAMP)
	$(BIN)/pytest -q emulator/tests

# Tests run against the collection as users install it: built, then installed from the tarball.
collection: $(STAMP)
	rm -rf $(TMP)/dist $(COLLECTIONS)
	$(BIN)/ansible-galaxy collection build --output-path $(TMP)/dist --force .
	$(BIN)/ansible-galaxy collection install $(TMP)/dist/mailhygiene-exchange-*.tar.gz -p $(COLLECTIONS) --force

test-collection: collection
	EXCHANGE_TEST_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/pytest -q -p no:cacheprovider tests/unit tests/integration

# Molecule scenarios share one emulator lab (extensions/molecule/default owns it).
test-molecule: collection
	mkdir -p $(TMP)/molecule-lab/inventory $(TMP)/molecule-kerberos/inventory
	$(RUN) $(BIN)/molecule test --all

# ansible-test wants the collection under ansible_collections/<namespace>/<name> with git metadata,
# and bootstraps pip from a host CI cannot reach: give it a copy, and a stand-in bootstrap script.
# The unit tests run there too, as ansible-test runs them (they also run under plain pytest).
sanity: $(STAMP)
	rm -rf $(TMP)/sanity && mkdir -p $(SANITY)
	git ls-files -co --exclude-standard | grep -Ev '^(emulator|bench)/' | tar cf - -T - | tar xf - -C $(SANITY)
	cd $(SANITY) && git init -q && git add -A
	$(BIN)/python .ci/offline_pip_bootstrap.py $(TMP)/home
	cd $(SANITY) && HOME=$(TMP)/home PATH=$(BIN):$$PATH $(BIN)/ansible-test sanity --python $(PY_VERSION) --color no
	cd $(SANITY) && HOME=$(TMP)/home PATH=$(BIN):$$PATH $(BIN)/ansible-test units --python $(PY_VERSION) --color no --num-workers 1

# The emulator's protocol benchmark, then the baseline's on 1, 10 and 50 emulated servers (the role on one
# session per host for the play vs a session per task vs one task per setting), then a ten-task playbook
# (bench/README.md; BENCH_ARGS=--quick for a short baseline run).
bench: collection
	$(BIN)/python emulator/bench/bench_protocol.py
	$(RUN) $(BIN)/python bench/bench_baseline.py $(BENCH_ARGS)
	$(RUN) $(BIN)/python bench/bench_sessions.py

# Backscatter measured on the wire per topology and profile: 1000 forged probes each (bench/README.md;
# BENCH_ARGS=--quick for 100).
bench-backscatter: collection
	$(RUN) $(BIN)/python bench/bench_backscatter.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TMP) .pytest_cache .mypy_cache .ruff_cache

# The collection's tests on a newer Python and ansible-core than the baseline (not part of `make test`):
#   make test-compat COMPAT_PYTHON=python3.13 COMPAT_ANSIBLE='ansible-core>=2.21,<2.22'
COMPAT_PYTHON ?= python3.13
COMPAT_ANSIBLE ?= ansible-core>=2.20
COMPAT := $(TMP)/compat
test-compat:
	rm -rf $(COMPAT) && $(COMPAT_PYTHON) -m venv $(COMPAT)/venv
	$(COMPAT)/venv/bin/python -m pip install --quiet "$(COMPAT_ANSIBLE)" -r requirements.txt -e './emulator[test]'
	$(COMPAT)/venv/bin/ansible-galaxy collection build --output-path $(COMPAT)/dist --force .
	$(COMPAT)/venv/bin/ansible-galaxy collection install $(COMPAT)/dist/mailhygiene-exchange-*.tar.gz -p $(COMPAT)/collections --force
	EXCHANGE_TEST_COLLECTIONS_PATH=$(COMPAT)/collections $(COMPAT)/venv/bin/pytest -q -p no:cacheprovider tests/unit tests/integration
