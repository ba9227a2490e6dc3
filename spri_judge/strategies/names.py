"""Strategy names and labels: the project's vocabulary for rubric strategies."""

from __future__ import annotations

from typing import Literal

STRATEGIES: tuple[str, ...] = (
    "vanilla",
    "self-refine",
    "mt-bench",
    "flask",
    "seed-principles",
    "oracle",
    "spri",
)
SeedSetting = Literal["none", "principles", "oracle"]
SEED_SETTINGS: tuple[str, ...] = ("none", "principles", "oracle")

# strategies that use the human-written rubric, hence are not fair competitors
ORACLE_LABELS = frozenset({"oracle"})


def strategy_label(strategy: str, seeds: str | None = None) -> str:
    """The name a table shows: SPRI carries its seed setting."""
    if strategy == "spri":
        return f"spri[seeds={seeds or 'none'}]"
    return strategy


# the canonical order of rows in a leaderboard
LABEL_ORDER: tuple[str, ...] = (
    "vanilla",
    "self-refine",
    "mt-bench",
    "flask",
    "seed-principles",
    "spri[seeds=none]",
    "spri[seeds=principles]",
    "spri[seeds=oracle]",
    "oracle",
)
