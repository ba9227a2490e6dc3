"""Reading the SPRI paper's released judgments."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("SPRI_JUDGE_OFFLINE", "1")

from spri_judge.analysis.released import (  # noqa: E402
    RUN_LABELS,
    SPRI_SCORE_FIELD,
    find_run,
    load_released,
    read_released,
    released_runs,
)
from spri_judge.data.registry import Registry  # noqa: E402
from spri_judge.errors import DataUnavailable, InputError  # noqa: E402
from spri_judge.strategies.names import LABEL_ORDER  # noqa: E402

JUDGES = (
    "gpt-4o-mini",
    "llama-3-1-70b-instruct",
    "mixtral-8x7b-instruct-v01",
    "prometheus-8x7b-v2",
)


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The upstream data mirror: $SPRI_JUDGE_DATA, else ../shared/data."""
    env = os.environ.get("SPRI_JUDGE_DATA")
    for candidate in (env, Path(__file__).parents[2] / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("no data mirror: set SPRI_JUDGE_DATA or provide ../shared/data")


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _row(score: object, **extra: object) -> dict:
    return {
        "id": "reasoning_x_0",
        "capability": "reasoning",
        "human_score": 4,
        "evaluator_LM-response": "<score>?</score>",
        "evaluator_LM-score": score,
        **extra,
    }


def test_every_pinned_run_has_a_strategy_label() -> None:
    runs = released_runs()
    assert len(runs) == 4 * 9
    assert {r.judge for r in runs} == set(JUDGES)
    assert {r.strategy for r in runs} == set(RUN_LABELS.values()) == set(LABEL_ORDER)


def test_run_names_map_to_the_project_vocabulary() -> None:
    assert find_run("gpt-4o-mini", "self-refine").run == "[baseline]-2-[self_refine]"
    assert find_run("gpt-4o-mini", "mt-bench").run == "[baseline]-3-[MT_Bench]"
    assert find_run("gpt-4o-mini", "seed-principles").run.startswith("[ablation]")
    spri = find_run("prometheus-8x7b-v2", "spri[seeds=principles]")
    assert spri.run == "[SPRI]-[6_default_principles]"
    assert spri.score_field == SPRI_SCORE_FIELD
    assert find_run("gpt-4o-mini", "spri[seeds=oracle]").run == (
        "[SPRI]-[3_oracles_each_capacity]"
    )
    with pytest.raises(DataUnavailable, match="no released run"):
        find_run("gpt-4o-mini", "nonsense")


def test_scores_are_kept_as_released_and_unusable_ones_are_unparsed(
    tmp_path: Path,
) -> None:
    scores = [4, 4.5, 0, 10, "3", None, "", "n/a", True]
    path = _write(tmp_path / "run.jsonl", [_row(s) for s in scores])
    frame = read_released(path)
    got = frame["score"].tolist()
    assert got[:5] == [4.0, 4.5, 0.0, 10.0, 3.0]
    assert all(math.isnan(v) for v in got[5:])
    assert frame["response_model"].isna().all()
    assert frame["instance_id"].tolist() == ["reasoning_x_0"] * len(scores)


def test_spri_files_read_their_own_score_field(tmp_path: Path) -> None:
    row = _row(None)
    row[SPRI_SCORE_FIELD] = 5
    frame = read_released(_write(tmp_path / "spri.jsonl", [row]), SPRI_SCORE_FIELD)
    assert frame["score"].tolist() == [5.0]


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", r"line 2: not valid JSON"),
        ("[1, 2]", r"line 2: a row must be a JSON object"),
        (
            json.dumps({"id": "a", "capability": "reasoning", "human_score": 3}),
            r"line 2, field 'evaluator_LM-score': missing",
        ),
        (
            json.dumps(_row(3, human_score="high")),
            r"line 2, field 'human_score': must be a number",
        ),
    ],
    ids=["bad-json", "not-object", "missing-score", "bad-human-score"],
)
def test_malformed_lines_name_file_line_and_field(
    tmp_path: Path, second_line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(_row(3)) + "\n" + second_line + "\n")
    with pytest.raises(InputError, match=message) as caught:
        read_released(path)
    assert caught.value.path == str(path)
    assert caught.value.line == 2


def test_files_the_registry_cannot_get_are_listed_not_raised(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "empty-mirror", cache=tmp_path / "cache")
    loaded, unavailable = load_released(registry)
    assert loaded == []
    assert len(unavailable) == 36
    assert all("not available" in u.reason for u in unavailable)


def test_mirror_holds_every_released_file_but_the_spri_runs(mirror: Path) -> None:
    """The SPRI runs (4 MiB or more) and gpt-4o-mini's MT-Bench file are not
    in the mirror; everything else reads, 2,777-2,780 rows per file."""
    loaded, unavailable = load_released(Registry(mirror))
    missing = {(u.run.judge, u.run.strategy) for u in unavailable}
    spri = {s for s in LABEL_ORDER if s.startswith("spri")}
    assert missing == {(j, s) for j in JUDGES for s in spri} | {
        ("gpt-4o-mini", "mt-bench")
    }
    assert len(loaded) == 23
    for _run, _path, frame in loaded:
        assert 2777 <= len(frame) <= 2780
        assert frame["instance_id"].nunique() == 695
