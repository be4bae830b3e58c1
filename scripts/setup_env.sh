#!/usr/bin/env bash
# Create .venv (Python 3.11) if missing and install the pinned environment plus lstm_edu.
# Sourced by build_book.sh, test.sh and lab.sh; safe to run on its own:  bash scripts/setup_env.sh
# Re-running is cheap: pip runs again only when requirements.txt, constraints.txt or
# pyproject.toml changed since the last successful install (stamp in .venv/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTM_BOOK_VENV:-$ROOT/.venv}"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "setup_env: Python 3.11 not found (tried \$PYTHON, python3.11, python3)" >&2
    return 1
}

install_stamp() {
    cat "$ROOT/requirements.txt" "$ROOT/constraints.txt" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1
}

setup_env() {
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)"
        echo "setup_env: creating $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    local stamp_file="$VENV/.lstm-book-install" stamp
    stamp="$(install_stamp)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
        "$VENV/bin/python" -c 'import lstm_edu' 2>/dev/null; then
        echo "setup_env: $VENV is up to date"
        return 0
    fi
    echo "setup_env: installing requirements.txt (locked by constraints.txt) into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt"
    # Dependencies are already installed from the lock; setuptools comes from it too.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --no-build-isolation -e "$ROOT"
    "$VENV/bin/python" -m pip check
    echo "$stamp" > "$stamp_file"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    setup_env
fi
