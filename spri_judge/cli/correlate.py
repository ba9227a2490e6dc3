"""``spri-judge correlate``: per-capability agreement of runs with people."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spri_judge.cli.leaderboard import analysis_options

if TYPE_CHECKING:
    from spri_judge.analysis.sources import ScoredRun


@click.command()
@click.argument("runs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--released",
    "released",
    multiple=True,
    metavar="JUDGE/STRATEGY",
    help="A released SPRI run instead of a folder, e.g. gpt-4o-mini/vanilla "
    "(repeatable).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Also compare the first run with each other run by a paired bootstrap "
    "(run folders over the same rows only).",
)
@analysis_options
def correlate(
    runs: tuple[Path, ...],
    released: tuple[str, ...],
    compare: bool,
    data_dir: Path | None,
    offline: bool,
    format_: str,
    resamples: int,
    seed: int,
    confidence: float,
) -> None:
    """Per-capability Pearson, Spearman, Kendall, MAE and Krippendorff's alpha.

    For each RUN folder (and each --released run): the statistics per
    capability, pooled, and the headline mean r with its bootstrap interval.
    """
    from spri_judge.analysis import compare as paired
    from spri_judge.analysis.agreement import agreement
    from spri_judge.analysis.formats import Breakdown, render_breakdowns
    from spri_judge.analysis.released import find_run, load_released
    from spri_judge.analysis.sources import ScoredRun, read_run_folder
    from spri_judge.data.registry import Registry
    from spri_judge.errors import ConfigError, DataUnavailable

    if not runs and not released:
        raise click.UsageError("give at least one run folder or --released run")

    # gather the runs
    scored = [read_run_folder(path) for path in runs]
    if released:
        registry = Registry(data_dir, offline=True if offline else None)
        wanted = [find_run(*_judge_strategy(spec)) for spec in released]
        loaded, unavailable = load_released(registry, wanted)
        if unavailable:
            raise DataUnavailable(unavailable[0].reason)
        scored += [
            ScoredRun(run.judge, run.strategy, str(path), frame, pairable=False)
            for run, path, frame in loaded
        ]

    # statistics, then the optional paired comparisons
    items = [
        Breakdown(
            judge=run.judge,
            strategy=run.strategy,
            source=run.source,
            agreement=agreement(
                run.frame, n_resamples=resamples, seed=seed, confidence=confidence
            ),
        )
        for run in scored
    ]
    comparisons = []
    if compare:
        if len(scored) < 2:
            raise ConfigError("--compare needs at least two runs")
        first = scored[0]
        for other in scored[1:]:
            comparisons.append(
                paired.compare(
                    first.frame,
                    other.frame,
                    names=(_name(first), _name(other)),
                    n_resamples=max(resamples, 1),
                    seed=seed,
                    confidence=confidence,
                )
            )
    click.echo(render_breakdowns(items, comparisons, format_), nl=False)


def _judge_strategy(spec: str) -> tuple[str, str]:
    judge, sep, strategy = spec.partition("/")
    if not sep or not judge or not strategy:
        raise click.BadParameter(
            f"{spec!r} is not JUDGE/STRATEGY, e.g. gpt-4o-mini/vanilla",
            param_hint="--released",
        )
    return judge, strategy


def _name(run: ScoredRun) -> str:
    return f"{run.judge}/{run.strategy}"
