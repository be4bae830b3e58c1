"""Visit one page of the built site in headless chromium and record what a reader would meet.

`visit_page` loads a page with every off-site request blocked, waits for MathJax and the
embedded widgets, inspects the rendered DOM, runs axe-core (desktop in the light theme and
390 px mobile in the dark one), saves screenshots (desktop and mobile, light and dark) and
moves every widget control: the old precomputed ipywidgets explorers by their slider handles,
comparing pixel hashes of the widget's picture before and after; the live explorers
(`.lstm-explorer`, anywidget) from the keyboard only, comparing what they draw (SVG paths,
readouts, text). The tests in test_site.py and test_accessibility.py assert on the
`PageReport` it returns.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
# axe-core from npm (package.json / package-lock.json pin 4.14.1; scripts/vendor_assets.sh
# installs it into node_modules/); injected into each page, never part of the site.
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers (CI) give /dev/shm 64 MB: too small for long pages
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
LOAD_TIMEOUT_MS = 30_000
WIDGET_TIMEOUT_MS = 20_000
PICTURE_TIMEOUT_S = 5.0
# pydata-sphinx-theme makes code blocks that scroll at the new width keyboard-focusable
# (tabindex 0) 300 ms after the last resize; a reader who opens the page on a phone has them.
THEME_RESIZE_MS = 400
# Full-page screenshots cost seconds each on long pages: by default the light-theme shots
# (desktop and mobile) cover the whole page and the dark ones the first screen;
# LSTM_BOOK_FULL_SCREENSHOTS=1 makes all four full-page.
FULL_PAGE_SHOTS = (
    {"desktop-light", "desktop-dark", "mobile-light", "mobile-dark"}
    if os.environ.get("LSTM_BOOK_FULL_SCREENSHOTS") == "1"
    else {"desktop-light", "mobile-light"}
)

# Console messages that are not ours to fix, each with the reason it is tolerated.
ALLOWED_CONSOLE = [
    (
        re.compile(r"^strict mode: use allowUnionTypes to allow union type keyword"),
        "warning printed by the ajv copy inside @jupyter-widgets/html-manager 1.0.15 while it "
        "compiles its own widget-state schema (ajv's default strict='log'); the page cannot "
        "configure it",
    ),
]

WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
CONTROL_SELECTOR = ".noUi-handle, .ui-slider-handle, select, .widget-toggle-button"
# A live explorer (lstm_edu/widgets/js, anywidget): its root element inside the widget output.
LIVE_EXPLORER = ".lstm-explorer"
LIVE_TIMEOUT_S = 2.0  # the live explorers redraw within the event; a frame or two at most


class QuietHandler(SimpleHTTPRequestHandler):
    """Static file handler that records error statuses instead of printing a log line."""

    errors: list[str]

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        """Silence the per-request log."""

    def log_request(self, code="-", size="-"):
        """Record every response of status 400 or more."""
        try:
            status = int(code)
        except (TypeError, ValueError):
            status = 0
        if status >= 400:
            self.errors.append(f"{status} {self.path}")


@dataclass
class SiteServer:
    """The built site served on 127.0.0.1 from a background thread."""

    root: Path
    server: ThreadingHTTPServer
    errors: list[str]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(root: Path) -> SiteServer:
    """Serve `root` on a free port of 127.0.0.1; the caller must `close()` it."""
    errors: list[str] = []
    handler = partial(type("Handler", (QuietHandler,), {"errors": errors}), directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="site-server", daemon=True).start()
    return SiteServer(root=root, server=server, errors=errors)


def discover_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root (posix)."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    pages = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site)
        if relative.parts[0] in skip:
            continue
        pages.append(relative.as_posix())
    return pages


@dataclass
class ControlMove:
    """One control of one widget moved once: did the widget's picture change?"""

    widget: int
    control: int
    kind: str
    changed: bool
    restored: bool
    detail: str = ""


@dataclass
class AxeViolation:
    """One element axe-core flagged, with the rule it breaks."""

    rule: str
    impact: str
    target: str  # CSS selector(s) of the element, as axe names it
    where: str  # "desktop-light" or "mobile-dark": the layout and theme axe ran in
    html: str = ""
    help: str = ""

    @property
    def blocking(self) -> bool:
        return self.impact in AXE_BLOCKING

    @property
    def in_old_widget(self) -> bool:
        """On a handle of the old ipywidgets sliders (noUiSlider / jQuery UI)."""
        return any(m in self.target or m in self.html
                   for m in ("noUi-handle", "ui-slider-handle", "widget-slider"))

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}, {self.where}) at {self.target}: {self.help}; {self.html}"


@dataclass
class KeyChange:
    """One control of one live explorer changed from the keyboard: did its picture change?

    `restored` is None for buttons (pressing one is not undone) and text boxes (typing may
    switch the explorer's mode too, so typing the old text back need not restore the picture).
    """

    explorer: int
    control: int
    kind: str  # range, number, radio, checkbox, select, text, button
    name: str
    keys: str
    changed: bool
    restored: bool | None
    via: str = ""  # a button that applies the control's new value, when it does not act alone
    detail: str = ""

    def __str__(self) -> str:
        via = f" then Enter on {self.via!r}" if self.via else ""
        return (f"explorer {self.explorer}, {self.kind} {self.name!r} ({self.keys}{via}): "
                f"changed={self.changed} restored={self.restored}{'; ' + self.detail if self.detail else ''}")


@dataclass
class PageReport:
    """What a reader's browser met on one page."""

    page: str
    console: list[str] = field(default_factory=list)
    tolerated_console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    math_nodes: int = 0
    math_unrendered: list[str] = field(default_factory=list)
    math_raw: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    widget_views: int = 0
    widgets_rendered: int = 0
    widget_problems: list[str] = field(default_factory=list)
    moves: list[ControlMove] = field(default_factory=list)
    static_widgets: int = 0
    live_explorers: int = 0
    live_problems: list[str] = field(default_factory=list)
    key_changes: list[KeyChange] = field(default_factory=list)
    axe: list[AxeViolation] = field(default_factory=list)
    axe_runs: list[str] = field(default_factory=list)
    axe_error: str = ""
    images: int = 0
    images_without_text: list[str] = field(default_factory=list)
    install_cells: list[str] = field(default_factory=list)
    launch_links: dict[str, str] = field(default_factory=dict)
    script_tags: int = 0
    redirect_to: str = ""
    screenshots: list[Path] = field(default_factory=list)
    seconds: float = 0.0


_INSPECT_JS = r"""
() => {
  const main = document.querySelector("main#main-content article") ||
               document.querySelector("main") || document.body;
  const clip = (s) => s.replace(/\s+/g, " ").trim().slice(0, 160);

  // Math: every Sphinx math node holds MathJax output; no raw TeX left in prose.
  const mathNodes = [...main.querySelectorAll(".math")];
  const unrendered = mathNodes.filter((n) => !n.querySelector("mjx-container"))
                              .map((n) => clip(n.textContent));
  const errors = [...main.querySelectorAll("mjx-merror, [data-mjx-error]")]
                   .map((n) => clip(n.getAttribute("data-mjx-error") || n.textContent));
  const prose = main.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight")
       .forEach((n) => n.remove());
  const text = prose.textContent;
  const raw = [];
  for (const pattern of [/\$\$/, /\\\(/, /\\\[/, /\\begin\{/, /\$\\[A-Za-z]+/]) {
    const m = text.match(pattern);
    if (m) raw.push(clip(text.slice(Math.max(0, m.index - 40), m.index + 60)));
  }

  // Images: alt text that says something, a widget tooltip, or a figure caption.
  const looksLikePath = (s) => /[\/\\]|\.(png|jpe?g|svg|gif|webp)$/i.test(s);
  const images = [...main.querySelectorAll("img")];
  const missing = images.filter((img) => {
    const alt = (img.getAttribute("alt") || "").trim();
    if (alt && !looksLikePath(alt)) return false;
    const label = (img.getAttribute("aria-label") || img.getAttribute("title") || "").trim();
    if (label && label !== "null") return false;
    const figure = img.closest("figure");
    const caption = figure && figure.querySelector("figcaption");
    return !(caption && caption.textContent.trim());
  }).map((img) => (img.getAttribute("alt") || img.getAttribute("src") || "").slice(0, 120));

  // The Colab/Binder install cell must never reach the site.
  const install = [...main.querySelectorAll("div.cell")].map((c) => c.textContent)
    .filter((t) => (/pip install/.test(t) && /ImportError/.test(t)) ||
                   /git\+https:\/\/github\.com\/lstm-book/.test(t))
    .map(clip);

  const launch = {};
  for (const a of document.querySelectorAll("a[href]")) {
    const href = a.getAttribute("href");
    if (href.startsWith("https://colab.research.google.com/")) launch.colab = href;
    if (href.startsWith("https://mybinder.org/")) launch.binder = href;
  }

  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const rendered = [...document.querySelectorAll(".widget-subarea")]
    .filter((n) => n.querySelector(".jupyter-widgets, .lstm-explorer")).length;
  return {
    mathNodes: mathNodes.length, unrendered, errors, raw,
    images: images.length, missing, install, launch,
    views: views.length, rendered,
    scripts: document.querySelectorAll("script[src]").length,
  };
}
"""

# rendered: an ipywidgets view (.jupyter-widgets) or a live explorer's root (anywidget views
# carry no .jupyter-widgets class)
_WIDGETS_READY_JS = """
(n) => [...document.querySelectorAll(".widget-subarea")]
         .filter((el) => el.querySelector(".jupyter-widgets, .lstm-explorer")).length >= n
"""

_MATHJAX_IDLE_JS = """
async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; return true; }
  return false;
}
"""


def _console_handler(report: PageReport):
    def on_console(message) -> None:
        if message.type not in ("error", "warning"):
            return
        text = f"{message.type}: {message.text}"
        for pattern, _reason in ALLOWED_CONSOLE:
            if pattern.search(message.text):
                report.tolerated_console.append(text)
                return
        report.console.append(text)

    return on_console


def _block_offsite(report: PageReport, origin: str):
    def route(route) -> None:
        url = route.request.url
        if url.startswith(origin + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            report.offsite.append(url)
            route.abort()

    return route


def _wait_settled(page) -> None:
    """Wait until MathJax has typeset everything it queued (no-op on pages without math)."""
    page.evaluate(_MATHJAX_IDLE_JS)


def _picture_hash(widget) -> str:
    """Pixel hash of the widget's visible picture(s): every <img> it shows, in order."""
    digest = hashlib.sha256()
    images = widget.locator("img")
    shown = 0
    for i in range(images.count()):
        image = images.nth(i)
        if not image.is_visible():
            continue
        digest.update(image.screenshot(animations="disabled", type="png"))
        shown += 1
    if shown == 0:
        return ""
    return digest.hexdigest()


_VISIBLE_SOURCES_JS = """
(widget) => {
  const shown = [...widget.querySelectorAll("img")].filter((img) => img.getClientRects().length > 0);
  if (!shown.length || shown.some((img) => !img.complete || img.naturalWidth === 0)) return null;
  return shown.map((img) => img.currentSrc || img.src).join(" ");
}
"""


def _visible_sources(widget) -> str | None:
    """The src of every visible <img> of the widget, or None while a picture is still loading.

    A cheap signal that the picture was swapped; the pixels are compared afterwards.
    """
    return widget.evaluate(_VISIBLE_SOURCES_JS)


def _wait_for_sources(widget, sources: str | None, want_change: bool) -> bool:
    """Poll until the loaded, visible image sources differ from (or equal) `sources`.

    Returns False on timeout (PICTURE_TIMEOUT_S): nothing was swapped.
    """
    deadline = time.monotonic() + PICTURE_TIMEOUT_S
    while True:
        current = _visible_sources(widget)
        if current is not None and (current != sources) == want_change:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


_SLIDER_STATE_JS = """
(handle) => {
  const slider = handle.closest(".widget-slider");
  const readout = slider && slider.querySelector(".widget-readout");
  const origin = handle.closest(".noUi-origin");
  return [handle.getAttribute("aria-valuenow"), readout ? readout.textContent : "",
          origin ? origin.style.transform : ""].join("|");
}
"""


def _move_slider(handle) -> tuple[str, str] | None:
    """Press an arrow key on a slider handle; return (key pressed, key that undoes it).

    A move is seen in the readout or the handle's position as well as aria-valuenow
    (which noUiSlider rounds: 0.90 -> 0.91 leaves it at "0.9").
    """
    handle.scroll_into_view_if_needed()
    start = handle.evaluate(_SLIDER_STATE_JS)
    handle.focus()
    handle.press("ArrowRight")
    if handle.evaluate(_SLIDER_STATE_JS) != start:
        return "ArrowRight", "ArrowLeft"
    handle.press("ArrowLeft")
    if handle.evaluate(_SLIDER_STATE_JS) != start:
        return "ArrowLeft", "ArrowRight"
    return None


def _move_control(control) -> tuple[str, Callable[[], None]] | None:
    """Move one control by one step; return (kind, undo) or None when it cannot move."""
    classes = control.get_attribute("class") or ""
    tag = control.evaluate("(el) => el.tagName.toLowerCase()")
    if "noUi-handle" in classes or "ui-slider-handle" in classes:
        keys = _move_slider(control)
        if keys is None:
            return None
        return "slider", lambda: control.press(keys[1])
    if tag == "select":
        values = control.evaluate("(el) => [...el.options].map((o) => o.value)")
        start = control.input_value()
        others = [v for v in values if v != start]
        if not others:
            return None
        control.select_option(others[0])
        return "dropdown", lambda: control.select_option(start)
    if "widget-toggle-button" in classes:
        group = control.locator("xpath=..").locator(".widget-toggle-button")
        active = [
            "mod-active" in (group.nth(i).get_attribute("class") or "") for i in range(group.count())
        ]
        if len(active) < 2 or all(active):
            return None
        previous = active.index(True) if any(active) else None
        group.nth(active.index(False)).click()
        return "toggle", (lambda: group.nth(previous).click()) if previous is not None else (lambda: None)
    return None


STATIC_WIDGET = ".widget-subarea"


def exercise_widgets(page, report: PageReport, container: str = STATIC_WIDGET) -> None:
    """Move every control of every rendered widget; record whether its picture changed.

    Widgets that hold a live explorer are left to `exercise_live_explorers`.
    `container` selects one element per displayed widget (the static site's
    `.widget-subarea`; JupyterLab's widget output area).
    """
    widgets = page.locator(container)
    for w in range(widgets.count()):
        widget = widgets.nth(w)
        if widget.locator(LIVE_EXPLORER).count():
            continue  # a live explorer: exercise_live_explorers drives it from the keyboard
        report.static_widgets += 1
        if not widget.is_visible():
            report.widget_problems.append(f"widget {w}: rendered but not visible")
            continue
        widget.scroll_into_view_if_needed()
        controls = widget.locator(CONTROL_SELECTOR)
        if controls.count() == 0:
            report.widget_problems.append(f"widget {w}: no control the test knows how to move")
            continue
        before = _picture_hash(widget)
        if not before:
            report.widget_problems.append(f"widget {w}: shows no picture (<img>)")
            continue
        for c in range(controls.count()):
            sources = _visible_sources(widget)
            moved = _move_control(controls.nth(c))
            if moved is None:
                report.moves.append(ControlMove(w, c, "?", False, False, "control did not move"))
                continue
            kind, undo = moved
            # Wait until the browser swaps the picture (a new <img> or src), then compare
            # the pixels on screen; the same again after moving the control back.
            swapped = _wait_for_sources(widget, sources, want_change=True)
            after = _picture_hash(widget)
            after_sources = _visible_sources(widget)
            undo()
            if swapped:
                _wait_for_sources(widget, after_sources, want_change=True)
            restored = _picture_hash(widget)
            report.moves.append(
                ControlMove(w, c, kind, changed=after not in ("", before), restored=restored == before)
            )
            before = restored  # the next control starts from what is shown


_AXE_RUN_JS = """
async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  const clip = (s) => s.replace(/\\s+/g, " ").trim().slice(0, 200);
  return result.violations.flatMap((v) => v.nodes.map((node) => ({
    rule: v.id, impact: node.impact || v.impact || "",
    target: node.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(", "),
    html: clip(node.html || ""), help: v.help,
  })));
}
"""


def run_axe(page, report: PageReport, where: str) -> None:
    """Run axe-core on the page as it is now (every rule, no exclusion); record its violations.

    axe.min.js is injected with Playwright's add_script_tag (it is not part of the site).
    """
    if not AXE_JS.is_file():
        report.axe_error = (f"{AXE_JS} missing: `bash scripts/vendor_assets.sh` installs axe-core "
                            "from package-lock.json")
        return
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(_AXE_RUN_JS)
    report.axe.extend(AxeViolation(where=where, **item) for item in found)
    report.axe_runs.append(where)


# The live explorers (lstm_edu/widgets/js/controls.js): every focusable control gets a
# data-kbd attribute so Python can address it; one entry per radio group (its fieldset).
_LIVE_CONTROLS_JS = """
(root, prefix) => {
  const text = (n) => (n ? n.textContent.replace(/\\s+/g, " ").trim() : "");
  const shown = (n) => n.getClientRects().length > 0;
  const nameOf = (el) => el.getAttribute("aria-label") ||
    (el.labels && el.labels.length ? text(el.labels[0]) : "") || text(el) || el.id;
  const controls = [];
  const groups = new Set();
  for (const el of root.querySelectorAll("input, select, textarea, button")) {
    if (el.disabled || el.type === "hidden" || !shown(el)) continue;
    let kind, target = el, name;
    if (el.type === "radio") {
      const group = el.closest("fieldset") || el.parentElement;
      if (groups.has(group)) continue;
      groups.add(group);
      kind = "radio"; target = group; name = text(group.querySelector("legend")) || el.name;
    } else if (el.tagName === "SELECT") { kind = "select"; name = nameOf(el); }
    else if (el.tagName === "TEXTAREA") { kind = "textarea"; name = nameOf(el); }
    else if (el.tagName === "BUTTON" || ["button", "submit", "reset"].includes(el.type)) {
      kind = "button"; name = nameOf(el);
    } else if (["range", "number", "checkbox"].includes(el.type)) { kind = el.type; name = nameOf(el); }
    else if (["text", "search", ""].includes(el.type)) { kind = "text"; name = nameOf(el); }
    else { kind = "other:" + el.type; name = nameOf(el); }
    const key = `${prefix}-${controls.length}`;
    target.setAttribute("data-kbd", key);
    controls.push({ key, kind, name: name || "(no name)" });
  }
  return controls;
}
"""

# What the explorer shows, without its controls: SVG paths, readouts, text, bars, images.
# Control rows (slider values, messages under text boxes) are left out: a control that only
# echoes its own value has not changed the picture.
_LIVE_PICTURE_JS = """
(root) => {
  const copy = root.cloneNode(true);
  copy.querySelectorAll("input, select, textarea, button, output, label, fieldset, " +
                        ".lstm-control, .lstm-controls, .lstm-message").forEach((n) => n.remove());
  copy.querySelectorAll("[data-kbd]").forEach((n) => n.removeAttribute("data-kbd"));
  return copy.innerHTML;
}
"""

_LIVE_STATE_JS = """
(root) => {
  const problems = [];
  for (const svg of root.querySelectorAll("figure.lstm-chart svg")) {
    if (svg.getAttribute("role") !== "img" || !(svg.getAttribute("aria-label") || "").trim())
      problems.push("a chart without role=img and a text alternative (aria-label)");
  }
  if (!root.querySelector("[aria-live]")) problems.push("no live readout ([aria-live])");
  const errors = [...root.querySelectorAll(".lstm-message.lstm-error, [role=alert]")]
    .map((n) => n.textContent.trim()).filter(Boolean);
  const invalid = root.querySelectorAll("[aria-invalid=true]").length;
  return { problems, errors, invalid };
}
"""

_NEXT_FRAMES_JS = ("() => new Promise((r) => requestAnimationFrame(() => "
                   "requestAnimationFrame(() => r(true))))")


def _live_picture(root) -> str:
    return root.evaluate(_LIVE_PICTURE_JS)


def _wait_picture(root, reference: str, want_change: bool, timeout: float = LIVE_TIMEOUT_S) -> bool:
    """Poll until the picture differs from (or equals) `reference`; False on timeout."""
    page = root.page
    deadline = time.monotonic() + timeout
    while True:
        page.evaluate(_NEXT_FRAMES_JS)
        if (_live_picture(root) != reference) == want_change:
            return True
        if time.monotonic() > deadline:
            return False


def edited_text(value: str, placeholder: str = "") -> str:
    """A different value for a text box, likely valid for what it held: its last word dropped.

    Numbers, sentences and prompts alike stay readable with one word fewer; a one-word value
    is repeated ("0.5" -> "0.5 0.5"); an empty box gets its placeholder.
    """
    words = value.split()
    if len(words) >= 2:
        return value[: value.rstrip().rfind(words[-1])].rstrip(" ,;")
    if words:
        return f"{value.strip()} {value.strip()}"
    return placeholder


def _type_into(page, control, text: str, kind: str) -> None:
    """Replace a text box's content from the keyboard and apply it (Enter; Tab for a textarea)."""
    control.focus()
    page.keyboard.press("Control+A")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Backspace")
    page.keyboard.press("Tab" if kind == "textarea" else "Enter")


def _key_change(page, root, key: str, kind: str):
    """Change one control from the keyboard; return (keys pressed, undo, detail) or None."""
    control = root.locator(f'[data-kbd="{key}"]')
    value_js = "(el) => el.value"
    if kind in ("range", "number", "select"):
        up, down = {"range": ("ArrowRight", "ArrowLeft"), "number": ("ArrowUp", "ArrowDown"),
                    "select": ("ArrowDown", "ArrowUp")}[kind]
        control.focus()
        start = control.evaluate(value_js)
        for forward, back in ((up, down), (down, up)):
            control.press(forward)
            if kind == "number":
                control.press("Enter")
            if control.evaluate(value_js) != start:
                def undo(back=back):
                    control.focus()
                    control.press(back)
                    if kind == "number":
                        control.press("Enter")
                return forward, undo, f"{start} -> {control.evaluate(value_js)}"
        return None
    if kind == "radio":
        radios = control.locator('input[type="radio"]')
        checked = control.locator('input[type="radio"]:checked')
        if radios.count() < 2:
            return None
        (checked if checked.count() else radios.first).focus()
        start = control.evaluate("(g) => (g.querySelector('input:checked') || {}).value")
        page.keyboard.press("ArrowRight")
        now = control.evaluate("(g) => (g.querySelector('input:checked') || {}).value")
        if now == start:
            return None

        def undo():
            control.locator('input[type="radio"]:checked').focus()
            page.keyboard.press("ArrowLeft")
        return "ArrowRight", undo, f"{start} -> {now}"
    if kind == "checkbox":
        control.focus()
        page.keyboard.press("Space")
        return "Space", lambda: (control.focus(), page.keyboard.press("Space")), ""
    if kind in ("text", "textarea"):
        start = control.input_value()
        new = edited_text(start, control.get_attribute("placeholder") or "")
        if new == start:
            return None
        _type_into(page, control, new, kind)
        return f"typed {new[:40]!r} + Enter", lambda: _type_into(page, control, start, kind), ""
    return None


def _press_button(root, key: str) -> None:
    button = root.locator(f'[data-kbd="{key}"]')
    button.focus()
    button.press("Enter")


def exercise_live_explorers(page, report: PageReport, container: str = STATIC_WIDGET) -> None:
    """Change every control of every live explorer from the keyboard; record whether its picture changed.

    Each control is focused and changed with keys (arrows on sliders, number boxes, radio
    groups and selects, Space on checkboxes, a new value typed and Enter in text boxes); the
    picture must change, and (text boxes apart) come back when the change is undone by keys. A control whose
    new value only shows after a button of its explorer is pressed ("Sample") counts when
    Enter on that button changes the picture, and so does the button. Any other button is
    pressed after a change of the explorer's first control: Enter on it must change the
    picture too.
    """
    explorers = page.locator(f"{container} {LIVE_EXPLORER}")
    report.live_explorers = explorers.count()
    for e in range(explorers.count()):
        root = explorers.nth(e)
        root.scroll_into_view_if_needed()
        state = root.evaluate(_LIVE_STATE_JS)
        report.live_problems.extend(f"explorer {e}: {p}" for p in state["problems"])
        controls = root.evaluate(_LIVE_CONTROLS_JS, f"x{e}")
        buttons = [c for c in controls if c["kind"] == "button"]
        others = [c for c in controls if c["kind"] != "button"]
        if not others:
            report.live_problems.append(f"explorer {e}: no control to change from the keyboard")
            continue
        for c, control in enumerate(controls):
            if control["kind"] == "button" or control["kind"].startswith("other:"):
                if control["kind"].startswith("other:"):
                    report.live_problems.append(
                        f"explorer {e}: control {control['name']!r} of a kind the check cannot drive "
                        f"({control['kind']})")
                continue
            before = _live_picture(root)
            moved = _key_change(page, root, control["key"], control["kind"])
            if moved is None:
                report.key_changes.append(KeyChange(e, c, control["kind"], control["name"], "", False, False,
                                                    detail="the keys did not change its value"))
                continue
            keys, undo, detail = moved
            changed = _wait_picture(root, before, want_change=True)
            via = ""
            if not changed:
                for button in buttons:
                    _press_button(root, button["key"])
                    if _wait_picture(root, before, want_change=True):
                        changed, via = True, button["name"]
                        break
            state = root.evaluate(_LIVE_STATE_JS)
            if state["errors"] or state["invalid"]:
                detail = f"{detail}; refused: {' / '.join(state['errors']) or 'aria-invalid'}".strip("; ")
            undo()
            if via:
                _press_button(root, next(b["key"] for b in buttons if b["name"] == via))
            # Typing into a text box may switch the explorer's mode as well (the gate explorer's
            # own sequence selects the "your own sequence" pattern): typing the old text back
            # need not restore the first picture, so only keys on other controls must.
            if control["kind"] in ("text", "textarea"):
                restored = None
                page.evaluate(_NEXT_FRAMES_JS)
            else:
                restored = _wait_picture(root, before, want_change=False)
            report.key_changes.append(KeyChange(e, c, control["kind"], control["name"], keys, changed,
                                                restored, via=via, detail=detail))
        # buttons: one that applied a control's change above has shown it works; any other is
        # pressed after a change of the first control that changes the picture by itself
        # ("Reset the inputs", "Sample" with a new prompt)
        mine = [k for k in report.key_changes if k.explorer == e]
        first = next((k for k in mine if k.changed and not k.via), None)
        for button in buttons:
            c = controls.index(button)
            applied = [k.name for k in mine if k.via == button["name"]]
            if applied:
                report.key_changes.append(KeyChange(e, c, "button", button["name"], "Enter", True, None,
                                                    detail=f"applied {', '.join(map(repr, applied))}"))
                continue
            detail = ""
            if first is not None:
                moved = _key_change(page, root, controls[first.control]["key"],
                                    controls[first.control]["kind"])
                if moved is not None:
                    page.evaluate(_NEXT_FRAMES_JS)
                    detail = f"after {first.name!r}: {moved[0]}"
            before = _live_picture(root)
            _press_button(root, button["key"])
            changed = _wait_picture(root, before, want_change=True)
            report.key_changes.append(KeyChange(e, c, "button", button["name"], "Enter", changed, None,
                                                detail=detail))


def _set_theme(page, scheme: str) -> None:
    """Switch the reader's colour scheme; the theme (mode 'auto') follows it."""
    page.emulate_media(color_scheme=scheme)
    if page.evaluate("() => document.documentElement.dataset.mode === undefined"):
        return  # not a pydata-sphinx-theme page (the detectors' self-check page)
    page.wait_for_function(
        "(s) => document.documentElement.dataset.theme === s", arg=scheme, timeout=5_000
    )


def _screenshot(page, shots: Path, page_name: str, label: str) -> Path:
    stem = page_name.removesuffix(".html").replace("/", "__")
    path = shots / f"{stem}--{label}.jpg"
    page.screenshot(path=str(path), full_page=label in FULL_PAGE_SHOTS, type="jpeg", quality=70,
                    animations="disabled")
    return path


_REFRESH = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)


def redirect_target(server: SiteServer, page_name: str) -> str:
    """The target of a `<meta http-equiv="Refresh">` redirect page (Jupyter Book's index.html)."""
    head = (server.root / page_name).read_text(encoding="utf-8", errors="replace")[:2000]
    match = _REFRESH.search(head)
    return match.group(1) if match else ""


def visit_page(browser, server: SiteServer, page_name: str, shots: Path) -> PageReport:
    """Load one page offline, inspect it, run axe-core, screenshot it and exercise its widgets.

    A redirect-only page is not loaded (the browser would leave it at once); its
    report names the target, which the tests check exists and visit as a page of its own.
    """
    report = PageReport(page=page_name)
    report.redirect_to = redirect_target(server, page_name)
    if report.redirect_to:
        return report
    start = time.perf_counter()
    served_errors_before = len(server.errors)
    context = browser.new_context(
        viewport=DESKTOP, color_scheme="light", service_workers="block", reduced_motion="reduce"
    )
    try:
        context.route("**/*", _block_offsite(report, server.origin))
        page = context.new_page()
        page.on("console", _console_handler(report))
        page.on("pageerror", lambda error: report.page_errors.append(str(error)))
        page.on("response", lambda r: r.status >= 400 and report.http_errors.append(f"{r.status} {r.url}"))
        page.on("requestfailed", lambda r: report.failed_requests.append(f"{r.url} ({r.failure})"))

        page.goto(server.url(page_name), wait_until="load", timeout=LOAD_TIMEOUT_MS)
        views = page.locator(WIDGET_VIEW).count()
        if views:
            try:
                page.wait_for_function(_WIDGETS_READY_JS, arg=views, timeout=WIDGET_TIMEOUT_MS)
            except Exception as error:  # noqa: BLE001 - recorded, asserted by the tests
                report.widget_problems.append(f"widgets did not all render: {error}")
        _wait_settled(page)

        found = page.evaluate(_INSPECT_JS)
        report.math_nodes = found["mathNodes"]
        report.math_unrendered = found["unrendered"]
        report.math_raw = found["raw"]
        report.math_errors = found["errors"]
        report.widget_views = found["views"]
        report.widgets_rendered = found["rendered"]
        report.images = found["images"]
        report.images_without_text = found["missing"]
        report.install_cells = found["install"]
        report.launch_links = found["launch"]
        report.script_tags = found["scripts"]
        run_axe(page, report, "desktop-light")

        shots.mkdir(parents=True, exist_ok=True)
        report.screenshots.append(_screenshot(page, shots, page_name, "desktop-light"))
        _set_theme(page, "dark")
        report.screenshots.append(_screenshot(page, shots, page_name, "desktop-dark"))
        page.set_viewport_size(MOBILE)
        report.screenshots.append(_screenshot(page, shots, page_name, "mobile-dark"))
        page.wait_for_timeout(THEME_RESIZE_MS)
        run_axe(page, report, "mobile-dark")
        _set_theme(page, "light")
        report.screenshots.append(_screenshot(page, shots, page_name, "mobile-light"))
        page.set_viewport_size(DESKTOP)

        if report.widgets_rendered:
            exercise_widgets(page, report)
            exercise_live_explorers(page, report)
        _wait_settled(page)
        page.close()
    finally:
        context.close()
    report.http_errors.extend(f"{e} (server log)" for e in server.errors[served_errors_before:]
                              if not any(e.split(" ", 1)[1] in h for h in report.http_errors))
    report.seconds = time.perf_counter() - start
    return report


def open_explorer_page(browser, server: SiteServer, site: Path, path: str, ready: str,
                       timeout_ms: int = 60_000):
    """Open one built page with off-site requests refused; wait for `ready` (a CSS selector).

    Returns ``(page, errors)``: ``errors`` collects page errors and console errors as they come.
    """
    if not (site / path).is_file():
        raise AssertionError(f"{path} is missing from the built site")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.origin)
               else route.abort())
    page.goto(server.url(path))
    page.wait_for_selector(ready, timeout=timeout_ms)
    return page, errors
