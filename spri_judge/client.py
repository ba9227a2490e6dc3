"""Model calls through litellm: the only module that imports it.

``LiteLLMClient`` makes async chat calls with bounded concurrency, litellm's
own retries for rate limits and server errors, a timeout, and per-call token
and cost accounting. Anything with a ``complete`` coroutine of the same shape
(``ChatModel``) can stand in for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from spri_judge.errors import ModelCallError

log = logging.getLogger(__name__)

Message = dict[str, str]
API_KEY_ENV = "SPRI_JUDGE_API_KEY"


@dataclass(frozen=True)
class Completion:
    """What a model call returned, with its accounting."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    cached: bool = False


class ChatModel(Protocol):
    """A model that answers chat messages."""

    async def complete(self, model: str, messages: list[Message]) -> Completion: ...


@dataclass
class Usage:
    """Running totals over every call a client made."""

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)

    def add(self, done: Completion) -> None:
        self.calls += 1
        self.cached_calls += done.cached
        self.prompt_tokens += done.prompt_tokens
        self.completion_tokens += done.completion_tokens
        self.cost_usd += done.cost_usd or 0.0


@dataclass(frozen=True)
class ClientSettings:
    """How to reach models and how patiently."""

    api_base: str | None = None
    api_key: str | None = None
    concurrency: int = 16
    timeout_s: float = 120.0
    num_retries: int = 3
    temperature: float = 0.0
    max_tokens: int | None = 1024

    def __repr__(self) -> str:
        # never let a key reach a log line or a traceback
        key = "***" if self.api_key else None
        return (
            f"ClientSettings(api_base={self.api_base!r}, api_key={key}, "
            f"concurrency={self.concurrency}, timeout_s={self.timeout_s})"
        )


def failure_kind(exc: BaseException) -> str:
    """A short name for how a call failed, for per-kind counts."""
    import litellm

    kinds: tuple[tuple[type[BaseException], str], ...] = (
        (litellm.RateLimitError, "rate_limit"),
        (litellm.Timeout, "timeout"),
        (litellm.AuthenticationError, "auth"),
        (litellm.BadRequestError, "bad_request"),
        (litellm.NotFoundError, "not_found"),
        (litellm.ServiceUnavailableError, "server_error"),
        (litellm.InternalServerError, "server_error"),
        (litellm.APIConnectionError, "connection"),
        (asyncio.TimeoutError, "timeout"),
    )
    for cls, name in kinds:
        if isinstance(exc, cls):
            return name
    return "error"


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text


class LiteLLMClient:
    """Async chat calls through litellm, at most ``concurrency`` at once."""

    def __init__(self, settings: ClientSettings | None = None) -> None:
        self.settings = settings or ClientSettings()
        key = self.settings.api_key or os.environ.get(API_KEY_ENV)
        if key is None and self.settings.api_base:
            # OpenAI-compatible servers often need no key, but the client
            # library insists on one
            key = "no-key"
        self._api_key = key
        self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        self.usage = Usage()

    async def complete(self, model: str, messages: list[Message]) -> Completion:
        import litellm

        litellm.suppress_debug_info = True
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "temperature": self.settings.temperature,
            "timeout": self.settings.timeout_s,
            "num_retries": self.settings.num_retries,
        }
        if self.settings.max_tokens:
            kwargs["max_tokens"] = self.settings.max_tokens
        if self.settings.api_base:
            kwargs["api_base"] = self.settings.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        async with self._semaphore:
            started = time.perf_counter()
            try:
                response = await litellm.acompletion(**kwargs)
            except Exception as exc:  # litellm raises many types; classify them
                kind = failure_kind(exc)
                self.usage.failures[kind] += 1
                message = _scrub(f"{type(exc).__name__}: {exc}", self._api_key)
                raise ModelCallError(f"{model}: {message}", kind=kind) from None
            latency = time.perf_counter() - started
        done = _completion(response, latency)
        self.usage.add(done)
        return done


def _completion(response: Any, latency: float) -> Completion:
    import litellm

    text = response.choices[0].message.content or ""
    usage = getattr(response, "usage", None)
    try:
        cost: float | None = litellm.completion_cost(completion_response=response)
    except Exception:  # no price known for this model (local servers)
        cost = None
    return Completion(
        text=text,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        cost_usd=cost,
        latency_s=latency,
    )
