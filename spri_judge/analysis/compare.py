"""Is one strategy's mean r really higher than another's on the same rows?

Two runs are paired row by row on (instance id, response model), keeping the
rows that both judges scored and that carry a human score. The difference of
the headline mean r (unrounded) is then bootstrapped with one shared draw of
instances per resample, so what both runs have in common (hard instances,
noisy labels) cancels out of the interval. The two-sided p-value is the
usual bootstrap one: twice the share of resampled differences on the far
side of zero, with one added to count and total so it is never exactly 0.

Released SPRI files do not name the response model, so their rows cannot be
paired; compare those by their per-file statistics only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from spri_judge.analysis import resample, stats
from spri_judge.analysis.agreement import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    check_bootstrap_args,
)
from spri_judge.analysis.frames import check_frame
from spri_judge.errors import ConfigError
from spri_judge.instance import CAPABILITIES

KEY = ["instance_id", "response_model"]


class Comparison(BaseModel):
    """The paired difference ``mean_r(a) - mean_r(b)`` on common rows."""

    a: str
    b: str
    rows: int = Field(description="rows both runs scored, with a human score")
    instances: int
    mean_r_a: float
    mean_r_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float
    n_resamples: int
    seed: int

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero (the difference is real)."""
        return self.ci_low > 0 or self.ci_high < 0


def paired_rows(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Rows scored in both frames: ``capability, instance_id, human_score,
    score_a, score_b``.

    Raises:
        ConfigError: if rows do not name their response model, a key repeats,
            or a matched row has different human scores in the two runs.
    """
    for side, frame in (("first", a), ("second", b)):
        check_frame(frame)
        if frame["response_model"].isna().any():
            raise ConfigError(
                f"the {side} run has rows without a response model, so its rows "
                "cannot be paired; compare such runs by per-run statistics"
            )
        if frame.duplicated(KEY).any():
            dup = frame.loc[frame.duplicated(KEY), KEY].iloc[0].tolist()
            raise ConfigError(f"the {side} run holds row {dup} twice")
    merged = resample.usable_rows(a).merge(
        resample.usable_rows(b), on=KEY, suffixes=("_a", "_b"), validate="1:1"
    )
    clash = merged["human_score_a"] != merged["human_score_b"]
    if clash.any():
        first = merged.loc[clash, KEY].iloc[0].tolist()
        raise ConfigError(
            f"the two runs give row {first} different human scores; "
            "they do not judge the same data"
        )
    return pd.DataFrame(
        {
            "capability": merged["capability_a"],
            "instance_id": merged["instance_id"],
            "human_score": merged["human_score_a"],
            "score_a": merged["score_a"],
            "score_b": merged["score_b"],
        }
    )


def compare(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    names: tuple[str, str] = ("a", "b"),
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Comparison:
    """Paired bootstrap of the difference in mean r between two runs.

    Args:
        a: scored frame of the first run.
        b: scored frame of the second run, over the same rows.
        names: labels of the two runs, for reports.
        n_resamples: bootstrap resamples (at least 1).
        seed: seed of the bootstrap.
        confidence: coverage of the percentile interval, in (0, 1).

    Raises:
        ConfigError: if the rows cannot be paired or no headline capability
            has a defined r in both runs.
    """
    check_bootstrap_args(n_resamples, confidence)
    if n_resamples < 1:
        raise ValueError("compare(): n_resamples must be at least 1")
    rows = paired_rows(a, b)

    # capabilities where both runs define r on the common rows
    arm_a, arm_b, r_a, r_b = [], [], [], []
    for capability in CAPABILITIES:
        part = rows[rows["capability"] == capability]
        ra, _ = stats.pearson(part["score_a"], part["human_score"])
        rb, _ = stats.pearson(part["score_b"], part["human_score"])
        if math.isnan(ra) or math.isnan(rb):
            continue
        r_a.append(ra)
        r_b.append(rb)
        ids = sorted(part["instance_id"].unique())
        arm_a.append(_sums(part, "score_a", ids))
        arm_b.append(_sums(part, "score_b", ids))
    if not r_a:
        raise ConfigError(
            f"{names[0]} and {names[1]} share no capability in which both have "
            f"a defined Pearson r ({len(rows)} common rows)"
        )

    # one draw of instances for both arms: the pairing
    draws = resample.bootstrap_mean_r([arm_a, arm_b], n_resamples, seed)
    diffs = draws[0] - draws[1]
    diffs = diffs[~np.isnan(diffs)]
    low, high = resample.percentile_interval(diffs, confidence)
    below = int((diffs <= 0).sum())
    above = int((diffs >= 0).sum())
    p = min(1.0, 2.0 * (min(below, above) + 1) / (diffs.size + 1))

    mean_a = stats.plain_mean(r_a)
    mean_b = stats.plain_mean(r_b)
    return Comparison(
        a=names[0],
        b=names[1],
        rows=len(rows),
        instances=int(rows["instance_id"].nunique()),
        mean_r_a=mean_a,
        mean_r_b=mean_b,
        difference=mean_a - mean_b,
        ci_low=low,
        ci_high=high,
        p_value=p,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def _sums(part: pd.DataFrame, column: str, ids: list[object]) -> np.ndarray:
    rows = pd.DataFrame(
        {
            "instance_id": part["instance_id"],
            "score": part[column],
            "human_score": part["human_score"],
        }
    )
    return resample.instance_sums(rows, ids)[1]
