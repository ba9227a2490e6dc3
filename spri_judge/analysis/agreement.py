"""How well a judge agrees with people, per capability and overall.

The headline follows method.md and the SPRI reference code: for each of the
8 capabilities, Pearson r over the rows whose judge score parsed; then the
plain mean of the 8 values. ``Agreement.mean_r`` is that mean computed the
paper's way (each r rounded to 3 decimals first, the mean rounded again), so
tables reproduce the paper's digits; ``mean_r_exact`` is the unrounded mean
of the unrounded r values, and the bootstrap interval is computed around it.
"""

from __future__ import annotations

import math

import pandas as pd
from pydantic import BaseModel, Field

from spri_judge.analysis import resample, stats
from spri_judge.analysis.frames import check_frame
from spri_judge.instance import CAPABILITIES

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
DEFAULT_CONFIDENCE = 0.95


class CapabilityAgreement(BaseModel):
    """Agreement statistics over one capability's rows (NaN: undefined)."""

    capability: str
    rows: int = Field(description="rows with both a judge and a human score")
    unparsed: int = Field(description="rows with a human score but no judge score")
    pearson: float
    p_value: float
    spearman: float
    kendall: float
    mae: float
    alpha: float = Field(description="Krippendorff's alpha, ratio level")

    @property
    def pearson_paper(self) -> float:
        """Pearson r rounded the way the paper prints it."""
        return stats.paper_round(self.pearson)


class Agreement(BaseModel):
    """Per-capability statistics, the pooled statistics and the headline."""

    capabilities: list[CapabilityAgreement] = Field(
        description="the 8 headline capabilities, in the paper's order"
    )
    other_capabilities: list[CapabilityAgreement] = Field(
        default_factory=list, description="capabilities outside the headline"
    )
    overall: CapabilityAgreement = Field(
        description="all rows of the 8 capabilities pooled into one sample"
    )
    mean_r: float = Field(description="the paper's headline, to 3 decimals")
    mean_r_exact: float = Field(description="plain mean of the unrounded r")
    ci_low: float
    ci_high: float
    confidence: float
    n_resamples: int
    seed: int
    capabilities_in_mean: int = Field(description="capabilities with a defined r")
    rows: int
    unparsed: int
    unlabelled: int = Field(description="rows without a human score (skipped)")
    failed: int = Field(description="rows whose judge call failed (unparsed)")

    def pearson_by_capability(self) -> dict[str, float]:
        """Unrounded Pearson r of each headline capability."""
        return {c.capability: c.pearson for c in self.capabilities}


def capability_agreement(name: str, frame: pd.DataFrame) -> CapabilityAgreement:
    """Every statistic over the labelled rows of ``frame`` (one capability)."""
    labelled = frame[frame["human_score"].notna()]
    used = resample.usable_rows(labelled)
    judge = used["score"].to_numpy(dtype=float)
    human = used["human_score"].to_numpy(dtype=float)
    r, p = stats.pearson(judge, human)
    return CapabilityAgreement(
        capability=name,
        rows=len(used),
        unparsed=len(labelled) - len(used),
        pearson=r,
        p_value=p,
        spearman=stats.spearman(judge, human),
        kendall=stats.kendall(judge, human),
        mae=stats.mean_absolute_error(judge, human),
        alpha=stats.krippendorff_alpha(judge, human),
    )


def agreement(
    frame: pd.DataFrame,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Agreement:
    """The agreement of a scored frame (see ``frames``) with its human scores.

    Args:
        frame: scored rows; rows without a human score are skipped and
            counted, rows without a judge score count as unparsed.
        n_resamples: bootstrap resamples for the interval of the mean r
            (0 skips the bootstrap; the interval is then NaN).
        seed: seed of the bootstrap, so a table prints the same twice.
        confidence: coverage of the percentile interval, in (0, 1).

    Raises:
        ValueError: if ``frame`` is not a scored frame, or an argument is out
            of range.
    """
    check_frame(frame)
    check_bootstrap_args(n_resamples, confidence)

    # per capability, in the paper's order, then any others the data holds
    by_capability = {name: part for name, part in frame.groupby("capability")}
    empty = frame.iloc[0:0]
    headline = [
        capability_agreement(c, by_capability.get(c, empty)) for c in CAPABILITIES
    ]
    others = [
        capability_agreement(str(c), part)
        for c, part in sorted(by_capability.items())
        if c not in CAPABILITIES
    ]
    in_headline = frame[frame["capability"].isin(CAPABILITIES)]
    overall = capability_agreement("overall", in_headline)

    # the headline, the paper's way and unrounded
    defined = [c for c in headline if not math.isnan(c.pearson)]
    mean_r = stats.paper_mean([c.pearson for c in defined])
    mean_r_exact = stats.plain_mean([c.pearson for c in defined])

    # interval: resample instances within each capability that has an r
    low = high = float("nan")
    if n_resamples > 0 and defined:
        arm = []
        for c in defined:
            rows = resample.usable_rows(by_capability[c.capability])
            arm.append(resample.instance_sums(rows)[1])
        draws = resample.bootstrap_mean_r([arm], n_resamples, seed)[0]
        low, high = resample.percentile_interval(draws, confidence)

    return Agreement(
        capabilities=headline,
        other_capabilities=others,
        overall=overall,
        mean_r=mean_r,
        mean_r_exact=mean_r_exact,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        capabilities_in_mean=len(defined),
        rows=overall.rows,
        unparsed=overall.unparsed,
        unlabelled=int(frame["human_score"].isna().sum()),
        failed=int(frame["failed"].sum()),
    )


def check_bootstrap_args(n_resamples: int, confidence: float) -> None:
    """Raise ValueError for a negative resample count or a confidence not in (0, 1)."""
    if n_resamples < 0:
        raise ValueError(
            f"n_resamples must be 0 (no interval) or more, not {n_resamples}"
        )
    if not 0.0 < confidence < 1.0:
        raise ValueError(
            f"confidence must lie strictly between 0 and 1 "
            f"(e.g. 0.95), not {confidence}"
        )
