"""The SPRI paper's released judgments on BiGGen Bench's human subset.

Every run file of every judge is pinned in the data registry under
``spri/outputs/<judge>/<run>``. Each row holds ``id``, ``capability``,
``human_score``, the judge's raw output and the score parsed from it
(``evaluator_LM-score``; ``[SPRI]-score`` in SPRI runs). Scores are kept
exactly as released, including fractional ones and the few outside 1-5 that
self-refine produced: the paper's numbers were computed from them. A null,
empty or non-numeric score is an unparsed row. The rows do not name the
response model, so they can be compared across files only through per-file
statistics, never row by row.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from spri_judge.analysis.frames import make_frame
from spri_judge.data.registry import Registry, pins
from spri_judge.errors import DataUnavailable, InputError
from spri_judge.strategies.names import strategy_label

PREFIX = "spri/outputs/"
SCORE_FIELD = "evaluator_LM-score"
SPRI_SCORE_FIELD = "[SPRI]-score"

# the paper's run file names, in the project's strategy vocabulary
RUN_LABELS: dict[str, str] = {
    "[baseline]-1-[vanilla]": strategy_label("vanilla"),
    "[baseline]-2-[self_refine]": strategy_label("self-refine"),
    "[baseline]-3-[MT_Bench]": strategy_label("mt-bench"),
    "[baseline]-4-[flask]": strategy_label("flask"),
    "[ablation]-[seed_principles_as_rubrics]": strategy_label("seed-principles"),
    "[oracle]-[gold_rubrics]": strategy_label("oracle"),
    "[SPRI]-[no_seeds]": strategy_label("spri", "none"),
    "[SPRI]-[6_default_principles]": strategy_label("spri", "principles"),
    "[SPRI]-[3_oracles_each_capacity]": strategy_label("spri", "oracle"),
}


@dataclass(frozen=True)
class ReleasedRun:
    """One released run file: which judge, which strategy, where it is pinned."""

    judge: str
    run: str
    strategy: str
    name: str

    @property
    def score_field(self) -> str:
        return SPRI_SCORE_FIELD if self.run.startswith("[SPRI]") else SCORE_FIELD


@dataclass(frozen=True)
class Unavailable:
    """A released run file that could not be had, and why."""

    run: ReleasedRun
    reason: str


def released_runs() -> list[ReleasedRun]:
    """Every released run file the registry pins, in the pins' order.

    Raises:
        DataUnavailable: if a pinned run file has a name this module does not
            know (the pins and ``RUN_LABELS`` must change together).
    """
    runs = []
    for name in pins():
        if not name.startswith(PREFIX):
            continue
        judge, _, run = name.removeprefix(PREFIX).partition("/")
        if run not in RUN_LABELS:
            known = ", ".join(RUN_LABELS)
            raise DataUnavailable(
                f"pinned released file {name!r} has an unknown run name {run!r}; "
                f"known: {known}"
            )
        runs.append(ReleasedRun(judge, run, RUN_LABELS[run], name))
    return runs


def find_run(judge: str, strategy: str) -> ReleasedRun:
    """The released run of ``judge`` for ``strategy`` (a label or file name).

    Raises:
        DataUnavailable: if no released run matches; the message lists them.
    """
    for run in released_runs():
        if run.judge == judge and strategy in (run.strategy, run.run):
            return run
    known = ", ".join(f"{r.judge}/{r.strategy}" for r in released_runs())
    raise DataUnavailable(f"no released run {judge}/{strategy}; known: {known}")


def read_released(path: Path, score_field: str = SCORE_FIELD) -> pd.DataFrame:
    """The scored frame of one released run file.

    Raises:
        InputError: naming the file, line and field, for a line that is not a
            JSON object, lacks a field, or has a human score that is not a
            number.
    """
    records = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            records.append(_record(path, number, raw, score_field))
    return make_frame(records)


def _record(path: Path, number: int, raw: bytes, score_field: str) -> tuple:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg})", line=number) from None
    if not isinstance(row, dict):
        raise InputError(path, "a row must be a JSON object", line=number)
    for field in ("id", "capability", "human_score", score_field):
        if field not in row:
            raise InputError(path, "missing", line=number, field=field)
    human = _number(row["human_score"])
    if human is None:
        raise InputError(
            path,
            f"must be a number, not {row['human_score']!r}",
            line=number,
            field="human_score",
        )
    score = _number(row[score_field])
    return (
        str(row["id"]),
        None,
        str(row["capability"]),
        human,
        math.nan if score is None else score,
        False,
    )


def _number(value: object) -> float | None:
    """A released score as a float, or None when it is not a usable number."""
    # bool is an int subclass, and a true/false "score" is not a score
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def load_released(
    registry: Registry, runs: list[ReleasedRun] | None = None
) -> tuple[list[tuple[ReleasedRun, Path, pd.DataFrame]], list[Unavailable]]:
    """Read the released run files the registry can get.

    Args:
        registry: where files come from (mirror folder, cache or download).
        runs: which runs; all of them by default.

    Returns:
        ``(loaded, unavailable)``: each loaded run with its local path and
        scored frame, and each run the registry could not get with the
        reason. A file that is present but fails its hash still raises.
    """
    loaded = []
    unavailable = []
    for run in released_runs() if runs is None else runs:
        try:
            path = registry.path(run.name)
        except DataUnavailable as exc:
            unavailable.append(Unavailable(run, str(exc)))
            continue
        loaded.append((run, path, read_released(path, run.score_field)))
    return loaded, unavailable
