"""Entry point of the ``spri-judge`` command."""

from __future__ import annotations

import logging
import os
import sys

import click

from spri_judge import __version__
from spri_judge.errors import SpriJudgeError

DEBUG_ENV = "SPRI_JUDGE_DEBUG"


class _Group(click.Group):
    """Turns SpriJudgeError into a one-line message (a traceback with DEBUG)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SpriJudgeError as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="spri-judge")
@click.option("-v", "--verbose", count=True, help="More log output (-vv: debug).")
def cli(verbose: int) -> None:
    """Score model responses with instance-specific rubrics (SPRI) and
    baselines, and measure how well judges agree with people.

    Set SPRI_JUDGE_DEBUG=1 to see full tracebacks.
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    # command modules import their heavy dependencies inside the command body
    from spri_judge.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="spri-judge")
