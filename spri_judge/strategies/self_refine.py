"""Self-refine: a vanilla judgment, then the judge polishes it N times."""

from __future__ import annotations

from spri_judge.instance import ResponseRow
from spri_judge.judgment import Judgment
from spri_judge.strategies.base import Caller, RubricResult
from spri_judge.strategies.fixed import Vanilla


class SelfRefine(Vanilla):
    """Vanilla, then ``self_refine_rounds`` refinements with no critic."""

    name = "self-refine"

    async def judge(
        self, row: ResponseRow, rubric: RubricResult, caller: Caller
    ) -> Judgment:
        current = await super().judge(row, rubric, caller)
        context = self.judge_context(row, rubric.rubric)
        for round_ in range(1, self.settings.self_refine_rounds + 1):
            refined = await caller.judgment(
                stage="judgment",
                step="self-refine",
                iteration=round_,
                model=self.settings.judge,
                template="self_refine",
                context={**context, "judgment": current.raw_output},
                response=row.response,
            )
            current = current.revised_by(refined)
        return current
