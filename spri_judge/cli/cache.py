"""``spri-judge cache``: inspect or clear the local call cache."""

from __future__ import annotations

import click

from spri_judge.cache import CACHE_DB_ENV, CallCache, default_path


@click.group()
def cache() -> None:
    """The local cache of model calls and SPRI rubrics.

    It lives in ~/.cache/spri-judge/calls.sqlite, or where $SPRI_JUDGE_CALL_CACHE
    points.
    """


@cache.command()
def info() -> None:
    """Say where the cache is and how much it holds."""
    store = CallCache()
    counts = store.counts()
    size = store.path.stat().st_size if store.path.exists() else 0
    click.echo(
        f"{store.path}: {counts['calls']} calls, {counts['rubrics']} "
        f"rubrics, {size / 1e6:.1f} MB (override with ${CACHE_DB_ENV})"
    )


@cache.command()
def clear() -> None:
    """Delete every cached call and rubric."""
    if not default_path().exists():
        click.echo("the cache is empty")
        return
    before = CallCache().clear()
    click.echo(f"cleared {before['calls']} calls and {before['rubrics']} rubrics")
