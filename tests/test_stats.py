"""Statistics, bootstrap and paired comparison against hand-computed cases."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("SPRI_JUDGE_OFFLINE", "1")

from spri_judge.analysis import resample, stats  # noqa: E402
from spri_judge.analysis.agreement import agreement  # noqa: E402
from spri_judge.analysis.compare import compare, paired_rows  # noqa: E402
from spri_judge.analysis.frames import make_frame  # noqa: E402
from spri_judge.errors import ConfigError  # noqa: E402
from spri_judge.instance import CAPABILITIES  # noqa: E402

# judge and human scores of five rows, used by several hand computations
JUDGE = [1, 2, 3, 4, 5]
HUMAN = [2, 1, 4, 3, 5]


# one statistic per test, arithmetic in the comments


def test_pearson_by_hand() -> None:
    # means 3 and 3; deviations dx = -2 -1 0 1 2, dy = -1 -2 1 0 2
    # sum dx*dy = 2 + 2 + 0 + 0 + 4 = 8; sum dx^2 = 10; sum dy^2 = 10
    # r = 8 / sqrt(10 * 10) = 0.8
    # t = r * sqrt(n - 2) / sqrt(1 - r^2) = 0.8 * sqrt(3) / 0.6 = 2.3094
    # two-sided p at 3 degrees of freedom = 2 * P(T3 > 2.3094) = 0.10409
    r, p = stats.pearson(JUDGE, HUMAN)
    assert r == pytest.approx(0.8)
    assert p == pytest.approx(0.104088, abs=1e-6)


def test_spearman_by_hand() -> None:
    # the scores are their own ranks; d = x - y = -1 1 -1 1 0, sum d^2 = 4
    # rho = 1 - 6 * 4 / (5 * (25 - 1)) = 1 - 24 / 120 = 0.8
    assert stats.spearman(JUDGE, HUMAN) == pytest.approx(0.8)


def test_kendall_by_hand() -> None:
    # x rises, so a pair (i < j) is concordant when y_j > y_i
    # y = 2 1 4 3 5: discordant pairs (1,2) and (3,4), the other 8 concordant
    # tau = (8 - 2) / 10 = 0.6
    assert stats.kendall(JUDGE, HUMAN) == pytest.approx(0.6)


def test_mean_absolute_error_by_hand() -> None:
    # |x - y| = 1 1 1 1 0, mean 4 / 5
    assert stats.mean_absolute_error(JUDGE, HUMAN) == pytest.approx(0.8)


def test_krippendorff_alpha_ratio_by_hand() -> None:
    # ratio metric d(c, k) = ((c - k) / (c + k))^2; 10 pairable values
    # observed: units (1,2) (2,1) (3,4) (4,3) (5,5) give 1/9 1/9 1/49 1/49 0
    #   D_o = 2 * (2/9 + 2/49) / 10 = 0.0526077
    # expected: every value 1..5 occurs twice, so
    #   D_e = 8 * sum_{c<k} d(c, k) / (10 * 9) = 8 * 1.5955933 / 90 = 0.1418305
    # alpha = 1 - D_o / D_e = 1 - 0.3709198 = 0.6290802
    assert stats.krippendorff_alpha(JUDGE, HUMAN) == pytest.approx(0.62908, abs=1e-5)


def test_statistics_skip_nan_pairs() -> None:
    # the NaN row is dropped from both sides, leaving y = x: r = 1, MAE = 0
    judge = [1.0, 2.0, math.nan, 3.0]
    human = [1.0, 2.0, 5.0, 3.0]
    assert stats.pearson(judge, human)[0] == pytest.approx(1.0)
    assert stats.mean_absolute_error(judge, human) == 0.0


@pytest.mark.parametrize(
    ("judge", "human"),
    [([], []), ([3.0], [4.0]), ([3, 3, 3], [1, 2, 3]), ([math.nan] * 3, [1, 2, 3])],
    ids=["empty", "one-pair", "constant-judge", "all-nan"],
)
def test_undefined_statistics_are_nan(judge: list, human: list) -> None:
    assert all(math.isnan(v) for v in stats.pearson(judge, human))
    assert math.isnan(stats.spearman(judge, human))
    assert math.isnan(stats.kendall(judge, human))


def test_mae_and_alpha_on_empty_input_are_nan() -> None:
    assert math.isnan(stats.mean_absolute_error([], []))
    assert math.isnan(stats.krippendorff_alpha([], []))
    # one value everywhere: no disagreement is even possible
    assert math.isnan(stats.krippendorff_alpha([4, 4], [4, 4]))


def test_length_mismatch_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        stats.pearson([1, 2, 3], [1, 2])


# the paper's rounding


def test_paper_mean_rounds_each_value_first() -> None:
    # rounded first: 0.001 0.001 0.001 0.002 -> mean 0.00125 -> 0.001
    # unrounded mean: (3 * 0.0014 + 0.0024) / 4 = 0.00165 -> would print 0.002
    values = [0.0014, 0.0014, 0.0014, 0.0024]
    assert stats.paper_mean(values) == 0.001
    assert stats.plain_mean(values) == pytest.approx(0.00165)


def test_paper_mean_on_a_half_follows_the_floating_point_sum() -> None:
    # gpt-4o-mini vanilla's rounded per-capability r; they sum to 3.012 and
    # 3.012 / 8 = 0.3765 exactly on paper, but the float sum lands just below
    # the half (0.37649999999999995), so the paper's code prints 0.376
    rounded = [0.358, 0.361, 0.478, 0.62, 0.222, 0.112, 0.38, 0.481]
    assert stats.paper_mean(rounded) == 0.376


def test_paper_mean_skips_nan_and_is_nan_when_empty() -> None:
    assert stats.paper_mean([0.2, math.nan, 0.4]) == 0.3
    assert math.isnan(stats.paper_mean([]))
    assert math.isnan(stats.plain_mean([math.nan]))


# the bootstrap over instances


def test_instance_sums_by_hand() -> None:
    # instance a: (x=1, y=2), (x=3, y=4); instance b: (x=2, y=2)
    # a: n=2, sx=4, sy=6, sxx=1+9=10, syy=4+16=20, sxy=2+12=14
    # b: n=1, sx=2, sy=2, sxx=4, syy=4, sxy=4
    rows = pd.DataFrame(
        {"instance_id": ["a", "b", "a"], "score": [1, 2, 3], "human_score": [2, 2, 4]}
    )
    ids, sums = resample.instance_sums(rows)
    assert list(ids) == ["a", "b"]
    assert sums.tolist() == [[2, 4, 6, 10, 20, 14], [1, 2, 2, 4, 4, 4]]


def test_r_from_sums_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, 200).astype(float)
    y = np.clip(x + rng.integers(-2, 3, 200), 1, 5)
    total = np.array([200, x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), x @ y])
    assert resample.r_from_sums(total) == pytest.approx(stats.pearson(x, y)[0])
    # a constant side has no r
    flat = np.array([3, 6, 6, 12, 14, 12.0])  # x = 2 2 2
    assert math.isnan(resample.r_from_sums(flat))


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """A scored frame from (instance, model, capability, human, judge) tuples."""
    return make_frame([(*row, False) for row in rows])


def _identical_instances(capabilities: tuple[str, ...] = CAPABILITIES) -> list:
    # every instance has the same three rows (judge, human): (1,1) (2,3) (3,2)
    # dx = -1 0 1, dy = -1 1 0: r = 1 / sqrt(2 * 2) = 0.5 whichever instances
    # a resample draws, while resampling single rows would move r
    rows = []
    for c in capabilities:
        for i in range(4):
            for m, (judge, human) in enumerate([(1, 1), (2, 3), (3, 2)]):
                rows.append((f"{c}-{i}", f"m{m}", c, human, judge))
    return rows


def test_bootstrap_resamples_whole_instances() -> None:
    result = agreement(_frame(_identical_instances()), n_resamples=200, seed=1)
    assert result.mean_r == 0.5
    assert result.ci_low == pytest.approx(0.5)
    assert result.ci_high == pytest.approx(0.5)


def test_bootstrap_is_seeded() -> None:
    rng = np.random.default_rng(0)
    rows = [
        (f"i{i}", f"m{m}", CAPABILITIES[i % 8], h, min(5, max(1, h + d)))
        for i in range(80)
        for m in range(3)
        for h, d in [(int(rng.integers(1, 6)), int(rng.integers(-1, 2)))]
    ]
    frame = _frame(rows)
    first = agreement(frame, n_resamples=300, seed=3)
    again = agreement(frame, n_resamples=300, seed=3)
    other = agreement(frame, n_resamples=300, seed=4)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.ci_low < first.mean_r_exact < first.ci_high


# agreement of a frame


def test_agreement_counts_unparsed_unlabelled_and_other_capabilities() -> None:
    rows = _identical_instances(("reasoning",))
    rows.append(("x", "m0", "reasoning", 3, math.nan))  # judge score unparsed
    rows.append(("y", "m0", "reasoning", math.nan, 4))  # no human label
    rows.append(("z", "m0", "multilingual", 2, 2))  # outside the headline
    result = agreement(_frame(rows), n_resamples=0)
    reasoning = {c.capability: c for c in result.capabilities}["reasoning"]
    assert (reasoning.rows, reasoning.unparsed) == (12, 1)
    assert (result.rows, result.unparsed, result.unlabelled) == (12, 1, 1)
    assert result.capabilities_in_mean == 1
    assert result.mean_r == 0.5
    assert [c.capability for c in result.other_capabilities] == ["multilingual"]
    # no resamples, no interval
    assert math.isnan(result.ci_low) and math.isnan(result.ci_high)


def test_agreement_rejects_bad_arguments() -> None:
    frame = _frame(_identical_instances(("reasoning",)))
    with pytest.raises(ValueError, match="confidence"):
        agreement(frame, confidence=1.5)
    with pytest.raises(ValueError, match="columns"):
        agreement(frame.drop(columns=["score"]))


# paired comparison


def _noisy(rows: list[tuple], seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    return [(*row[:4], float(rng.integers(1, 6))) for row in rows]


def _graded_rows() -> list[tuple]:
    # judge equal to human: r = 1 in every capability
    return [
        (f"{c}-{i}", f"m{m}", c, float(1 + (i + m) % 5), float(1 + (i + m) % 5))
        for c in CAPABILITIES
        for i in range(12)
        for m in range(3)
    ]


def test_compare_a_run_with_itself_is_zero_and_not_significant() -> None:
    frame = _frame(_graded_rows())
    result = compare(frame, frame, n_resamples=200)
    assert result.difference == 0.0
    assert (result.ci_low, result.ci_high) == (0.0, 0.0)
    assert result.p_value == 1.0
    assert not result.significant


def test_compare_finds_a_real_difference() -> None:
    good = _frame(_graded_rows())
    noise = _frame(_noisy(_graded_rows(), seed=5))
    result = compare(good, noise, names=("good", "noise"), n_resamples=500)
    assert result.mean_r_a == pytest.approx(1.0)
    assert result.difference > 0.5
    assert result.significant
    # no resample puts the difference at or below 0: p = 2 * (0 + 1) / 501
    assert result.p_value == pytest.approx(2 / 501)


def test_paired_rows_keep_rows_both_runs_scored() -> None:
    a = _frame([("i1", "m", "reasoning", 3, 3), ("i2", "m", "reasoning", 4, 2)])
    b = _frame([("i1", "m", "reasoning", 3, 5), ("i2", "m", "reasoning", 4, math.nan)])
    rows = paired_rows(a, b)
    assert rows[["instance_id", "score_a", "score_b"]].values.tolist() == [
        ["i1", 3.0, 5.0]
    ]


def test_compare_refuses_rows_that_cannot_be_paired() -> None:
    frame = _frame(_graded_rows())
    unnamed = frame.assign(response_model=None)
    with pytest.raises(ConfigError, match="response model"):
        compare(frame, unnamed)
    relabelled = frame.assign(human_score=6 - frame["human_score"])
    with pytest.raises(ConfigError, match="different human scores"):
        compare(frame, relabelled)
