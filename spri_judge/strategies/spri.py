"""SPRI: rubrics drafted and refined under a critic, then critiqued judgments.

Stage 1 drafts a rubric for the instance, has the critic grade it, and
refines it until the critic's grade reaches the threshold or the critique cap
is hit. Stage 2 judges the response with that rubric and runs the same
critique-refine loop on the judgment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from spri_judge.cache import request_key
from spri_judge.data import loaders
from spri_judge.data.registry import Registry
from spri_judge.errors import ConfigError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.judgment import Judgment, Stage
from spri_judge.prompt import template_hash
from spri_judge.rubric import Rubric, parse_rubric_text
from spri_judge.strategies.base import (
    Caller,
    RubricResult,
    Strategy,
    StrategySettings,
)

# the prompts stage 1 uses: a change to any of them makes new rubrics
RUBRIC_TEMPLATES = ("rubric_generate", "rubric_critique", "rubric_refine")


@dataclass(frozen=True)
class Critique:
    score: int | None
    feedback: str
    iteration: int

    def accepts(self, threshold: int) -> bool:
        return self.score is not None and self.score >= threshold


def rubric_templates_hash() -> str:
    """One short hash over every stage-1 template (provenance, cache key)."""
    return request_key({"templates": [template_hash(t) for t in RUBRIC_TEMPLATES]})[:12]


class Spri(Strategy):
    """SPRI with a seed setting (none, principles, oracle) and a critic."""

    name = "spri"

    def __init__(self, settings: StrategySettings, registry: Registry) -> None:
        if not settings.critic:
            raise ConfigError("spri needs a critic model: pass --critic MODEL")
        if settings.max_critiques < 1:
            raise ConfigError("the critique cap must be at least 1")
        super().__init__(settings)
        self.registry = registry

    def rubric_cache_key(self, instance: Instance) -> str | None:
        s = self.settings
        return request_key(
            {
                "instance": instance.model_dump(mode="json"),
                "generator": s.judge,
                "critic": s.critic,
                "seeds": s.seeds,
                "threshold": s.threshold,
                "max_critiques": s.max_critiques,
                "with_reference": s.with_reference,
                "templates": rubric_templates_hash(),
            }
        )

    @cached_property
    def _principles(self) -> list[dict[str, str]]:
        return [
            {"question": p.question, "rubric": p.principle}
            for p in loaders.load_seed_principles(self.registry)
        ]

    @cached_property
    def _oracle_seeds(self) -> list[Instance]:
        return loaders.load_seed_rubrics(self.registry)

    def seeds_for(self, instance: Instance) -> list[dict[str, str]]:
        """Demonstrations shown when drafting this instance's rubric."""
        if self.settings.seeds == "principles":
            return self._principles
        if self.settings.seeds == "oracle":
            same = [
                s
                for s in self._oracle_seeds
                if s.capability == instance.capability and s.id != instance.id
            ]
            return [
                {"question": s.input, "rubric": s.gold_rubric.render()}
                for s in same[:3]
                if s.gold_rubric is not None
            ]
        return []

    async def _critique_loop(
        self,
        critique: Callable[[int], Awaitable[Critique]],
        refine: Callable[[Critique], Awaitable[None]],
    ) -> tuple[Critique, int]:
        """Critique, refine below the threshold, stop at the cap."""
        for i in range(1, self.settings.max_critiques + 1):
            verdict = await critique(i)
            if (
                verdict.accepts(self.settings.threshold)
                or i == self.settings.max_critiques
            ):
                return verdict, i
            await refine(verdict)
        raise AssertionError("unreachable: the loop returns at the cap")

    async def _critic(
        self,
        caller: Caller,
        stage: Stage,
        template: str,
        context: dict[str, Any],
        iteration: int,
        response: str | None,
    ) -> Critique:
        graded = await caller.judgment(
            stage=stage,
            step="critique",
            iteration=iteration,
            model=self.settings.critic or "",
            template=template,
            context=context,
            response=response,
        )
        return Critique(graded.score, graded.feedback or graded.raw_output, iteration)

    async def rubric(self, instance: Instance, caller: Caller) -> RubricResult:
        base = {"instance": instance, "with_reference": self.settings.with_reference}
        seeds = self.seeds_for(instance)
        draft = await caller.text(
            stage="rubric",
            step="generate",
            iteration=0,
            model=self.settings.judge,
            template="rubric_generate",
            context={**base, "seeds": seeds, "seed_kind": self.settings.seeds},
        )
        state = {"rubric": parse_rubric_text(draft)}

        async def critique(i: int) -> Critique:
            context = {**base, "rubric": state["rubric"].render()}
            return await self._critic(
                caller, "rubric", "rubric_critique", context, i, None
            )

        async def refine(verdict: Critique) -> None:
            context = {
                **base,
                "rubric": state["rubric"].render(),
                "feedback": verdict.feedback,
            }
            text = await caller.text(
                stage="rubric",
                step="refine",
                iteration=verdict.iteration,
                model=self.settings.judge,
                template="rubric_refine",
                context=context,
            )
            state["rubric"] = parse_rubric_text(text)

        final, iterations = await self._critique_loop(critique, refine)
        rubric: Rubric = state["rubric"]
        return RubricResult(
            instance_id=instance.id,
            capability=instance.capability,
            rubric=rubric,
            source="spri",
            generator=self.settings.judge,
            critic=self.settings.critic,
            seeds=self.settings.seeds,
            threshold=self.settings.threshold,
            max_critiques=self.settings.max_critiques,
            iterations=iterations,
            critic_score=final.score,
            critic_feedback=final.feedback,
            accepted=final.accepts(self.settings.threshold),
            template_hash=rubric_templates_hash(),
            content_hash=rubric.content_hash(),
            trace=list(caller.records),
        )

    async def judge(
        self, row: ResponseRow, rubric: RubricResult, caller: Caller
    ) -> Judgment:
        base = self.judge_context(row, rubric.rubric)
        first = await caller.judgment(
            stage="judgment",
            step="judge",
            iteration=0,
            model=self.settings.judge,
            template="judge",
            context=base,
            response=row.response,
        )
        state = {"judgment": first}

        async def critique(i: int) -> Critique:
            context = {**base, "judgment": state["judgment"].raw_output}
            return await self._critic(
                caller, "judgment", "judgment_critique", context, i, row.response
            )

        async def refine(verdict: Critique) -> None:
            context = {
                **base,
                "judgment": state["judgment"].raw_output,
                "feedback": verdict.feedback,
            }
            refined = await caller.judgment(
                stage="judgment",
                step="refine",
                iteration=verdict.iteration,
                model=self.settings.judge,
                template="judgment_refine",
                context=context,
                response=row.response,
            )
            state["judgment"] = state["judgment"].revised_by(refined)

        await self._critique_loop(critique, refine)
        return state["judgment"]
