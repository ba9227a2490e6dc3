"""Rendering prompt templates into chat messages.

A template is a jinja2 file under ``spri_judge/prompts`` with ``[system]`` and
``[user]`` section markers. The judged response is untrusted text, so it is
fenced with a tag derived from its own hash (it cannot forge the closing
line) and the judge's output tags inside it are escaped (quoting them back
cannot produce a live score marker).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

import jinja2

Message = dict[str, str]

_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.M)
# tags the judge's own output format uses; escaped inside the response
_LIVE_MARKUP = re.compile(r"</?\s*(score|feedback)\s*>|\[RESULT\]", re.I)


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("spri_judge", "prompts"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
        # templates ship with the package: no need to stat them on every render
        auto_reload=False,
    )


def fence_tag(response: str) -> str:
    """A fence tag the response cannot contain: a digest of the response."""
    return hashlib.sha256(response.encode()).hexdigest()[:12].upper()


def defang(response: str) -> str:
    """Escape output-format markup in untrusted text (``<score>`` etc.)."""

    def escape(match: re.Match[str]) -> str:
        text = match.group(0)
        return text.replace("<", "&lt;").replace(">", "&gt;").replace("[", "&#91;")

    return _LIVE_MARKUP.sub(escape, response)


def render(name: str, **context: Any) -> list[Message]:
    """Render template ``name`` (without ``.j2``) into chat messages."""
    if "response" in context:
        raw = context["response"]
        context = {**context, "response": defang(raw), "fence": fence_tag(raw)}
    context.setdefault("with_reference", False)
    text = _env().get_template(f"{name}.j2").render(**context)
    return _split_sections(text)


def _split_sections(text: str) -> list[Message]:
    parts = _SECTION.split(text)
    messages = []
    for role, body in zip(parts[1::2], parts[2::2], strict=True):
        body = body.strip()
        if body:
            messages.append({"role": role, "content": body})
    if not messages:
        messages = [{"role": "user", "content": text.strip()}]
    return messages


def render_text(name: str, **context: Any) -> str:
    """Render a template that is a single message body."""
    return _env().get_template(f"{name}.j2").render(**context).strip()


@cache
def template_hash(name: str) -> str:
    """A short hash of a template's source, for provenance records."""
    env = _env()
    source, _, _ = env.loader.get_source(env, f"{name}.j2")  # type: ignore[union-attr]
    return hashlib.sha256(source.encode()).hexdigest()[:12]
