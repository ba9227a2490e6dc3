"""Rubrics: a criteria question with five score descriptions, or free text."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

SCORES = (1, 2, 3, 4, 5)


class Rubric(BaseModel):
    """A 1-5 scoring rubric.

    Either structured (``criteria`` plus ``score1_description`` ..
    ``score5_description``, as BiGGen Bench writes them) or, where a model
    wrote something that does not split into those parts, ``text`` alone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    criteria: str | None = None
    score1_description: str | None = None
    score2_description: str | None = None
    score3_description: str | None = None
    score4_description: str | None = None
    score5_description: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Rubric:
        descriptions = [self.description(s) for s in SCORES]
        if self.criteria and all(descriptions):
            return self
        if self.text and self.text.strip():
            return self
        raise ValueError(
            "a rubric needs 'criteria' and all of 'score1_description' .. "
            "'score5_description', or a non-empty 'text'"
        )

    @classmethod
    def free_text(cls, text: str) -> Rubric:
        """A rubric that is only prose (a principle, or unstructured output)."""
        return cls(text=text.strip())

    @property
    def structured(self) -> bool:
        return self.criteria is not None and self.text is None

    def description(self, score: int) -> str | None:
        return getattr(self, f"score{score}_description")

    def render(self) -> str:
        """The rubric as prompt text."""
        if not self.structured:
            return self.text or ""
        lines = [f"Criteria: {self.criteria}"]
        lines += [f"Score {s}: {self.description(s)}" for s in SCORES]
        return "\n".join(lines)

    def content_hash(self) -> str:
        """A short stable hash of the rubric's content (for provenance)."""
        payload = json.dumps(self.model_dump(exclude_none=True), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def rubric_from_mapping(data: dict[str, Any]) -> Rubric:
    """Build a rubric from a BiGGen-style mapping, ignoring unknown keys."""
    known = {k: v for k, v in data.items() if k in Rubric.model_fields}
    return Rubric(**known)


_LINE = re.compile(
    r"^\s*[*#\-]*\s*(criteria|score\s*([1-5]))\s*\**\s*[:.\-]\s*\**\s*(.*)$", re.I
)


def parse_rubric_text(text: str) -> Rubric:
    """Read a model-written rubric; keep it as free text if it has no structure.

    The expected layout is a ``Criteria:`` line and ``Score 1:`` .. ``Score 5:``
    lines, each possibly continued on following lines.
    """
    parts: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.strip().splitlines():
        match = _LINE.match(line)
        if match:
            score = match.group(2)
            current = f"score{score}_description" if score else "criteria"
            parts[current] = [match.group(3).strip()]
        elif current is not None and line.strip():
            parts[current].append(line.strip())
    fields = {k: " ".join(v).strip() for k, v in parts.items()}
    try:
        return Rubric(**fields)
    except ValueError:
        return Rubric.free_text(text)
