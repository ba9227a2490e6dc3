"""Upstream data files, pinned by hash, read from a mirror, a cache or the web.

Each file the project reads is pinned in ``pins.json`` by its upstream
repository, commit and path, its git blob id and (where known) its SHA-256.
``fetch(name)`` looks for the file, in order, in a local mirror folder laid out
as ``github/<owner>/<repo>/<path>`` (``--data-dir`` or ``SPRI_JUDGE_DATA``), in
the user cache, and finally downloads it; whatever it returns matched its pin.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from spri_judge.errors import DataIntegrityError, DataUnavailable

log = logging.getLogger(__name__)

DATA_ENV = "SPRI_JUDGE_DATA"
CACHE_ENV = "SPRI_JUDGE_CACHE"
OFFLINE_ENV = "SPRI_JUDGE_OFFLINE"
_DOWNLOAD_TIMEOUT_S = 60


@dataclass(frozen=True)
class Pin:
    """Where an upstream file lives and what its bytes must hash to."""

    name: str
    repo: str
    commit: str
    path: str
    git_blob: str
    sha256: str | None
    bytes: int | None

    @property
    def mirror_path(self) -> Path:
        return Path("github", self.repo, self.path)

    @property
    def url(self) -> str:
        return (
            f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"
        )


@cache
def pins() -> dict[str, Pin]:
    """Every pinned upstream file, by name."""
    text = resources.files("spri_judge.data").joinpath("pins.json").read_text()
    return {row["name"]: Pin(**row) for row in json.loads(text)}


def pin(name: str) -> Pin:
    try:
        return pins()[name]
    except KeyError:
        known = ", ".join(sorted(pins()))
        raise DataUnavailable(
            f"no upstream file is named {name!r}; known: {known}"
        ) from None


def git_blob_id(data: bytes) -> str:
    """The SHA-1 git stores for a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def verify(p: Pin, data: bytes, source: str) -> None:
    """Raise DataIntegrityError unless ``data`` matches the pin."""
    if p.sha256 is not None:
        ok = hashlib.sha256(data).hexdigest() == p.sha256
    else:
        ok = git_blob_id(data) == p.git_blob
    if not ok:
        raise DataIntegrityError(
            f"{source} does not match the pinned hash of {p.name} "
            f"({p.repo}@{p.commit[:7]}:{p.path}); delete it or fix the mirror"
        )


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spri-judge" / "data"


class Registry:
    """Resolves pinned upstream files to verified local paths."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        cache: str | Path | None = None,
        offline: bool | None = None,
    ) -> None:
        mirror = data_dir if data_dir is not None else os.environ.get(DATA_ENV)
        self.data_dir = Path(mirror) if mirror else None
        self.cache = Path(cache) if cache is not None else cache_dir()
        if offline is None:
            offline = os.environ.get(OFFLINE_ENV, "") not in ("", "0")
        self.offline = offline
        self._network_down = False

    def path(self, name: str) -> Path:
        """A local path holding the verified bytes of upstream file ``name``."""
        p = pin(name)
        tried: list[str] = []

        # a mirror folder wins: it is how offline machines and CI read data
        if self.data_dir is not None:
            candidate = self.data_dir / p.mirror_path
            tried.append(f"mirror {candidate}")
            if candidate.is_file():
                verify(p, candidate.read_bytes(), str(candidate))
                return candidate

        cached = self.cache / p.mirror_path
        tried.append(f"cache {cached}")
        if cached.is_file():
            verify(p, cached.read_bytes(), str(cached))
            return cached

        reason = self._download(p, cached)
        if reason is None:
            return cached
        tried.append(f"download {p.url} ({reason})")
        raise DataUnavailable(
            f"{p.name} ({p.repo}:{p.path}) is not available; looked in: "
            + "; ".join(tried)
            + f". Point --data-dir or {DATA_ENV} at a mirror folder that "
            f"holds {p.mirror_path}, or go online once to cache it."
        )

    def locate(self, name: str) -> tuple[str, Path | None]:
        """Where ``name`` is now, without downloading: mirror, cache or missing.

        A file that is present but does not match its pin is reported as
        ``corrupt``.
        """
        p = pin(name)
        places = [("cache", self.cache / p.mirror_path)]
        if self.data_dir is not None:
            places.insert(0, ("mirror", self.data_dir / p.mirror_path))
        for where, candidate in places:
            if candidate.is_file():
                try:
                    verify(p, candidate.read_bytes(), str(candidate))
                except DataIntegrityError:
                    return "corrupt", candidate
                return where, candidate
        return "missing", None

    def available(self, name: str) -> bool:
        """Whether ``name`` can be had, without raising."""
        try:
            self.path(name)
        except DataUnavailable:
            return False
        return True

    def _download(self, p: Pin, dest: Path) -> str | None:
        """Download ``p`` into ``dest``; return why not, or None on success."""
        if self.offline:
            return f"offline: {OFFLINE_ENV} is set"
        if self._network_down:
            return "network unreachable earlier in this run"
        log.info("downloading %s", p.url)
        try:
            with urllib.request.urlopen(p.url, timeout=_DOWNLOAD_TIMEOUT_S) as r:
                data = r.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            self._network_down = not isinstance(exc, urllib.error.HTTPError)
            return str(getattr(exc, "reason", exc))
        verify(p, data, p.url)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(dest)
        return None
