#!/usr/bin/env bash
# Vendor the site's browser assets from npm (pinned by package-lock.json) into vendor/.
#
# The built site must work offline, so MathJax, require.js and the ipywidgets HTML
# manager are served from the site itself instead of the CDNs Jupyter Book uses by
# default. _config.yml lists vendor/ in html_static_path, so Sphinx copies these
# files to _build/html/_static/ (mathjax/, require.js, html-manager/).
#
# Usage: bash scripts/vendor_assets.sh [DEST]     (DEST defaults to <repo>/vendor)
# Run it before `jupyter-book build`. vendor/ and node_modules/ are git-ignored.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/vendor}"
MODULES="$ROOT/node_modules"
STAMP="$MODULES/.lstm-book-lock.sha256"

command -v npm >/dev/null || { echo "vendor_assets: npm not found (install Node.js >= 18)" >&2; exit 1; }
cd "$ROOT"

# npm ci installs exactly what package-lock.json pins; skip it when node_modules
# already holds that lock's install (the stamp is the lock's checksum).
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$lock_sum" ]]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > "$STAMP"
fi

manager="$MODULES/@jupyter-widgets/html-manager/dist"
for needed in "$MODULES/mathjax/es5/tex-mml-chtml.js" "$MODULES/requirejs/require.js" "$manager/embed-amd.js" \
    "$MODULES/anywidget/dist/index.js" "$MODULES/axe-core/axe.min.js"; do
    [[ -f "$needed" ]] || { echo "vendor_assets: missing $needed after npm ci" >&2; exit 1; }
done

rm -rf "$DEST"
mkdir -p "$DEST/mathjax" "$DEST/html-manager" "$DEST/anywidget"

# MathJax 3: the combined TeX+MathML/CHTML component plus everything it loads on
# demand (extensions, fonts, menu, accessibility), so no request can 404.
cp -R "$MODULES/mathjax/es5/." "$DEST/mathjax/"
cp "$MODULES/mathjax/LICENSE" "$DEST/mathjax/LICENSE"

# require.js: the AMD loader embed-amd.js needs.
cp "$MODULES/requirejs/require.js" "$DEST/require.js"

# The widget manager bundle and the icon fonts it references next to itself.
cp "$manager/embed-amd.js" "$DEST/html-manager/"
find "$manager" -maxdepth 1 -type f \
    \( -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' -o -name '*.eot' -o -name '*.svg' \) \
    -exec cp {} "$DEST/html-manager/" \;
cp "$MODULES/@jupyter-widgets/html-manager/LICENSE" "$DEST/html-manager/LICENSE" 2>/dev/null || true

# anywidget's front end (an AMD module needing @jupyter-widgets/base): the live explorers.
# book/_static/anywidget-paths.js maps the module name "anywidget" to this file, so
# html-manager never looks for it on a CDN. (axe-core stays in node_modules: only the
# browser tests inject it.)
cp "$MODULES/anywidget/dist/index.js" "$DEST/anywidget/index.js"
cp "$MODULES/anywidget/LICENSE" "$DEST/anywidget/LICENSE" 2>/dev/null || true

versions="$(node -e '
const v = (p) => JSON.parse(require("fs").readFileSync("node_modules/" + p + "/package.json")).version;
console.log(`mathjax ${v("mathjax")}, requirejs ${v("requirejs")}, @jupyter-widgets/html-manager ${v("@jupyter-widgets/html-manager")}, anywidget ${v("anywidget")}, axe-core ${v("axe-core")}`);
' 2>/dev/null || echo "versions unknown")"
echo "vendor_assets: $versions -> $DEST ($(du -sh "$DEST" | cut -f1))"
