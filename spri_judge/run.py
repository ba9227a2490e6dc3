"""Run folders: a manifest plus an append-only ``judgments.jsonl``.

A run folder is what a ``judge`` command leaves behind and what analysis reads.
Rows are appended (and flushed to disk) as they finish, so a stopped run can be
started again with the same folder and skips the rows it already has.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from spri_judge.errors import InputError
from spri_judge.judgment import JudgedRow

MANIFEST = "manifest.json"
JUDGMENTS = "judgments.jsonl"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunManifest(BaseModel):
    """What produced a run: strategy, models, parameters, data, versions."""

    strategy: str
    strategy_label: str = Field(description="the strategy with its seed setting")
    judge: str
    critic: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    data_source: str
    data_sha256: str
    rows_total: int = 0
    package_version: str
    started_at: str = Field(default_factory=now)
    finished_at: str | None = None
    status: str = "running"


def read_manifest(run_dir: Path) -> RunManifest:
    path = run_dir / MANIFEST
    if not path.is_file():
        raise InputError(run_dir, f"not a run folder: {MANIFEST} is missing")
    try:
        return RunManifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        raise InputError(path, err["msg"], field=field) from None


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / (MANIFEST + ".tmp")
    tmp.write_text(manifest.model_dump_json(indent=2) + "\n")
    tmp.replace(run_dir / MANIFEST)


def iter_rows(path: Path) -> Iterator[JudgedRow]:
    """Rows of a judgments file; a torn last line (a killed writer) is skipped."""
    with path.open("rb") as fh:
        lines = fh.read().split(b"\n")
    last = len(lines) - 1
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            if number - 1 == last:
                continue  # a line cut short by a kill: it was never reported done
            raise InputError(path, "not valid JSON", line=number) from None
        try:
            yield JudgedRow.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            raise InputError(path, err["msg"], line=number, field=field) from None


def read_rows(run_dir: Path) -> list[JudgedRow]:
    """Every row of a run, the last copy winning if a key repeats."""
    path = run_dir / JUDGMENTS
    if not path.is_file():
        return []
    rows = {row.key: row for row in iter_rows(path)}
    return list(rows.values())


def load_run(path: str | Path) -> tuple[RunManifest, list[JudgedRow]]:
    """A finished or partial run's manifest and rows, checked for use.

    Raises:
        InputError: naming the folder or file (and line and field) when the
            path is not a run folder, its files are malformed, or it holds no
            judged rows.
    """
    run_dir = Path(path)
    if not run_dir.exists():
        raise InputError(run_dir, "no such run folder")
    if not run_dir.is_dir():
        raise InputError(
            run_dir, "not a run folder: a run is a folder holding manifest.json"
        )
    manifest = read_manifest(run_dir)
    judgments = run_dir / JUDGMENTS
    if not judgments.is_file():
        raise InputError(judgments, "missing: this run has no judged rows yet")
    rows = read_rows(run_dir)
    if not rows:
        raise InputError(judgments, "holds no judged rows")
    return manifest, rows


class RowWriter:
    """Appends judged rows to a run file, each on disk before it is reported."""

    def __init__(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / JUDGMENTS
        self._repair_tail()
        self._fh = self.path.open("ab")

    def _repair_tail(self) -> None:
        # a kill mid-write leaves a partial last line; cut it so appends stay valid
        if not self.path.is_file():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with self.path.open("r+b") as fh:
                fh.truncate(keep)

    def write(self, row: JudgedRow) -> None:
        self.write_many([row])

    def write_many(self, rows: list[JudgedRow]) -> None:
        """Append rows and sync them to disk once (a sync costs milliseconds)."""
        data = b"".join(row.model_dump_json().encode() + b"\n" for row in rows)
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
