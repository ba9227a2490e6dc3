"""spri-judge: LLM-as-a-judge with instance-specific rubrics (SPRI).

The public API is re-exported here and imported on first use, so that
``import spri_judge`` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "CallRecord": "spri_judge.judgment",
    "ConfigError": "spri_judge.errors",
    "DataUnavailable": "spri_judge.errors",
    "InputError": "spri_judge.errors",
    "Instance": "spri_judge.instance",
    "JudgeJob": "spri_judge.api",
    "JudgedRow": "spri_judge.judgment",
    "Judgment": "spri_judge.judgment",
    "ModelCallError": "spri_judge.errors",
    "PairJudge": "spri_judge.pair",
    "Registry": "spri_judge.data.registry",
    "ResponseRow": "spri_judge.instance",
    "Rubric": "spri_judge.rubric",
    "RubricJob": "spri_judge.api",
    "SpriJudgeError": "spri_judge.errors",
    "StrategySettings": "spri_judge.strategies",
    "Verdict": "spri_judge.pair",
    "assert_score": "spri_judge.pair",
    "judge": "spri_judge.api",
    "judge_async": "spri_judge.api",
    "load_run": "spri_judge.run",
    "parse_judgment": "spri_judge.parsing",
    "rubrics_async": "spri_judge.api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'spri_judge' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
