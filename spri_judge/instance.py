"""Instances (inputs to be answered) and the responses judged against them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from spri_judge.rubric import Rubric

# The eight BiGGen Bench capabilities the paper's metric averages over.
CAPABILITIES: tuple[str, ...] = (
    "instruction_following",
    "grounding",
    "reasoning",
    "planning",
    "refinement",
    "safety",
    "theory_of_mind",
    "tool_usage",
)


class Instance(BaseModel):
    """One user input to be answered, with its BiGGen-style metadata."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    capability: str = "unknown"
    task: str | None = None
    system_prompt: str = ""
    input: str
    reference_answer: str | None = None
    gold_rubric: Rubric | None = Field(
        default=None, description="the human-written rubric, where one exists"
    )


class ResponseRow(BaseModel):
    """A response to judge: the instance, the response text and its labels."""

    model_config = ConfigDict(frozen=True)

    instance: Instance
    response: str
    model_name: str = "unknown"
    human_score: float | None = Field(default=None, ge=1, le=5)

    @property
    def key(self) -> str:
        """The row's identity in a run file: instance id and response model."""
        return f"{self.instance.id}::{self.model_name}"
