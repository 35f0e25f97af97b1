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
# The libraries Qt (PySide6, the tray) loads: offscreen needs the first line, a desktop (xcb) the rest.
QT_PACKAGES := libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 \
  libxkbcommon0 fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 \
  libx11-xcb1
# The GUI tests' desktop: a virtual X server, an XEmbed tray host, a mouse/keyboard driver, a
# private D-Bus session bus, xdg-mime for the peerup:// link handler (tests/gui).
GUI_TEST_PACKAGES := xvfb trayer xdotool dbus fonts-dejavu-core imagemagick xdg-utils
# Node.js runs the js-libp2p relay of the interop tests; Debian's only if none is installed.
NODE_PACKAGES := nodejs npm

.PHONY: run test lint setup system-deps gui-test-deps apt-install interop-deps bench fuzz soak screenshots i18n clean

# The tray; without any display it says so in one line and runs the daemon instead.
run: setup
	$(BIN)/peerup-tray

test: setup lint interop-deps gui-test-deps
	$(BIN)/pytest -q -p no:cacheprovider

# Renders the tray menu and the peers window (offscreen Qt, a demo state) and captures the real
# tray menu of a real tray process under Xvfb with trayer, into docs/screenshots/.
screenshots: setup gui-test-deps
	PEERUP_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -p no:cacheprovider \
	  tests/gui/test_screenshots*.py

# The GUI's translations: the messages in app/gui into i18n/*.ts (English: its plurals only;
# German: every message, translated by hand in i18n/peerup_de.ts), compiled into the package's
# .qm files. tests/unit/gui/test_i18n.py fails on an untranslated or obsolete German message.
GUI_SOURCES = app/gui/*.py app/gui/models/*.py app/gui/widgets/*.py app/gui/dialogs/*.py
i18n: setup
	$(BIN)/pyside6-lupdate -silent -pluralonly -no-obsolete -locations none $(GUI_SOURCES) -ts i18n/peerup_en.ts
	$(BIN)/pyside6-lupdate -silent -no-obsolete -locations none $(GUI_SOURCES) -ts i18n/peerup_de.ts
	for ts in i18n/*.ts; do \
	  $(BIN)/pyside6-lrelease -silent $$ts -qm resources/i18n/$$(basename $${ts%.ts}).qm; \
	done

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
	$(BIN)/python -m pip install --quiet -e '.[dev,gui]'
	rm -f $(VENV)/.installed-*
	touch $@

system-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES) $(QT_PACKAGES)"
	@command -v node >/dev/null 2>&1 || $(MAKE) --no-print-directory apt-install PACKAGES="$(NODE_PACKAGES)"

gui-test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(GUI_TEST_PACKAGES)"

# apt-get install PACKAGES, only those not installed yet (nothing, and no apt, when all are).
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

bench: setup
	$(BIN)/python bench/forward.py

# The soak (tests/soak, NAT lab, needs root): checksummed traffic through a direct, a relayed and a
# hole-punched forward while the relay restarts, links drop, addresses change and daemons die,
# for SOAK_MINUTES; the last line is its JSON report. `make test` runs a bounded ~2.5 min version.
SOAK_MINUTES ?= 10
SOAK_ARGS ?=
soak: setup
	$(BIN)/python -m tests.soak --minutes $(SOAK_MINUTES) $(SOAK_ARGS)

# The fuzz harness for longer than `make test`'s 20000 inputs (seed 7): FUZZ_RUNS inputs from
# FUZZ_SEED (a few minutes by default). Without --runs and with atheris installed,
# `python fuzz/fuzz_core_parsers.py` runs coverage-guided instead.
FUZZ_RUNS ?= 500000
FUZZ_SEED ?= 1
fuzz: setup
	$(BIN)/python fuzz/fuzz_core_parsers.py --runs $(FUZZ_RUNS) --seed $(FUZZ_SEED)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
	rm -rf tests/interop/.venv-kubo tests/interop/js/node_modules
