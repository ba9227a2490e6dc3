"""Scored rows as a pandas frame: the one shape every analysis reads.

A scored frame has one row per judged response and the columns of
``COLUMNS``: ``instance_id`` (rows of one instance are resampled together),
``response_model`` (None where the source does not name it), ``capability``,
``human_score`` and ``score`` (floats; NaN where missing), and ``failed``
(the judge call itself failed, so there is no output to parse).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from spri_judge.judgment import JudgedRow

COLUMNS: tuple[str, ...] = (
    "instance_id",
    "response_model",
    "capability",
    "human_score",
    "score",
    "failed",
)


def frame_from_rows(rows: Iterable[JudgedRow]) -> pd.DataFrame:
    """The scored frame of a run's judged rows, in the order given."""
    records = [
        (
            row.instance_id,
            row.response_model,
            row.capability,
            np.nan if row.human_score is None else float(row.human_score),
            np.nan if row.score is None else float(row.score),
            row.error is not None,
        )
        for row in rows
    ]
    return make_frame(records)


def make_frame(records: list[tuple[object, ...]]) -> pd.DataFrame:
    """A scored frame from tuples in the order of ``COLUMNS``."""
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    return frame.astype(
        {
            "instance_id": object,
            "response_model": object,
            "capability": object,
            "human_score": float,
            "score": float,
            "failed": bool,
        }
    )


def check_frame(frame: pd.DataFrame) -> None:
    """Raise ValueError unless ``frame`` has every column of a scored frame."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"scored frame lacks columns {missing}; build it with "
            "frame_from_rows() or make_frame()"
        )
