"""Readers for instances, judged-response files and the SPRI seed files.

Every reader validates what it reads and names the file, line and field of
the first problem, so a user can fix a bad input without guessing.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spri_judge.data.registry import Registry
from spri_judge.errors import InputError
from spri_judge.instance import Instance, ResponseRow
from spri_judge.rubric import Rubric, rubric_from_mapping

log = logging.getLogger(__name__)

HUMAN_EVAL = "biggen-human-eval"


class SeedPrinciple(BaseModel):
    """A human-written principle and the question it was written for."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    question_type: str = ""
    question: str = ""
    principle: str = Field(min_length=1)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSONL file."""
    if not path.is_file():
        raise InputError(path, "no such file")
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    path, f"not valid JSON ({exc.msg})", line=number
                ) from None
            if not isinstance(data, dict):
                raise InputError(path, "expected a JSON object", line=number)
            yield number, data


def _validation_error(path: Path, line: int, exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p != "instance"]
    return InputError(path, err["msg"], line=line, field=".".join(loc) or None)


def parse_rubric_field(value: Any) -> Rubric | None:
    """A BiGGen ``score_rubric``: a mapping, JSON text or a Python dict repr."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            # BiGGen stores some rubrics as Python dict reprs
            value = ast.literal_eval(value)
    if not isinstance(value, dict):
        raise ValueError("a rubric must be an object with criteria and scores")
    return rubric_from_mapping(value)


class _RubricFieldError(ValueError):
    """A ``score_rubric`` that cannot be read (reported under that field)."""


def instance_from_mapping(data: dict[str, Any]) -> Instance:
    fields = dict(data)
    rubric = fields.pop("score_rubric", None) or fields.pop("rubric", None)
    if rubric is not None and "gold_rubric" not in fields:
        try:
            fields["gold_rubric"] = parse_rubric_field(rubric)
        except (ValueError, SyntaxError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else exc
            raise _RubricFieldError(str(detail)) from None
    if fields.get("id") is not None:
        fields["id"] = str(fields["id"])
    return Instance.model_validate(fields)


# BiGGen's human-evaluation data marks a response nobody scored with -1
_NO_LABEL = -1


def _human_score(path: Path, line: int, value: Any) -> Any:
    if value is None or value == "" or value == _NO_LABEL:
        if value == _NO_LABEL:
            log.info("%s, line %d: human_score -1 read as no label", path, line)
        return None
    return value


def _row_from_mapping(path: Path, line: int, data: dict[str, Any]) -> ResponseRow:
    for name in ("id", "input", "response"):
        if name not in data:
            raise InputError(path, "required field is missing", line=line, field=name)
    try:
        instance = instance_from_mapping(data)
        return ResponseRow(
            instance=instance,
            response=data["response"],
            model_name=str(data.get("model_name") or "unknown"),
            human_score=_human_score(path, line, data.get("human_score")),
        )
    except _RubricFieldError as exc:
        raise InputError(path, str(exc), line=line, field="score_rubric") from None
    except ValidationError as exc:
        raise _validation_error(path, line, exc) from None


def load_responses(path: str | Path, limit: int | None = None) -> list[ResponseRow]:
    """Read a judged-response JSONL file: instance fields plus ``response``.

    Optional fields: ``model_name`` (the response's model), ``human_score``
    (1-5; -1, BiGGen's mark for an unscored response, reads as no label),
    ``capability``, ``system_prompt``, ``reference_answer`` and
    ``score_rubric`` (the gold rubric). Rows must be unique per (id, model).
    """
    path = Path(path)
    rows: list[ResponseRow] = []
    seen: dict[str, int] = {}
    for line, data in iter_jsonl(path):
        row = _row_from_mapping(path, line, data)
        if row.key in seen:
            raise InputError(
                path,
                f"row repeats id {row.instance.id!r} with model {row.model_name!r} "
                f"(first on line {seen[row.key]})",
                line=line,
                field="id",
            )
        seen[row.key] = line
        rows.append(row)
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        raise InputError(path, "the file holds no rows")
    return rows


def load_instances(path: str | Path) -> dict[str, Instance]:
    """The distinct instances of a file, responses optional, in file order.

    Reads the judge input format (rows with ``response``) or bare instances
    (``id``, ``input`` and the optional instance fields); the first row of an
    id defines it.
    """
    path = Path(path)
    out: dict[str, Instance] = {}
    for line, data in iter_jsonl(path):
        for name in ("id", "input"):
            if name not in data:
                raise InputError(
                    path, "required field is missing", line=line, field=name
                )
        if str(data["id"]) in out:
            continue
        try:
            instance = instance_from_mapping(data)
        except _RubricFieldError as exc:
            raise InputError(path, str(exc), line=line, field="score_rubric") from None
        except ValidationError as exc:
            raise _validation_error(path, line, exc) from None
        out[instance.id] = instance
    if not out:
        raise InputError(path, "the file holds no rows")
    return out


def resolve_input(source: str, registry: Registry) -> Path:
    """The file behind a judge INPUT: a path, or the name of an upstream set."""
    if source == HUMAN_EVAL:
        return registry.path("spri/human-eval")
    return Path(source)


def load_biggen_instances(registry: Registry) -> dict[str, Instance]:
    """All BiGGen Bench instances (with gold rubrics), keyed by id."""
    path = registry.path("biggen/instances")
    raw = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Instance] = {}
    for key, data in raw.items():
        data = {k: v for k, v in data.items() if k != "response"}
        try:
            out[key] = instance_from_mapping(data)
        except (ValueError, SyntaxError) as exc:
            raise InputError(path, str(exc), field=key) from None
    return out


def load_seed_rubrics(registry: Registry) -> list[Instance]:
    """The 24 BiGGen instances with gold rubrics used as oracle seeds."""
    path = registry.path("spri/seed-rubrics")
    out = []
    for line, data in iter_jsonl(path):
        try:
            out.append(instance_from_mapping(data))
        except ValidationError as exc:
            raise _validation_error(path, line, exc) from None
    return out


def load_seed_principles(registry: Registry) -> list[SeedPrinciple]:
    """The six human principles with the questions they were written for."""
    path = registry.path("spri/seed-principles")
    return [SeedPrinciple.model_validate(d) for _, d in iter_jsonl(path)]


def load_principle_rubrics(registry: Registry) -> list[str]:
    """The six principles alone, as drawn by the seed-principles ablation."""
    path = registry.path("spri/seed-principle-rubrics")
    out = []
    for line, data in iter_jsonl(path):
        if not data.get("principle"):
            raise InputError(path, "missing or empty", line=line, field="principle")
        out.append(str(data["principle"]))
    return out


def load_flask_rubrics(registry: Registry) -> dict[str, Rubric]:
    """FLASK skill rubrics keyed by skill name."""
    path = registry.path("spri/flask-rubrics")
    out = {}
    for line, data in iter_jsonl(path):
        try:
            out[str(data["flask_task"])] = rubric_from_mapping(data["flask_rubric"])
        except (KeyError, ValidationError) as exc:
            raise InputError(path, f"bad FLASK rubric: {exc}", line=line) from None
    return out
