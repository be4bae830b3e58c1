"""The browser checks catch what they claim to catch.

A small hand-made page (no Sphinx build needed) carries one widget that responds (a
SelectionSlider jslinked to a Stack of Images, as in lstm_edu's explorers), one that is
dead (same parts, no link), an off-site script, a missing file, raw TeX and an image
without alt text. `visit_page` must report each of them, and must not report the live
widget as dead.
"""
from __future__ import annotations

import io
import json
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


def _write_page(folder: Path) -> None:
    import ipywidgets as widgets
    from ipywidgets.embed import embed_data

    widgets.Widget.close_all()
    live, dead = _explorer(linked=True), _explorer(linked=False)
    data = embed_data(views=[live, dead])
    views = "\n".join(
        f'<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">'
        f"{json.dumps(spec)}</script></div>"
        for spec in data["view_specs"]
    )
    widgets.Widget.close_all()
    (folder / "check.html").write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>check</title>
<script src="_static/require.js"></script>
<script src="_static/widget-embed-setup.js"></script>
<script src="_static/html-manager/embed-amd.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data["manager_state"])}</script>
<script src="https://cdn.example.org/tracker.js"></script>
</head><body><main><p>Raw TeX left behind: $$h_t = o_t \\odot \\tanh(c_t)$$</p>
<img src="missing-figure.png" alt="A figure that was never built">
<img src="_static/frame.png">
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
    assert check_report.widget_views == 2
    assert check_report.widgets_rendered == 2
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
