#!/usr/bin/env bash
# Set up this checkout on a Debian machine and start the station or run the test suite.
#
#   bash scripts/dev.sh start   # set up, provision a demo station if none, open the window
#   bash scripts/dev.sh test    # set up, then lint, type-check and run the whole test suite
#   bash scripts/dev.sh setup   # set up only
#
# Setting up means: the Debian packages in installer/debian-packages.txt (installed when run as
# root; otherwise the missing ones are named and the script stops), a virtual environment in
# .venv with the project and its development tools from PyPI, and the compiled translations.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
ACTION=${1:-start}
shift || true

say() { printf '\033[1m[intake-station]\033[0m %s\n' "$*"; }

ensure_debian_packages() {
    local wanted=() missing=()
    mapfile -t wanted < <(grep -v '^\s*#' installer/debian-packages.txt | sed '/^\s*$/d')
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then wanted+=(python3-venv); fi
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "Missing Debian packages: ${missing[*]}"
        say "Install them as root:  apt-get install -y ${missing[*]}"
        exit 1
    fi
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    local py=python3
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        say "Python 3.11 or newer is needed; found $("$py" --version 2>&1)"
        exit 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating the virtual environment in $VENV"
        "$py" -m venv "$VENV"
    fi
    local stamp="$VENV/.stamp-$(sha256sum pyproject.toml | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        say "Installing the station and its tools from PyPI"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e ".[dev]"
        rm -f "$VENV"/.stamp-*
        touch "$stamp"
    fi
}

setup() {
    ensure_debian_packages
    ensure_venv
    make -s i18n
}

case "$ACTION" in
    setup)
        setup
        ;;
    start)
        setup
        exec make -s start ARGS="$*"
        ;;
    test)
        setup
        exec make -s check
        ;;
    *)
        echo "usage: $0 start|test|setup" >&2
        exit 2
        ;;
esac
