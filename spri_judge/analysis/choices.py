"""Option values shared by the analysis code and the CLI (no heavy imports)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("terminal", "csv", "md", "latex", "json", "html")
PLOT_KINDS: tuple[str, ...] = ("auto", "bar", "heatmap")
