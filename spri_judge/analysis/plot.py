"""Leaderboard figures: grouped bars with intervals, or a heatmap.

matplotlib is imported inside the functions (with the Agg backend, which
needs no display), so commands that do not plot never pay for it.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from spri_judge.analysis.choices import PLOT_KINDS
from spri_judge.analysis.formats import fmt
from spri_judge.analysis.table import Leaderboard
from spri_judge.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# beyond this many bars a grouped chart gets too crowded to read
_MAX_BARS = 48


def plot_leaderboard(board: Leaderboard, path: str | Path, kind: str = "auto") -> Path:
    """Draw the leaderboard to an image file (its suffix picks the format).

    Args:
        board: the leaderboard.
        path: where to write, e.g. ``table2.png``.
        kind: ``bar`` (strategies on the x axis, a bar per judge, the
            bootstrap interval as an error bar), ``heatmap`` (judges x
            strategies) or ``auto`` (bars unless there are too many).

    Raises:
        ConfigError: for an unknown kind or an empty leaderboard.
    """
    if kind not in PLOT_KINDS:
        raise ConfigError(f"unknown plot kind {kind!r}; use one of {PLOT_KINDS}")
    if not board.cells:
        raise ConfigError("nothing to plot: the leaderboard has no cells")
    if kind == "auto":
        bars = len(board.judges) * len(board.strategies)
        kind = "bar" if bars <= _MAX_BARS else "heatmap"

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = _bars(plt, board) if kind == "bar" else _heatmap(plt, board)
    try:
        fig.savefig(out, dpi=150, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out


def _bars(plt: ModuleType, board: Leaderboard) -> Figure:
    # a strategy without any data would only leave a gap; it is named below
    strategies = [s for s in board.strategies if _has_data(board, s)]
    absent = [s for s in board.strategies if s not in strategies]
    judges = board.judges
    width = 0.8 / max(len(judges), 1)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.1 * len(strategies) + 2), 4.5))
    colors = plt.get_cmap("tab10").colors
    top = 0.0
    for j, judge in enumerate(judges):
        xs, ys, lows, highs, best = [], [], [], [], []
        for s, strategy in enumerate(strategies):
            cell = board.cell(judge, strategy)
            x = s - 0.4 + width * (j + 0.5)
            if cell is None or math.isnan(cell.mean_r):
                ax.text(x, 0.01, "n/a", rotation=90, ha="center", fontsize=7)
                continue
            a = cell.agreement
            xs.append(x)
            ys.append(a.mean_r)
            lows.append(0.0 if math.isnan(a.ci_low) else max(a.mean_r - a.ci_low, 0))
            highs.append(0.0 if math.isnan(a.ci_high) else max(a.ci_high - a.mean_r, 0))
            if cell.best:
                best.append((x, a.mean_r + highs[-1]))
        ax.bar(xs, ys, width, label=judge, color=colors[j % len(colors)])
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="none", ecolor="black", lw=0.8)
        for x, y in best:
            ax.annotate("*", (x, y), ha="center", va="bottom", fontsize=14)
        top = max([top] + [y + h for y, h in zip(ys, highs, strict=True)])
    ax.set_xticks(range(len(strategies)))
    ax.set_xticklabels(strategies, rotation=25, ha="right")
    ax.set_ylabel("mean Pearson r (8 capabilities)")
    if absent:
        ax.set_xlabel("no data: " + ", ".join(absent), fontsize=8)
    ax.set_ylim(min(0.0, ax.get_ylim()[0]), top * 1.12 + 0.02)
    ax.axhline(0, color="grey", lw=0.5)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    percent = round(board.confidence * 100)
    ax.set_title(
        f"Agreement with human scores ({percent}% bootstrap intervals; "
        "* best non-oracle per judge)",
        fontsize=10,
    )
    ax.legend(fontsize=8, frameon=False, ncols=min(len(judges), 2))
    return fig


def _heatmap(plt: ModuleType, board: Leaderboard) -> Figure:
    import numpy as np

    strategies = board.strategies
    judges = board.judges
    values = np.full((len(judges), len(strategies)), np.nan)
    for j, judge in enumerate(judges):
        for s, strategy in enumerate(strategies):
            cell = board.cell(judge, strategy)
            if cell is not None:
                values[j, s] = cell.mean_r
    fig, ax = plt.subplots(
        figsize=(max(6.0, 0.9 * len(strategies) + 3), 0.6 * len(judges) + 2)
    )
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", aspect="auto")
    for j, judge in enumerate(judges):
        for s, strategy in enumerate(strategies):
            cell = board.cell(judge, strategy)
            text = "n/a" if cell is None else fmt(cell.mean_r)
            bold = cell is not None and cell.best
            shade = values[j, s]
            light = not math.isnan(shade) and shade < np.nanmean(values)
            ax.text(
                s,
                j,
                text + ("*" if bold else ""),
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold" if bold else "normal",
                color="white" if light else "black",
            )
    ax.set_xticks(range(len(strategies)))
    ax.set_xticklabels(strategies, rotation=25, ha="right")
    ax.set_yticks(range(len(judges)))
    ax.set_yticklabels(judges)
    fig.colorbar(image, ax=ax, label="mean Pearson r")
    ax.set_title("Mean Pearson r (* best non-oracle per judge)", fontsize=10)
    return fig


def _has_data(board: Leaderboard, strategy: str) -> bool:
    return any(board.cell(judge, strategy) for judge in board.judges)
