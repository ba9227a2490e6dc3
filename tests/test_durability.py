"""Call cache, fault handling and resume after SIGKILL, against the local server."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from spri_judge.cli.main import cli
from spri_judge.run import read_rows
from spri_judge.testing.server import ScriptedServer

from .conftest import Brain, biggen_rows, write_jsonl


def judge_args(srv: ScriptedServer, src: Path, out: Path, data: Path) -> list[str]:
    """A vanilla judge command line against the scripted server."""
    return [
        "judge", str(src), "--strategy", "vanilla", "--judge", "openai/judge",
        "--api-base", srv.url, "--out", str(out), "--data-dir", str(data),
    ]  # fmt: skip


def judge(srv: ScriptedServer, src: Path, out: Path, data: Path, *extra: str):
    args = [*judge_args(srv, src, out, data), "--timeout", "5", *extra]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_a_warm_cache_makes_no_model_calls(
    server, responses_file: Path, data_dir: Path, tmp_path: Path
) -> None:
    first = judge(server, responses_file, tmp_path / "a", data_dir)
    assert server.call_count == 6
    assert "6 to models, 0 from cache" in first.output

    second = judge(server, responses_file, tmp_path / "b", data_dir)
    assert server.call_count == 6
    assert "0 to models, 6 from cache" in second.output
    scores = {r.key: r.score for r in read_rows(tmp_path / "a")}
    assert {r.key: r.score for r in read_rows(tmp_path / "b")} == scores

    cleared = CliRunner().invoke(cli, ["cache", "clear"])
    assert "cleared 6 calls" in cleared.output
    judge(server, responses_file, tmp_path / "c", data_dir)
    assert server.call_count == 12


def test_spri_rubrics_are_reused_across_runs(
    server, responses_file: Path, data_dir: Path, tmp_path: Path
) -> None:
    extra = ("--strategy", "spri", "--critic", "openai/critic")
    judge(server, responses_file, tmp_path / "a", data_dir, *extra)
    server.reset()
    judge(server, responses_file, tmp_path / "b", data_dir, *extra)
    assert server.call_count == 0


def test_faults_are_retried_counted_and_never_lose_a_row(
    brain: Brain, data_dir: Path, tmp_path: Path
) -> None:
    ids = [
        "planning_travel_plan_0",
        "planning_travel_plan_1",
        "grounding_demo_vs_instruction_0",
    ]
    src = write_jsonl(tmp_path / "in.jsonl", biggen_rows(data_dir, ids, list("abcd")))
    sequence = ["429", "500", "timeout", "drop", "malformed", "503"]
    with ScriptedServer(
        brain, fault_sequence=sequence, retry_after=0.05, hang_s=5
    ) as srv:
        result = judge(
            srv,
            src,
            tmp_path / "run",
            data_dir,
            "--timeout",
            "0.5",
            "--concurrency",
            "1",
            "--no-cache",
            "--retries",
            "6",
        )
    rows = read_rows(tmp_path / "run")
    assert len(rows) == 12 and all(r.score is not None for r in rows)
    for kind in (
        "rate_limit 1",
        "server_error 2",
        "timeout 1",
        "connection 1",
        "malformed 1",
    ):
        assert kind in result.output
    assert "6 retried" in result.output


def test_an_empty_output_is_counted_and_marked(
    brain: Brain, responses_file: Path, data_dir: Path, tmp_path: Path
) -> None:
    with ScriptedServer(brain, fault_sequence=["empty", "empty"]) as srv:
        result = judge(
            srv,
            responses_file,
            tmp_path / "run",
            data_dir,
            "--concurrency",
            "1",
            "--no-cache",
        )
    # each empty output got one format reminder, which the judge answered
    assert "empty_output 2" in result.output
    assert "6 parsed, 0 unparsed" in result.output
    assert "8 to models" in result.output


def _line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.is_file() else 0


def _final_rows(out: Path) -> list[tuple[str, str, int | None]]:
    lines = (out / "judgments.jsonl").read_text().splitlines()
    rows = [json.loads(x) for x in lines]
    return sorted((r["instance_id"], r["response_model"], r["score"]) for r in rows)


def test_sigkill_twenty_times_then_resume_equals_an_uninterrupted_run(
    brain: Brain, data_dir: Path, tmp_path: Path
) -> None:
    ids = [
        f"{task}_{i}"
        for task in (
            "planning_travel_plan",
            "reasoning_abductive",
            "grounding_demo_vs_instruction",
        )
        for i in range(10)
    ]
    src = write_jsonl(tmp_path / "in.jsonl", biggen_rows(data_dir, ids, list("abcd")))
    env = {**os.environ, "SPRI_JUDGE_CALL_CACHE": str(tmp_path / "calls.sqlite")}
    rng = random.Random(7)
    with ScriptedServer(brain, latency=0.2) as srv:

        def command(out: Path, concurrency: int = 4) -> list[str]:
            # a later --strategy overrides the vanilla default of judge_args
            return [
                sys.executable, "-m", "spri_judge",
                *judge_args(srv, src, out, data_dir),
                "--strategy", "spri", "--critic", "openai/critic",
                "--concurrency", str(concurrency),
            ]  # fmt: skip

        reference = tmp_path / "reference"
        # the reference is the same run, uninterrupted (faster: more calls at once)
        subprocess.run(
            command(reference, concurrency=32),
            env={**env, "SPRI_JUDGE_CALL_CACHE": str(tmp_path / "ref.sqlite")},
            check=True,
            capture_output=True,
        )
        calls_uninterrupted = srv.call_count
        srv.reset()

        out = tmp_path / "killed"
        judgments = out / "judgments.jsonl"
        kills = 0
        for _ in range(20):
            before = _line_count(judgments)
            proc = subprocess.Popen(
                command(out),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # kill mid-run: once this process has written a row, at a random
            # moment after (mid-call, mid-write or between rows)
            deadline = time.monotonic() + 60
            while (
                proc.poll() is None
                and _line_count(judgments) == before
                and time.monotonic() < deadline
            ):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.3))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        subprocess.run(command(out), env=env, check=True, capture_output=True)

    assert kills == 20, "every run must really have been killed mid-way"
    assert _final_rows(out) == _final_rows(reference)
    # finished calls come from the cache; only calls cut off in flight repeat
    assert srv.call_count <= calls_uninterrupted + kills * 4


def test_the_api_key_reaches_no_output_or_file(
    brain: Brain, responses_file: Path, data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    secret = "sk-test-7f3a9c1e5b"
    monkeypatch.setenv("SPRI_JUDGE_API_KEY", secret)
    out = tmp_path / "run"
    with ScriptedServer(brain, fault_sequence=["500", "503"]) as srv:
        result = judge(
            srv, responses_file, out, data_dir, "--retries", "0", "--concurrency", "1"
        )
    assert secret not in result.output
    for path in out.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(), path
    failed = [r for r in read_rows(out) if r.error]
    assert failed and all(secret not in (r.error or "") for r in failed)


def test_the_client_uses_the_key_but_never_shows_it(monkeypatch) -> None:
    from spri_judge.client import ClientSettings, LiteLLMClient, _scrub

    secret = "sk-test-0d9e8f"
    monkeypatch.setenv("SPRI_JUDGE_API_KEY", secret)
    client = LiteLLMClient(ClientSettings(api_base="http://127.0.0.1:9/v1"))
    assert client._api_key == secret
    assert secret not in repr(ClientSettings(api_key=secret))
    assert _scrub(f"401: bad key {secret}", secret) == "401: bad key ***"


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(
    brain: Brain, data_dir: Path, tmp_path: Path
) -> None:
    ids = [f"planning_travel_plan_{i}" for i in range(10)]
    src = write_jsonl(tmp_path / "in.jsonl", biggen_rows(data_dir, ids, list("ab")))
    out = tmp_path / "run"
    with ScriptedServer(brain, latency=0.3) as srv:
        args = [
            sys.executable, "-m", "spri_judge",
            *judge_args(srv, src, out, data_dir), "--concurrency", "2",
        ]  # fmt: skip
        proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        judgments = out / "judgments.jsonl"
        while time.monotonic() < deadline:
            if judgments.is_file() and judgments.read_text().count("\n") >= 2:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert f"--out {out}" in err and "resume" in err
        saved = judgments.read_text().splitlines()
        assert 2 <= len(saved) < 20
        assert all(json.loads(line)["score"] for line in saved)

        resumed = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        assert f"{20 - len(saved)} judged now, {len(saved)} already done" in (
            resumed.stdout
        )


def test_requests_per_minute_spaces_call_starts(server) -> None:
    import asyncio

    from spri_judge.client import ClientSettings, LiteLLMClient

    client = LiteLLMClient(
        ClientSettings(api_base=server.url, requests_per_minute=600, concurrency=8)
    )

    async def burst() -> None:
        # a first call pays litellm's one-time set-up, which would bunch arrivals
        await client.complete("openai/x", [{"role": "user", "content": "warm"}])
        await asyncio.sleep(0.2)
        server.reset()
        messages = [{"role": "user", "content": "hi"}]
        await asyncio.gather(*(client.complete("openai/x", messages) for _ in range(6)))

    asyncio.run(burst())
    starts = sorted(c.timestamp for c in server.calls)
    # 600 a minute: one start every 0.1 s, however many may be in flight
    assert len(starts) == 6
    assert starts[-1] - starts[0] >= 0.45
