"""A local SQLite cache of model calls and of SPRI rubrics.

An identical request (model, endpoint, messages, sampling parameters) made
again, in this run or a later one, is answered from here without a model
call. litellm has a cache of its own, but a hit there still pays litellm's
per-call overhead (several ms of CPU), which the benchmark showed is too slow
for re-runs; a lookup here costs tens of microseconds.

Rubrics are stored by (instance, generator, critic, settings) as well, so
re-judging with another strategy reuses them even when prompts change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_DB_ENV = "SPRI_JUDGE_CALL_CACHE"

_SCHEMA = """
create table if not exists calls (
    key text primary key,
    model text not null,
    output text not null,
    prompt_tokens integer not null,
    completion_tokens integer not null,
    cost_usd real
);
create table if not exists rubrics (
    key text primary key,
    instance_id text not null,
    result text not null
);
"""


def default_path() -> Path:
    env = os.environ.get(CACHE_DB_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spri-judge" / "calls.sqlite"


def request_key(payload: dict[str, Any]) -> str:
    """A digest of everything that determines a model's answer."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class CallCache:
    """Model outputs and rubrics by request digest, in one SQLite file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # WAL: a committed write survives a killed process, and readers
        # never wait for the writer
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=normal")
        self._db.executescript(_SCHEMA)

    def get_call(self, key: str) -> tuple[str, int, int, float | None] | None:
        row = self._db.execute(
            "select output, prompt_tokens, completion_tokens, cost_usd "
            "from calls where key = ?",
            (key,),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def put_call(
        self,
        key: str,
        model: str,
        output: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
    ) -> None:
        self._db.execute(
            "insert or replace into calls values (?, ?, ?, ?, ?, ?)",
            (key, model, output, prompt_tokens, completion_tokens, cost_usd),
        )

    def get_rubric(self, key: str) -> str | None:
        row = self._db.execute(
            "select result from rubrics where key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def put_rubric(self, key: str, instance_id: str, result: str) -> None:
        self._db.execute(
            "insert or replace into rubrics values (?, ?, ?)",
            (key, instance_id, result),
        )

    def counts(self) -> dict[str, int]:
        calls = self._db.execute("select count(*) from calls").fetchone()[0]
        rubrics = self._db.execute("select count(*) from rubrics").fetchone()[0]
        return {"calls": int(calls), "rubrics": int(rubrics)}

    def clear(self) -> dict[str, int]:
        """Delete every entry; return how many there were."""
        before = self.counts()
        self._db.execute("delete from calls")
        self._db.execute("delete from rubrics")
        self._db.execute("vacuum")
        return before

    def close(self) -> None:
        self._db.close()
