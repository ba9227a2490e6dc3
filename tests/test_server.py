"""Tests of the scripted server, driven through litellm as the project uses it.

Findings pinned here (litellm 1.110, openai SDK underneath):

- ``num_retries`` of ``litellm.acompletion`` becomes the openai SDK's
  ``max_retries``; without it the SDK still retries twice.
- The SDK honours ``Retry-After`` (up to 120 s); otherwise it backs off
  0.5 s * 2**n (at most 8 s) minus up to 25 % jitter.
"""

import os

# litellm must use its bundled price table rather than fetch one
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import asyncio
import contextlib
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

import litellm
import pytest

from spri_judge.errors import ConfigError
from spri_judge.testing import FAULT_KINDS, ChatRequest, ScriptedServer
from spri_judge.testing.server import EXHAUSTED

# litellm prints a "Give Feedback" banner on every failed call
litellm.suppress_debug_info = True

# pydantic warns once about litellm's ReadOnly TypedDicts on their first use
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

MESSAGES = [
    {"role": "system", "content": "You are a judge."},
    {"role": "user", "content": "Grade this answer please"},
]


async def acomplete(
    server: ScriptedServer, messages: list[dict] | None = None, **kwargs: Any
) -> litellm.ModelResponse:
    """One litellm call to the server; no retries unless ``kwargs`` say so."""
    kwargs.setdefault("num_retries", 0)
    return await litellm.acompletion(
        model="openai/scripted",
        api_base=server.url,
        api_key="sk-test",
        messages=messages or MESSAGES,
        **kwargs,
    )


def complete(server: ScriptedServer, **kwargs: Any) -> litellm.ModelResponse:
    """Synchronous wrapper of ``acomplete`` (pytest-asyncio is not installed)."""
    return asyncio.run(acomplete(server, **kwargs))


def content_of(response: litellm.ModelResponse) -> str | None:
    """The assistant text of a litellm response."""
    return response.choices[0].message.content


def gaps(server: ScriptedServer) -> list[float]:
    """Seconds between consecutive call arrivals."""
    times = [call.timestamp for call in server.calls]
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


# scripted answers


def test_fixed_reply_and_usage_reach_litellm() -> None:
    with ScriptedServer(reply="<score>4</score> fine") as server:
        response = complete(server, temperature=0.0)

    assert content_of(response) == "<score>4</score> fine"
    # 4 + 4 words of prompt, 2 words of reply
    assert response.usage.prompt_tokens == 8
    assert response.usage.completion_tokens == 2
    assert response.usage.total_tokens == 10
    (call,) = server.calls
    assert call.request.model == "scripted"
    assert call.request.params["temperature"] == 0.0
    assert call.reply == "<score>4</score> fine"
    assert call.fault is None


def test_default_reply_is_a_parsable_verdict() -> None:
    with ScriptedServer() as server:
        assert "<score>3</score>" in content_of(complete(server))


def test_list_reply_is_consumed_in_order_then_fails_loudly() -> None:
    with ScriptedServer(reply=["one", "two"]) as server:
        assert content_of(complete(server)) == "one"
        assert content_of(complete(server)) == "two"
        with pytest.raises(litellm.InternalServerError, match="exhausted"):
            complete(server)

    assert [call.fault for call in server.calls] == [None, None, EXHAUSTED]


def test_iterator_reply_is_shared_by_concurrent_calls() -> None:
    async def many(server: ScriptedServer) -> list[str | None]:
        responses = await asyncio.gather(*(acomplete(server) for _ in range(30)))
        return [content_of(r) for r in responses]

    with ScriptedServer(reply=(str(i) for i in range(30)), latency=0.05) as server:
        contents = asyncio.run(many(server))

    assert sorted(contents, key=int) == [str(i) for i in range(30)]


def test_callable_reply_sees_the_messages() -> None:
    def echo(request: ChatRequest) -> str:
        return f"{request.system} | {request.last_user} | {len(request.messages)}"

    with ScriptedServer(reply=echo) as server:
        response = complete(server)

    assert content_of(response) == "You are a judge. | Grade this answer please | 2"


def test_chat_request_reads_content_parts() -> None:
    request = ChatRequest(
        model="m",
        messages=[
            {"role": "user", "content": "first"},
            {"role": "user", "content": [{"type": "text", "text": "last"}]},
        ],
    )

    assert request.system is None
    assert request.last_user == "last"


# latency


def test_latency_is_concurrent() -> None:
    async def many(server: ScriptedServer, n: int) -> None:
        await asyncio.gather(*(acomplete(server) for _ in range(n)))

    with ScriptedServer(latency=0.5) as server:
        asyncio.run(acomplete(server))  # warm litellm up outside the timing
        started = time.monotonic()
        asyncio.run(many(server, 64))
        elapsed = time.monotonic() - started

    # serial calls would take 32 s
    assert elapsed < 3.0
    assert server.call_count == 65


def test_latency_can_depend_on_the_request() -> None:
    def latency(request: ChatRequest) -> float:
        return 0.3 if "slow" in (request.last_user or "") else 0.0

    with ScriptedServer(latency=latency) as server:
        started = time.monotonic()
        complete(server, messages=[{"role": "user", "content": "slow please"}])
        elapsed = time.monotonic() - started

    assert elapsed >= 0.3
    assert server.calls[0].latency == 0.3


# faults: what litellm raises for each kind


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("429", litellm.RateLimitError, "scripted rate limit"),
        ("429-no-retry-after", litellm.RateLimitError, "scripted rate limit"),
        ("500", litellm.InternalServerError, "scripted 500"),
        ("503", litellm.ServiceUnavailableError, "scripted overload"),
        ("timeout", litellm.Timeout, "timed out"),
        # litellm wraps the SDK's APIConnectionError as an InternalServerError
        ("drop", litellm.InternalServerError, "Connection error"),
        # the JSON decode error surfaces as an InternalServerError too
        ("malformed", litellm.InternalServerError, "Expecting"),
    ],
)
def test_fault_raises_in_litellm(kind: str, error: type, message: str) -> None:
    server = ScriptedServer(fault_sequence=[kind], hang_s=5.0)
    with server, pytest.raises(error, match=message):
        complete(server, timeout=0.3)

    (call,) = server.calls
    assert call.fault == kind
    assert call.reply is None
    assert server.fault_counts == {kind: 1}


def test_every_fault_kind_is_covered() -> None:
    covered = {"429", "429-no-retry-after", "500", "503", "timeout", "drop"}
    covered |= {"malformed", "empty"}
    assert covered == set(FAULT_KINDS)


def test_empty_content_passes_through_litellm_without_error() -> None:
    with ScriptedServer(fault_sequence=["empty"]) as server:
        response = complete(server)

    assert content_of(response) == ""
    assert response.usage.completion_tokens == 0
    assert server.fault_counts == {"empty": 1}


def test_malformed_body_is_not_retried() -> None:
    server = ScriptedServer(fault_sequence=["malformed"])
    with server, pytest.raises(litellm.InternalServerError):
        complete(server, num_retries=2)

    assert server.call_count == 1


def test_stop_wakes_a_hung_request() -> None:
    server = ScriptedServer(fault_sequence=["timeout"], hang_s=30.0).start()
    with pytest.raises(litellm.Timeout):
        complete(server, timeout=0.2)

    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0


# retries through litellm


def test_num_retries_recovers_from_a_first_500() -> None:
    with ScriptedServer(reply="fine", fault_sequence=["500"]) as server:
        response = complete(server, num_retries=1)

    assert content_of(response) == "fine"
    assert [call.fault for call in server.calls] == ["500", None]
    # no Retry-After on a 500: the SDK backs off 0.5 s minus up to 25 %
    assert 0.37 <= gaps(server)[0] < 1.0


def test_retry_after_is_honoured() -> None:
    sequence = ["429", "429"]
    with ScriptedServer(fault_sequence=sequence, retry_after=0.05) as server:
        assert content_of(complete(server, num_retries=2)) is not None

    # without the header the backoff would be 0.375-0.5 s, then 0.75-1 s
    assert all(0.05 <= gap < 0.3 for gap in gaps(server))
    assert server.fault_counts == {"429": 2}


def test_litellm_retries_twice_by_default() -> None:
    server = ScriptedServer(fault_sequence=["429"] * 5, retry_after=0.05)
    with server, pytest.raises(litellm.RateLimitError):
        asyncio.run(
            litellm.acompletion(
                model="openai/scripted",
                api_base=server.url,
                api_key="sk-test",
                messages=MESSAGES,
            )
        )

    assert server.call_count == 3


# fault plans


def fault_pattern(faults: dict[str, float], seed: int, n: int) -> list[str | None]:
    """The faults the server injects into ``n`` sequential calls."""
    with ScriptedServer(faults=faults, seed=seed) as server:
        for _ in range(n):
            with contextlib.suppress(
                litellm.InternalServerError, litellm.RateLimitError
            ):
                complete(server)
    return [call.fault for call in server.calls]


def test_fault_probabilities_replay_with_the_seed() -> None:
    faults = {"500": 0.3, "429-no-retry-after": 0.3}
    first = fault_pattern(faults, seed=1, n=20)

    assert first == fault_pattern(faults, seed=1, n=20)
    assert {"500", "429-no-retry-after", None} == set(first)


def test_fault_sequence_comes_before_fault_fn_and_probabilities() -> None:
    def fault_fn(request: ChatRequest) -> str | None:
        return "503" if "fail" in (request.last_user or "") else None

    server = ScriptedServer(fault_sequence=[None], fault_fn=fault_fn, faults={"500": 1})
    failing = [{"role": "user", "content": "fail now"}]
    with server:
        complete(server, messages=failing)
        with pytest.raises(litellm.ServiceUnavailableError):
            complete(server, messages=failing)
        with pytest.raises(litellm.InternalServerError):
            complete(server)

    assert [call.fault for call in server.calls] == [None, "503", "500"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"faults": {"404": 0.1}},
        {"faults": {"500": 0.7, "503": 0.7}},
        {"faults": {"500": -0.1}},
        {"fault_sequence": ["500", "oops"]},
        {"reply": 42},
        {"latency": -1.0},
        {"hang_s": float("nan")},
    ],
)
def test_bad_configuration_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="ScriptedServer"):
        ScriptedServer(**kwargs)


# records and lifecycle


def test_reset_forgets_records_but_not_the_script() -> None:
    with ScriptedServer(reply=["a", "b"], fault_sequence=["500"]) as server:
        with pytest.raises(litellm.InternalServerError):
            complete(server)
        server.reset()
        response = complete(server)

    assert content_of(response) == "a"
    assert server.call_count == 1
    assert server.fault_counts == {}
    assert server.calls[0].index == 1


def test_models_endpoint_lists_a_model() -> None:
    server = ScriptedServer()
    with server, urllib.request.urlopen(f"{server.url}/models", timeout=5) as reply:
        body = reply.read().decode()

    assert '"scripted"' in body


def test_start_and_stop_many_times() -> None:
    server = ScriptedServer(reply="again")
    for _ in range(5):
        server.start()
        assert content_of(complete(server)) == "again"
        server.stop()
        assert not server.running

    assert server.call_count == 5
    names = [thread.name for thread in threading.enumerate()]
    assert not [name for name in names if name.startswith("ScriptedServer")]
    with pytest.raises(litellm.InternalServerError, match="Connection error"):
        complete(server)


def test_a_fixed_port_can_be_restarted() -> None:
    first = ScriptedServer().start()
    port = first.port
    first.stop()

    with ScriptedServer(reply="same port", port=port) as server:
        assert content_of(complete(server)) == "same port"
    with ScriptedServer(reply="same port", port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}/v1"
        assert content_of(complete(server)) == "same port"


def test_runs_as_a_separate_process() -> None:
    command = [sys.executable, "-m", "spri_judge.testing.server", "--port", "0"]
    command += ["--reply", "from the process", "--latency", "0.1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        response = asyncio.run(
            litellm.acompletion(
                model="openai/scripted",
                api_base=url,
                api_key="sk-test",
                messages=MESSAGES,
                num_retries=0,
            )
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()

    assert url.startswith("http://127.0.0.1:")
    assert content_of(response) == "from the process"
    assert process.returncode == 0
