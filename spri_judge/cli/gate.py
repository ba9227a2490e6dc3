"""``spri-judge gate``: pass or fail a run on thresholds, for CI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

FRACTION = click.FloatRange(0.0, 1.0)


@click.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--min-mean",
    type=click.FloatRange(1.0, 5.0),
    metavar="S",
    help="Fail when the mean score over the parsed rows is below S.",
)
@click.option(
    "--min-pass-rate",
    type=FRACTION,
    metavar="P",
    help="Fail when the share of rows scoring at least --pass-score is below P "
    "(0-1). Unparsed and failed rows count as not passing.",
)
@click.option(
    "--pass-score",
    type=click.IntRange(1, 5),
    metavar="K",
    help="The score a row needs to pass; rows below it also fail in --junit.",
)
@click.option(
    "--max-unparsed",
    type=FRACTION,
    metavar="F",
    help="Fail when more than a share F (0-1) of rows is unparsed or failed.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    metavar="RUN",
    help="An earlier run folder to compare with (needs --max-drop).",
)
@click.option(
    "--max-drop",
    type=click.FloatRange(0.0, 4.0),
    metavar="D",
    help="Fail when the mean score falls by more than D from --baseline, on the "
    "rows both runs scored (matched by instance id and response model).",
)
@click.option(
    "--min-r",
    type=click.FloatRange(-1.0, 1.0),
    metavar="R",
    help="Fail when the lower end of the 95% bootstrap interval of the mean "
    "Pearson r with human scores is below R (needs rows with human scores).",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for --min-r.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write JUnit XML: a test case per condition and per row.",
)
@click.option(
    "--summary",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY).",
)
def gate(
    run: Path,
    min_mean: float | None,
    min_pass_rate: float | None,
    pass_score: int | None,
    max_unparsed: float | None,
    baseline: Path | None,
    max_drop: float | None,
    min_r: float | None,
    resamples: int,
    seed: int,
    junit: Path | None,
    summary: Path | None,
) -> None:
    """Check RUN against thresholds: exit 0 if every condition passes, 1 if one
    fails, 2 on bad usage or a bad run folder.

    Prints one PASS/FAIL line per condition with the measured value and the
    threshold. Give at least one of --min-mean, --min-pass-rate (with
    --pass-score), --max-unparsed, --baseline with --max-drop, --min-r.
    """
    from spri_judge.gate import (
        GateConfig,
        evaluate_gate,
    )
    from spri_judge.gate_reports import junit_xml, markdown_summary
    from spri_judge.run import load_run

    # settings first, so a usage mistake stops before any file is read
    if (baseline is None) != (max_drop is None):
        raise click.UsageError("--baseline RUN and --max-drop D go together")
    config = GateConfig(
        min_mean=min_mean,
        min_pass_rate=min_pass_rate,
        pass_score=pass_score,
        max_unparsed=max_unparsed,
        max_drop=max_drop,
        min_r=min_r,
        n_resamples=resamples,
        seed=seed,
    )

    # read and decide
    _, rows = load_run(run)
    baseline_rows = load_run(baseline)[1] if baseline is not None else None
    result = evaluate_gate(rows, config, baseline_rows)

    # report
    for line in result.lines:
        click.echo(line)
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(result, run=str(run)))
    if summary is not None:
        summary.parent.mkdir(parents=True, exist_ok=True)
        with summary.open("a", encoding="utf-8") as fh:
            fh.write(markdown_summary(result, run=str(run)))
    if not result.passed:
        sys.exit(1)
