"""Judging rows with a strategy: stage 1 once per instance, rows concurrently.

Rows run as independent tasks (no batches): the model client bounds how many
calls are in flight, and each finished row is written to the run file before
it is reported. Stage 1 is shared: the first row of an instance starts its
rubric and every other row of that instance awaits the same task.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from spri_judge.cache import CallCache
from spri_judge.client import ChatModel, Usage
from spri_judge.errors import ModelCallError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.judgment import JudgedRow
from spri_judge.run import RowWriter
from spri_judge.strategies import Caller, RubricResult, Strategy

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did, in the user's terms."""

    rows_total: int = 0
    rows_skipped: int = 0
    rows_done: int = 0
    parsed: int = 0
    unparsed: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    unit: str = "rows"

    def count(self, row: JudgedRow) -> None:
        self.rows_done += 1
        if row.error_kind:
            self.failed[row.error_kind] += 1
        elif row.unparsed:
            self.unparsed += 1
        else:
            self.parsed += 1

    def lines(self) -> list[str]:
        u = self.usage
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failed.items()))
        faults = ", ".join(f"{k} {v}" for k, v in sorted(u.faults.items()))
        cost = f"${u.cost_usd:.4f}" if u.cost_usd else "unknown (no price for model)"
        if self.unit == "rubrics":
            head = [
                f"rubrics   {self.rows_done} written now, {self.rows_skipped} "
                f"already in the file, {self.rows_total} instances",
                f"critic    accepted {self.parsed} of {self.rows_done} within "
                "the critique cap",
            ]
        else:
            head = [
                f"rows      {self.rows_done} judged now, {self.rows_skipped} already "
                f"done, {self.rows_total} in input",
                f"scores    {self.parsed} parsed, {self.unparsed} unparsed, "
                f"{sum(self.failed.values())} failed"
                + (f" ({failed})" if failed else ""),
            ]
        return [
            *head,
            f"calls     {u.calls} to models, {u.cached_calls} from cache, "
            f"{u.retries} retried",
            f"faults    {faults or 'none'}",
            f"tokens    {u.prompt_tokens} in, {u.completion_tokens} out",
            f"cost      {cost}",
            f"time      {self.seconds:.1f} s",
        ]


class RubricBook:
    """Stage-1 results by instance id, computed at most once each."""

    def __init__(
        self,
        strategy: Strategy,
        model: ChatModel,
        given: dict[str, RubricResult] | None = None,
        cache: CallCache | None = None,
    ) -> None:
        self.strategy = strategy
        self.model = model
        self.given = given or {}
        self.cache = cache
        self._tasks: dict[str, asyncio.Task[RubricResult]] = {}

    def get(self, instance: Instance) -> asyncio.Task[RubricResult]:
        task = self._tasks.get(instance.id)
        if task is None:
            task = asyncio.ensure_future(self._make(instance))
            self._tasks[instance.id] = task
        return task

    async def _make(self, instance: Instance) -> RubricResult:
        if instance.id in self.given:
            return self.given[instance.id]
        key = self.strategy.rubric_cache_key(instance)
        if self.cache is not None and key is not None:
            stored = self.cache.get_rubric(key)
            if stored is not None:
                return RubricResult.model_validate_json(stored)
        result = await self.strategy.rubric(instance, Caller(self.model))
        if self.cache is not None and key is not None:
            self.cache.put_rubric(key, instance.id, result.model_dump_json())
        return result


async def judge_row(
    row: ResponseRow, strategy: Strategy, book: RubricBook, model: ChatModel
) -> JudgedRow:
    """Judge one row; a failed model call becomes a row with an error."""
    caller = Caller(model)
    base = {
        "instance_id": row.instance.id,
        "capability": row.instance.capability,
        "response_model": row.model_name,
        "strategy": strategy.name,
        "human_score": row.human_score,
    }
    try:
        rubric = await asyncio.shield(book.get(row.instance))
        judgment = await strategy.judge(row, rubric, caller)
    except ModelCallError as exc:
        return JudgedRow(
            **base,
            score=None,
            unparsed=True,
            error=str(exc),
            error_kind=exc.kind,
            calls=caller.records,
        )
    return JudgedRow(
        **base,
        score=judgment.score,
        unparsed=judgment.score is None,
        feedback=judgment.feedback,
        raw_output=judgment.raw_output,
        parse_error=judgment.parse_error,
        rubric=rubric.rubric,
        rubric_source=rubric.source,
        rubric_trace=rubric.trace,
        calls=caller.records,
    )


async def run_rows(
    rows: Iterable[ResponseRow],
    strategy: Strategy,
    model: ChatModel,
    writer: RowWriter,
    book: RubricBook,
    on_row: Callable[[JudgedRow], None] | None = None,
) -> list[JudgedRow]:
    """Judge ``rows`` concurrently, writing each as soon as it is finished.

    Rows that finish in the same turn of the event loop are written and
    synced together, then reported: on disk before reported, one sync each.
    """
    pending = {
        asyncio.ensure_future(judge_row(row, strategy, book, model)) for row in rows
    }
    done: list[JudgedRow] = []
    try:
        while pending:
            finished, pending = await asyncio.wait(
                pending, return_when=asyncio.FIRST_COMPLETED
            )
            batch = [task.result() for task in finished]
            writer.write_many(batch)
            done.extend(batch)
            if on_row is not None:
                for judged in batch:
                    on_row(judged)
    finally:
        for task in pending:
            task.cancel()
    return done


def pending_rows(rows: list[ResponseRow], finished: set[str]) -> list[ResponseRow]:
    """Rows still to judge: not yet in the run file with a judgment."""
    return [r for r in rows if r.key not in finished]
