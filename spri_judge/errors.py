"""Errors raised by spri-judge.

Every error the package raises on purpose derives from ``SpriJudgeError``, so a
caller (and the CLI) can tell a user mistake from a bug::

    SpriJudgeError
    ├── InputError          a file the user gave is malformed (file, line, field)
    ├── ConfigError         an option or setting has a bad value
    ├── DataUnavailable     an upstream file is neither cached, mirrored nor
    │                       downloadable
    ├── DataIntegrityError  a file's bytes do not match its pinned hash
    └── ModelCallError      a model call failed after litellm's retries
"""

from __future__ import annotations

from pathlib import Path


class SpriJudgeError(Exception):
    """Base class of every error spri-judge raises on purpose."""


class InputError(SpriJudgeError):
    """A user-supplied file is malformed; names the file, line and field."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class ConfigError(SpriJudgeError):
    """An option or setting has a value spri-judge cannot use."""


class DataUnavailable(SpriJudgeError):
    """An upstream data file could not be found or downloaded."""


class DataIntegrityError(SpriJudgeError):
    """A data file's content does not match the hash it is pinned to."""


class ModelCallError(SpriJudgeError):
    """A model call failed after retries; ``kind`` says how (for summaries)."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        self.kind = kind
        super().__init__(message)
