"""What changed between two rubric files: instances, rubric text, provenance."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from spri_judge.strategies import RubricResult

# provenance worth showing when it changes (the trace is too long to diff)
PROVENANCE = (
    "generator",
    "critic",
    "seeds",
    "threshold",
    "max_critiques",
    "iterations",
    "critic_score",
    "accepted",
    "template_hash",
)


@dataclass
class Change:
    instance_id: str
    text_diff: list[str] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)


@dataclass
class RubricDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        out = [f"+ {i} (added)" for i in self.added]
        out += [f"- {i} (removed)" for i in self.removed]
        for change in self.changed:
            out.append(f"~ {change.instance_id}")
            out += [f"    {line}" for line in change.provenance]
            out += [f"    {line}" for line in change.text_diff]
        out.append(
            f"{len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed, {self.unchanged} unchanged"
        )
        return out


def _text(result: RubricResult) -> list[str]:
    return result.rubric.render().splitlines() if result.rubric else []


def _compare(old: RubricResult, new: RubricResult) -> Change | None:
    change = Change(old.instance_id)
    for name in PROVENANCE:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            change.provenance.append(f"{name}: {before} -> {after}")
    if old.rubric != new.rubric:
        change.text_diff = list(
            difflib.unified_diff(_text(old), _text(new), "old", "new", lineterm="")
        )
    return change if change.provenance or change.text_diff else None


def diff_rubrics(
    old: dict[str, RubricResult], new: dict[str, RubricResult]
) -> RubricDiff:
    """Compare two rubric sets keyed by instance id."""
    result = RubricDiff(
        added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new))
    )
    for key in sorted(set(old) & set(new)):
        change = _compare(old[key], new[key])
        if change is None:
            result.unchanged += 1
        else:
            result.changed.append(change)
    return result
