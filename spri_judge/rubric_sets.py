"""The project's rubric sets in ``rubrics/`` and user-written rubric files."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from spri_judge.errors import ConfigError
from spri_judge.rubric import Rubric, rubric_from_mapping


@cache
def rubrics_dir() -> Path:
    """The rubric folder: shipped in the wheel, or the checkout's ``rubrics/``."""
    here = Path(__file__).parent
    for candidate in (here / "_rubrics", here.parent / "rubrics"):
        if (candidate / "vanilla.toml").is_file():
            return candidate
    raise ConfigError(f"the rubrics folder is missing (looked beside {here})")


def _toml(name: str) -> dict[str, object]:
    path = rubrics_dir() / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


@cache
def vanilla_rubric() -> Rubric:
    return _rubric_file("vanilla.toml")


@cache
def mt_bench_rubric() -> Rubric:
    return _rubric_file("mt-bench.toml")


def _rubric_file(name: str) -> Rubric:
    try:
        return rubric_from_mapping(_toml(name))
    except ValidationError as exc:
        raise ConfigError(f"{rubrics_dir() / name}: {exc.errors()[0]['msg']}") from None


@cache
def flask_skill_map() -> dict[str, str]:
    """BiGGen capability -> FLASK skill name."""
    table = _toml("flask-skills.toml").get("capability_to_skill")
    if not isinstance(table, dict):
        raise ConfigError(
            f"{rubrics_dir()}/flask-skills.toml: no [capability_to_skill]"
        )
    return {str(k): str(v) for k, v in table.items()}
