"""Interactive explorers: live in the browser (anywidget), or precomputed frames
for a few application views."""
from lstm_edu.widgets.explorer import Control, FrameExplorer, Renderer, static_explorer

__all__ = ["Control", "FrameExplorer", "Renderer", "static_explorer"]
