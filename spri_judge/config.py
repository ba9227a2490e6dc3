"""Project settings: ``spri-judge.toml`` or ``[tool.spri-judge]`` in pyproject.

A team keeps its defaults (judge, critic, strategy, input, rubric file,
thresholds, concurrency, gate conditions) in one file so a CI step is one
short command. The nearest such file at or above the working directory is
used; command-line flags override it. Keys are checked: a typo is an error
that names the file and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spri_judge.errors import InputError

CONFIG_NAME = "spri-judge.toml"


class GateSettings(BaseModel):
    """Defaults for ``spri-judge gate``."""

    model_config = ConfigDict(extra="forbid")

    min_mean: float | None = None
    min_pass_rate: float | None = Field(default=None, ge=0, le=1)
    pass_score: float | None = Field(default=None, ge=1, le=5)
    max_unparsed: float | None = Field(default=None, ge=0, le=1)
    max_drop: float | None = None
    min_r: float | None = Field(default=None, ge=-1, le=1)
    baseline: str | None = None


class ProjectSettings(BaseModel):
    """What a project file may set; every key is optional."""

    model_config = ConfigDict(extra="forbid")

    judge: str | None = None
    critic: str | None = None
    strategy: str | None = None
    input: str | None = None
    rubrics: str | None = None
    out: str | None = None
    seeds: str | None = None
    threshold: int | None = Field(default=None, ge=1, le=5)
    max_critiques: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)
    api_base: str | None = None
    timeout: float | None = None
    retries: int | None = Field(default=None, ge=0)
    rpm: float | None = None
    temperature: float | None = None
    data_dir: str | None = None
    cache: bool | None = None
    generate_missing: bool | None = None
    gate: GateSettings = Field(default_factory=GateSettings)


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest project file at or above ``start`` and its raw table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / CONFIG_NAME
        if own.is_file():
            return own, read_toml(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = read_toml(pyproject).get("tool", {}).get("spri-judge")
            if table is not None:
                return pyproject, table
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None


def load_settings(path: Path, table: dict[str, Any]) -> ProjectSettings:
    try:
        settings = ProjectSettings.model_validate(table)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise InputError(path, err["msg"], field=key) from None
    return _relative_to(path.parent, settings)


def _relative_to(base: Path, settings: ProjectSettings) -> ProjectSettings:
    # paths in the file are relative to the file, not to the working directory
    updates = {}
    for name in ("input", "rubrics", "out", "data_dir"):
        value = getattr(settings, name)
        if value and not Path(value).is_absolute() and value != "biggen-human-eval":
            updates[name] = str(base / value)
    return settings.model_copy(update=updates)


def command_defaults(settings: ProjectSettings) -> dict[str, dict[str, Any]]:
    """Click ``default_map``: project settings under each command's names."""
    s = settings.model_dump(exclude_none=True, exclude={"gate"})
    shared = {
        k: s[k]
        for k in (
            "critic",
            "seeds",
            "threshold",
            "max_critiques",
            "concurrency",
            "api_base",
            "timeout",
            "retries",
            "rpm",
            "temperature",
            "data_dir",
            "cache",
        )
        if k in s
    }
    judge = {**shared}
    rename = {
        "judge": "judge_model",
        "strategy": "strategy",
        "input": "input",
        "rubrics": "rubric_file",
        "out": "out",
        "generate_missing": "generate_missing",
    }
    judge |= {new: s[old] for old, new in rename.items() if old in s}
    generate = {**shared}
    generate |= {
        new: s[old]
        for old, new in {
            "judge": "generator",
            "input": "input",
            "rubrics": "out",
        }.items()
        if old in s
    }
    gate = settings.gate.model_dump(exclude_none=True)
    return {"judge": judge, "rubrics": {"generate": generate}, "gate": gate}
