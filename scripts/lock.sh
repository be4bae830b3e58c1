#!/usr/bin/env bash
# Regenerate constraints.txt (`make lock`) from the packages installed in .venv.
# After adding a package: pin it with == in requirements.txt, pip install it into .venv, run this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${LSTM_BOOK_VENV:-$ROOT/.venv}/bin/python"
{
    echo "# Full lock of the book's environment (pip freeze of .venv, minus lstm_edu itself)."
    echo "# Used as: pip install -r requirements.txt -c constraints.txt   Regenerate: make lock"
    # --all keeps setuptools and wheel (lstm_edu is built with --no-build-isolation);
    # pip itself comes with the venv. torch: the CPU build's local version "+cpu" is dropped,
    # because "torch==2.13.0" also matches 2.13.0+cpu and is what requirements.txt says.
    "$PY" -m pip freeze --all --exclude-editable |
        grep -v -i -E '^(pip|lstm[-_]edu)(==| @)' |
        sed -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/'
} > "$ROOT/constraints.txt"
# every direct requirement must be locked at the same version
status=0
while read -r line; do
    [[ "$line" =~ ^[A-Za-z0-9_.-]+== ]] || continue
    name="${line%%==*}"
    if ! grep -i -q -x -F "$line" "$ROOT/constraints.txt"; then
        echo "lock: requirements.txt says $line but .venv has $(grep -i "^$name==" "$ROOT/constraints.txt" || echo 'nothing')" >&2
        status=1
    fi
done < "$ROOT/requirements.txt"
echo "lock: $(grep -c '==' "$ROOT/constraints.txt") packages in constraints.txt"
exit "$status"
