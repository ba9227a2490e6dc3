"""``spri-judge report``: one self-contained HTML file of one or more runs."""

from __future__ import annotations

from pathlib import Path

import click

from spri_judge.cli.leaderboard import DEFAULT_RESAMPLES


@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file.",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The judged-response JSONL the runs were made from, for the inputs and "
    "responses (default: each run's recorded input, where that file exists).",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=0),
    default=DEFAULT_RESAMPLES,
    show_default=True,
    help="Bootstrap resamples of instances for the mean r intervals (0: none).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
def report(
    runs: tuple[Path, ...],
    html_path: Path,
    input_path: Path | None,
    resamples: int,
    seed: int,
) -> None:
    """Write an HTML report of RUN folders: summary, agreement and a row browser.

    The file needs no network to view: a line per run, the per-capability
    agreement table and figure, and every judged row with its input,
    response, rubric (with the critiques that shaped it) and judgment (with
    its refinements), filtered by capability, strategy, judge, score and
    human score.
    """
    from spri_judge.report import build_report, load_inputs, load_run

    # read the runs and the responses they judged
    loaded = [load_run(path) for path in runs]
    inputs, notes = load_inputs(loaded, input_path)

    # render and write
    page = build_report(loaded, inputs, notes=notes, n_resamples=resamples, seed=seed)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(page, encoding="utf-8")
    rows = sum(len(run.rows) for run in loaded)
    click.echo(
        f"wrote {html_path} ({rows} rows from {len(loaded)} "
        f"run{'s' if len(loaded) != 1 else ''}, {len(notes)} notes)"
    )
