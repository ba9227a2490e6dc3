"""spri-judge: LLM-as-a-judge with instance-specific rubrics (SPRI)."""

from __future__ import annotations

__version__ = "0.1.0"
