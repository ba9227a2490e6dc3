"""A scripted OpenAI-compatible chat-completions server for tests and benchmarks.

``ScriptedServer`` answers ``POST /v1/chat/completions`` on 127.0.0.1 from a
script instead of a model, so the project's code can be driven through the
real litellm path with no network. It runs an aiohttp server on its own event
loop in a background thread::

    with ScriptedServer(reply=["<score>4</score>", "<score>2</score>"]) as server:
        await litellm.acompletion(
            model="openai/scripted", api_base=server.url, api_key="sk-test", ...
        )
        assert server.call_count == 1

Faults are injected on demand, from three sources consulted in this order:

1. ``fault_sequence`` decides the first ``len(fault_sequence)`` calls outright
   (``None`` in the sequence means "answer normally").
2. ``fault_fn(request)`` decides later calls if it returns a kind.
3. ``faults`` maps kinds to probabilities drawn with ``random.Random(seed)``.

The fault kinds are listed in ``FAULT_KINDS``. Run as a module, the server
serves until killed and prints its URL on stdout::

    python -m spri_judge.testing.server --port 0 --latency 1.0 --reply '<score>3'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from spri_judge.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_REPLY = "<feedback>ok</feedback><score>3</score>"

FAULT_KINDS: tuple[str, ...] = (
    "429",
    "429-no-retry-after",
    "500",
    "503",
    "timeout",
    "drop",
    "empty",
    "malformed",
)
"""Fault kinds the server can inject.

- ``429``: rate limited, with a ``Retry-After`` header of ``retry_after`` s.
- ``429-no-retry-after``: rate limited, without the header.
- ``500`` / ``503``: server error with an OpenAI-style error body.
- ``timeout``: hold the request for ``hang_s`` s (or until stop), then 504.
- ``drop``: close the connection without sending a response.
- ``empty``: a valid completion whose content is ``""``.
- ``malformed``: status 200 with a body that is not valid JSON.
"""

EXHAUSTED = "exhausted"
"""Recorded instead of a fault kind when a list of replies has run out."""

REPLY_ERROR = "reply-error"
"""Recorded instead of a fault kind when a reply callable raised."""


@dataclass(frozen=True)
class ChatRequest:
    """One chat-completions request as the server received it.

    Attributes:
        model: The ``model`` field of the request (without litellm's prefix).
        messages: The ``messages`` list as sent.
        params: Every other field of the request body (temperature, ...).
    """

    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def system(self) -> str | None:
        """The text of the first system message, or None if there is none."""
        for message in self.messages:
            if message.get("role") == "system":
                return _message_text(message)
        return None

    @property
    def last_user(self) -> str | None:
        """The text of the last user message, or None if there is none."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return _message_text(message)
        return None


@dataclass(frozen=True)
class CallRecord:
    """What the server did with one request.

    Attributes:
        index: Arrival order of the request, from 0 (not reset by ``reset``).
        request: The parsed request.
        reply: The scripted reply sent, or None if the call got a fault.
        fault: The fault kind injected (or ``EXHAUSTED``/``REPLY_ERROR``),
            None for a normal answer.
        timestamp: Arrival time, as ``time.time()``.
        latency: Seconds the server waited before answering.
    """

    index: int
    request: ChatRequest
    reply: str | None
    fault: str | None
    timestamp: float
    latency: float


Reply = str | Iterable[str] | Callable[[ChatRequest], str]
Latency = float | Callable[[ChatRequest], float]
FaultFn = Callable[[ChatRequest], str | None]


def _message_text(message: Mapping[str, Any]) -> str:
    """Join the text of a message whose content is a string or a list of parts."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") for p in content if isinstance(p, Mapping)]
    return "".join(parts)


def _count_words(text: str) -> int:
    """Approximate a token count by whitespace-separated words."""
    return len(text.split())


def _check_fault_kind(kind: str | None, where: str) -> None:
    """Raise ConfigError if ``kind`` is neither None nor a known fault kind."""
    if kind is not None and kind not in FAULT_KINDS:
        raise ConfigError(
            f"ScriptedServer: {where} has unknown fault kind {kind!r}; "
            f"allowed: {', '.join(FAULT_KINDS)}"
        )


def _check_seconds(**durations: float | Callable[..., float]) -> None:
    """Raise ConfigError if a duration that is a number is negative."""
    for name, value in durations.items():
        if not callable(value) and not value >= 0:
            raise ConfigError(
                f"ScriptedServer: {name}={value!r}; expected seconds >= 0"
            )


def _bind(host: str, port: int) -> socket.socket:
    """Bind a listening-to-be TCP socket, closing it if binding fails."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # a fixed port can be rebound at once after a stop
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _check_faults(faults: Mapping[str, float]) -> None:
    """Check fault probabilities: known kinds, each in [0, 1], sum at most 1."""
    for kind, probability in faults.items():
        _check_fault_kind(kind, "faults")
        if not 0.0 <= probability <= 1.0:
            raise ConfigError(
                f"ScriptedServer: faults[{kind!r}] = {probability!r}; "
                "a probability must lie in [0, 1]"
            )
    if sum(faults.values()) > 1.0 + 1e-9:
        raise ConfigError(
            f"ScriptedServer: fault probabilities sum to {sum(faults.values())!r}; "
            "they must sum to at most 1"
        )


class _FaultPlan:
    """Decides, call by call, which fault (if any) to inject."""

    def __init__(
        self,
        faults: Mapping[str, float],
        sequence: Sequence[str | None],
        fault_fn: FaultFn | None,
        seed: int | None,
    ) -> None:
        _check_faults(faults)
        for kind in sequence:
            _check_fault_kind(kind, "fault_sequence")
        self._faults = dict(faults)
        self._sequence = list(sequence)
        self._fault_fn = fault_fn
        self._rng = random.Random(seed)
        self._position = 0

    def next_fault(self, request: ChatRequest) -> str | None:
        """Return the fault kind for the next call, or None."""
        # the scripted sequence decides its calls outright
        position = self._position
        self._position += 1
        if position < len(self._sequence):
            return self._sequence[position]

        if self._fault_fn is not None:
            kind = self._fault_fn(request)
            _check_fault_kind(kind, "fault_fn's return value")
            if kind is not None:
                return kind

        return self._draw()

    def _draw(self) -> str | None:
        """Draw a fault from the probabilities (one uniform draw per call)."""
        if not self._faults:
            return None
        draw = self._rng.random()
        cumulative = 0.0
        for kind, probability in self._faults.items():
            cumulative += probability
            if draw < cumulative:
                return kind
        return None


class _ReplySource:
    """Produces the scripted reply for a request."""

    def __init__(self, reply: Reply) -> None:
        self._fixed: str | None = None
        self._fn: Callable[[ChatRequest], str] | None = None
        self._items: Iterator[str] | None = None
        if isinstance(reply, str):
            self._fixed = reply
        elif callable(reply):
            self._fn = reply
        elif isinstance(reply, Iterable):
            self._items = iter(reply)
        else:
            raise ConfigError(
                f"ScriptedServer: reply={reply!r}; expected a str, an iterable "
                "of str or a callable (ChatRequest) -> str"
            )

    def next_reply(self, request: ChatRequest) -> str:
        """Return the reply; raises StopIteration when a list has run out."""
        if self._fixed is not None:
            return self._fixed
        if self._fn is not None:
            return str(self._fn(request))
        assert self._items is not None
        return str(next(self._items))


def _completion_body(request: ChatRequest, content: str, index: int) -> dict:
    """Build an OpenAI ``chat.completion`` object answering ``request``."""
    prompt_tokens = sum(_count_words(_message_text(m)) for m in request.messages)
    completion_tokens = _count_words(content)
    return {
        "id": f"chatcmpl-scripted-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error_response(
    status: int, message: str, kind: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Build an OpenAI-style JSON error response."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return web.json_response(body, status=status, headers=headers)


def _parse_request(body: Any) -> ChatRequest:
    """Turn a request body into a ChatRequest; raises ValueError if unusable."""
    if not isinstance(body, dict):
        raise ValueError("request body must be a JSON object")
    params = dict(body)
    model = params.pop("model", None)
    messages = params.pop("messages", None)
    if not isinstance(model, str) or not isinstance(messages, list):
        raise ValueError("request needs a string 'model' and a list 'messages'")
    return ChatRequest(model=model, messages=messages, params=params)


class ScriptedServer:
    """An OpenAI-compatible chat-completions server that answers from a script.

    The server binds 127.0.0.1 on a free port (or ``port``) when started and
    runs in a daemon thread with its own event loop; ``stop`` wakes every
    waiting request, closes the server and joins the thread. It can be started
    and stopped many times; each start binds a new port unless ``port`` is set.

    Args:
        reply: A str (every call gets it), an iterable of str (consumed in
            arrival order; once it runs out a call gets a 500 recorded as
            ``EXHAUSTED``), or a callable ``(ChatRequest) -> str`` run on the
            server's event loop (so it must be quick; if it raises, the call
            gets a 500 recorded as ``REPLY_ERROR``).
        latency: Seconds to wait before answering each call, or a callable of
            the request returning them. Waits are ``asyncio.sleep``-like, so
            concurrent calls overlap.
        faults: Probability of each fault kind per call, drawn from
            ``random.Random(seed)``; probabilities must sum to at most 1.
        fault_sequence: Fault kinds (or None) for the first calls, in order;
            these calls ignore ``fault_fn`` and ``faults``.
        fault_fn: Called for each later call; a kind it returns is injected,
            None falls through to ``faults``.
        seed: Seed of the fault draws, so a run replays the same faults for
            the same arrival order.
        retry_after: Value of the ``Retry-After`` header of a ``429``, in s.
        hang_s: How long a ``timeout`` fault holds the request (cut short by
            ``stop``).
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.

    Raises:
        ConfigError: If a fault kind, probability or reply is invalid.
    """

    def __init__(
        self,
        reply: Reply = DEFAULT_REPLY,
        *,
        latency: Latency = 0.0,
        faults: Mapping[str, float] | None = None,
        fault_sequence: Sequence[str | None] = (),
        fault_fn: FaultFn | None = None,
        seed: int | None = 0,
        retry_after: float = 1.0,
        hang_s: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        _check_seconds(latency=latency, retry_after=retry_after, hang_s=hang_s)
        self._replies = _ReplySource(reply)
        self._plan = _FaultPlan(faults or {}, fault_sequence, fault_fn, seed)
        self._latency = latency
        self.retry_after = retry_after
        self.hang_s = hang_s
        self.host = host
        self._requested_port = port

        # records are written on the server thread and read from any thread
        self._lock = threading.RLock()
        self._calls: list[CallRecord] = []
        self._fault_counts: Counter[str] = Counter()
        self._next_index = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._port: int | None = None

    # lifecycle

    def start(self, timeout: float = 10.0) -> ScriptedServer:
        """Bind the port and start serving; returns self.

        Raises:
            RuntimeError: If the server is already running or did not come up
                within ``timeout`` seconds.
        """
        if self._thread is not None:
            raise RuntimeError("ScriptedServer.start: the server is already running")
        sock = _bind(self.host, self._requested_port)
        self._port = sock.getsockname()[1]

        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run,
            args=(sock, ready, failure),
            name=f"ScriptedServer:{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(timeout) or failure:
            self.stop()
            cause = failure[0] if failure else None
            raise RuntimeError(f"ScriptedServer did not start on {self.url}") from cause
        logger.debug("scripted server listening on %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Wake waiting requests, close the server and join its thread."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            # the loop may close between the check and the call: harmless
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f"ScriptedServer thread did not stop in {timeout} s")
        self._thread = self._loop = self._stopping = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server thread is running."""
        return self._thread is not None

    @property
    def port(self) -> int:
        """The bound port (raises RuntimeError before the first start)."""
        if self._port is None:
            raise RuntimeError("ScriptedServer.port: the server was never started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    # records

    @property
    def calls(self) -> list[CallRecord]:
        """A snapshot of the records of every call since the last reset."""
        with self._lock:
            return list(self._calls)

    @property
    def call_count(self) -> int:
        """Number of calls since the last reset."""
        with self._lock:
            return len(self._calls)

    @property
    def fault_counts(self) -> dict[str, int]:
        """Number of calls per injected fault kind since the last reset."""
        with self._lock:
            return dict(self._fault_counts)

    def reset(self) -> None:
        """Forget the records and counters; the script itself continues."""
        with self._lock:
            self._calls.clear()
            self._fault_counts.clear()

    # server thread

    def _run(self, sock: socket.socket, ready: threading.Event, failure: list) -> None:
        """Thread body: run the server on a fresh event loop until stopped."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(sock, ready))
        except BaseException as error:  # reported to start() through failure
            failure.append(error)
            ready.set()
            logger.exception("scripted server on port %s failed", self._port)
        finally:
            sock.close()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        """Serve on ``sock`` until the stopping event is set."""
        self._stopping = asyncio.Event()
        app = web.Application()
        for path in ("/v1/chat/completions", "/chat/completions"):
            app.router.add_post(path, self._handle_chat)
        for path in ("/v1/models", "/models"):
            app.router.add_get(path, self._handle_models)

        # waiting handlers wake on stop, so a short shutdown grace suffices
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            # a deep backlog so hundreds of clients can connect at once
            await web.SockSite(runner, sock, backlog=1024).start()
            ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    async def _pause(self, seconds: float) -> None:
        """Sleep up to ``seconds``, returning early when the server stops."""
        if seconds <= 0:
            return
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # handlers

    async def _handle_models(self, request: web.Request) -> web.Response:
        """List one model, as ``GET /v1/models`` does."""
        model = {"id": "scripted", "object": "model", "created": 0, "owned_by": "test"}
        return web.json_response({"object": "list", "data": [model]})

    async def _handle_chat(self, http_request: web.Request) -> web.StreamResponse:
        """Answer a chat-completions request from the script."""
        # parse the request
        try:
            chat = _parse_request(await http_request.json())
        except ValueError as error:
            return _error_response(400, str(error), "invalid_request_error")
        if chat.params.get("stream"):
            message = "ScriptedServer does not support stream=true"
            return _error_response(400, message, "invalid_request_error")

        # decide the outcome and record it before waiting
        record = self._decide(chat)

        # wait, then answer
        await self._pause(record.latency)
        return await self._respond(http_request, record)

    def _decide(self, chat: ChatRequest) -> CallRecord:
        """Pick the fault or reply for a call, record it and return the record."""
        with self._lock:
            index = self._next_index
            self._next_index += 1
            fault = self._plan.next_fault(chat)
            reply = None
            if fault is None:
                reply, fault = self._reply_or_error(chat)
            latency = self._latency(chat) if callable(self._latency) else self._latency
            record = CallRecord(index, chat, reply, fault, time.time(), float(latency))
            self._calls.append(record)
            if fault is not None:
                self._fault_counts[fault] += 1
        if fault is not None:
            logger.debug("scripted call %d: fault %s", index, fault)
        return record

    def _reply_or_error(self, chat: ChatRequest) -> tuple[str | None, str | None]:
        """Return ``(reply, None)`` or ``(None, EXHAUSTED | REPLY_ERROR)``."""
        try:
            return self._replies.next_reply(chat), None
        except StopIteration:
            return None, EXHAUSTED
        except Exception:
            # the client sees a 500; the traceback is for the test author
            logger.exception("ScriptedServer reply callable raised")
            return None, REPLY_ERROR

    async def _respond(
        self, http_request: web.Request, record: CallRecord
    ) -> web.StreamResponse:
        """Send the response the record calls for."""
        fault, chat = record.fault, record.request
        if fault is None:
            assert record.reply is not None
            return web.json_response(_completion_body(chat, record.reply, record.index))
        if fault == "empty":
            return web.json_response(_completion_body(chat, "", record.index))
        if fault == "malformed":
            body = '{"id": "chatcmpl-malformed", "choices": [{"message": '
            return web.Response(text=body, content_type="application/json")
        if fault == "drop":
            return self._drop(http_request)
        if fault == "timeout":
            await self._pause(self.hang_s)
            return _error_response(504, "scripted timeout", "timeout")
        return self._error_for(fault)

    def _error_for(self, fault: str) -> web.Response:
        """Build the HTTP error response of an error-status fault."""
        if fault == "429":
            headers = {"Retry-After": f"{self.retry_after:g}"}
            return _error_response(429, "scripted rate limit", "rate_limit", headers)
        if fault == "429-no-retry-after":
            return _error_response(429, "scripted rate limit", "rate_limit")
        if fault == "503":
            return _error_response(503, "scripted overload", "server_error")
        if fault == EXHAUSTED:
            return _error_response(500, "scripted replies exhausted", "server_error")
        return _error_response(500, f"scripted {fault}", "server_error")

    def _drop(self, http_request: web.Request) -> web.StreamResponse:
        """Close the connection so the client gets no response at all."""
        transport = http_request.transport
        if transport is not None:
            transport.abort()
        # aiohttp cannot write to the aborted transport and drops this quietly
        return web.Response(status=500)


def _parse_fault(text: str) -> tuple[str, float]:
    """Parse a ``KIND=PROBABILITY`` command-line option."""
    kind, _, probability = text.partition("=")
    try:
        return kind, float(probability)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fault {text!r}: expected KIND=PROBABILITY, e.g. 500=0.05"
        ) from None


def _build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser of ``python -m spri_judge.testing.server``."""
    parser = argparse.ArgumentParser(
        prog="python -m spri_judge.testing.server",
        description="Serve scripted chat completions; prints the URL, runs "
        "until killed.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds/call")
    parser.add_argument("--reply", default=DEFAULT_REPLY, help="reply to every call")
    parser.add_argument(
        "--fault",
        type=_parse_fault,
        action="append",
        default=[],
        metavar="KIND=P",
        help=f"fault probability, repeatable; kinds: {', '.join(FAULT_KINDS)}",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of fault draws")
    parser.add_argument("--hang", type=float, default=30.0, help="timeout hold, s")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve from the command line until SIGINT or SIGTERM."""
    args = _build_parser().parse_args(argv)
    server = ScriptedServer(
        reply=args.reply,
        latency=args.latency,
        faults=dict(args.fault),
        seed=args.seed,
        hang_s=args.hang,
        host=args.host,
        port=args.port,
    )

    # wait for a signal in the main thread while the server thread serves
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    with server:
        print(server.url, flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
