# Two commands for a newcomer: `make run` and `make test`. Both set up everything they need on a
# fresh Debian machine (apt packages, the project venv) and are cheap when it is already set up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
# System packages: venv support for Debian's python; iproute2/iptables/procps for the NAT lab;
# stun-server (Debian's stund) as an independent STUN server in tests; miniupnpd as a real UPnP
# gateway on a lab router (tests/lab/test_port_mapping.py), with nftables for its rules.
APT_PACKAGES := python3-venv python3-dev iproute2 iptables procps stun-server miniupnpd nftables
# Node.js runs the js-libp2p relay of the interop tests; Debian's only if none is installed.
NODE_PACKAGES := nodejs npm

.PHONY: run test lint setup system-deps interop-deps bench clean

run: setup
	$(BIN)/peerup-tray

test: setup lint interop-deps
	$(BIN)/pytest -q -p no:cacheprovider

# js-libp2p (npm, into tests/interop/js) and kubo (PyPI wheel, own venv): cheap when up to date.
interop-deps: setup
	sh tests/interop/install.sh

lint: setup
	$(BIN)/ruff check app tests bench fuzz
	$(BIN)/mypy
	$(BIN)/lint-imports

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v node >/dev/null 2>&1 || missing="$$missing $(NODE_PACKAGES)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

bench: setup
	$(BIN)/python bench/forward.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
	rm -rf tests/interop/.venv-kubo tests/interop/js/node_modules
