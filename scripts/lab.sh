#!/usr/bin/env bash
# Open the book's notebooks in JupyterLab (`make lab`), on 127.0.0.1 with token authentication.
#   bash scripts/lab.sh                 install .venv if needed, then start JupyterLab
#   bash scripts/lab.sh --no-install    start it from the existing .venv
# Settings (environment): LAB_PORT (default 8888), LAB_TOKEN (default: a fresh random token).
# The server replaces this shell (exec), so its process id is this script's: tests that
# start it in the background stop it by that id. It listens on 127.0.0.1 only, never tries
# another port (the printed address is the real one), and makes no outside requests
# (no news feed, no update check). The JupyterLab end-to-end test uses this same set-up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup_env.sh
. "$ROOT/scripts/setup_env.sh"

install=1
for arg in "$@"; do
    case "$arg" in
        --no-install) install=0 ;;
        *) echo "lab: unknown option $arg" >&2; exit 2 ;;
    esac
done
if [ "$install" = 1 ]; then
    setup_env >&2
fi

PORT="${LAB_PORT:-8888}"
TOKEN="${LAB_TOKEN:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')}"

echo "lab: JupyterLab at http://127.0.0.1:$PORT/lab?token=$TOKEN  (Ctrl-C to stop)" >&2
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
exec jupyter lab \
    --no-browser \
    --ServerApp.ip=127.0.0.1 \
    --ServerApp.port="$PORT" \
    --ServerApp.port_retries=0 \
    --IdentityProvider.token="$TOKEN" \
    --ServerApp.root_dir="$ROOT" \
    --ServerApp.allow_root=True \
    --LabApp.news_url=None \
    --LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate \
    --ServerApp.default_url=/lab/tree/book
