"""Strategy logic with a fake model: edge cases of the critique loops."""

from __future__ import annotations

import asyncio

import pytest

from spri_judge.data.registry import Registry
from spri_judge.errors import ConfigError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.runner import RubricBook, judge_row
from spri_judge.strategies import StrategySettings, make_strategy
from spri_judge.testing.fake import FakeModel

RUBRIC = "Criteria: Right?\nScore 1: a\nScore 2: b\nScore 3: c\nScore 4: d\nScore 5: e"
ROW = ResponseRow(
    instance=Instance(id="i", input="What is 2+2?", capability="reasoning"),
    response="4",
    model_name="m",
)


def run(strategy: str, fake: FakeModel, **settings: object):  # noqa: ANN201
    made = make_strategy(
        strategy,
        StrategySettings(judge="j", critic="c", **settings),  # type: ignore[arg-type]
        Registry(None, offline=True),
    )
    return asyncio.run(judge_row(ROW, made, RubricBook(made, fake), fake))


def test_an_unreadable_critic_counts_as_a_rejection() -> None:
    # stage 1: draft, then a critic that never gives a grade (each critique
    # is retried once with a format reminder), refine in between
    replies = [RUBRIC]
    for i in range(4):
        replies += ["no grade", "still no grade"]
        if i < 3:
            replies.append(RUBRIC)
    # stage 2: an accepted judgment
    replies += ["<feedback>ok</feedback><score>4</score>", "<score>5</score>"]
    fake = FakeModel(replies)
    row = run("spri", fake)
    assert fake.steps("Improve the rubric") == 3
    assert row.score == 4
    assert [c.step for c in row.rubric_trace].count("critique-format-retry") == 4


def test_an_unreadable_refinement_keeps_the_last_readable_judgment() -> None:
    def reply(model: str, messages: list[dict[str, str]]) -> str:
        text = messages[-1]["content"]
        if text.startswith(("Write a scoring rubric", "Improve the rubric")):
            return RUBRIC
        if model == "c" and text.startswith("Grade how useful"):
            return "<score>5</score>"
        if model == "c":
            return "<feedback>cite the rubric</feedback><score>2</score>"
        if text.startswith("Grade the response below"):
            return "<feedback>fine</feedback><score>3</score>"
        return "I would rather not say."  # refinements and their retries

    fake = FakeModel(reply)
    row = run("spri", fake)
    assert fake.steps("Revise your evaluation") == 3
    assert row.score == 3 and not row.unparsed


def test_self_refine_makes_five_refinements_and_keeps_the_last() -> None:
    replies = ["<score>2</score>"] + [f"<score>{s}</score>" for s in (3, 3, 4, 4, 5)]
    fake = FakeModel(replies)
    row = run("self-refine", fake)
    assert fake.steps("Here is your earlier evaluation") == 5
    assert row.score == 5
    assert [c.iteration for c in row.calls] == [0, 1, 2, 3, 4, 5]


def test_seed_principles_draw_is_fixed_by_seed_and_instance(data_dir) -> None:
    def drawn(seed: int) -> str:
        made = make_strategy(
            "seed-principles",
            StrategySettings(judge="j", random_seed=seed),
            Registry(data_dir, offline=True),
        )
        result = asyncio.run(made.rubric(ROW.instance, None))  # type: ignore[arg-type]
        return result.source

    assert drawn(0) == drawn(0)
    assert len({drawn(s) for s in range(12)}) > 1


def test_spri_without_a_critic_is_refused() -> None:
    with pytest.raises(ConfigError, match="--critic"):
        make_strategy("spri", StrategySettings(judge="j"), Registry(None))


def test_unknown_strategy_and_seed_setting_list_the_choices() -> None:
    with pytest.raises(ConfigError, match="use one of vanilla"):
        make_strategy("best", StrategySettings(judge="j"), Registry(None))
    with pytest.raises(ConfigError, match="unknown seed setting 'all'"):
        make_strategy("spri", StrategySettings(judge="j", seeds="all"), Registry(None))
