"""Judgments, the trace of model calls behind them, and judged rows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spri_judge.rubric import Rubric

Stage = Literal["rubric", "judgment"]


class CallRecord(BaseModel):
    """One model call made for a row (or for its instance's rubric)."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    step: str = Field(description="generate, critique, refine, judge, ...")
    iteration: int = 0
    model: str
    template: str
    output: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    cached: bool = False
    critic_score: float | None = None


class Judgment(BaseModel):
    """The judge's feedback and score; ``score`` is None when unparsed."""

    model_config = ConfigDict(frozen=True)

    feedback: str
    score: int | None = Field(default=None, ge=1, le=5)
    raw_output: str
    parse_error: str | None = None

    @property
    def parsed(self) -> bool:
        return self.score is not None

    def revised_by(self, refined: Judgment) -> Judgment:
        """The judgment to keep after a refinement.

        An unreadable refinement does not erase a readable judgment.
        """
        return refined if refined.parsed or not self.parsed else self


class JudgedRow(BaseModel):
    """One line of a run's ``judgments.jsonl``."""

    model_config = ConfigDict(extra="ignore")

    instance_id: str
    capability: str
    response_model: str
    strategy: str
    score: int | None
    unparsed: bool
    feedback: str = ""
    raw_output: str = ""
    parse_error: str | None = None
    rubric: Rubric | None = None
    rubric_source: str | None = None
    human_score: float | None = None
    error: str | None = Field(
        default=None, description="why the row has no judgment (a failed call)"
    )
    error_kind: str | None = None
    rubric_trace: list[CallRecord] = Field(
        default_factory=list,
        description="the calls that made the rubric, shared by the instance's rows",
    )
    calls: list[CallRecord] = Field(
        default_factory=list, description="the calls made for this row"
    )

    @property
    def key(self) -> str:
        return f"{self.instance_id}::{self.response_model}"
