"""The built site in a browser: repaint latency of the live explorers, and each page's weight.

Serves the built site on 127.0.0.1 (every off-site request blocked, as in the browser tests)
and drives Debian's chromium with Playwright.

1. **Control change -> repaint.** For every live explorer (``.lstm-explorer``, an anywidget)
   on every page, each control (range inputs, radio groups, text boxes, selects) is changed
   ``--changes`` times (default 30): a range walks its whole span, a radio group cycles
   through its options, a text box alternates between its text and that text less its last
   word. Each change is timed in the page with ``performance.now()``, from just before the
   control's ``input``/``change`` events are dispatched, until the next animation frame after
   the explorer's picture (anything outside its control rows) changed has been rendered (a
   message posted from that frame's ``requestAnimationFrame`` callback, which runs after the
   frame's style, layout and paint). Chromium runs with ``--disable-gpu-vsync
   --disable-frame-rate-limit``: with the 60 Hz frame clock every figure would include a
   wait of 0-16.7 ms for the next vsync, whatever the explorer did; without it the next frame
   starts as soon as the main thread is free, so the figure is the work the change costs.
   "script" is the part until the DOM changed (the explorer's own JavaScript).
   Targets (issue 13): p95 <= 16 ms for the chapter explorers, <= 50 ms for the application
   models (pages under book/applications/).
2. **Page weight.** Every page is loaded once, scrolled to its end, with its widgets rendered
   and MathJax done; the weight is the sum, over every response it loaded, of the response
   body compressed with gzip (level 6, what a web server would send). Target: heaviest page
   <= 3 MB.

Usage::

    python benchmarks/bench_site.py [--site _build/html] [--changes 30] [--only PAGE ...] [--strict]

Build the site first (``bash scripts/build_book.sh``). ``--strict`` exits with status 1 when a
target is missed (default: 0, so that ``make bench`` runs every benchmark).
"""
from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from site_visit import (  # noqa: E402
    _MATHJAX_IDLE_JS,
    _WIDGETS_READY_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE_EXPLORER,
    WIDGET_VIEW,
    discover_pages,
    redirect_target,
    serve,
)

UNLOCKED_FRAMES = ["--disable-gpu-vsync", "--disable-frame-rate-limit"]
CHAPTER_P95_MS = 16.0
APPLICATION_P95_MS = 50.0
PAGE_LIMIT_BYTES = 3_000_000
GZIP_LEVEL = 6

# Every control of an explorer the benchmark can set: a data-bench key on each (one per radio group).
_CONTROLS_JS = """
(root, prefix) => {
  const text = (n) => (n ? n.textContent.replace(/\\s+/g, " ").trim() : "");
  const shown = (n) => n.getClientRects().length > 0;
  const out = [];
  const groups = new Set();
  for (const el of root.querySelectorAll("input, select, textarea")) {
    if (el.disabled || !shown(el)) continue;
    let kind = null, target = el;
    let name = (el.labels && el.labels.length) ? text(el.labels[0])
                                                : (el.getAttribute("aria-label") || el.id);
    if (el.type === "range") kind = "range";
    else if (el.type === "radio") {
      const group = el.closest("fieldset") || el.parentElement;
      if (groups.has(group)) continue;
      groups.add(group); kind = "radio"; target = group;
      name = text(group.querySelector("legend")) || el.name;
    } else if (el.tagName === "SELECT") kind = "select";
    else if (el.tagName === "TEXTAREA" || ["text", "search", ""].includes(el.type)) kind = "text";
    if (!kind) continue;
    const key = `${prefix}-${out.length}`;
    target.setAttribute("data-bench", key);
    out.push({ key, kind, name });
  }
  return out;
}
"""

_MEASURE_JS = """
async ([key, kind, n, timeoutMs]) => {
  const el = document.querySelector(`[data-bench="${key}"]`);
  const root = el.closest(".lstm-explorer");
  const controlPart = ".lstm-control, .lstm-controls, fieldset";
  const fire = (node) => { node.dispatchEvent(new Event("input", { bubbles: true }));
                           node.dispatchEvent(new Event("change", { bubbles: true })); };
  // the sequence of settings, each different from the one before
  let settings, apply, original;
  if (kind === "range") {
    const min = Number(el.min || 0), max = Number(el.max || 100);
    const step = el.step === "any" ? 0 : Number(el.step || 1);
    const count = step > 0 ? Math.min(Math.round((max - min) / step), 60) : 60;
    const values = [...new Set(Array.from({ length: count + 1 }, (_, k) => {
      const raw = min + ((max - min) * k) / count;
      return step > 0 ? Number((min + Math.round((raw - min) / step) * step).toPrecision(12)) : raw;
    }))];
    original = el.value;
    settings = [];
    let i = values.findIndex((v) => String(v) === el.value), dir = 1;
    if (i < 0) i = 0;
    while (settings.length < n && values.length > 1) {
      if (i + dir < 0 || i + dir >= values.length) dir = -dir;
      i += dir; settings.push(String(values[i]));
    }
    apply = (v) => { el.value = v; fire(el); };
  } else if (kind === "radio") {
    const radios = [...el.querySelectorAll('input[type="radio"]')];
    const start = Math.max(0, radios.findIndex((r) => r.checked));
    original = start;
    settings = Array.from({ length: radios.length > 1 ? n : 0 }, (_, k) => (start + k + 1) % radios.length);
    apply = (i) => { radios[i].checked = true; fire(radios[i]); };
  } else if (kind === "select") {
    original = el.selectedIndex;
    settings = Array.from({ length: el.options.length > 1 ? n : 0 },
                          (_, k) => (original + k + 1) % el.options.length);
    apply = (i) => { el.selectedIndex = i; fire(el); };
  } else {
    original = el.value;
    const words = original.split(/\\s+/).filter(Boolean);
    const last = original.trimEnd().lastIndexOf(words[words.length - 1]);
    const shorter = words.length >= 2 ? original.slice(0, last).replace(/[\\s,;]+$/, "")
                                      : `${original.trim()} ${original.trim()}`;
    settings = Array.from({ length: n }, (_, k) => (k % 2 === 0 ? shorter : original));
    apply = (v) => { el.value = v; fire(el); };
  }
  const afterFrame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(0);
  }));
  const total = [], script = [];
  let missed = 0;
  for (const setting of settings) {
    let changedAt = null;
    const observer = new MutationObserver((records) => {
      if (changedAt !== null) return;
      const outside = records.some((r) => {
        const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        return !(node && node.closest(controlPart) && root.contains(node.closest(controlPart)));
      });
      if (outside) changedAt = performance.now();
    });
    observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
    const t0 = performance.now();
    apply(setting);
    await Promise.resolve();
    while (changedAt === null && performance.now() - t0 < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    observer.disconnect();
    if (changedAt === null) { missed += 1; continue; }
    const t1 = await afterFrame();
    total.push(t1 - t0); script.push(changedAt - t0);
    await new Promise((resolve) => setTimeout(resolve, 5));  // let the page idle a moment between changes
  }
  apply(original);
  await afterFrame();
  return { total, script, missed, settings: settings.length };
}
"""


@dataclass
class ExplorerTiming:
    page: str
    explorer: int
    kind: str  # the explorer's class names after lstm-explorer
    controls: list[str] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    script: list[float] = field(default_factory=list)
    missed: int = 0
    slowest: tuple[float, str] = (0.0, "")

    @property
    def limit(self) -> float:
        return APPLICATION_P95_MS if "/applications/" in f"/{self.page}" else CHAPTER_P95_MS


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[rank - 1]


def _file_for(site: Path, origin: str, url: str) -> Path | None:
    if not url.startswith(origin + "/"):
        return None
    path = unquote(urlparse(url).path).lstrip("/")
    candidate = site / path
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _open(browser, server, page_name: str, blocked: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")

    def route(route):
        url = route.request.url
        if url.startswith(server.origin + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    return context, page


def _settle(page) -> None:
    views = page.locator(WIDGET_VIEW).count()
    if views:
        page.wait_for_function(_WIDGETS_READY_JS, arg=views, timeout=30_000)
    page.evaluate(_MATHJAX_IDLE_JS)


def page_weight(browser, server, page_name: str) -> tuple[int, int, int, list[str]]:
    """(gzip bytes, raw bytes, responses, blocked URLs) of one page load."""
    blocked: list[str] = []
    context, page = _open(browser, server, page_name, blocked)
    urls: list[str] = []
    page.on("response", lambda r: urls.append(r.url))
    try:
        page.goto(server.url(page_name), wait_until="load", timeout=60_000)
        _settle(page)
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.evaluate(_MATHJAX_IDLE_JS)
    finally:
        context.close()
    packed = raw = 0
    for url in urls:
        path = _file_for(server.root, server.origin, url)
        if path is None:
            continue
        data = path.read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, compresslevel=GZIP_LEVEL))
    return packed, raw, len(urls), blocked


def explorer_latency(browser, server, page_name: str, changes: int) -> list[ExplorerTiming]:
    blocked: list[str] = []
    context, page = _open(browser, server, page_name, blocked)
    timings = []
    try:
        page.goto(server.url(page_name), wait_until="load", timeout=60_000)
        _settle(page)
        explorers = page.locator(LIVE_EXPLORER)
        for e in range(explorers.count()):
            root = explorers.nth(e)
            classes = (root.get_attribute("class") or "").replace("lstm-explorer", "").split()
            timing = ExplorerTiming(page_name, e, " ".join(classes) or "lstm-explorer")
            root.scroll_into_view_if_needed()
            for control in root.evaluate(_CONTROLS_JS, f"b{e}"):
                result = page.evaluate(_MEASURE_JS, [control["key"], control["kind"], changes, 2000])
                label = f"{control['kind']} {control['name']!r}"
                timing.controls.append(label)
                timing.total.extend(result["total"])
                timing.script.extend(result["script"])
                timing.missed += result["missed"]
                if result["total"] and max(result["total"]) > timing.slowest[0]:
                    timing.slowest = (max(result["total"]), label)
            timings.append(timing)
    finally:
        context.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--changes", type=int, default=30, help="changes per control (>= 30)")
    parser.add_argument("--only", nargs="*", default=None, help="pages (paths relative to the site)")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    if args.changes < 30:
        parser.error(f"--changes: expected at least 30, got {args.changes}")
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"bench_site: no built site at {site}: run `bash scripts/build_book.sh` first", file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"bench_site: {CHROMIUM} missing (`apt-get install -y chromium`)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    server = serve(site)
    pages = [p for p in discover_pages(site) if not redirect_target(server, p)]
    if args.only:
        pages = [p for p in pages if p in args.only]
    print(f"bench_site: {site}, {len(pages)} pages, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d')}")
    failures = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS + UNLOCKED_FRAMES)
            try:
                weights = {}
                for page_name in pages:
                    weights[page_name] = page_weight(browser, server, page_name)
                live_pages = [p for p in pages
                              if "lstm-explorer" in (site / p).read_text(encoding="utf-8", errors="replace")]
                timings = []
                for page_name in live_pages:
                    timings.extend(explorer_latency(browser, server, page_name, args.changes))
            finally:
                browser.close()
    finally:
        server.close()

    print("\nControl change -> repaint (ms; chromium, frames unthrottled), per live explorer:\n")
    print("| page | explorer | controls | changes | p50 | p95 | max | script p95 | target p95 | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in timings:
        if not t.total:
            print(f"| {t.page} | {t.explorer}: {t.kind} | {len(t.controls)} | 0 | - | - | - | - "
                  f"| {t.limit:g} | no repaint |")
            failures.append(f"{t.page} explorer {t.explorer}: no change repainted")
            continue
        p95 = percentile(t.total, 95)
        met = p95 <= t.limit and t.missed == 0
        if not met:
            failures.append(f"{t.page} explorer {t.explorer}: p95 {p95:.1f} ms (target {t.limit:g}), "
                            f"{t.missed} without repaint")
        print(f"| {t.page} | {t.explorer}: {t.kind} | {len(t.controls)} | {len(t.total)}"
              f"{f' (+{t.missed} no repaint)' if t.missed else ''} | {statistics.median(t.total):.1f} "
              f"| {p95:.1f} | {max(t.total):.1f} | {percentile(t.script, 95):.1f} | {t.limit:g} "
              f"| {'yes' if met else 'NO'} |")
    for t in timings:
        if t.total:
            print(f"  {t.page} explorer {t.explorer}: slowest change {t.slowest[0]:.1f} ms "
                  f"on {t.slowest[1]}; "
                  f"controls: {', '.join(t.controls)}")

    print("\nPage weight (sum of gzip-compressed responses):\n")
    print("| page | responses | raw | gzip |")
    print("| --- | --- | --- | --- |")
    for page_name, (packed, raw, count, blocked) in weights.items():
        print(f"| {page_name} | {count} | {raw / 1e6:.2f} MB | {packed / 1e6:.2f} MB |")
        if blocked:
            failures.append(f"{page_name}: {len(blocked)} off-site requests blocked ({blocked[0]})")
    if weights:
        heaviest = max(weights, key=lambda p: weights[p][0])
        size = weights[heaviest][0]
        print(f"\nheaviest page: {heaviest}, {size / 1e6:.2f} MB gzip "
              f"(target <= {PAGE_LIMIT_BYTES / 1e6:g} MB): "
              f"{'met' if size <= PAGE_LIMIT_BYTES else 'NOT met'}")
        if size > PAGE_LIMIT_BYTES:
            failures.append(f"heaviest page {heaviest}: {size / 1e6:.2f} MB")
    if failures:
        print("\nmissed: " + "; ".join(failures))
    return 1 if (failures and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
