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


class _DefaultGroup(click.Group):
    """A group whose first argument, if not a subcommand, goes to ``generate``.

    So `spri-judge rubrics INPUT ...` generates and `spri-judge rubrics diff`
    compares, without a `generate` word users must remember.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        configured = bool((ctx.default_map or {}).get("generate", {}).get("input"))
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["generate", *args]
        elif not args and configured:
            # the project file names the input: `spri-judge rubrics` is enough
            args = ["generate"]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup)
def rubrics() -> None:
    """SPRI rubrics as reviewed files: generate them, compare two versions.

    `spri-judge rubrics INPUT --generator MODEL --critic MODEL --out FILE`
    generates (same as `rubrics generate ...`); `spri-judge rubrics diff OLD
    NEW` shows what changed.
    """


@rubrics.command()
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
def generate(
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
    """Write SPRI rubrics for the instances of INPUT to FILE.

    INPUT is a JSONL file of instances (`id`, `input`, optional
    `system_prompt`, `capability`, ...), with or without responses, or
    `biggen-human-eval`; each instance gets one rubric, whatever its number
    of responses, with its provenance (generator,
    critic, threshold, critiques made, the critic's last score and feedback,
    prompt template hash, content hash). A FILE ending in .json is one
    indented object sorted by instance id, the form to commit and review;
    any other name gets JSON Lines. `judge --rubrics FILE` reuses the file.
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


@rubrics.command()
@click.argument("old", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def diff(old: Path, new: Path) -> None:
    """Show what changed between rubric files OLD and NEW.

    Lists added and removed instances, and for changed ones the provenance
    that moved and a unified diff of the rubric text. Exits 1 when the files
    differ, like diff(1).
    """
    from spri_judge.rubric_diff import diff_rubrics
    from spri_judge.rubric_file import read_rubric_file

    result = diff_rubrics(read_rubric_file(old), read_rubric_file(new))
    for line in result.lines():
        click.echo(line)
    raise SystemExit(0 if result.same else 1)
