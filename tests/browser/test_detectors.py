"""The browser checks catch what they claim to catch.

A small hand-made page (no Sphinx build needed) carries one widget that responds (a
SelectionSlider jslinked to a Stack of Images, as in lstm_edu's explorers), one that is
dead (same parts, no link), two live explorers (anywidget, built from lstm_edu's own
controls.js and chart.js: one redraws on every control, one never does), an off-site
script, a missing file, raw TeX, an image without alt text, a disclosure without a name
and text whose contrast fails in the dark theme only. `visit_page` must report each of
them, and must not report the working widgets as dead or the labelled controls to axe.
"""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from site_visit import serve, visit_page

REPO = Path(__file__).resolve().parents[2]


def _png(level: int) -> bytes:
    """A tiny solid-colour PNG: a different grey for each frame."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (level, level, level)).save(buffer, format="PNG")
    return buffer.getvalue()


def _explorer(linked: bool):
    import ipywidgets as widgets

    frames = [widgets.Image(value=_png(v), format="png") for v in (0, 120, 240)]
    stack = widgets.Stack(frames, selected_index=0)
    slider = widgets.SelectionSlider(options=["0.0", "0.5", "1.0"], description="gate")
    if linked:
        widgets.jslink((slider, "index"), (stack, "selected_index"))
    # an icon makes the browser fetch the widget manager's icon fonts (they must be served)
    marker = widgets.Button(description="frames", icon="image", disabled=True)
    return widgets.VBox([slider, stack, marker])


# The probe explorer's drawing: a labelled slider, radio group, text box and number box (the
# number applied by the "Draw" button), an SVG chart and an aria-live readout. With
# live=false the controls are wired to nothing.
_PROBE_RENDER = r"""
function render({ model, el }) {
  const live = model.get("live");
  const root = element("div", { className: "lstm-explorer" }, el);
  const controls = element("div", { className: "lstm-controls" }, root);
  const amplitude = slider(controls, { label: "amplitude", min: 0, max: 1, step: 0.1, value: 0.5 });
  const seedRow = element("div", { className: "lstm-control" }, controls);
  const seedId = uniqueId("probe-seed");
  element("label", { for: seedId, text: "phase" }, seedRow);
  const seed = element("input", { type: "number", id: seedId, min: 0, max: 9, step: 1, value: 3 }, seedRow);
  const drawButton = element("button", { type: "button", text: "Draw" }, controls);
  const shape = choice(root, { label: "shape", value: "sine",
                               options: [{ value: "sine", text: "sine" },
                                         { value: "square", text: "square" }] });
  const offsets = textInput(root, { label: "offsets", value: "0 0.25 0.5 0.75",
                                    hint: "Numbers; Enter applies them." });
  const chart = lineChart(root, { xLabel: "t", yLabel: "y" });
  const out = readout(root);
  let values = [0, 0.25, 0.5, 0.75], phase = 3;
  const draw = () => {
    const a = amplitude.value, square = shape.value === "square";
    const x = values.map((_, k) => k + 1);
    const y = values.map((v, k) => {
      const s = Math.sin(6 * v + k + phase);
      return a * (square ? Math.sign(s) : s);
    });
    const text = `${shape.value} wave, amplitude ${a.toFixed(1)}, phase ${phase}, ${values.length} points`;
    chart.update({ series: [{ name: "y", x, y, style: "s0" }], xDomain: [1, Math.max(2, x.length)],
                   yDomain: [-1, 1], description: `Line chart: ${text}` });
    out.textContent = text;
  };
  if (live) {
    amplitude.onInput(draw);
    shape.onChange(draw);
    offsets.onChange((text) => {
      const parsed = text.split(/[\s,]+/).filter(Boolean).map(Number);
      if (!parsed.length || parsed.some(Number.isNaN)) { offsets.showError("Numbers, please."); return; }
      offsets.clearError();
      values = parsed;
      draw();
    });
    drawButton.addEventListener("click", () => { phase = Number(seed.value); draw(); });
  }
  draw();
}
export default { render };
"""


def _probe_esm() -> str:
    """controls.js and chart.js (each bundled with what it imports) in scopes of their own, then the probe."""
    from lstm_edu.widgets.bundle import bundle

    scopes = []
    for module, names in (("controls", "element, slider, choice, textInput, readout, uniqueId"),
                          ("chart", "lineChart")):
        body = re.sub(r"^export (?=(?:async )?(?:function|const|let|class)\b)", "", bundle(module),
                      flags=re.M)
        scopes.append(f"const {{ {names} }} = (() => {{\n{body}\nreturn {{ {names} }};\n}})();")
    return "\n".join(scopes) + _PROBE_RENDER


def _live_explorer(live: bool):
    import anywidget
    import traitlets

    class Probe(anywidget.AnyWidget):
        _esm = _probe_esm()
        live = traitlets.Bool(True).tag(sync=True)

    return Probe(live=live)


def _write_page(folder: Path) -> None:
    import ipywidgets as widgets
    from ipywidgets.embed import embed_data

    widgets.Widget.close_all()
    live, dead = _explorer(linked=True), _explorer(linked=False)
    computing, idle = _live_explorer(live=True), _live_explorer(live=False)
    # full state: an anywidget's _esm is a default value, and the page needs it
    data = embed_data(views=[live, dead, computing, idle], drop_defaults=False)
    views = "\n".join(
        f'<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">'
        f"{json.dumps(spec)}</script></div>"
        for spec in data["view_specs"]
    )
    widgets.Widget.close_all()
    (folder / "check.html").write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>check</title>
<style>@media (prefers-color-scheme: dark) {{ body {{ background: #111; color: #eee; }}
  .dim-in-dark {{ color: #222; }} }}</style>
<script src="_static/require.js"></script>
<script src="_static/widget-embed-setup.js"></script>
<script src="_static/anywidget-paths.js"></script>
<script src="_static/html-manager/embed-amd.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data["manager_state"])}</script>
<script src="https://cdn.example.org/tracker.js"></script>
</head><body><main><p>Raw TeX left behind: $$h_t = o_t \\odot \\tanh(c_t)$$</p>
<img src="missing-figure.png" alt="A figure that was never built">
<img src="_static/frame.png">
<details><summary><span class="toggle-icon"></span></summary><p>A disclosure without a name.</p></details>
<p class="dim-in-dark">Readable in the light theme only.</p>
{views}</main></body></html>""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def check_site(tmp_path_factory):
    vendor = REPO / "vendor"
    if not (vendor / "html-manager" / "embed-amd.js").is_file():
        pytest.fail("vendor/ is missing: run `bash scripts/vendor_assets.sh` first")
    folder = tmp_path_factory.mktemp("check-site")
    static = folder / "_static"
    shutil.copytree(vendor / "html-manager", static / "html-manager")
    shutil.copy(vendor / "require.js", static / "require.js")
    shutil.copy(REPO / "book" / "_static" / "widget-embed-setup.js", static)
    shutil.copytree(vendor / "anywidget", static / "anywidget")
    shutil.copy(REPO / "book" / "_static" / "anywidget-paths.js", static)
    (static / "frame.png").write_bytes(_png(60))
    _write_page(folder)
    return folder


@pytest.fixture(scope="module")
def check_report(check_site, browser):
    server = serve(check_site)
    try:
        yield visit_page(browser, server, "check.html", check_site / "shots")
    finally:
        server.close()


def test_live_widget_responds_and_dead_widget_is_caught(check_report):
    assert check_report.widget_views == 4
    assert check_report.widgets_rendered == 4
    assert check_report.static_widgets == 2  # the two live explorers are left to the keyboard check
    by_widget = {m.widget: m for m in check_report.moves}
    assert by_widget[0].kind == "slider" and by_widget[0].changed and by_widget[0].restored
    assert by_widget[1].kind == "slider" and not by_widget[1].changed


def test_offsite_request_is_caught(check_report):
    assert check_report.offsite == ["https://cdn.example.org/tracker.js"]


def test_missing_file_is_caught(check_report):
    assert any("404" in e and "missing-figure.png" in e for e in check_report.http_errors)


def test_widget_icon_fonts_are_served(check_report):
    others = [e for e in check_report.http_errors if "missing-figure.png" not in e]
    assert not others, others


def test_raw_tex_is_caught(check_report):
    assert any("h_t = o_t" in r for r in check_report.math_raw)


def test_image_without_alt_is_caught(check_report):
    # the plain <img> and the six widget frames' <img>s shown at a time (2 widgets) lack text
    assert "_static/frame.png" in check_report.images_without_text
    assert any(src.startswith("blob:") for src in check_report.images_without_text)
    assert "missing-figure.png" not in check_report.images_without_text


def test_embed_setup_keeps_the_console_clean(check_report):
    # the only errors are the ones planted: the blocked script and the missing file
    unexpected = [
        c for c in check_report.console
        if "Failed to load resource" not in c and "ERR_FAILED" not in c
    ]
    assert not unexpected, unexpected
    assert not check_report.page_errors


def _changes(report, explorer):
    return {k.name: k for k in report.key_changes if k.explorer == explorer}


def test_live_explorer_works_from_the_keyboard(check_report):
    assert check_report.live_explorers == 2
    assert check_report.live_problems == []
    changes = _changes(check_report, 0)
    assert sorted(changes) == ["Draw", "amplitude", "offsets", "phase", "shape"]
    assert {name: k.kind for name, k in changes.items()} == {
        "amplitude": "range", "phase": "number", "Draw": "button", "shape": "radio", "offsets": "text"}
    assert all(k.changed for k in changes.values()), [str(k) for k in changes.values()]
    assert changes["amplitude"].keys == "ArrowRight" and changes["amplitude"].detail == "0.5 -> 0.6"
    assert changes["shape"].detail == "sine -> square"
    assert changes["offsets"].keys == "typed '0 0.25 0.5' + Enter"
    # the number box acts through its button, and that counts for the button too
    assert changes["phase"].via == "Draw" and changes["phase"].restored is True
    assert changes["Draw"].detail == "applied 'phase'"
    assert changes["amplitude"].restored is True and changes["shape"].restored is True
    assert changes["offsets"].restored is None and changes["Draw"].restored is None


def test_dead_explorer_is_caught_from_the_keyboard(check_report):
    changes = _changes(check_report, 1)
    assert sorted(changes) == ["Draw", "amplitude", "offsets", "phase", "shape"]
    assert not any(k.changed for k in changes.values()), [str(k) for k in changes.values()]
    assert changes["phase"].via == ""  # pressing Draw did not help either


def test_axe_reports_what_it_should(check_report):
    assert check_report.axe_error == ""
    assert check_report.axe_runs == ["desktop-light", "mobile-dark"]
    found = {(v.rule, v.impact, v.where) for v in check_report.axe}
    for where in ("desktop-light", "mobile-dark"):
        assert ("image-alt", "critical", where) in found  # <img src="_static/frame.png">
        assert ("summary-name", "serious", where) in found
        assert ("aria-input-field-name", "serious", where) in found  # ipywidgets slider handles
    # the paragraph dimmed by the dark theme, in the dark run only (the ipywidgets' own light
    # readouts on the dark page are flagged there too)
    contrast = [v for v in check_report.axe if v.rule == "color-contrast" and "dim-in-dark" in v.html]
    assert [(v.where, v.impact) for v in contrast] == [("mobile-dark", "serious")], [str(v) for v in contrast]
    image = next(v for v in check_report.axe if v.rule == "image-alt")
    assert "frame.png" in image.html and image.target and image.blocking
    handles = [v for v in check_report.axe if v.rule == "aria-input-field-name"]
    assert handles and all(v.in_old_widget for v in handles)
    assert not image.in_old_widget


def test_axe_finds_nothing_in_the_labelled_live_explorers(check_report):
    in_explorers = [str(v) for v in check_report.axe if "lstm-" in v.target or "lstm-" in v.html]
    assert in_explorers == []
