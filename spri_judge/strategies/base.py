"""The strategy interface and the call helper every strategy uses.

A strategy has two stages. Stage 1 (``rubric``) runs once per instance and its
result is shared by all of that instance's responses; stage 2 (``judge``)
runs once per response. Strategies with a fixed rubric do no work in stage 1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from spri_judge.client import ChatModel
from spri_judge.instance import Instance, ResponseRow
from spri_judge.judgment import CallRecord, Judgment, Stage
from spri_judge.parsing import parse_judgment, to_judgment
from spri_judge.prompt import render, render_text
from spri_judge.rubric import Rubric


@dataclass(frozen=True)
class StrategySettings:
    """Parameters of a strategy; defaults are the paper's."""

    judge: str
    critic: str | None = None
    seeds: str = "none"
    threshold: int = 4
    max_critiques: int = 4
    self_refine_rounds: int = 5
    with_reference: bool = False
    random_seed: int = 0


class RubricResult(BaseModel):
    """Stage 1's outcome for one instance, with its provenance."""

    instance_id: str
    capability: str = "unknown"
    rubric: Rubric | None
    source: str = Field(description="where the rubric came from")
    generator: str | None = None
    critic: str | None = None
    seeds: str | None = None
    threshold: int | None = None
    max_critiques: int | None = None
    iterations: int = 0
    critic_score: int | None = None
    critic_feedback: str | None = None
    accepted: bool | None = None
    template_hash: str | None = None
    content_hash: str | None = None
    trace: list[CallRecord] = Field(default_factory=list)


@dataclass
class Caller:
    """Makes model calls for one row (or one rubric) and records each one."""

    model: ChatModel
    records: list[CallRecord] = field(default_factory=list)

    async def text(
        self,
        *,
        stage: Stage,
        step: str,
        iteration: int,
        model: str,
        template: str,
        context: dict[str, Any],
    ) -> str:
        messages = render(template, **context)
        return await self._call(stage, step, iteration, model, template, messages)

    async def _call(
        self,
        stage: Stage,
        step: str,
        iteration: int,
        model: str,
        template: str,
        messages: list[dict[str, str]],
        critic_score: int | None = None,
    ) -> str:
        done = await self.model.complete(model, messages)
        self.records.append(
            CallRecord(
                stage=stage,
                step=step,
                iteration=iteration,
                model=model,
                template=template,
                output=done.text,
                prompt_tokens=done.prompt_tokens,
                completion_tokens=done.completion_tokens,
                cost_usd=done.cost_usd,
                latency_s=round(done.latency_s, 4),
                cached=done.cached,
            )
        )
        return done.text

    async def judgment(
        self,
        *,
        stage: Stage,
        step: str,
        iteration: int,
        model: str,
        template: str,
        context: dict[str, Any],
        response: str | None,
    ) -> Judgment:
        """A call whose output is feedback + score; one retry if unreadable."""
        messages = render(template, **context)
        output = await self._call(stage, step, iteration, model, template, messages)
        parsed = parse_judgment(output, response)
        if parsed.score is not None:
            return to_judgment(output, response, parsed)

        # one retry, reminding the model of the format
        reminder = render_text("format_reminder", problem=parsed.error)
        retry = [
            *messages,
            {"role": "assistant", "content": output},
            {"role": "user", "content": reminder},
        ]
        step_retry = f"{step}-format-retry"
        second = await self._call(stage, step_retry, iteration, model, template, retry)
        judged = to_judgment(second, response)
        if judged.score is None:
            # keep the first output: it is what the model meant to say
            return to_judgment(output, response, parsed)
        return judged


class Strategy(ABC):
    """A way to score responses: where the rubric comes from, how to judge."""

    name: str = ""

    def __init__(self, settings: StrategySettings) -> None:
        self.settings = settings

    def check(self, rows: list[ResponseRow]) -> None:
        """Raise ConfigError before any call if the rows cannot be judged."""
        return None

    def rubric_cache_key(self, instance: Instance) -> str | None:
        """Key under which stage 1's result may be cached; None: not cached."""
        return None

    @abstractmethod
    async def rubric(self, instance: Instance, caller: Caller) -> RubricResult:
        """Stage 1: the rubric for one instance."""

    @abstractmethod
    async def judge(
        self, row: ResponseRow, rubric: RubricResult, caller: Caller
    ) -> Judgment:
        """Stage 2: the judgment of one response."""

    def judge_context(self, row: ResponseRow, rubric: Rubric | None) -> dict[str, Any]:
        return {
            "instance": row.instance,
            "response": row.response,
            "rubric": rubric.render() if rubric else "",
            "with_reference": self.settings.with_reference,
        }


class FixedRubricStrategy(Strategy):
    """A strategy whose rubric is fixed per instance; judged in one call."""

    template = "judge"

    @abstractmethod
    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        """The rubric for ``instance`` and a word on where it came from."""

    async def rubric(self, instance: Instance, caller: Caller) -> RubricResult:
        rubric, source = self.fixed_rubric(instance)
        return RubricResult(
            instance_id=instance.id,
            capability=instance.capability,
            rubric=rubric,
            source=source,
            content_hash=rubric.content_hash(),
        )

    async def judge(
        self, row: ResponseRow, rubric: RubricResult, caller: Caller
    ) -> Judgment:
        return await caller.judgment(
            stage="judgment",
            step="judge",
            iteration=0,
            model=self.settings.judge,
            template=self.template,
            context=self.judge_context(row, rubric.rubric),
            response=row.response,
        )
