"""Options shared by the commands that call models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from spri_judge.client import API_KEY_ENV, ClientSettings
from spri_judge.data.registry import DATA_ENV

F = Callable[..., Any]


def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        envvar=DATA_ENV,
        help=f"A local mirror of the upstream data (layout github/<owner>/<repo>/"
        f"<path>); default: ${DATA_ENV}, else the cache, else download.",
    )(func)


def model_options(func: F) -> F:
    """--api-base, --concurrency, --timeout, --retries, --temperature."""
    options = [
        click.option(
            "--api-base",
            metavar="URL",
            help="An OpenAI-compatible endpoint for the models (vLLM, Ollama, ...); "
            f"its key, if any, is read from ${API_KEY_ENV}.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 1024),
            default=16,
            show_default=True,
            help="Model calls in flight at once.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=120.0,
            show_default=True,
            help="Seconds before a model call is abandoned (then retried).",
        ),
        click.option(
            "--retries",
            type=click.IntRange(0, 20),
            default=3,
            show_default=True,
            help="Retries per call on rate limits, server errors and timeouts.",
        ),
        click.option(
            "--rpm",
            type=click.FloatRange(min=0.1),
            help="Most model calls started per minute (a provider's rate limit).",
        ),
        click.option(
            "--cache/--no-cache",
            default=True,
            show_default=True,
            help="Answer repeated identical requests from the local call cache "
            "(see `spri-judge cache`).",
        ),
        click.option(
            "--temperature",
            type=click.FloatRange(0, 2),
            default=0.0,
            show_default=True,
            help="Sampling temperature of every call.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def client_settings(
    api_base: str | None,
    concurrency: int,
    timeout: float,
    retries: int,
    temperature: float,
    rpm: float | None = None,
) -> ClientSettings:
    return ClientSettings(
        api_base=api_base,
        concurrency=concurrency,
        timeout_s=timeout,
        num_retries=retries,
        temperature=temperature,
        requests_per_minute=rpm,
    )


def spri_options(func: F) -> F:
    """--seeds, --threshold, --max-critiques."""
    options = [
        click.option(
            "--seeds",
            type=click.Choice(["none", "principles", "oracle"]),
            default="none",
            show_default=True,
            help="SPRI's seed examples for rubric drafting: none, the six default "
            "principles, or three gold rubrics of the instance's capability.",
        ),
        click.option(
            "--threshold",
            type=click.IntRange(1, 5),
            default=4,
            show_default=True,
            help="Critic score at which SPRI accepts a rubric or judgment.",
        ),
        click.option(
            "--max-critiques",
            type=click.IntRange(1, 20),
            default=4,
            show_default=True,
            help="Most critiques per SPRI stage; the last version is kept.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
