"""The leaderboard: strategies x judges, each cell a mean Pearson r.

This is the layout of the paper's Table 2. Each cell is the headline of
``agreement`` (the mean over the 8 capabilities of per-capability r, each
rounded to 3 decimals before averaging, as the paper computes it) with a
bootstrap interval over instances. Per judge, the best strategy that does not
use the human-written rubric is marked, as the paper marks it; ties at 3
decimals are all marked. Where runs can be paired row by row (run folders,
not the released files), every strategy is also compared with a baseline
strategy of the same judge by a paired bootstrap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from spri_judge.analysis.agreement import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Agreement,
    agreement,
)
from spri_judge.analysis.compare import Comparison, compare
from spri_judge.analysis.released import Unavailable
from spri_judge.analysis.sources import ScoredRun
from spri_judge.errors import ConfigError
from spri_judge.strategies.names import LABEL_ORDER, ORACLE_LABELS


class Cell(BaseModel):
    """One judge under one strategy."""

    judge: str
    strategy: str
    source: str
    agreement: Agreement
    best: bool = Field(False, description="best non-oracle strategy of the judge")
    vs_baseline: Comparison | None = None

    @property
    def mean_r(self) -> float:
        return self.agreement.mean_r


class MissingCell(BaseModel):
    """A judge x strategy cell whose data could not be had."""

    judge: str
    strategy: str
    reason: str


class Leaderboard(BaseModel):
    """Table 2: rows are strategies, columns are judges."""

    judges: list[str]
    strategies: list[str]
    cells: list[Cell]
    missing: list[MissingCell] = Field(default_factory=list)
    baseline: str | None = None
    notes: list[str] = Field(default_factory=list)
    n_resamples: int
    seed: int
    confidence: float

    def cell(self, judge: str, strategy: str) -> Cell | None:
        """The cell of ``judge`` under ``strategy``, if there is one."""
        for c in self.cells:
            if c.judge == judge and c.strategy == strategy:
                return c
        return None


def order_strategies(labels: Iterable[str]) -> list[str]:
    """Labels in the paper's row order, unknown labels after, alphabetically."""
    unique = set(labels)
    known = [s for s in LABEL_ORDER if s in unique]
    return known + sorted(unique - set(LABEL_ORDER))


def build_leaderboard(
    runs: Sequence[ScoredRun],
    *,
    unavailable: Sequence[Unavailable] = (),
    baseline: str | None = "vanilla",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Leaderboard:
    """Score every run and lay the results out as the paper's Table 2.

    Args:
        runs: scored runs; at most one per (judge, strategy).
        unavailable: released files that could not be had; listed as missing
            cells rather than failing the table.
        baseline: strategy each pairable run is compared with (same judge);
            None skips the comparisons.
        n_resamples: bootstrap resamples per cell.
        seed: bootstrap seed; every cell uses it, so a cell does not depend
            on which other runs are in the table.
        confidence: coverage of the intervals.

    Raises:
        ConfigError: if no run is given or two runs claim the same cell.
    """
    if not runs and not unavailable:
        raise ConfigError("no runs to tabulate: give run folders or released data")
    seen: dict[tuple[str, str], ScoredRun] = {}
    for run in runs:
        key = (run.judge, run.strategy)
        if key in seen:
            raise ConfigError(
                f"two runs give judge {run.judge!r} under strategy "
                f"{run.strategy!r}: {seen[key].source} and {run.source}; "
                "pass only one of them"
            )
        seen[key] = run

    # one cell per run
    cells = [
        Cell(
            judge=run.judge,
            strategy=run.strategy,
            source=run.source,
            agreement=agreement(
                run.frame, n_resamples=n_resamples, seed=seed, confidence=confidence
            ),
        )
        for run in runs
    ]
    missing = [
        MissingCell(judge=u.run.judge, strategy=u.run.strategy, reason=u.reason)
        for u in unavailable
    ]
    judges = list(dict.fromkeys([r.judge for r in runs] + [m.judge for m in missing]))
    strategies = order_strategies(
        [c.strategy for c in cells] + [m.strategy for m in missing]
    )

    _mark_best(cells)
    notes = []
    if baseline is not None:
        notes = _compare_with_baseline(
            cells, seen, baseline, n_resamples, seed, confidence
        )
    if any(not run.pairable for run in runs):
        notes.append(
            "released files do not name the response model, so their rows "
            "cannot be paired: compare their cells by the intervals only"
        )
    return Leaderboard(
        judges=judges,
        strategies=strategies,
        cells=cells,
        missing=missing,
        baseline=baseline,
        notes=notes,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


def _mark_best(cells: list[Cell]) -> None:
    by_judge: dict[str, list[Cell]] = {}
    for c in cells:
        if c.strategy not in ORACLE_LABELS and not math.isnan(c.mean_r):
            by_judge.setdefault(c.judge, []).append(c)
    for competitors in by_judge.values():
        top = max(c.mean_r for c in competitors)
        for c in competitors:
            c.best = c.mean_r == top


def _compare_with_baseline(
    cells: list[Cell],
    runs: dict[tuple[str, str], ScoredRun],
    baseline: str,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> list[str]:
    """Attach paired comparisons with the baseline; return notes on failures."""
    notes = []
    for c in cells:
        base = runs.get((c.judge, baseline))
        run = runs[(c.judge, c.strategy)]
        if c.strategy == baseline or base is None:
            continue
        if not (run.pairable and base.pairable):
            continue
        try:
            c.vs_baseline = compare(
                run.frame,
                base.frame,
                names=(c.strategy, baseline),
                n_resamples=max(n_resamples, 1),
                seed=seed,
                confidence=confidence,
            )
        except ConfigError as exc:
            # one incomparable pair should not hide the rest of the table
            notes.append(f"{c.judge} {c.strategy} vs {baseline}: {exc}")
    return notes
