"""Entry point of the ``spri-judge`` command."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from spri_judge import __version__
from spri_judge.config import (
    ProjectSettings,
    command_defaults,
    find_config,
    load_settings,
    read_toml,
)
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
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Project settings file (default: the nearest spri-judge.toml, or "
    "[tool.spri-judge] in pyproject.toml, at or above the working directory).",
)
@click.option("--no-config", is_flag=True, help="Ignore project settings files.")
@click.pass_context
def cli(
    ctx: click.Context, verbose: int, config_path: Path | None, no_config: bool
) -> None:
    """Score model responses with instance-specific rubrics (SPRI) and
    baselines, and measure how well judges agree with people.

    Defaults come from a project file (spri-judge.toml or [tool.spri-judge]);
    flags override them. Set SPRI_JUDGE_DEBUG=1 to see full tracebacks.
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # litellm logs every call at INFO; that is debug detail in our terms
    # (it prints through a handler of its own, so it does not propagate)
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        lite = logging.getLogger(name)
        lite.setLevel(level if verbose >= 2 else logging.WARNING)
        lite.propagate = False
    ctx.obj = {"config": None}
    if no_config:
        return
    found = _config(config_path)
    if found is not None:
        path, settings = found
        ctx.obj["config"] = path
        ctx.default_map = command_defaults(settings)


def _config(path: Path | None) -> tuple[Path, ProjectSettings] | None:
    if path is not None:
        table = read_toml(path)
        if path.name == "pyproject.toml":
            table = table.get("tool", {}).get("spri-judge", {})
        return path, load_settings(path, table)
    found = find_config()
    if found is None:
        return None
    return found[0], load_settings(*found)


def _register() -> None:
    # command modules import their heavy dependencies inside the command body
    from spri_judge.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="spri-judge")
