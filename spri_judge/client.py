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
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from spri_judge.cache import CallCache, request_key
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
    """Running totals: model calls, cache hits, tokens, cost and faults."""

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    retries: int = 0

    def add(self, done: Completion) -> None:
        if done.cached:
            self.cached_calls += 1
            return
        self.calls += 1
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
    requests_per_minute: float | None = None
    max_backoff_s: float = 60.0

    def __repr__(self) -> str:
        # never let a key reach a log line or a traceback
        key = "***" if self.api_key else None
        return (
            f"ClientSettings(api_base={self.api_base!r}, api_key={key}, "
            f"concurrency={self.concurrency}, timeout_s={self.timeout_s})"
        )


# faults worth another try; the others (auth, bad request) will not change
RETRYABLE = frozenset(
    {"rate_limit", "server_error", "timeout", "connection", "malformed"}
)


def failure_kind(exc: BaseException) -> str:
    """A short name for how a call failed, for per-kind counts."""
    import litellm

    text = str(exc)
    if isinstance(exc, litellm.InternalServerError):
        # the SDK reports a dropped connection and an unreadable body as 500s
        if "Connection error" in text:
            return "connection"
        if "Expecting value" in text or "JSONDecodeError" in text:
            return "malformed"
    kinds: tuple[tuple[type[BaseException], str], ...] = (
        (litellm.RateLimitError, "rate_limit"),
        (litellm.Timeout, "timeout"),
        (litellm.AuthenticationError, "auth"),
        (litellm.BadRequestError, "bad_request"),
        (litellm.NotFoundError, "not_found"),
        (litellm.ServiceUnavailableError, "server_error"),
        (litellm.InternalServerError, "server_error"),
        (litellm.APIConnectionError, "connection"),
        (litellm.APIError, "server_error"),
        (asyncio.TimeoutError, "timeout"),
    )
    for cls, name in kinds:
        if isinstance(exc, cls):
            return name
    return "error"


def retry_after(exc: BaseException) -> float | None:
    """The server's Retry-After, in seconds, if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None


def backoff_s(attempt: int, exc: BaseException, cap: float) -> float:
    """Wait before retry ``attempt`` (1-based): Retry-After, else exponential."""
    told = retry_after(exc)
    if told is not None:
        return min(told, cap)
    base = min(0.5 * 2 ** (attempt - 1), 8.0, cap)
    return base * random.uniform(0.75, 1.0)


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text


class _RateLimiter:
    """Spaces call starts to at most ``per_minute`` a minute."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class LiteLLMClient:
    """Async chat calls through litellm, at most ``concurrency`` at once.

    Failed calls are retried here rather than inside litellm, with the same
    policy (the server's Retry-After, else exponential backoff with jitter),
    so that every fault is counted by kind. With a ``cache``, a request made
    before is answered from it without a model call.
    """

    def __init__(
        self, settings: ClientSettings | None = None, cache: CallCache | None = None
    ) -> None:
        self.settings = settings or ClientSettings()
        key = self.settings.api_key or os.environ.get(API_KEY_ENV)
        if key is None and self.settings.api_base:
            # OpenAI-compatible servers often need no key, but the client
            # library insists on one
            key = "no-key"
        self._api_key = key
        self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        rpm = self.settings.requests_per_minute
        self._limiter = _RateLimiter(rpm) if rpm else None
        self.cache = cache
        self.usage = Usage()

    def _request(self, model: str, messages: list[Message]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "temperature": self.settings.temperature,
        }
        if self.settings.max_tokens:
            request["max_tokens"] = self.settings.max_tokens
        if self.settings.api_base:
            request["api_base"] = self.settings.api_base
        return request

    async def complete(self, model: str, messages: list[Message]) -> Completion:
        request = self._request(model, messages)
        key = request_key(request) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get_call(key)
            if hit is not None:
                done = Completion(hit[0], hit[1], hit[2], hit[3], cached=True)
                self.usage.add(done)
                return done

        async with self._semaphore:
            done = await self._call_with_retries(request)
        if not done.text.strip():
            self.usage.faults["empty_output"] += 1
        elif self.cache is not None:
            self.cache.put_call(
                key,
                model,
                done.text,
                done.prompt_tokens,
                done.completion_tokens,
                done.cost_usd,
            )
        self.usage.add(done)
        return done

    async def _call_with_retries(self, request: dict[str, Any]) -> Completion:
        import litellm

        litellm.suppress_debug_info = True
        kwargs = {**request, "timeout": self.settings.timeout_s, "num_retries": 0}
        if self._api_key:
            kwargs["api_key"] = self._api_key
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.wait()
            started = time.perf_counter()
            try:
                response = await litellm.acompletion(**kwargs)
            except Exception as exc:  # litellm raises many types; classify them
                kind = failure_kind(exc)
                self.usage.faults[kind] += 1
                attempt += 1
                if kind not in RETRYABLE or attempt > self.settings.num_retries:
                    message = _scrub(f"{type(exc).__name__}: {exc}", self._api_key)
                    raise ModelCallError(
                        f"{request['model']}: {message}", kind=kind
                    ) from None
                self.usage.retries += 1
                wait = backoff_s(attempt, exc, self.settings.max_backoff_s)
                log.info(
                    "%s on %s; retry %d in %.1f s",
                    kind,
                    request["model"],
                    attempt,
                    wait,
                )
                await asyncio.sleep(wait)
                continue
            return _completion(response, time.perf_counter() - started)


def _completion(response: Any, latency: float) -> Completion:
    text = response.choices[0].message.content or ""
    usage = getattr(response, "usage", None)
    # litellm prices each response as it builds it; asking again costs ~0.5 ms
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    return Completion(
        text=text,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        cost_usd=float(cost) if cost else None,
        latency_s=latency,
    )
