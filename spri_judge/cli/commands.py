"""The list of ``spri-judge`` subcommands."""

from __future__ import annotations

import click

from spri_judge.cli.cache import cache
from spri_judge.cli.correlate import correlate
from spri_judge.cli.data import data
from spri_judge.cli.gate import gate
from spri_judge.cli.judge import judge
from spri_judge.cli.leaderboard import leaderboard
from spri_judge.cli.report import report
from spri_judge.cli.rubrics import rubrics

ALL: tuple[click.Command, ...] = (
    judge,
    rubrics,
    cache,
    leaderboard,
    correlate,
    gate,
    report,
    data,
)
