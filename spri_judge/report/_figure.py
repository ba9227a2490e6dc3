"""The report's figure: Pearson r per capability, a bar per run.

matplotlib is imported inside the function (Agg backend, no display) so that
building the rest of a report never pays for it; the image is returned as
PNG bytes for embedding, never written next to the report.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from spri_judge.analysis.agreement import Agreement
from spri_judge.instance import CAPABILITIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def capability_figure(labels: Sequence[str], agreements: Sequence[Agreement]) -> bytes:
    """Grouped bars of per-capability Pearson r, one colour per run.

    Args:
        labels: one legend label per run.
        agreements: the runs' agreement statistics, in the same order.

    Returns:
        The figure as PNG bytes; undefined r values (no human scores, or a
        constant column) are left as gaps and marked "n/a".
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    width = 0.8 / max(len(agreements), 1)
    fig, ax = plt.subplots(figsize=(10.0, 4.2))
    colors = plt.get_cmap("tab10").colors
    try:
        for j, (label, agreement) in enumerate(zip(labels, agreements, strict=True)):
            _draw_run(ax, j, width, agreement, _plain(label), colors[j % len(colors)])
        ax.set_xticks(range(len(CAPABILITIES)))
        ax.set_xticklabels(
            [c.replace("_", " ") for c in CAPABILITIES], rotation=20, ha="right"
        )
        ax.set_ylabel("Pearson r with human scores")
        ax.axhline(0, color="grey", lw=0.5)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_title("Agreement with human scores per capability", fontsize=10)
        ax.legend(fontsize=8, frameon=False, ncols=min(len(labels), 3))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out.getvalue()


def _draw_run(
    ax: Axes,
    index: int,
    width: float,
    agreement: Agreement,
    label: str,
    color: tuple[float, ...],
) -> None:
    xs, ys = [], []
    for i, cap in enumerate(agreement.capabilities):
        x = i - 0.4 + width * (index + 0.5)
        if math.isnan(cap.pearson):
            ax.text(x, 0.01, "n/a", rotation=90, ha="center", fontsize=7)
            continue
        xs.append(x)
        ys.append(cap.pearson)
    ax.bar(xs, ys, width, label=label, color=color)


def _plain(label: str) -> str:
    # a "$" in a model name would otherwise switch matplotlib into mathtext
    return label.replace("$", r"\$")
