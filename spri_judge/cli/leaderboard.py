"""``spri-judge leaderboard``: the paper's Table 2, from released data or runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from spri_judge.analysis.choices import FORMATS, PLOT_KINDS
from spri_judge.data.registry import DATA_ENV

DEFAULT_RESAMPLES = 1000


def analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``leaderboard`` and ``correlate``."""
    options = [
        click.option(
            "--data-dir",
            type=click.Path(path_type=Path, file_okay=False),
            envvar=DATA_ENV,
            show_envvar=True,
            help="Mirror folder of upstream files (github/<owner>/<repo>/...).",
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="Never download; read only the mirror folder and the cache.",
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(FORMATS),
            default="terminal",
            show_default=True,
            help="Output format.",
        ),
        click.option(
            "--resamples",
            type=click.IntRange(min=0),
            default=DEFAULT_RESAMPLES,
            show_default=True,
            help="Bootstrap resamples of instances (0: no intervals).",
        ),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Bootstrap seed."
        ),
        click.option(
            "--confidence",
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            default=0.95,
            show_default=True,
            help="Coverage of the bootstrap intervals.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command()
@click.argument("runs", nargs=-1, type=click.Path(path_type=Path))
@analysis_options
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also draw the table to this image file (e.g. table2.png).",
)
@click.option(
    "--plot-kind",
    type=click.Choice(PLOT_KINDS),
    default="auto",
    show_default=True,
    help="Grouped bars with intervals, or a judge x strategy heatmap.",
)
@click.option(
    "--baseline",
    default="vanilla",
    show_default=True,
    help="Run folders only: mark strategies whose paired difference from this "
    "one is real. 'none' turns the comparison off.",
)
def leaderboard(
    runs: tuple[Path, ...],
    data_dir: Path | None,
    offline: bool,
    format_: str,
    resamples: int,
    seed: int,
    confidence: float,
    plot: Path | None,
    plot_kind: str,
    baseline: str,
) -> None:
    """Mean Pearson r with human scores, strategies x judges (Table 2).

    Without RUNS, reads the SPRI paper's released judgments (from --data-dir,
    the cache, or downloaded and verified by hash); files that cannot be had
    show as n/a. With RUNS (run folders, e.g. runs/*), tabulates those. The
    best strategy per judge, the oracle excluded, is marked in every format.
    """
    from spri_judge.analysis.formats import render_leaderboard
    from spri_judge.analysis.sources import read_run_folder, released_scored_runs
    from spri_judge.analysis.table import build_leaderboard
    from spri_judge.data.registry import Registry
    from spri_judge.errors import DataUnavailable

    started = time.perf_counter()

    # gather the runs
    if runs:
        scored = [read_run_folder(path) for path in runs]
        unavailable = []
    else:
        registry = Registry(data_dir, offline=True if offline else None)
        scored, unavailable = released_scored_runs(registry)
        if not scored:
            reason = unavailable[0].reason if unavailable else "none is pinned"
            raise DataUnavailable(f"no released judgments could be read: {reason}")

    # score, lay out, print
    board = build_leaderboard(
        scored,
        unavailable=unavailable,
        baseline=None if baseline.lower() == "none" else baseline,
        n_resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    click.echo(render_leaderboard(board, format_), nl=False)

    if plot is not None:
        from spri_judge.analysis.plot import plot_leaderboard

        written = plot_leaderboard(board, plot, plot_kind)
        click.echo(f"wrote {written}", err=True)
    click.echo(
        f"{len(board.cells)} cells in {time.perf_counter() - started:.1f} s", err=True
    )
