"""Rubric strategies behind one interface, and the factory that builds them."""

from __future__ import annotations

from spri_judge.data.registry import Registry
from spri_judge.errors import ConfigError
from spri_judge.strategies.base import (
    Caller,
    RubricResult,
    Strategy,
    StrategySettings,
)
from spri_judge.strategies.fixed import Flask, MTBench, Oracle, SeedPrinciples, Vanilla
from spri_judge.strategies.names import SEED_SETTINGS, STRATEGIES, strategy_label
from spri_judge.strategies.self_refine import SelfRefine
from spri_judge.strategies.spri import Spri

__all__ = [
    "Caller",
    "RubricResult",
    "STRATEGIES",
    "Strategy",
    "StrategySettings",
    "make_strategy",
    "strategy_label",
]


def make_strategy(
    name: str, settings: StrategySettings, registry: Registry
) -> Strategy:
    """Build strategy ``name``; raises ConfigError naming the allowed values."""
    if settings.seeds not in SEED_SETTINGS:
        raise ConfigError(
            f"unknown seed setting {settings.seeds!r}; use one of {SEED_SETTINGS}"
        )
    simple = {
        "vanilla": Vanilla,
        "mt-bench": MTBench,
        "self-refine": SelfRefine,
        "oracle": Oracle,
    }
    with_data = {"flask": Flask, "seed-principles": SeedPrinciples, "spri": Spri}
    if name in simple:
        return simple[name](settings)
    if name in with_data:
        return with_data[name](settings, registry)
    raise ConfigError(f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}")
