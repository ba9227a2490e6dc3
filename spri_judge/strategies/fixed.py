"""Strategies that judge with a fixed rubric: vanilla, mt-bench, flask,
seed-principles and oracle."""

from __future__ import annotations

import hashlib
import random
from functools import cached_property

from spri_judge.data import loaders
from spri_judge.data.registry import Registry
from spri_judge.errors import ConfigError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.rubric import Rubric
from spri_judge.rubric_sets import flask_skill_map, mt_bench_rubric, vanilla_rubric
from spri_judge.strategies.base import FixedRubricStrategy, StrategySettings


class Vanilla(FixedRubricStrategy):
    """No instance rubric: how well does the response address the input?"""

    name = "vanilla"

    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        return vanilla_rubric(), "vanilla"


class MTBench(FixedRubricStrategy):
    """MT-Bench's generic single-answer grading criteria, on a 1-5 scale."""

    name = "mt-bench"
    template = "mt_bench"

    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        return mt_bench_rubric(), "mt-bench"


class Flask(FixedRubricStrategy):
    """The FLASK skill rubric mapped to the instance's capability."""

    name = "flask"

    def __init__(self, settings: StrategySettings, registry: Registry) -> None:
        super().__init__(settings)
        self.registry = registry

    @cached_property
    def rubrics(self) -> dict[str, Rubric]:
        return loaders.load_flask_rubrics(self.registry)

    def check(self, rows: list[ResponseRow]) -> None:
        skills = flask_skill_map()
        unknown = sorted({r.instance.capability for r in rows} - set(skills))
        if unknown:
            raise ConfigError(
                f"flask has no skill rubric for capabilities {unknown}; "
                f"known capabilities: {sorted(skills)} (rubrics/flask-skills.toml)"
            )
        missing = sorted(set(skills.values()) - set(self.rubrics))
        if missing:
            raise ConfigError(f"the FLASK rubric file lacks skills {missing}")

    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        skill = flask_skill_map()[instance.capability]
        return self.rubrics[skill], f"flask:{skill}"


class SeedPrinciples(FixedRubricStrategy):
    """Ablation: one human principle, drawn at random, used as the rubric."""

    name = "seed-principles"

    def __init__(self, settings: StrategySettings, registry: Registry) -> None:
        super().__init__(settings)
        self.registry = registry

    @cached_property
    def principles(self) -> list[str]:
        return loaders.load_principle_rubrics(self.registry)

    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        # seeded by the instance id, so the draw does not depend on row order
        key = f"{self.settings.random_seed}:{instance.id}".encode()
        rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8]))
        index = rng.randrange(len(self.principles))
        return Rubric.free_text(self.principles[index]), f"principle#{index + 1}"


class Oracle(FixedRubricStrategy):
    """The instance's human-written (gold) rubric."""

    name = "oracle"

    def check(self, rows: list[ResponseRow]) -> None:
        missing = sorted(
            {r.instance.id for r in rows if r.instance.gold_rubric is None}
        )
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ConfigError(
                f"oracle needs a gold rubric ('score_rubric') for every instance; "
                f"{len(missing)} have none: {shown}. Add 'score_rubric' to the "
                "input rows or pass --rubrics FILE."
            )

    def fixed_rubric(self, instance: Instance) -> tuple[Rubric, str]:
        assert instance.gold_rubric is not None  # check() ran first
        return instance.gold_rubric, "gold"
