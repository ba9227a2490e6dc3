"""A fake model for unit tests: answers from a list, an iterator or a function.

It implements the same ``complete`` coroutine as the litellm client, records
every call it answers, and never touches the network. Integration tests still
go through litellm to the scripted server; this is for testing strategy logic
quickly and exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from spri_judge.client import Completion, Message

Reply = str | Iterable[str] | Callable[[str, list[Message]], str]


@dataclass(frozen=True)
class FakeCall:
    """One call the fake answered."""

    model: str
    messages: list[Message]
    output: str

    @property
    def last_user(self) -> str:
        users = [m["content"] for m in self.messages if m["role"] == "user"]
        return users[-1] if users else ""


@dataclass
class FakeModel:
    """Answers chat calls from a script; ``calls`` records them in order.

    ``reply`` is a string (every call gets it), an iterable of strings
    (consumed in order; running out is an error) or a function of the model
    name and the messages.
    """

    reply: Reply
    calls: list[FakeCall] = field(default_factory=list)
    _iterator: Iterator[str] | None = field(default=None, repr=False)

    async def complete(self, model: str, messages: list[Message]) -> Completion:
        output = self._next(model, messages)
        self.calls.append(FakeCall(model, messages, output))
        return Completion(text=output, prompt_tokens=1, completion_tokens=1)

    def _next(self, model: str, messages: list[Message]) -> str:
        if isinstance(self.reply, str):
            return self.reply
        if callable(self.reply):
            return self.reply(model, messages)
        if self._iterator is None:
            self._iterator = iter(self.reply)
        try:
            return next(self._iterator)
        except StopIteration:
            raise AssertionError(
                f"FakeModel ran out of replies after {len(self.calls)} calls"
            ) from None

    def steps(self, prefix: str) -> int:
        """How many calls' last user message starts with ``prefix``."""
        return sum(c.last_user.startswith(prefix) for c in self.calls)
