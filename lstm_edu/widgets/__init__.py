"""Interactive explorers: precomputed for the static site, live in a kernel."""
from lstm_edu.widgets.explorer import Control, Explorer, Renderer, live_explorer, static_explorer

__all__ = ["Control", "Explorer", "Renderer", "live_explorer", "static_explorer"]
