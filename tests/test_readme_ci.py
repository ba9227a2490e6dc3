"""The README's "Use in CI" example, run end to end against the local server.

The project file, the freeze commands, the shell step and the GitHub Actions
job's run steps are read from the README itself, so the documentation cannot
drift from what works. Only the endpoint differs: the test adds `api_base`
for its scripted server to the README's project file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from spri_judge.testing.server import ScriptedServer

from .conftest import REPO, Brain, biggen_rows, write_jsonl
from .test_report import CHROMIUM, drive_browser

README = (REPO / "README.md").read_text()
CASE_IDS = [
    "planning_travel_plan_0",
    "reasoning_abductive_0",
    "safety_knowledge_unlearning_0",
]


def block(name: str) -> str:
    """The fenced code between <!-- name --> and <!-- /name -->."""
    found = re.search(
        rf"<!-- {name} -->\s*```\w*\n(.*?)```\s*<!-- /{name} -->", README, re.S
    )
    assert found, f"README has no {name} block"
    return found.group(1)


def sh(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path, server: ScriptedServer, data_dir: Path) -> Path:
    work = tmp_path / "project"
    (work / "tests/judge").mkdir(parents=True)
    config = block("ci-config")
    config = config.replace(
        "[gate]",
        f'api_base = "{server.url}"\ndata_dir = "{data_dir}"\nretries = 0\n\n[gate]',
    )
    (work / "spri-judge.toml").write_text(config)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(
        ["git", "config", "user.email", "ci@example.com"], cwd=work, check=True
    )
    subprocess.run(["git", "config", "user.name", "CI"], cwd=work, check=True)
    return work


def set_cases(work: Path, data_dir: Path, quality: int) -> None:
    rows = biggen_rows(data_dir, CASE_IDS, ["bot"])
    for row in rows:
        row["response"] = f"An answer. QUALITY={quality}"
    write_jsonl(work / "tests/judge/cases.jsonl", rows)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bindir + os.pathsep + os.environ["PATH"],
        "SPRI_JUDGE_CALL_CACHE": str(tmp_path / "calls.sqlite"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
    }


def rubric_drafts(server: ScriptedServer) -> int:
    return sum(
        (c.request.last_user or "").startswith("Write a scoring rubric")
        for c in server.calls
    )


def fresh_checkout(work: Path) -> None:
    # a CI build starts from the repository, without earlier runs or reports
    subprocess.run(["rm", "-rf", "runs", "reports"], cwd=work, check=True)


def check_report_in_browser(page: Path, scratch: Path) -> None:
    """The report renders and its capability filter works in Chromium."""
    if not CHROMIUM.is_file():
        return  # test_report.py reports the skip; the rest of this test stands
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=scratch))
    seen = asyncio.run(
        asyncio.wait_for(drive_browser(page, scratch / "shot.png", profile), 90)
    )
    assert seen["loaded"]["count"] == "showing 3 of 3 rows"
    assert seen["filtered"]["count"] == "showing 1 of 3 rows"
    assert seen["filtered"]["shown"] == ["reasoning"]
    assert (scratch / "shot.png").read_bytes().startswith(b"\x89PNG")


def test_readme_ci_example_end_to_end(
    repo: Path,
    env: dict[str, str],
    server: ScriptedServer,
    brain: Brain,
    data_dir: Path,
) -> None:
    # freeze: rubrics generated once and committed
    set_cases(repo, data_dir, quality=5)
    done = sh(block("ci-freeze"), repo, env)
    assert done.returncode == 0, done.stderr
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tests/judge/rubrics.json" in tracked
    assert sorted(
        json.loads((repo / "tests/judge/rubrics.json").read_text())
    ) == sorted(CASE_IDS)
    assert rubric_drafts(server) == len(CASE_IDS)

    # a good build: no rubric calls, the gate passes, the report is written
    server.reset()
    build = sh(block("ci-shell"), repo, env)
    assert build.returncode == 0, build.stdout + build.stderr
    assert rubric_drafts(server) == 0
    assert "FAIL" not in build.stdout
    assert (repo / "reports/judge.html").is_file()
    check_report_in_browser(repo / "reports/judge.html", repo.parent)
    suite = ET.parse(repo / "reports/judge.xml").getroot()
    assert int(suite.get("failures", suite[0].get("failures", "0"))) == 0

    # a regression: worse responses fail the gate with the reason
    fresh_checkout(repo)
    set_cases(repo, data_dir, quality=2)
    server.reset()
    build = sh(block("ci-shell"), repo, env)
    assert build.returncode == 1, build.stdout + build.stderr
    assert rubric_drafts(server) == 0
    assert re.search(r"FAIL .*mean.*--min-mean", build.stdout), build.stdout
    assert re.search(r"FAIL .*pass.*--min-pass-rate", build.stdout), build.stdout
    junit = (repo / "reports/judge.xml").read_text()
    assert "<failure" in junit and "min-mean" in junit
    assert not (repo / "reports/judge.html").exists()  # `sh -e` stopped at the gate


def test_readme_github_actions_job_runs(
    repo: Path,
    env: dict[str, str],
    server: ScriptedServer,
    data_dir: Path,
) -> None:
    set_cases(repo, data_dir, quality=5)
    assert sh(block("ci-freeze"), repo, env).returncode == 0
    job = yaml.safe_load(block("ci-github"))["jobs"]["judge"]
    server.reset()
    for step in job["steps"]:
        run = step.get("run")
        if run is None or run.startswith("pip install"):
            continue  # actions and the install: this test runs installed code
        done = sh(run, repo, env)
        assert done.returncode == 0, f"{step.get('name')}: {done.stdout}{done.stderr}"
    assert rubric_drafts(server) == 0
    assert (repo / "reports/judge.html").is_file()
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "min-mean" in summary or "mean" in summary
