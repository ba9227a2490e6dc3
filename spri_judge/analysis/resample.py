"""Bootstrap over instances for the mean-over-capabilities Pearson r.

The responses of one instance share its input and its rubric, so they are
not independent: a resample draws whole instances (with all their responses)
with replacement, separately within each capability, which keeps every
capability's size fixed as the headline's plain mean over capabilities
assumes. Pearson r depends on the rows only through six sums (n, the sum of
x, of y, of x squared, of y squared and of x*y), and those add up over
instances; with the sums of each instance computed once, a resample costs a
gather and a sum in numpy, so a thousand resamples of a 2,780-row file take
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# n, sum x, sum y, sum x^2, sum y^2, sum xy
N_SUMS = 6


def usable_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with both a judge score and a human score, in their order."""
    return frame[frame["score"].notna() & frame["human_score"].notna()]


def instance_sums(
    rows: pd.DataFrame, instance_ids: Sequence[object] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-instance sums of usable ``rows``: ``(instance_ids, sums[k, 6])``.

    Args:
        rows: rows of one capability, all with a judge and a human score.
        instance_ids: the instances to return, in this order (an instance
            without rows gets zeros); by default the sorted ids in ``rows``.
    """
    x = rows["score"].to_numpy(dtype=float)
    y = rows["human_score"].to_numpy(dtype=float)
    ids = rows["instance_id"].to_numpy()

    # bincount over instance codes: far cheaper than a pandas groupby
    if instance_ids is None:
        codes, uniques = pd.factorize(ids, sort=True)
        order = np.asarray(uniques, dtype=object)
    else:
        order = np.asarray(list(instance_ids), dtype=object)
        codes = pd.Index(order).get_indexer(ids)
        if (codes < 0).any():
            raise ValueError("instance_sums(): rows hold instances not listed")
    parts = (np.ones_like(x), x, y, x * x, y * y, x * y)
    sums = np.column_stack(
        [np.bincount(codes, weights=p, minlength=len(order)) for p in parts]
    )
    return order, sums.reshape(len(order), N_SUMS)


def r_from_sums(sums: np.ndarray) -> np.ndarray:
    """Pearson r from summed ``(..., 6)`` arrays; NaN where a side is constant."""
    n, sx, sy, sxx, syy, sxy = np.moveaxis(sums, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        cov = sxy - sx * sy / n
        # the subtraction leaves rounding noise where the true variance is 0
        flat = (vx <= 1e-9 * np.maximum(sxx, 1.0)) | (vy <= 1e-9 * np.maximum(syy, 1.0))
        r = cov / np.sqrt(vx * vy)
    return np.where(flat | (n < 2), np.nan, np.clip(r, -1.0, 1.0))


def bootstrap_mean_r(
    arms: Sequence[Sequence[np.ndarray]], n_resamples: int, seed: int
) -> np.ndarray:
    """Resampled mean-over-capabilities r for one or more aligned arms.

    Args:
        arms: ``arms[a][c]`` is the ``(k_c, 6)`` instance sums of arm ``a`` in
            capability ``c``. Every arm lists the same instances in the same
            order, so one draw of instances serves all arms (a paired
            bootstrap when there are two).
        n_resamples: how many resamples to draw.
        seed: seed of numpy's generator; the same seed gives the same draws.

    Returns:
        An ``(arms, n_resamples)`` array; a resample in which some
        capability's r is undefined (a constant side) is NaN.
    """
    if not arms or not arms[0]:
        return np.full((len(arms), n_resamples), np.nan)
    rng = np.random.default_rng(seed)
    per_capability = np.empty((len(arms), len(arms[0]), n_resamples))
    for c in range(len(arms[0])):
        k = arms[0][c].shape[0]
        draws = rng.integers(0, k, size=(n_resamples, k))
        for a, arm in enumerate(arms):
            per_capability[a, c] = r_from_sums(arm[c][draws].sum(axis=1))
    return per_capability.mean(axis=1)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` interval of the non-NaN samples (or NaNs)."""
    finite = samples[~np.isnan(samples)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)
