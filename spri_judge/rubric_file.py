"""Rubric files: one rubric per instance, as JSON Lines (see rubrics/FORMAT.md)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from spri_judge.data.loaders import iter_jsonl
from spri_judge.errors import InputError
from spri_judge.strategies import RubricResult


def read_rubric_file(path: Path) -> dict[str, RubricResult]:
    """Rubrics by instance id; the last line wins if an id repeats."""
    out: dict[str, RubricResult] = {}
    for line, data in iter_jsonl(Path(path)):
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
    """Write rubrics atomically, one per line, keys in a stable order."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for result in results:
            data = result.model_dump(mode="json", exclude_none=True)
            fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)
