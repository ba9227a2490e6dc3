"""Agreement statistics between a judge's scores and human scores.

One statistic per function. Every function takes the judge's scores and the
human scores as two sequences of the same length, drops the pairs in which
either value is NaN, and returns NaN when what is left cannot define the
statistic (too few pairs, or no variation where the statistic divides by it).
None of them warns or raises on such input, so a table of many cells can be
filled without special cases; a length mismatch is a caller's bug and raises
ValueError.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

NAN = float("nan")

# the paper prints three decimals and averages the already-rounded values
PAPER_DECIMALS = 3


def paired(judge: ArrayLike, human: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The two score vectors as floats, without pairs that hold a NaN.

    Raises:
        ValueError: if the two inputs differ in length.
    """
    x = np.asarray(judge, dtype=float).ravel()
    y = np.asarray(human, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(
            f"paired(): judge and human scores differ in length "
            f"({x.size} vs {y.size}); pass one human score per judged row"
        )
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _varies(x: np.ndarray) -> bool:
    return x.size > 0 and bool(np.ptp(x) > 0)


def pearson(judge: ArrayLike, human: ArrayLike) -> tuple[float, float]:
    """Pearson r and its two-sided p-value (scipy's ``pearsonr``).

    Returns ``(nan, nan)`` for fewer than 2 pairs or when either side is
    constant (r is undefined there; scipy would warn).
    """
    x, y = paired(judge, human)
    if x.size < 2 or not (_varies(x) and _varies(y)):
        return NAN, NAN
    result = stats.pearsonr(x, y)
    return float(result.statistic), float(result.pvalue)


def spearman(judge: ArrayLike, human: ArrayLike) -> float:
    """Spearman rank correlation (ties get average ranks).

    NaN for fewer than 2 pairs or a constant side.
    """
    x, y = paired(judge, human)
    if x.size < 2 or not (_varies(x) and _varies(y)):
        return NAN
    return float(stats.spearmanr(x, y).statistic)


def kendall(judge: ArrayLike, human: ArrayLike) -> float:
    """Kendall's tau-b, which corrects for the many ties of 1-5 scores.

    NaN for fewer than 2 pairs or a constant side.
    """
    x, y = paired(judge, human)
    if x.size < 2 or not (_varies(x) and _varies(y)):
        return NAN
    return float(stats.kendalltau(x, y, variant="b").statistic)


def mean_absolute_error(judge: ArrayLike, human: ArrayLike) -> float:
    """Mean of ``|judge - human|``; NaN when no pair is left."""
    x, y = paired(judge, human)
    if x.size == 0:
        return NAN
    return float(np.mean(np.abs(x - y)))


def krippendorff_alpha(judge: ArrayLike, human: ArrayLike) -> float:
    """Krippendorff's alpha at the ratio level, judge and humans as two coders.

    NaN for fewer than 2 pairs or when all values are one number (alpha
    divides by the disagreement expected by chance, which is then zero).
    """
    x, y = paired(judge, human)
    if x.size < 2 or not _varies(np.concatenate([x, y])):
        return NAN
    return float(
        krippendorff.alpha(
            reliability_data=np.vstack([y, x]), level_of_measurement="ratio"
        )
    )


def paper_round(value: float, decimals: int = PAPER_DECIMALS) -> float:
    """Round as the paper's code does: numpy rounding (half to even).

    NaN stays NaN.
    """
    return float(np.round(np.float64(value), decimals))


def paper_mean(values: Sequence[float], decimals: int = PAPER_DECIMALS) -> float:
    """The paper's headline: each value rounded, then the mean rounded.

    The SPRI reference code rounds every per-capability r to 3 decimals and
    prints the plain (pandas) mean of those rounded values, rounded again.
    About one mean in eight falls exactly on a half of the last decimal, so
    the order of operations decides the printed digit; this function repeats
    them exactly. NaN values are skipped (as pandas does); NaN if none is left.
    """
    rounded = pd.Series([paper_round(v, decimals) for v in values], dtype=float)
    if rounded.count() == 0:
        return NAN
    return paper_round(rounded.mean(), decimals)


def plain_mean(values: Sequence[float]) -> float:
    """Mean of the values that are not NaN, unrounded; NaN if none is left."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float(arr.mean()) if arr.size else NAN
