"""``spri-judge data``: the pinned upstream files, where they are, fetching them."""

from __future__ import annotations

import click

from spri_judge.cli.options import data_dir_option


@click.group()
def data() -> None:
    """The upstream files spri-judge reads, pinned by hash.

    They are looked for in a mirror folder (--data-dir or $SPRI_JUDGE_DATA),
    then in the cache ($SPRI_JUDGE_CACHE, default ~/.cache/spri-judge/data),
    and otherwise downloaded and verified.
    """


@data.command("list")
@data_dir_option
def list_(data_dir: str | None) -> None:
    """Show each pinned file and where it is found (nothing is downloaded)."""
    from spri_judge.data.registry import Registry, pins

    registry = Registry(data_dir, offline=True)
    for name, p in sorted(pins().items()):
        where, path = registry.locate(name)
        size = _size(p.bytes)
        click.echo(f"{where:8} {name}  ({size})" + (f"  {path}" if path else ""))


@data.command()
@click.argument("names", nargs=-1)
@data_dir_option
def fetch(names: tuple[str, ...], data_dir: str | None) -> None:
    """Download NAMES (default: every pinned file) into the cache, verified.

    Files already in the mirror or the cache are checked, not downloaded.
    Exits 1 if any file could not be had, after trying all of them.
    """
    from spri_judge.data.registry import Registry, pins
    from spri_judge.errors import DataUnavailable

    registry = Registry(data_dir)
    missing = 0
    for name in names or sorted(pins()):
        try:
            path = registry.path(name)
        except DataUnavailable as exc:
            missing += 1
            click.echo(f"missing  {name}: {exc}", err=True)
            continue
        click.echo(f"ok       {name}  {path}")
    if missing:
        raise SystemExit(1)


def _size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"
