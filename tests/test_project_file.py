"""Project settings files, frozen rubric files and their diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from spri_judge.cli.main import cli
from spri_judge.run import read_manifest, read_rows
from spri_judge.testing.server import ScriptedServer

from .conftest import INSTANCE_IDS


def invoke(*args: object, cwd: Path) -> object:
    """Run the CLI from ``cwd``, where the project file is looked for."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(old)


def write_config(
    folder: Path, server: ScriptedServer, data_dir: Path, **extra: str
) -> Path:
    lines = [
        'judge = "openai/judge"',
        'critic = "openai/critic"',
        'strategy = "spri"',
        'input = "responses.jsonl"',
        'rubrics = "rubrics.json"',
        f'api_base = "{server.url}"',
        f'data_dir = "{data_dir}"',
        "concurrency = 4",
        "retries = 0",
        *[f"{k} = {v}" for k, v in extra.items()],
    ]
    path = folder / "spri-judge.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def project(tmp_path: Path, responses_file: Path, server, data_dir: Path) -> Path:
    (tmp_path / "responses.jsonl").write_text(responses_file.read_text())
    write_config(tmp_path, server, data_dir)
    return tmp_path


def test_a_project_file_makes_ci_commands_short(project: Path, server) -> None:
    result = invoke("rubrics", cwd=project)
    assert result.exit_code == 0, result.output
    table = json.loads((project / "rubrics.json").read_text())
    assert sorted(table) == sorted(INSTANCE_IDS)
    entry = table[INSTANCE_IDS[0]]
    for key in (
        "generator",
        "critic",
        "threshold",
        "iterations",
        "critic_score",
        "critic_feedback",
        "template_hash",
        "content_hash",
    ):
        assert key in entry, key

    server.reset()
    result = invoke("judge", "--out", "run", cwd=project)
    assert result.exit_code == 0, result.output
    # the committed rubrics are used as they are: no stage-1 calls
    assert not any(
        (c.request.last_user or "").startswith("Write a scoring rubric")
        for c in server.calls
    )
    manifest = read_manifest(project / "run")
    assert manifest.strategy == "spri" and manifest.critic == "openai/critic"
    assert manifest.params["config_file"] == str(project / "spri-judge.toml")
    assert manifest.params["concurrency"] == 4
    assert len(read_rows(project / "run")) == 6


def test_flags_override_the_project_file(project: Path) -> None:
    result = invoke("judge", "--strategy", "vanilla", "--out", "run", cwd=project)
    assert result.exit_code == 0, result.output
    assert read_manifest(project / "run").strategy == "vanilla"


def test_pyproject_table_is_read(
    tmp_path: Path, responses_file: Path, server, data_dir: Path
) -> None:
    (tmp_path / "responses.jsonl").write_text(responses_file.read_text())
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.spri-judge]\n"
        f'judge = "openai/judge"\nstrategy = "vanilla"\ninput = "responses.jsonl"\n'
        f'api_base = "{server.url}"\ndata_dir = "{data_dir}"\n'
    )
    result = invoke("judge", "--out", "run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert read_manifest(tmp_path / "run").judge == "openai/judge"


def test_a_typo_in_the_project_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "spri-judge.toml").write_text('judg = "openai/x"\n')
    result = invoke("judge", "--help", cwd=tmp_path)
    assert result.exit_code == 2
    assert "spri-judge.toml, field 'judg'" in result.output


def test_an_instance_missing_from_the_rubric_file_is_an_error(
    project: Path, server
) -> None:
    assert invoke("rubrics", "--limit", "2", cwd=project).exit_code == 0
    result = invoke("judge", "--out", "run", cwd=project)
    assert result.exit_code == 2
    assert "has no rubric for 1 instance(s)" in result.output
    assert "--generate-missing" in result.output

    server.reset()
    result = invoke("judge", "--out", "run", "--generate-missing", cwd=project)
    assert result.exit_code == 0, result.output
    drafts = [
        c
        for c in server.calls
        if (c.request.last_user or "").startswith("Write a scoring rubric")
    ]
    assert len(drafts) == 1


def test_rubrics_diff(project: Path, server, brain) -> None:
    assert invoke("rubrics", "--out", "old.json", cwd=project).exit_code == 0
    same = invoke("rubrics", "diff", "old.json", "old.json", cwd=project)
    assert same.exit_code == 0
    assert "0 added, 0 removed, 0 changed, 3 unchanged" in same.output

    brain.rubric_grade = 3  # the critic now asks for refinements
    assert (
        invoke(
            "rubrics",
            "--out",
            "new.json",
            "--no-cache",
            "--max-critiques",
            "2",
            cwd=project,
        ).exit_code
        == 0
    )
    old = json.loads((project / "old.json").read_text())
    old.pop(INSTANCE_IDS[0])
    (project / "old.json").write_text(json.dumps(old))
    result = invoke("rubrics", "diff", "old.json", "new.json", cwd=project)
    assert result.exit_code == 1
    assert f"+ {INSTANCE_IDS[0]} (added)" in result.output
    assert "critic_score: 5 -> 3" in result.output
    assert "iterations: 1 -> 2" in result.output
