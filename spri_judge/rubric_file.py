"""Rubric files: one rubric per instance, as JSON Lines (see rubrics/FORMAT.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spri_judge.data.loaders import iter_jsonl
from spri_judge.errors import InputError
from spri_judge.strategies import RubricResult


def _entries(path: Path) -> Iterator[tuple[int | None, dict[str, Any]]]:
    if path.suffix != ".json":
        yield from iter_jsonl(path)
        return
    if not path.is_file():
        raise InputError(path, "no such file")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
    if not isinstance(table, dict):
        raise InputError(path, "expected an object keyed by instance id")
    for key, data in table.items():
        if not isinstance(data, dict):
            raise InputError(path, "expected an object", field=key)
        yield None, {"instance_id": key, **data}


def read_rubric_file(path: Path) -> dict[str, RubricResult]:
    """Rubrics by instance id, from JSONL or a ``.json`` object.

    In JSONL the last line wins if an id repeats.
    """
    path = Path(path)
    out: dict[str, RubricResult] = {}
    for line, data in _entries(path):
        if "instance_id" not in data:
            raise InputError(
                path, "required field is missing", line=line, field="instance_id"
            )
        if "rubric" not in data:
            raise InputError(
                path, "required field is missing", line=line, field="rubric"
            )
        data.setdefault("source", "file")
        try:
            result = RubricResult.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            raise InputError(path, err["msg"], line=line, field=field) from None
        out[result.instance_id] = result
    return out


def write_rubric_file(path: Path, results: list[RubricResult]) -> None:
    """Write rubrics atomically in a stable order.

    A ``.json`` path gets one indented object keyed by instance id, with
    sorted keys: the form to commit, since a change shows as a few lines in a
    diff. Any other path gets JSON Lines, one rubric per line.
    """
    ordered = sorted(results, key=lambda r: r.instance_id)
    dumped = [r.model_dump(mode="json", exclude_none=True) for r in ordered]
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        if path.suffix == ".json":
            table = {d.pop("instance_id"): d for d in dumped}
            fh.write(json.dumps(table, ensure_ascii=False, sort_keys=True, indent=2))
            fh.write("\n")
        else:
            for data in dumped:
                fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)


def append_rubric(path: Path, result: RubricResult) -> None:
    """Add one rubric to a file as soon as it exists (resumable writing).

    JSONL grows by a line; a ``.json`` file is rewritten whole, which is
    cheap next to the model calls behind each rubric.
    """
    if path.suffix == ".json":
        have = read_rubric_file(path) if path.is_file() else {}
        have[result.instance_id] = result
        write_rubric_file(path, list(have.values()))
        return
    with path.open("a", encoding="utf-8") as fh:
        data = result.model_dump(mode="json", exclude_none=True)
        fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
