"""Test helpers: a scripted OpenAI-compatible server driven through litellm,
and a fake model (``spri_judge.testing.fake``) for unit tests."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DEFAULT_REPLY",
    "FAULT_KINDS",
    "CallRecord",
    "ChatRequest",
    "ScriptedServer",
]


def __getattr__(name: str) -> Any:
    # imported lazily so ``python -m spri_judge.testing.server`` runs the module
    # once, not once as a package member and again as __main__
    if name in __all__:
        return getattr(importlib.import_module("spri_judge.testing.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
