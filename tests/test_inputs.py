"""Input files and upstream data: errors name the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spri_judge.cli.main import cli
from spri_judge.data import loaders
from spri_judge.data.registry import Registry, git_blob_id, pin
from spri_judge.errors import DataIntegrityError, DataUnavailable, InputError


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = {"id": "a", "input": "Say hi.", "response": "hi", "human_score": 4}


def test_good_file_loads(tmp_path: Path) -> None:
    rows = loaders.load_responses(write(tmp_path / "in.jsonl", [json.dumps(GOOD)]))
    assert rows[0].instance.id == "a" and rows[0].human_score == 4
    assert rows[0].model_name == "unknown"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "line 2: not valid JSON"),
        (json.dumps({"id": "b", "response": "x"}), "line 2, field 'input'"),
        (
            json.dumps({**GOOD, "id": "b", "human_score": 9}),
            "line 2, field 'human_score'",
        ),
        (json.dumps({**GOOD, "id": "b", "response": 3}), "line 2, field 'response'"),
        (
            json.dumps({**GOOD, "score_rubric": {"criteria": "x"}}),
            "line 2, field 'score_rubric'",
        ),
        (json.dumps(GOOD), "line 2, field 'id': row repeats id 'a'"),
        ("[1, 2]", "line 2: expected a JSON object"),
    ],
)
def test_bad_rows_name_file_line_and_field(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = write(tmp_path / "in.jsonl", [json.dumps(GOOD), line])
    with pytest.raises(InputError) as err:
        loaders.load_responses(path)
    assert str(err.value).startswith(str(path))
    assert expected in str(err.value)


def test_cli_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", [json.dumps({"id": "a", "response": "x"})])
    result = CliRunner().invoke(
        cli,
        [
            "judge",
            str(path),
            "--strategy",
            "vanilla",
            "--judge",
            "openai/x",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}, line 1, field 'input': required field is missing"
    )
    assert not (tmp_path / "run").exists()


def test_minus_one_human_score_means_no_label(tmp_path: Path) -> None:
    row = {**GOOD, "human_score": -1}
    rows = loaders.load_responses(write(tmp_path / "in.jsonl", [json.dumps(row)]))
    assert rows[0].human_score is None


def test_instances_load_with_or_without_responses(tmp_path: Path) -> None:
    bare = {"id": "b", "input": "Name a prime.", "capability": "reasoning"}
    path = write(
        tmp_path / "in.jsonl", [json.dumps(GOOD), json.dumps(GOOD), json.dumps(bare)]
    )
    instances = loaders.load_instances(path)
    assert list(instances) == ["a", "b"]
    assert instances["b"].capability == "reasoning"
    with pytest.raises(InputError, match="line 1, field 'input'"):
        loaders.load_instances(write(tmp_path / "bad.jsonl", ['{"id": "x"}']))


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        loaders.load_responses(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="holds no rows"):
        loaders.load_responses(write(tmp_path / "empty.jsonl", [""]))


def test_registry_reads_and_verifies_the_mirror(data_dir: Path) -> None:
    registry = Registry(data_dir)
    path = registry.path("spri/flask-rubrics")
    assert git_blob_id(path.read_bytes()) == pin("spri/flask-rubrics").git_blob
    assert len(loaders.load_flask_rubrics(registry)) == 7
    assert len(loaders.load_seed_rubrics(registry)) == 24
    assert len(loaders.load_seed_principles(registry)) == 6


def test_registry_rejects_a_tampered_mirror(data_dir: Path, tmp_path: Path) -> None:
    p = pin("spri/seed-principle-rubrics")
    fake = tmp_path / p.mirror_path
    fake.parent.mkdir(parents=True)
    fake.write_text('{"principle": "tampered"}\n')
    with pytest.raises(DataIntegrityError, match="does not match the pinned hash"):
        Registry(tmp_path).path(p.name)


def test_registry_says_where_a_missing_file_is_expected(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailable) as err:
        Registry(tmp_path, offline=True).path("spri/human-eval")
    message = str(err.value)
    assert str(tmp_path) in message and "--data-dir" in message
    assert "BiGGen-Bench-Results-[human_eval].jsonl" in message


def test_registry_caches_what_it_finds(data_dir: Path, tmp_path: Path) -> None:
    # a file copied into the cache is served from there without a mirror
    p = pin("spri/seed-principles")
    cached = tmp_path / "cache" / p.mirror_path
    cached.parent.mkdir(parents=True)
    cached.write_bytes((data_dir / p.mirror_path).read_bytes())
    registry = Registry(None, cache=tmp_path / "cache", offline=True)
    assert registry.path(p.name) == cached


def test_data_list_and_fetch(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["data", "list", "--data-dir", str(data_dir)])
    assert listed.exit_code == 0, listed.output
    assert "mirror   spri/flask-rubrics" in listed.output
    assert "missing  spri/human-eval" in listed.output

    fetched = runner.invoke(
        cli, ["data", "fetch", "spri/seed-principles", "--data-dir", str(data_dir)]
    )
    assert fetched.exit_code == 0, fetched.output
    assert fetched.output.startswith("ok       spri/seed-principles")

    # offline and unmirrored: every miss is reported, then exit 1
    missing = runner.invoke(
        cli, ["data", "fetch", "spri/human-eval", "--data-dir", str(tmp_path)]
    )
    assert missing.exit_code == 1
    assert "missing  spri/human-eval" in missing.output
