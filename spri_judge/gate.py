"""A quality gate over a run: pass or fail it on thresholds, for CI.

``evaluate_gate`` checks a run's judged rows against the conditions of a
``GateConfig`` and returns a ``GateResult``: one ``ConditionResult`` per
condition given and one ``RowOutcome`` per row. The conditions are

- mean score: the mean judge score over the rows whose score parsed;
- pass rate: the share of all rows scoring at least ``pass_score``, an
  unparsed or failed row counting as not passing;
- unparsed share: the share of rows without a score (unparsed, or the judge
  call failed);
- drop from a baseline run: the baseline's mean score minus this run's, both
  over the rows the two runs scored (paired on instance id and response
  model);
- agreement with people: the lower end of the bootstrap interval of the mean
  Pearson r with the rows' human scores (``analysis.agreement``), so a
  judge that stopped agreeing with people fails even when its scores look
  healthy.

``spri_judge.gate_reports`` renders a result for CI systems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from spri_judge.errors import ConfigError
from spri_judge.judgment import JudgedRow

# floating-point noise must not fail a gate whose value equals its threshold
TOLERANCE = 1e-9
RowStatus = Literal["passed", "low-score", "unparsed", "error"]


@dataclass(frozen=True)
class GateConfig:
    """The thresholds of a gate; ``None`` leaves a condition out.

    Attributes:
        min_mean: lowest allowed mean score over parsed rows (1-5).
        min_pass_rate: lowest allowed share (0-1) of rows scoring at least
            ``pass_score``; needs ``pass_score``.
        pass_score: the score a row needs to pass (1-5). Alone it is no
            condition, but it marks low-scoring rows as failed test cases.
        max_unparsed: highest allowed share (0-1) of rows without a score.
        max_drop: highest allowed fall of the mean score from the baseline
            run; needs baseline rows.
        min_r: lowest allowed lower bound of the interval of the mean r with
            human scores (-1 to 1); needs rows with human scores.
        n_resamples: bootstrap resamples for the interval of ``min_r``.
        seed: bootstrap seed, so a gate decides the same way twice.
        confidence: coverage of that interval.

    Raises:
        ConfigError: if no condition is given, a value is out of range, or
            ``min_pass_rate`` comes without ``pass_score``.
    """

    min_mean: float | None = None
    min_pass_rate: float | None = None
    pass_score: int | None = None
    max_unparsed: float | None = None
    max_drop: float | None = None
    min_r: float | None = None
    n_resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95

    def __post_init__(self) -> None:
        conditions = (
            self.min_mean,
            self.min_pass_rate,
            self.max_unparsed,
            self.max_drop,
            self.min_r,
        )
        if all(c is None for c in conditions):
            raise ConfigError(
                "a gate needs at least one condition: --min-mean, "
                "--min-pass-rate, --max-unparsed, --max-drop or --min-r"
            )
        if self.min_pass_rate is not None and self.pass_score is None:
            raise ConfigError(
                "--min-pass-rate needs --pass-score K, the score a row must reach"
            )
        _check_range("min_mean", self.min_mean, 1, 5)
        _check_range("min_pass_rate", self.min_pass_rate, 0, 1)
        _check_range("pass_score", self.pass_score, 1, 5)
        _check_range("max_unparsed", self.max_unparsed, 0, 1)
        _check_range("max_drop", self.max_drop, 0, 4)
        _check_range("min_r", self.min_r, -1, 1)
        if self.n_resamples < 1:
            raise ConfigError(f"n_resamples must be at least 1, not {self.n_resamples}")
        _check_range("confidence", self.confidence, 0, 1)


def _check_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        option = "--" + name.replace("_", "-")
        raise ConfigError(f"{option} must lie between {low} and {high}, not {value}")


class ConditionResult(BaseModel):
    """One condition: what was measured, against what, and the verdict."""

    name: str = Field(description="what is measured, e.g. 'mean score'")
    option: str = Field(description="the CLI option that set it, e.g. --min-mean")
    value: float | None = Field(description="the measured value; None: undefined")
    threshold: float
    higher_is_better: bool
    percent: bool = Field(default=False, description="a share, shown as percent")
    passed: bool
    detail: str = Field(default="", description="counts behind the value")

    @property
    def line(self) -> str:
        """One line such as ``FAIL mean score 3.12 < 3.50 (--min-mean; ...)``."""
        value, threshold = format_pair(self.value, self.threshold, self.percent)
        verdict = "PASS" if self.passed else "FAIL"
        note = f"{self.option}; {self.detail}" if self.detail else self.option
        if self.value is None:
            need = ">=" if self.higher_is_better else "<="
            return f"{verdict} {self.name} undefined, needs {need} {threshold} ({note})"
        if self.higher_is_better:
            sign = ">=" if self.passed else "<"
        else:
            sign = "<=" if self.passed else ">"
        return f"{verdict} {self.name} {value} {sign} {threshold} ({note})"


class RowOutcome(BaseModel):
    """One judged row as a test case."""

    instance_id: str
    response_model: str
    capability: str
    score: int | None
    status: RowStatus
    message: str = Field(default="", description="why the row failed")
    feedback: str = ""

    @property
    def key(self) -> str:
        return f"{self.instance_id}::{self.response_model}"

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class GateResult(BaseModel):
    """Every condition's verdict and every row's outcome."""

    conditions: list[ConditionResult]
    rows: list[RowOutcome]
    scored: int = Field(description="rows with a parsed score")
    unparsed: int = Field(description="rows whose judge output did not parse")
    failed: int = Field(description="rows whose judge call failed")

    @property
    def passed(self) -> bool:
        """Whether every condition passed (rows alone never fail a gate)."""
        return all(c.passed for c in self.conditions)

    @property
    def lines(self) -> list[str]:
        """One PASS/FAIL line per condition."""
        return [c.line for c in self.conditions]


def evaluate_gate(
    rows: Sequence[JudgedRow],
    config: GateConfig,
    baseline_rows: Sequence[JudgedRow] | None = None,
) -> GateResult:
    """Check a run's rows against the conditions of ``config``.

    Args:
        rows: the judged rows of the run (``run.read_rows``).
        config: the thresholds; only the conditions it sets are checked.
        baseline_rows: rows of an earlier run, for ``max_drop``.

    Raises:
        ConfigError: if there are no rows, ``max_drop`` and the baseline do
            not come together, the baseline shares no scored row with the
            run, or ``min_r`` is set but no row has a human score.
    """
    if not rows:
        raise ConfigError("the run holds no judged rows to gate")
    if (config.max_drop is None) != (baseline_rows is None):
        raise ConfigError("--max-drop D and --baseline RUN must be given together")

    # conditions, in the order of the command line
    conditions = []
    if config.min_mean is not None:
        conditions.append(_mean_condition(rows, config.min_mean))
    if config.min_pass_rate is not None and config.pass_score is not None:
        conditions.append(
            _pass_rate_condition(rows, config.min_pass_rate, config.pass_score)
        )
    if config.max_unparsed is not None:
        conditions.append(_unparsed_condition(rows, config.max_unparsed))
    if config.max_drop is not None and baseline_rows is not None:
        conditions.append(_drop_condition(rows, baseline_rows, config.max_drop))
    if config.min_r is not None:
        conditions.append(_agreement_condition(rows, config.min_r, config))

    return GateResult(
        conditions=conditions,
        rows=[_row_outcome(row, config.pass_score) for row in rows],
        scored=sum(row.score is not None for row in rows),
        unparsed=sum(row.score is None and row.error is None for row in rows),
        failed=sum(row.score is None and row.error is not None for row in rows),
    )


def _mean_condition(rows: Sequence[JudgedRow], minimum: float) -> ConditionResult:
    scores = [row.score for row in rows if row.score is not None]
    mean = sum(scores) / len(scores) if scores else None
    return ConditionResult(
        name="mean score",
        option="--min-mean",
        value=mean,
        threshold=minimum,
        higher_is_better=True,
        passed=mean is not None and mean >= minimum - TOLERANCE,
        detail=f"{len(scores)} of {len(rows)} rows scored",
    )


def _pass_rate_condition(
    rows: Sequence[JudgedRow], minimum: float, pass_score: int
) -> ConditionResult:
    # an unparsed row is in the denominator: a judge that stops answering fails
    passing = sum(row.score is not None and row.score >= pass_score for row in rows)
    rate = passing / len(rows)
    return ConditionResult(
        name="pass rate",
        option="--min-pass-rate",
        value=rate,
        threshold=minimum,
        higher_is_better=True,
        percent=True,
        passed=rate >= minimum - TOLERANCE,
        detail=f"{passing} of {len(rows)} rows score >= {pass_score}",
    )


def _unparsed_condition(rows: Sequence[JudgedRow], maximum: float) -> ConditionResult:
    missing = sum(row.score is None for row in rows)
    share = missing / len(rows)
    return ConditionResult(
        name="unparsed",
        option="--max-unparsed",
        value=share,
        threshold=maximum,
        higher_is_better=False,
        percent=True,
        passed=share <= maximum + TOLERANCE,
        detail=f"{missing} of {len(rows)} rows unparsed or failed",
    )


def _drop_condition(
    rows: Sequence[JudgedRow], baseline: Sequence[JudgedRow], maximum: float
) -> ConditionResult:
    # pair on the row key, keeping rows both runs scored
    before = {row.key: row.score for row in baseline if row.score is not None}
    pairs = [
        (before[row.key], row.score)
        for row in rows
        if row.score is not None and row.key in before
    ]
    if not pairs:
        raise ConfigError(
            "the run and the baseline share no scored row (rows are matched on "
            "instance id and response model); is --baseline the right run?"
        )
    mean_before = sum(b for b, _ in pairs) / len(pairs)
    mean_now = sum(a for _, a in pairs) / len(pairs)
    drop = mean_before - mean_now
    return ConditionResult(
        name="drop from baseline",
        option="--max-drop",
        value=drop,
        threshold=maximum,
        higher_is_better=False,
        passed=drop <= maximum + TOLERANCE,
        detail=f"mean {mean_now:.2f} vs {mean_before:.2f} on {len(pairs)} shared rows",
    )


def _agreement_condition(
    rows: Sequence[JudgedRow], minimum: float, config: GateConfig
) -> ConditionResult:
    # pandas and scipy load only for this condition
    from spri_judge.analysis.agreement import agreement
    from spri_judge.analysis.frames import frame_from_rows
    from spri_judge.instance import CAPABILITIES

    labelled = [row for row in rows if row.human_score is not None]
    if not labelled:
        raise ConfigError(
            "--min-r needs human scores, and no row of the run has one; "
            "judge an input with a human_score field, or drop --min-r"
        )
    if not any(row.capability in CAPABILITIES for row in labelled):
        raise ConfigError(
            "--min-r gates the mean r over the BiGGen capabilities "
            f"({', '.join(CAPABILITIES)}), and no labelled row has one of them"
        )
    result = agreement(
        frame_from_rows(rows),
        n_resamples=config.n_resamples,
        seed=config.seed,
        confidence=config.confidence,
    )
    low = None if math.isnan(result.ci_low) else result.ci_low
    level = f"{config.confidence:.0%}"
    detail = (
        f"mean r {result.mean_r_exact:.3f}, {level} CI "
        f"[{result.ci_low:.3f}, {result.ci_high:.3f}], {result.rows} rows"
        if low is not None
        else f"no capability has a defined r over {result.rows} rows"
    )
    return ConditionResult(
        name=f"mean r lower {level} bound",
        option="--min-r",
        value=low,
        threshold=minimum,
        higher_is_better=True,
        passed=low is not None and low >= minimum - TOLERANCE,
        detail=detail,
    )


def _row_outcome(row: JudgedRow, pass_score: int | None) -> RowOutcome:
    if row.error is not None:
        status: RowStatus = "error"
        message = f"judge call failed: {row.error}"
    elif row.score is None:
        status = "unparsed"
        message = f"score did not parse: {row.parse_error or 'no score found'}"
    elif pass_score is not None and row.score < pass_score:
        status = "low-score"
        message = f"score {row.score} < {pass_score} (--pass-score)"
    else:
        status, message = "passed", ""
    return RowOutcome(
        instance_id=row.instance_id,
        response_model=row.response_model,
        capability=row.capability,
        score=row.score,
        status=status,
        message=message,
        feedback=row.feedback,
    )


def format_pair(
    value: float | None, threshold: float, percent: bool
) -> tuple[str, str]:
    """Value and threshold with enough decimals to tell them apart."""
    scale, suffix = (100.0, "%") if percent else (1.0, "")
    for digits in (2, 3, 4, 6):
        shown = "n/a" if value is None else f"{value * scale:.{digits}f}{suffix}"
        limit = f"{threshold * scale:.{digits}f}{suffix}"
        if value is None or shown != limit or abs(value - threshold) <= TOLERANCE:
            return shown, limit
    return shown, limit
