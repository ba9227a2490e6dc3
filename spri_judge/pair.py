"""Judging one (input, response) pair: the core of the pytest plugin.

Builds the same strategy, client and cache as a run, judges a single row and
returns a ``Verdict``; nothing is written to disk except the call cache, so
repeated test runs make no model calls.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spri_judge.cache import CallCache, request_key
from spri_judge.client import ClientSettings, LiteLLMClient
from spri_judge.data.registry import Registry
from spri_judge.errors import ModelCallError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.judgment import CallRecord, JudgedRow
from spri_judge.rubric import Rubric, parse_rubric_text, rubric_from_mapping
from spri_judge.runner import RubricBook, judge_row
from spri_judge.strategies import StrategySettings, make_strategy


@dataclass(frozen=True)
class Verdict:
    """A judged pair: the score (None if unparsed), feedback and rubric."""

    score: int | None
    feedback: str
    rubric: Rubric | None
    strategy: str
    raw_output: str
    error: str | None = None
    calls: list[CallRecord] = field(default_factory=list)

    def explain(self) -> str:
        """A readable account for a failed assertion."""
        rubric = self.rubric.render() if self.rubric else "(none)"
        lines = [
            f"strategy: {self.strategy}",
            f"score: {self.score if self.score is not None else 'unparsed'}",
        ]
        if self.error:
            lines.append(f"error: {self.error}")
        lines += ["rubric:", _indent(rubric), "feedback:", _indent(self.feedback)]
        return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in (text or "(empty)").splitlines())


def as_rubric(value: Rubric | str | dict[str, Any]) -> Rubric:
    if isinstance(value, Rubric):
        return value
    if isinstance(value, dict):
        return rubric_from_mapping(value)
    return parse_rubric_text(value)


@dataclass
class PairJudge:
    """Judges single pairs with a configured strategy (a pytest fixture)."""

    strategy: str
    settings: StrategySettings
    client: ClientSettings = ClientSettings()
    use_cache: bool = True
    cache_path: Path | None = None
    data_dir: str | None = None

    def __call__(
        self,
        input: str,
        response: str,
        *,
        rubric: Rubric | str | dict[str, Any] | None = None,
        system_prompt: str = "",
        reference_answer: str | None = None,
        capability: str = "unknown",
        id: str | None = None,
    ) -> Verdict:
        """Judge ``response`` to ``input``; a given ``rubric`` is used as is."""
        instance = Instance(
            id=id
            or "pair-" + request_key({"system": system_prompt, "input": input})[:16],
            capability=capability,
            system_prompt=system_prompt,
            input=input,
            reference_answer=reference_answer,
            gold_rubric=as_rubric(rubric) if rubric is not None else None,
        )
        row = ResponseRow(instance=instance, response=response)
        strategy = "oracle" if rubric is not None else self.strategy
        judged = asyncio.run(self._judge(row, strategy))
        return Verdict(
            score=judged.score,
            feedback=judged.feedback,
            rubric=judged.rubric,
            strategy=strategy,
            raw_output=judged.raw_output,
            error=judged.error,
            calls=[*judged.rubric_trace, *judged.calls],
        )

    async def _judge(self, row: ResponseRow, name: str) -> JudgedRow:
        strategy = make_strategy(name, self.settings, Registry(self.data_dir))
        strategy.check([row])
        cache = CallCache(self.cache_path) if self.use_cache else None
        try:
            # a client per call: its semaphore belongs to this event loop
            client = LiteLLMClient(self.client, cache)
            return await judge_row(
                row, strategy, RubricBook(strategy, client, cache=cache), client
            )
        finally:
            if cache is not None:
                cache.close()


def assert_score(verdict: Verdict, at_least: int) -> None:
    """Fail with the rubric, feedback and score unless the score is high enough."""
    if verdict.score is not None and verdict.score >= at_least:
        return
    raise AssertionError(f"judged below {at_least}\n{verdict.explain()}")


__all__ = ["ModelCallError", "PairJudge", "Verdict", "assert_score"]
