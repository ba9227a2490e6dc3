"""Benchmark of judge runs against a local scripted server.

Scenarios, all in one run so that ratios compare figures from the same
machine state:

- a: 2000 rows, 1 s server latency, concurrency 64: our wall time against
  the ideal and against a bare aiohttp client (the machine's floor), and
  client CPU per call split into litellm's share and ours;
- b: the same with 10% of calls failing (429 with Retry-After, 500);
- c: the same input again with a warm cache and the server stopped;
- d: peak memory of a 4,000-row run (``--memory-rows 10000`` for 10,000) in
  a child process, at 5 ms latency.

The server runs in its own process, so its CPU is not the client's.
Usage: ``python benchmarks/bench_runs.py [--quick] [--strict]``.
"""

from __future__ import annotations

import os

# before litellm is imported: no network fetch of the price map
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["SPRI_JUDGE_OFFLINE"] = "1"

import argparse
import asyncio
import contextlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp

from spri_judge.api import JudgeJob, judge_async
from spri_judge.client import ClientSettings, Completion, Message
from spri_judge.run import JUDGMENTS, iter_rows
from spri_judge.runner import RunSummary
from spri_judge.strategies import StrategySettings

HERE = Path(__file__).resolve().parent
JUDGE = "openai/bench"
CONCURRENCY = 64
FAULTS = ("429=0.05", "500=0.05")


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is; ``--quick`` shrinks them for a smoke run."""

    rows: int
    memory_rows: int
    settings_calls: int


# 10,000 rows for d take 140-220 s here (litellm: ~13 ms CPU a call), which
# would push the run past 5 minutes; --memory-rows 10000 measures them
FULL = Sizes(rows=2000, memory_rows=10_000, settings_calls=300)
QUICK = Sizes(rows=200, memory_rows=1000, settings_calls=100)


@dataclass
class Pass:
    """One timed pass: wall seconds, client CPU seconds, model calls."""

    wall_s: float
    cpu_s: float
    calls: int

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_s / max(self.calls, 1)


@dataclass
class Check:
    """A row of the result table."""

    scenario: str
    wall_s: float | None
    baseline_s: float | None
    ratio: float | None
    target: str
    passed: bool
    note: str = ""


@contextlib.contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and process CPU time of the block, filled in on exit."""
    spent: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield spent
    spent["wall_s"] = time.perf_counter() - wall
    spent["cpu_s"] = time.process_time() - cpu


# server and inputs


@contextlib.contextmanager
def server(latency: float, faults: tuple[str, ...] = ()) -> Iterator[str]:
    """Run the scripted server in a child process; yield its URL."""
    cmd = [sys.executable, "-m", "spri_judge.testing.server", "--port", "0"]
    cmd += ["--latency", str(latency)]
    for fault in faults:
        cmd += ["--fault", fault]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"scripted server did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def write_rows(path: Path, n: int) -> Path:
    """N synthetic response rows: 4 response models per instance."""
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = {
                "id": f"inst-{i // 4:05d}",
                "input": f"Question {i // 4}: explain topic {i // 4} in detail.",
                "response": f"Answer {i} " + "lorem ipsum " * rng.randint(20, 80),
                "model_name": f"model-{i % 4}",
                "capability": "reasoning",
                "human_score": rng.randint(1, 5),
            }
            fh.write(json.dumps(row) + "\n")
    return path


def make_job(src: Path, out: Path, cache: Path, url: str, **client: Any) -> JudgeJob:
    settings = ClientSettings(api_base=url, concurrency=CONCURRENCY, **client)
    return JudgeJob(
        input=str(src),
        strategy="vanilla",
        settings=StrategySettings(judge=JUDGE),
        out=out,
        client=settings,
        use_cache=True,
        cache_path=cache,
    )


# the passes


def run_ours(job: JudgeJob) -> tuple[Pass, RunSummary]:
    with timed() as t:
        summary = asyncio.run(judge_async(job))
    calls = summary.usage.calls + summary.usage.retries
    return Pass(t["wall_s"], t["cpu_s"], calls), summary


class RecordingModel:
    """Answers at once without litellm; keeps the messages it was sent."""

    def __init__(self) -> None:
        self.sent: list[list[Message]] = []

    async def complete(self, model: str, messages: list[Message]) -> Completion:
        self.sent.append(messages)
        return Completion("<feedback>ok</feedback><score>3</score>")


def run_fake(src: Path, out: Path) -> tuple[Pass, list[list[Message]]]:
    """Our code alone: the whole run with a model that costs nothing."""
    model = RecordingModel()
    job = make_job(src, out, out.with_suffix(".sqlite"), "http://unused")
    with timed() as t:
        asyncio.run(judge_async(job, model))
    return Pass(t["wall_s"], t["cpu_s"], len(model.sent)), model.sent


def request_body(messages: list[Message]) -> dict[str, Any]:
    # what litellm sends for our client's request
    return {
        "model": JUDGE.split("/", 1)[1],
        "messages": messages,
        "temperature": 0.0,
        "max_tokens": 1024,
    }


async def _bare(url: str, bodies: list[dict[str, Any]]) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    conn = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def post(body: dict[str, Any]) -> None:
            async with limit, session.post(f"{url}/chat/completions", json=body) as r:
                data = await r.json()
                assert data["choices"][0]["message"]["content"]

        await asyncio.gather(*(post(b) for b in bodies))


def run_bare(url: str, sent: list[list[Message]]) -> Pass:
    """The floor: the same POSTs with a bare aiohttp client."""
    bodies = [request_body(m) for m in sent]
    with timed() as t:
        asyncio.run(_bare(url, bodies))
    return Pass(t["wall_s"], t["cpu_s"], len(bodies))


async def _litellm(url: str, sent: list[list[Message]]) -> None:
    import litellm

    limit = asyncio.Semaphore(CONCURRENCY)

    async def call(messages: list[Message]) -> None:
        async with limit:
            r = await litellm.acompletion(
                model=JUDGE,
                messages=messages,
                temperature=0.0,
                max_tokens=1024,
                api_base=url,
                api_key="no-key",
                num_retries=0,
            )
            assert r.choices[0].message.content

    await asyncio.gather(*(call(m) for m in sent))


def run_litellm(url: str, sent: list[list[Message]]) -> Pass:
    """litellm alone: the same requests, no spri_judge code around them."""
    import litellm

    litellm.suppress_debug_info = True  # as our client sets it
    with timed() as t:
        asyncio.run(_litellm(url, sent))
    return Pass(t["wall_s"], t["cpu_s"], len(sent))


# checks on run folders


def scored_rows(out: Path) -> tuple[int, int]:
    """Rows with a score, and keys written more than once."""
    keys = Counter(row.key for row in iter_rows(out / JUDGMENTS))
    scored = sum(1 for row in iter_rows(out / JUDGMENTS) if row.score is not None)
    return scored, sum(1 for n in keys.values() if n > 1)


# litellm settings


@contextlib.contextmanager
def litellm_set(attrs: dict[str, Any]) -> Iterator[bool]:
    """Set ``litellm`` attributes for the block; yield False if one is absent."""
    import litellm

    if any(not hasattr(litellm, name) for name in attrs):
        yield False
        return
    old = {name: getattr(litellm, name) for name in attrs}
    for name, value in attrs.items():
        setattr(litellm, name, value)
    try:
        yield True
    finally:
        for name, value in old.items():
            setattr(litellm, name, value)


# candidates for less litellm CPU per call
SETTINGS: dict[str, dict[str, Any]] = {
    "turn_off_message_logging": {"turn_off_message_logging": True},
    "disable_token_counter": {"disable_token_counter": True},
    "telemetry=False": {"telemetry": False},
    "logging=False": {"logging": False},
    "disable_aiohttp_transport (httpx)": {"disable_aiohttp_transport": True},
}


async def _cpu_ms(url: str, sample: list[list[Message]]) -> float:
    start = time.process_time()
    await _litellm(url, sample)
    return 1000 * (time.process_time() - start) / len(sample)


async def _settings_async(
    url: str, sample: list[list[Message]]
) -> dict[str, float | None]:
    # one event loop for all passes, and a baseline between settings: the
    # CPU per call drifts by 10-15% from pass to pass on a 2-core machine
    await _cpu_ms(url, sample[:64])  # warm-up
    results: dict[str, float | None] = {}
    baselines = [await _cpu_ms(url, sample)]
    for name, attrs in SETTINGS.items():
        with litellm_set(attrs) as present:
            results[name] = await _cpu_ms(url, sample) if present else None
        if present:
            baselines.append(await _cpu_ms(url, sample))
    results["baseline min"] = min(baselines)
    results["baseline max"] = max(baselines)
    return results


def litellm_settings(
    url: str, sent: list[list[Message]], calls: int
) -> dict[str, float | None]:
    """CPU ms per call of litellm alone under each setting (None: absent)."""
    import litellm

    litellm.suppress_debug_info = True
    sample = (sent * (calls // max(len(sent), 1) + 1))[:calls]
    return asyncio.run(_settings_async(url, sample))


# scenarios


def ratio_check(
    scenario: str, wall: float, base: float, target: str, ok: bool = True
) -> Check:
    """A row comparing ``wall`` with ``base``; ``target`` like '<= 1.3'."""
    ratio = wall / base
    if target.startswith("<="):
        ok = ok and ratio <= float(target[2:])
    elif target.startswith(">="):
        # a speedup: the baseline is the slow one
        ratio = base / wall
        ok = ok and ratio >= float(target[2:].rstrip("x"))
    return Check(scenario, wall, base, ratio, target, ok)


@dataclass
class Prepared:
    """The input file, the messages our client sends, one-off costs."""

    src: Path
    sent: list[list[Message]]
    fake: Pass
    load: dict[str, float]


def prepare(sizes: Sizes, tmp: Path, url: str) -> Prepared:
    """Write the rows, record our requests, warm litellm up."""
    src = write_rows(tmp / "rows.jsonl", sizes.rows)
    fake, sent = run_fake(src, tmp / "fake")

    # our client imports litellm on its first call, blocking the event loop
    # for seconds, and litellm's first calls import more; pay both before
    # the passes so that they compare like with like
    with timed() as load:
        import litellm  # noqa: F401
    run_litellm(url, sent[:8])
    return Prepared(src, sent, fake, load)


def start_memory_child(url: str, rows: int, tmp: Path) -> subprocess.Popen[str]:
    """d: judge ``rows`` rows in a child process that reports its peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child"]
    cmd += [url, str(rows), str(tmp)]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def memory_check(child: subprocess.Popen[str], rows: int) -> tuple[Check, dict]:
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{err[-3000:]}")
    got = json.loads(out.strip().splitlines()[-1])
    ok = got["scored"] == rows and got["peak_mb"] < 500
    note = (
        f"{got['peak_mb']:.0f} MB ({got['import_mb']:.0f} after imports); "
        f"{rows} rows, {got['cpu_ms_per_call']:.1f} CPU ms/call, "
        f"scored {got['scored']}"
    )
    return Check(
        "d peak RSS, wall of run", got["wall_s"], None, None, "< 500 MB", ok, note
    ), got


def run_scenarios(sizes: Sizes, tmp: Path) -> tuple[list[Check], dict[str, Any]]:
    """a, b, c and d, with every baseline, in one process."""
    n = sizes.rows
    retry = {"timeout_s": 30.0, "num_retries": 6, "max_backoff_s": 1.0}
    with server(1.0) as url:
        prep = prepare(sizes, tmp, url)

        # a: the floor, ours, then litellm alone, on the same server
        bare = run_bare(url, prep.sent)
        cold_job = make_job(prep.src, tmp / "a", tmp / "a.sqlite", url, **retry)
        cold, cold_summary = run_ours(cold_job)
        lite = run_litellm(url, prep.sent)

    # c: the server is gone, so a call the cache missed would fail the row
    warm_job = make_job(prep.src, tmp / "c", tmp / "a.sqlite", url, num_retries=0)
    warm, warm_summary = run_ours(warm_job)

    # b: 10% of calls fail; every row must still end with a score
    with server(1.0, FAULTS) as url_b:
        job_b = make_job(prep.src, tmp / "b", tmp / "b.sqlite", url_b, **retry)
        faulty, faulty_summary = run_ours(job_b)

    # d: alone, since it keeps a core busy (CPU-bound at 5 ms latency)
    with server(0.005) as fast_url:
        child = start_memory_child(fast_url, sizes.memory_rows, tmp / "d")
        mem, mem_figures = memory_check(child, sizes.memory_rows)

    cold_ok = scored_rows(tmp / "a") == (n, 0)
    warm_ok = warm_summary.usage.calls == 0 and scored_rows(tmp / "c") == (n, 0)
    b_scored, b_dups = scored_rows(tmp / "b")
    waves = -(-n // CONCURRENCY) * 1.0  # latency 1 s a wave
    checks = [
        Check(
            "litellm import (once)",
            prep.load["wall_s"],
            None,
            None,
            "info",
            True,
            f"{prep.load['cpu_s']:.1f} s CPU; not in the passes",
        ),
        ratio_check("a bare aiohttp vs ideal", bare.wall_s, n / CONCURRENCY, "info"),
        ratio_check("a ours cold vs ideal", cold.wall_s, n / CONCURRENCY, "info"),
        ratio_check(
            "a ours cold vs bare aiohttp", cold.wall_s, bare.wall_s, "<= 1.3", cold_ok
        ),
        ratio_check("a litellm alone vs bare", lite.wall_s, bare.wall_s, "info"),
        ratio_check(
            "b 10% faults vs fault-free",
            faulty.wall_s,
            cold.wall_s,
            "<= 2.0",
            (b_scored, b_dups) == (n, 0),
        ),
        ratio_check(
            "c warm cache vs cold", warm.wall_s, cold.wall_s, ">= 20x", warm_ok
        ),
        mem,
    ]
    checks[1].note = f"{n} rows; {waves:.0f} s if every wave of {CONCURRENCY} is 1 s"
    checks[3].note = f"all {n} scored: {cold_ok}"
    checks[5].note = (
        f"scored {b_scored}/{n}, duplicate keys {b_dups}, retries "
        f"{faulty_summary.usage.retries}, faults {dict(faulty_summary.usage.faults)}"
    )
    checks[6].note = (
        f"model calls {warm_summary.usage.calls}, cache hits "
        f"{warm_summary.usage.cached_calls}, server stopped"
    )
    passes = {
        "ours_cold": cold,
        "bare_aiohttp": bare,
        "litellm_alone": lite,
        "ours_warm": warm,
        "ours_faults": faulty,
        "ours_fake_model": prep.fake,
    }
    return checks, {"passes": passes, "memory_child": mem_figures}


def cpu_split(passes: dict[str, Pass]) -> dict[str, float]:
    """Client CPU ms per call: total, litellm's share, ours by difference."""
    total = passes["ours_cold"].cpu_ms_per_call
    lite = passes["litellm_alone"].cpu_ms_per_call
    return {
        "total (ours cold run)": total,
        "litellm alone": lite,
        "ours = total - litellm": total - lite,
        "ours with a free model (no litellm)": passes[
            "ours_fake_model"
        ].cpu_ms_per_call,
        "bare aiohttp client": passes["bare_aiohttp"].cpu_ms_per_call,
    }


def memory_child(url: str, rows: int, tmp: Path) -> None:
    """Judge ``rows`` rows; print peak RSS and timings as one JSON line."""
    import litellm  # noqa: F401  (its imports count towards the baseline)

    import_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tmp.mkdir(parents=True, exist_ok=True)
    src = write_rows(tmp / "rows.jsonl", rows)
    job = make_job(src, tmp / "out", tmp / "cache.sqlite", url, num_retries=6)
    run, summary = run_ours(job)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "peak_mb": peak,
        "import_mb": import_mb,
        "wall_s": run.wall_s,
        "cpu_ms_per_call": run.cpu_ms_per_call,
        "scored": scored_rows(tmp / "out")[0],
        "calls": summary.usage.calls,
    }
    print(json.dumps(figures))


# report


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(checks: list[Check]) -> None:
    head = f"{'scenario':30} {'wall s':>8} {'base s':>8} {'ratio':>7} "
    print(head + f"{'target':>14}  result")
    for c in checks:
        verdict = ("PASS" if c.passed else "FAIL") if c.target != "info" else "-"
        print(
            f"{c.scenario:30} {_fmt(c.wall_s, '.1f'):>8} "
            f"{_fmt(c.baseline_s, '.1f'):>8} {_fmt(c.ratio):>7} "
            f"{c.target:>14}  {verdict}  {c.note}"
        )


def print_cpu(split: dict[str, float]) -> None:
    print("\nclient CPU per call, ms (time.process_time / calls)")
    for name, value in split.items():
        print(f"  {name:38} {value:7.2f}")


def print_settings(settings: dict[str, float | None]) -> None:
    print("litellm alone, CPU ms per call by setting (latency 5 ms)")
    for name, value in settings.items():
        shown = "absent in this litellm" if value is None else f"{value:7.2f}"
        print(f"  {name:38} {shown}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.memory_child:
        url, rows, tmp = args.memory_child
        memory_child(url, int(rows), Path(tmp))
        return 0
    if args.litellm_settings:
        return settings_main(QUICK if args.quick else FULL)
    sizes = QUICK if args.quick else FULL
    if args.memory_rows:
        sizes = replace(sizes, memory_rows=args.memory_rows)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="spri-bench-") as name:
        checks, figures = run_scenarios(sizes, Path(name))
    split = cpu_split(figures["passes"])

    print_table(checks)
    print_cpu(split)
    total = time.perf_counter() - started
    print(f"\nbenchmark took {total:.0f} s on {os.cpu_count()} cores")
    passes = figures["passes"]
    results = {
        "sizes": asdict(sizes),
        "checks": [asdict(c) for c in checks],
        "passes": {
            k: {**asdict(p), "cpu_ms_per_call": p.cpu_ms_per_call}
            for k, p in passes.items()
        },
        "cpu_ms_per_call": split,
        "memory_child": figures["memory_child"],
        "seconds": total,
    }
    write_results(args.results or _default_results(args.quick), results)
    failed = [c.scenario for c in checks if not c.passed]
    return 1 if failed and args.strict else 0


def settings_main(sizes: Sizes) -> int:
    """Only the litellm settings experiment (kept out of the 5-minute run)."""
    sent = [[{"role": "user", "content": f"Rate answer {i}."}] for i in range(64)]
    with server(0.005) as url:
        settings = litellm_settings(url, sent, sizes.settings_calls)
    print_settings(settings)
    write_results(HERE / "results-litellm-settings.json", {"cpu_ms": settings})
    return 0


def _default_results(quick: bool) -> Path:
    # a smoke run must not overwrite the full run's figures
    return HERE / ("results-quick.json" if quick else "results.json")


def write_results(path: Path, data: dict[str, Any]) -> None:
    data["machine"] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "litellm": _version("litellm"),
        "aiohttp": aiohttp.__version__,
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"figures written to {path}")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if a target is missed"
    )
    parser.add_argument("--results", type=Path, help="where to write the JSON")
    parser.add_argument("--memory-rows", type=int, help="rows for scenario d")
    parser.add_argument(
        "--litellm-settings",
        action="store_true",
        help="only measure litellm's CPU per call under candidate settings",
    )
    parser.add_argument(
        "--memory-child",
        nargs=3,
        metavar=("URL", "ROWS", "DIR"),
        help=argparse.SUPPRESS,
    )
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
