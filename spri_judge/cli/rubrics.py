"""``spri-judge rubrics``: SPRI stage 1 only, one rubric per instance."""

from __future__ import annotations

from pathlib import Path

import click

from spri_judge.cli.options import (
    client_settings,
    data_dir_option,
    model_options,
    spri_options,
)
from spri_judge.cli.progress import print_summary, run_with_progress
from spri_judge.strategies import StrategySettings


@click.command()
@click.argument("input", metavar="INPUT")
@click.option(
    "--generator",
    required=True,
    metavar="MODEL",
    help="The model that drafts and refines rubrics (litellm name).",
)
@click.option(
    "--critic",
    required=True,
    metavar="MODEL",
    help="The model that grades rubrics (litellm name).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rubric file to write (JSONL); an existing one is resumed.",
)
@spri_options
@click.option(
    "--reference/--no-reference",
    default=False,
    show_default=True,
    help="Show the reference answer when drafting rubrics.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N instances.")
@model_options
@data_dir_option
def rubrics(
    input: str,
    generator: str,
    critic: str,
    out: Path,
    seeds: str,
    threshold: int,
    max_critiques: int,
    reference: bool,
    limit: int | None,
    api_base: str | None,
    concurrency: int,
    timeout: float,
    retries: int,
    rpm: float | None,
    cache: bool,
    temperature: float,
    data_dir: str | None,
) -> None:
    """Write SPRI rubrics for the instances of INPUT to a JSONL file.

    INPUT is read like `spri-judge judge` reads it; each instance gets one
    rubric, whatever its number of responses. `judge --rubrics FILE` reuses
    the file.
    """
    from spri_judge.api import RubricJob, rubrics_async

    job = RubricJob(
        input=input,
        settings=StrategySettings(
            judge=generator,
            critic=critic,
            seeds=seeds,
            threshold=threshold,
            max_critiques=max_critiques,
            with_reference=reference,
        ),
        out=out,
        client=client_settings(
            api_base, concurrency, timeout, retries, temperature, rpm
        ),
        use_cache=cache,
        data_dir=data_dir,
        limit=limit,
    )
    summary = run_with_progress(
        lambda start, advance: rubrics_async(job, on_done=advance, on_start=start),
        "rubric",
        f"Rerun the same command to resume {out}.",
    )
    print_summary(f"Rubrics written to {out}", summary)
