"""Every page of the built site is usable without a mouse and passes axe-core.

Each page is visited once (conftest.report / site_visit.visit_page): axe-core 4.14.1 (npm,
node_modules/axe-core/axe.min.js, injected into the page) runs with every rule after the
widgets rendered, on the desktop layout in the light theme and on the 390 px layout in the
dark theme; and every control of every live explorer is changed from the keyboard alone.
test_detectors.py proves both checks catch what they claim to.
"""
from __future__ import annotations

import pytest


def _lines(items) -> str:
    return "\n  ".join(str(i) for i in items)


def test_no_serious_or_critical_axe_violations(report):
    if report.redirect_to:
        pytest.skip(f"redirect page (to {report.redirect_to}): nothing to check")
    assert not report.axe_error, report.axe_error
    assert report.axe_runs == ["desktop-light", "mobile-dark"], (
        f"{report.page}: axe-core ran in {report.axe_runs}, expected desktop-light and mobile-dark"
    )
    blocking = [v for v in report.axe if v.blocking]
    old = [v for v in blocking if v.in_old_widget]
    rest = [v for v in blocking if not v.in_old_widget]
    assert not blocking, (
        f"{report.page}: {len(blocking)} serious or critical axe-core violations, expected 0 "
        f"({len(rest)} in the page and its live explorers, {len(old)} on the old ipywidgets "
        "slider handles):\n  " + _lines(rest + old)
    )


def test_every_live_explorer_control_works_from_the_keyboard(report):
    if report.live_explorers == 0:
        pytest.skip("no live explorer on this page")
    assert not report.live_problems, f"{report.page}:\n  {_lines(report.live_problems)}"
    explorers = {k.explorer for k in report.key_changes}
    assert explorers == set(range(report.live_explorers)), (
        f"{report.page}: {report.live_explorers} live explorers, controls changed in "
        f"{sorted(explorers)}"
    )
    dead = [k for k in report.key_changes if not k.changed]
    assert not dead, (
        f"{report.page}: changing these controls from the keyboard left the picture unchanged:\n  "
        + _lines(dead)
    )
    unrestored = [k for k in report.key_changes if k.restored is False]
    assert not unrestored, (
        f"{report.page}: undoing these keyboard changes did not bring the picture back:\n  "
        + _lines(unrestored)
    )
