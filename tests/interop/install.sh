#!/bin/sh
# Install the independent libp2p peers used by tests/interop (idempotent; cheap when up to date).
#   js:   js-libp2p relay from tests/interop/js/package-lock.json (npm ci)
#   kubo: kubo-python==0.1.5 (kubo 0.22 / go-libp2p 0.29 as a shared library) in its own venv,
#         tests/interop/.venv-kubo, kept apart from the project venv.
# Usage: sh tests/interop/install.sh [js|kubo|all]   (default all; PYTHON=python3 by default)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
what=${1:-all}
PYTHON=${PYTHON:-python3}
KUBO_PIN="kubo-python==0.1.5"

install_js() {
  lock="$here/js/package-lock.json"
  stamp="$here/js/node_modules/.installed-$(sha256sum "$lock" | cut -c1-12)"
  if [ -f "$stamp" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm not found (Node.js >= 20 needed)" >&2; exit 1; }
  echo "installing js-libp2p relay (npm ci) into $here/js/node_modules"
  npm ci --prefix "$here/js" --no-audit --no-fund --loglevel=error
  touch "$stamp"
}

install_kubo() {
  venv="$here/.venv-kubo"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c \
      "import importlib.metadata as m, sys; sys.exit(m.version('kubo-python') != '0.1.5')" 2>/dev/null; then
    return 0
  fi
  echo "installing $KUBO_PIN into $venv"
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$KUBO_PIN"
}

case "$what" in
  js) install_js ;;
  kubo) install_kubo ;;
  all) install_js; install_kubo ;;
  *) echo "usage: $0 [js|kubo|all]" >&2; exit 2 ;;
esac
