"""``spri-judge judge``: score every row of an input with a strategy."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import click
from click.core import ParameterSource

from spri_judge.cli.options import (
    client_settings,
    data_dir_option,
    model_options,
    spri_options,
)
from spri_judge.cli.progress import print_summary, run_with_progress
from spri_judge.strategies import STRATEGIES, StrategySettings


def default_out(strategy: str, judge: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", judge).strip("-")
    return Path("runs") / f"{strategy}-{safe}-{stamp}"


@click.command()
@click.argument("input", metavar="INPUT")
@click.option(
    "--strategy",
    type=click.Choice(STRATEGIES),
    required=True,
    help="How rubrics are made: spri, vanilla, self-refine, mt-bench, flask, "
    "seed-principles or oracle (the gold rubric).",
)
@click.option(
    "--judge",
    "judge_model",
    required=True,
    metavar="MODEL",
    help="The judge (and SPRI base) model, as a litellm name "
    "(e.g. openai/gpt-4o-mini, ollama/llama3.1, hosted_vllm/NAME).",
)
@click.option(
    "--critic", metavar="MODEL", help="The critic model for spri (required there)."
)
@spri_options
@click.option(
    "--reference/--no-reference",
    default=False,
    show_default=True,
    help="Show the judge the instance's reference answer.",
)
@click.option(
    "--rubrics",
    "rubric_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reuse rubrics from FILE (written by `spri-judge rubrics`) "
    "instead of generating them (spri, oracle).",
)
@click.option(
    "--generate-missing",
    is_flag=True,
    help="With --rubrics: draft rubrics for instances the file lacks "
    "(otherwise that is an error).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder; an existing one is resumed. "
    "Default: runs/<strategy>-<judge>-<time>.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="Judge only the first N rows."
)
@click.option(
    "--seed",
    "random_seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed (the seed-principles draw).",
)
@model_options
@data_dir_option
def judge(
    input: str,
    strategy: str,
    judge_model: str,
    critic: str | None,
    seeds: str,
    threshold: int,
    max_critiques: int,
    reference: bool,
    rubric_file: Path | None,
    generate_missing: bool,
    out: Path | None,
    limit: int | None,
    random_seed: int,
    api_base: str | None,
    concurrency: int,
    timeout: float,
    retries: int,
    rpm: float | None,
    cache: bool,
    temperature: float,
    data_dir: str | None,
) -> None:
    """Judge every row of INPUT and write a run folder.

    INPUT is a JSONL file (instance fields `id`, `input`, optional
    `system_prompt`, `capability`, `reference_answer`, `score_rubric`, plus
    `response` and optional `model_name`, `human_score`), or
    `biggen-human-eval` for BiGGen Bench's human-evaluation subset.
    """
    from spri_judge.api import RUBRIC_FILE_STRATEGIES, JudgeJob, judge_async

    out = out or default_out(strategy, judge_model)
    ctx = click.get_current_context()
    from_file = ctx.get_parameter_source("rubric_file") == ParameterSource.DEFAULT_MAP
    if from_file and strategy not in RUBRIC_FILE_STRATEGIES:
        # the project's rubric file serves the strategies that use rubrics
        rubric_file = None
    job = JudgeJob(
        input=input,
        strategy=strategy,
        settings=StrategySettings(
            judge=judge_model,
            critic=critic,
            seeds=seeds,
            threshold=threshold,
            max_critiques=max_critiques,
            with_reference=reference,
            random_seed=random_seed,
        ),
        out=out,
        client=client_settings(
            api_base, concurrency, timeout, retries, temperature, rpm
        ),
        use_cache=cache,
        data_dir=data_dir,
        limit=limit,
        rubrics=rubric_file,
        generate_missing=generate_missing,
        config_file=ctx.find_root().obj.get("config"),
    )
    summary = run_with_progress(
        lambda start, advance: judge_async(job, on_row=advance, on_start=start),
        "row",
        f"Finished rows are saved in {out}; run the same command with --out {out} "
        "to resume.",
    )
    print_summary(f"Run written to {out}", summary)
