"""Visit one page of the built site in headless chromium and record what a reader would meet.

`visit_page` loads a page with every off-site request blocked, waits for MathJax and the
embedded widgets, inspects the rendered DOM, saves screenshots (desktop and 390 px mobile,
light and dark theme) and moves every widget control, comparing pixel hashes of the widget's
picture before and after. The tests in test_site.py assert on the `PageReport` it returns.
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
    .filter((n) => n.querySelector(".jupyter-widgets")).length;
  return {
    mathNodes: mathNodes.length, unrendered, errors, raw,
    images: images.length, missing, install, launch,
    views: views.length, rendered,
    scripts: document.querySelectorAll("script[src]").length,
  };
}
"""

_WIDGETS_READY_JS = """
(n) => [...document.querySelectorAll(".widget-subarea")]
         .filter((el) => el.querySelector(".jupyter-widgets")).length >= n
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

    `container` selects one element per displayed widget (the static site's
    `.widget-subarea`; JupyterLab's widget output area).
    """
    widgets = page.locator(container)
    for w in range(widgets.count()):
        widget = widgets.nth(w)
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
    """Load one page offline, inspect it, screenshot it and exercise its widgets.

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

        shots.mkdir(parents=True, exist_ok=True)
        report.screenshots.append(_screenshot(page, shots, page_name, "desktop-light"))
        _set_theme(page, "dark")
        report.screenshots.append(_screenshot(page, shots, page_name, "desktop-dark"))
        page.set_viewport_size(MOBILE)
        report.screenshots.append(_screenshot(page, shots, page_name, "mobile-dark"))
        _set_theme(page, "light")
        report.screenshots.append(_screenshot(page, shots, page_name, "mobile-light"))
        page.set_viewport_size(DESKTOP)

        if report.widgets_rendered:
            exercise_widgets(page, report)
        _wait_settled(page)
        page.close()
    finally:
        context.close()
    report.http_errors.extend(f"{e} (server log)" for e in server.errors[served_errors_before:]
                              if not any(e.split(" ", 1)[1] in h for h in report.http_errors))
    report.seconds = time.perf_counter() - start
    return report
