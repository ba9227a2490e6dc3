"""Shared fixtures: the upstream data mirror, a scripted model server, inputs."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# litellm must not fetch its price table; no test may reach the network
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["SPRI_JUDGE_OFFLINE"] = "1"

from spri_judge.testing.server import ChatRequest, ScriptedServer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def mirror_dir() -> Path | None:
    env = os.environ.get("SPRI_JUDGE_DATA")
    for candidate in (env, REPO.parent / "shared" / "data"):
        if candidate and Path(candidate, "MANIFEST.tsv").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = mirror_dir()
    if found is None:
        pytest.skip("no upstream data mirror (../shared/data or $SPRI_JUDGE_DATA)")
    return found


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    # the registry's download cache must not leak between tests or into $HOME
    monkeypatch.setenv("SPRI_JUDGE_CACHE", str(tmp_path_factory.mktemp("cache")))
    calls = tmp_path_factory.mktemp("calls") / "calls.sqlite"
    monkeypatch.setenv("SPRI_JUDGE_CALL_CACHE", str(calls))


class Brain:
    """Scripted judge and critic: answers by which prompt it was sent.

    The critic's grades are set per stage (``rubric_grade``,
    ``judgment_grade``); the judge's score is a function of the response so
    tests can predict it.
    """

    def __init__(self) -> None:
        self.rubric_grade = 5
        self.judgment_grade = 5
        self.judge_output: str | None = None

    @staticmethod
    def score_for(response: str) -> int:
        found = re.search(r"QUALITY=(\d)", response)
        return int(found.group(1)) if found else 3

    def __call__(self, request: ChatRequest) -> str:
        text = request.last_user or ""
        if text.startswith(("Write a scoring rubric", "Improve the rubric")):
            return (
                "Criteria: Does the answer solve the task?\n"
                "Score 1: not at all\nScore 2: barely\nScore 3: partly\n"
                "Score 4: mostly\nScore 5: fully"
            )
        if text.startswith("Grade how useful the rubric"):
            return (
                f"<feedback>rubric review</feedback><score>{self.rubric_grade}</score>"
            )
        if text.startswith("An evaluator graded a response"):
            grade = self.judgment_grade
            return f"<feedback>judgment review</feedback><score>{grade}</score>"
        if self.judge_output is not None:
            return self.judge_output
        response = text.split("-----BEGIN RESPONSE-", 1)[-1]
        score = self.score_for(response)
        return f"<feedback>Judged against the rubric.</feedback><score>{score}</score>"


@pytest.fixture
def brain() -> Brain:
    return Brain()


@pytest.fixture
def server(brain: Brain) -> Iterator[ScriptedServer]:
    with ScriptedServer(brain) as srv:
        yield srv


def biggen_rows(data_dir: Path, ids: list[str], models: list[str]) -> list[dict]:
    """Response rows for real BiGGen instances, with made-up responses."""
    biggen = "github/prometheus-eval/prometheus-eval/BiGGen-Bench"
    raw = json.loads((data_dir / biggen / "sample_responses.json").read_text())
    rows = []
    for n, instance_id in enumerate(ids):
        inst = raw[instance_id]
        for m, model in enumerate(models):
            quality = (n + m) % 5 + 1
            rows.append(
                {
                    "id": inst["id"],
                    "capability": inst["capability"],
                    "system_prompt": inst["system_prompt"],
                    "input": inst["input"],
                    "reference_answer": inst["reference_answer"],
                    "score_rubric": inst["score_rubric"],
                    "response": f"An answer by {model}. QUALITY={quality}",
                    "model_name": model,
                    "human_score": quality,
                }
            )
    return rows


INSTANCE_IDS = [
    "planning_travel_plan_0",
    "reasoning_abductive_0",
    "safety_knowledge_unlearning_0",
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def responses_file(tmp_path: Path, data_dir: Path) -> Path:
    rows = biggen_rows(data_dir, INSTANCE_IDS, ["model-a", "model-b"])
    return write_jsonl(tmp_path / "responses.jsonl", rows)


pytest_plugins = ("pytester",)
