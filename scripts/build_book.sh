#!/usr/bin/env bash
# Build the static site into _build/html (the README's first command; also `make book`).
#   bash scripts/build_book.sh              create/refresh .venv, vendor assets, build
#   bash scripts/build_book.sh --no-install skip the .venv step (scripts/test.sh has done it)
# The site renders the outputs stored in the notebooks (execute_notebooks: off in _config.yml);
# nothing is executed here. Every page is rebuilt (--all) so that -W reports every warning,
# not only those of pages changed since the last build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup_env.sh
. "$ROOT/scripts/setup_env.sh"

install=1
for arg in "$@"; do
    case "$arg" in
        --no-install) install=0 ;;
        *) echo "build_book: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [ "$install" = 1 ]; then
    setup_env
fi
export PATH="$VENV/bin:$PATH"

if [ -f "$ROOT/scripts/vendor_assets.sh" ]; then
    echo "build_book: vendoring the site's JavaScript (scripts/vendor_assets.sh)"
    bash "$ROOT/scripts/vendor_assets.sh"
fi

echo "build_book: jupyter-book build . -W -n --keep-going --all"
start=$(date +%s.%N)
status=0
jupyter-book build "$ROOT" -W -n --keep-going --all || status=$?
seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
mkdir -p "$ROOT/_build"
echo "$seconds" > "$ROOT/_build/site-build-seconds.txt"

if [ "$status" != 0 ]; then
    echo "build_book: FAILED after $seconds s (exit $status): warnings count as errors (-W)" >&2
    exit "$status"
fi
cat <<MSG

build_book: site built in $seconds s
  $ROOT/_build/html/index.html
Serve it:
  $VENV/bin/python -m http.server --bind 127.0.0.1 -d "$ROOT/_build/html" 8000
and open http://127.0.0.1:8000/
MSG
