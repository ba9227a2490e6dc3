"""Progress bars and the end-of-run summary (CLI only; the library logs)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import click

from spri_judge.runner import RunSummary


@contextmanager
def progress_bar(
    unit: str,
) -> Iterator[tuple[Callable[[int], None], Callable[..., None]]]:
    """(start(total), advance()) callbacks backed by one tqdm bar on stderr."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def start(total: int) -> None:
        # tqdm hides itself when stderr is not a terminal (CI logs stay clean)
        bar["bar"] = tqdm(total=total, unit=unit, disable=None, dynamic_ncols=True)

    def advance(*_: object) -> None:
        if "bar" in bar:
            bar["bar"].update(1)

    try:
        yield start, advance
    finally:
        if "bar" in bar:
            bar["bar"].close()


def run_with_progress(
    job: Callable[
        [Callable[[int], None], Callable[..., None]], Coroutine[Any, Any, RunSummary]
    ],
    unit: str,
    resume_hint: str,
) -> RunSummary:
    """Run ``job(start, advance)`` under a progress bar; Ctrl-C says how to resume."""
    with progress_bar(unit) as (start, advance):
        try:
            return asyncio.run(job(start, advance))
        except KeyboardInterrupt:
            click.echo(f"\nInterrupted. {resume_hint}", err=True)
            raise SystemExit(130) from None


def print_summary(title: str, summary: RunSummary) -> None:
    click.echo(title)
    for line in summary.lines():
        click.echo(f"  {line}")
