"""The library entry points: judge a file into a run folder, write rubrics.

One async core per job and a thin sync wrapper, so notebooks and scripts can
call ``judge(...)`` directly and async code can await ``judge_async(...)``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from spri_judge import __version__
from spri_judge.cache import CallCache
from spri_judge.client import ChatModel, ClientSettings, LiteLLMClient
from spri_judge.data.loaders import (
    file_sha256,
    load_instances,
    load_responses,
    resolve_input,
)
from spri_judge.data.registry import Registry
from spri_judge.errors import ConfigError
from spri_judge.instance import ResponseRow
from spri_judge.judgment import JudgedRow
from spri_judge.rubric_file import (
    append_rubric,
    read_rubric_file,
    write_rubric_file,
)
from spri_judge.run import (
    JUDGMENTS,
    MANIFEST,
    RowWriter,
    RunManifest,
    iter_rows,
    now,
    read_manifest,
    write_manifest,
)
from spri_judge.runner import RubricBook, RunSummary, pending_rows, run_rows
from spri_judge.strategies import (
    RubricResult,
    StrategySettings,
    make_strategy,
    strategy_label,
)

log = logging.getLogger(__name__)

# strategies whose rubric may come from a rubric file
RUBRIC_FILE_STRATEGIES = ("spri", "oracle")


@dataclass(frozen=True)
class JudgeJob:
    """Everything a judge run needs, as given by the user."""

    input: str
    strategy: str
    settings: StrategySettings
    out: Path
    client: ClientSettings = ClientSettings()
    data_dir: str | None = None
    limit: int | None = None
    rubrics: Path | None = None
    use_cache: bool = True
    cache_path: Path | None = None
    generate_missing: bool = False
    config_file: Path | None = None


def _manifest(job: JudgeJob, source: Path, rows: int) -> RunManifest:
    settings = asdict(job.settings)
    return RunManifest(
        strategy=job.strategy,
        strategy_label=strategy_label(job.strategy, job.settings.seeds),
        judge=job.settings.judge,
        critic=job.settings.critic if job.strategy == "spri" else None,
        params={
            **{k: v for k, v in settings.items() if k not in ("judge", "critic")},
            "api_base": job.client.api_base,
            "concurrency": job.client.concurrency,
            "timeout_s": job.client.timeout_s,
            "num_retries": job.client.num_retries,
            "temperature": job.client.temperature,
            "limit": job.limit,
            "rubrics": str(job.rubrics) if job.rubrics else None,
            "generate_missing": job.generate_missing,
            "use_cache": job.use_cache,
            "config_file": str(job.config_file) if job.config_file else None,
        },
        data_source=job.input,
        data_sha256=file_sha256(source),
        rows_total=rows,
        package_version=__version__,
    )


def _same_config(old: RunManifest, new: RunManifest) -> list[str]:
    keys = ("strategy_label", "judge", "critic", "data_sha256")
    diffs = [k for k in keys if getattr(old, k) != getattr(new, k)]
    for name in ("threshold", "max_critiques", "with_reference", "random_seed"):
        if old.params.get(name) != new.params.get(name):
            diffs.append(name)
    return diffs


def _prepare_out(job: JudgeJob, manifest: RunManifest) -> set[str]:
    """Create or reopen the run folder; return the keys already finished."""
    if (job.out / MANIFEST).is_file():
        old = read_manifest(job.out)
        diffs = _same_config(old, manifest)
        if diffs:
            raise ConfigError(
                f"{job.out} holds a run with other settings ({', '.join(diffs)}); "
                "pass another --out to start a new run"
            )
        manifest.started_at = old.started_at
    write_manifest(job.out, manifest)
    path = job.out / JUDGMENTS
    if not path.is_file():
        return set()
    return {row.key for row in iter_rows(path) if row.error_kind is None}


def _load_rubric_file(job: JudgeJob) -> dict[str, RubricResult] | None:
    if job.rubrics is None:
        return None
    if job.strategy not in RUBRIC_FILE_STRATEGIES:
        raise ConfigError(
            f"--rubrics works with strategies {RUBRIC_FILE_STRATEGIES}, "
            f"not {job.strategy!r}"
        )
    return read_rubric_file(job.rubrics)


def _check_rubric_coverage(
    rows: list[ResponseRow], given: dict[str, RubricResult] | None, job: JudgeJob
) -> None:
    if given is None:
        return
    missing = sorted({r.instance.id for r in rows} - set(given))
    if not missing:
        return
    shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    if job.strategy == "oracle":
        raise ConfigError(f"{job.rubrics} has no rubric for instances {shown}")
    if not job.generate_missing:
        raise ConfigError(
            f"{job.rubrics} has no rubric for {len(missing)} instance(s): {shown}. "
            "Regenerate the file with `spri-judge rubrics`, or pass "
            "--generate-missing to draft the missing ones in this run."
        )


async def judge_async(
    job: JudgeJob,
    model: ChatModel | None = None,
    on_row: Callable[[JudgedRow], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """Judge every row of ``job.input`` into the run folder ``job.out``."""
    started = time.perf_counter()

    # inputs and strategy, all checked before any call
    registry = Registry(job.data_dir)
    source = resolve_input(job.input, registry)
    rows = load_responses(source, limit=job.limit)
    strategy = make_strategy(job.strategy, job.settings, registry)
    given = _load_rubric_file(job)
    _check_rubric_coverage(rows, given, job)
    if given is None or job.strategy != "oracle":
        strategy.check(rows)

    # run folder: resume where a previous run stopped
    manifest = _manifest(job, source, len(rows))
    finished = _prepare_out(job, manifest)
    todo = pending_rows(rows, finished)
    summary = RunSummary(rows_total=len(rows), rows_skipped=len(rows) - len(todo))
    log.info("%d rows to judge, %d already done", len(todo), summary.rows_skipped)
    if on_start is not None:
        on_start(len(todo))

    cache = _open_cache(job.use_cache, job.cache_path)
    client = model or LiteLLMClient(job.client, cache)
    book = RubricBook(strategy, client, given, cache)

    def count(row: JudgedRow) -> None:
        summary.count(row)
        if on_row is not None:
            on_row(row)

    with RowWriter(job.out) as writer:
        await run_rows(todo, strategy, client, writer, book, count)

    manifest.finished_at = now()
    manifest.status = "finished"
    write_manifest(job.out, manifest)
    if isinstance(client, LiteLLMClient):
        summary.usage = client.usage
    summary.seconds = time.perf_counter() - started
    return summary


def judge(job: JudgeJob, model: ChatModel | None = None) -> RunSummary:
    """Sync wrapper of :func:`judge_async`."""
    return asyncio.run(judge_async(job, model))


@dataclass(frozen=True)
class RubricJob:
    """Stage 1 only: one SPRI rubric per instance, written to a file."""

    input: str
    settings: StrategySettings
    out: Path
    client: ClientSettings = ClientSettings()
    data_dir: str | None = None
    limit: int | None = None
    use_cache: bool = True
    cache_path: Path | None = None


def _open_cache(use: bool, path: Path | None) -> CallCache | None:
    return CallCache(path) if use else None


async def rubrics_async(
    job: RubricJob,
    model: ChatModel | None = None,
    on_done: Callable[[RubricResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """Write SPRI rubrics for every instance of ``job.input`` to ``job.out``."""
    started = time.perf_counter()
    registry = Registry(job.data_dir)
    source = resolve_input(job.input, registry)
    instances = load_instances(source)
    if job.limit is not None:
        instances = dict(list(instances.items())[: job.limit])
    strategy = make_strategy("spri", job.settings, registry)

    # resume: keep what an earlier, interrupted run already wrote
    have = read_rubric_file(job.out) if job.out.is_file() else {}
    todo = [i for key, i in instances.items() if key not in have]
    if on_start is not None:
        on_start(len(todo))
    cache = _open_cache(job.use_cache, job.cache_path)
    client = model or LiteLLMClient(job.client, cache)
    book = RubricBook(strategy, client, cache=cache)
    summary = RunSummary(
        rows_total=len(instances), rows_skipped=len(have), unit="rubrics"
    )
    job.out.parent.mkdir(parents=True, exist_ok=True)
    for next_done in asyncio.as_completed([book.get(i) for i in todo]):
        result = await next_done
        append_rubric(job.out, result)
        have[result.instance_id] = result
        summary.rows_done += 1
        summary.parsed += result.accepted is True
        if on_done is not None:
            on_done(result)

    # the final file is sorted by instance id, so it diffs well
    write_rubric_file(job.out, [have[k] for k in sorted(have)])
    if isinstance(client, LiteLLMClient):
        summary.usage = client.usage
    summary.seconds = time.perf_counter() - started
    return summary
