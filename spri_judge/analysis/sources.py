"""Where scored runs come from: run folders, or the paper's released files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spri_judge.analysis.frames import frame_from_rows
from spri_judge.analysis.released import Unavailable, load_released
from spri_judge.data.registry import Registry
from spri_judge.run import load_run


@dataclass(frozen=True, eq=False)
class ScoredRun:
    """One judge's scores under one strategy, ready for analysis.

    ``pairable`` says whether rows name their response model, so that two
    runs over the same data can be compared row by row.
    """

    judge: str
    strategy: str
    source: str
    frame: pd.DataFrame = field(repr=False)
    pairable: bool = True


def read_run_folder(path: str | Path) -> ScoredRun:
    """A run folder's judge, strategy label and scored rows.

    Raises:
        InputError: naming the folder or file (and line and field) when the
            path is not a run folder, its manifest or judgments are malformed,
            or it holds no judged rows.
    """
    manifest, rows = load_run(path)
    return ScoredRun(
        judge=manifest.judge,
        strategy=manifest.strategy_label,
        source=str(path),
        frame=frame_from_rows(rows),
    )


def released_scored_runs(
    registry: Registry,
) -> tuple[list[ScoredRun], list[Unavailable]]:
    """Every released run file the registry can get, and those it cannot."""
    loaded, unavailable = load_released(registry)
    runs = [
        ScoredRun(run.judge, run.strategy, str(path), frame, pairable=False)
        for run, path, frame in loaded
    ]
    return runs, unavailable
