"""Reading the judge's score out of its output.

Judges write scores in many formats (``<score>4</score>``, ``[RESULT] 4``,
``Score: 4``, ``4/5``). The parser tries them from the most to the least
explicit and takes the last occurrence, since the format asks for the score
last. The judged response is untrusted: a score marker that the judge merely
quotes from it must never count. Quotes are recognised two ways: anything
inside the judge's ``<feedback>`` block is commentary, and a marker whose exact
text also appears in the response counts only when it closes the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spri_judge.judgment import Judgment

_NUM = r"(\d+(?:\.\d+)?)"
# most explicit first; each pattern's group 1 is the score
_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tag", re.compile(r"<score>\s*\[?\s*" + _NUM + r"\s*\]?\s*</score>", re.I)),
    ("result", re.compile(r"\[RESULT\]\s*:?\s*\[?" + _NUM, re.I)),
    ("brackets", re.compile(r"\[\[\s*" + _NUM + r"\s*\]\]")),
    (
        "label",
        re.compile(
            r"\b(?:final\s+)?(?:score|rating)\s*\**\s*[:=\-]\s*\**\s*\[?" + _NUM,
            re.I,
        ),
    ),
    ("fraction", re.compile(_NUM + r"\s*(?:/|out\s+of)\s*5\b", re.I)),
)
_FEEDBACK = re.compile(r"<feedback>(.*?)</feedback>", re.I | re.S)
_TRAILER = re.compile(r"[\s.*_`\"')\]]*\Z")


@dataclass(frozen=True)
class ParseResult:
    score: int | None
    feedback: str
    error: str | None


def _mask_feedback(output: str) -> str:
    # keep offsets stable: blank out the feedback body instead of removing it
    return _FEEDBACK.sub(
        lambda m: "<feedback>" + " " * len(m.group(1)) + "</feedback>", output
    )


def _feedback_text(output: str) -> str:
    found = _FEEDBACK.search(output)
    if found:
        return found.group(1).strip()
    # no tags: everything before the last score marker is the feedback
    text = output
    for _, pattern in _FORMATS:
        matches = list(pattern.finditer(output))
        if matches:
            text = output[: matches[-1].start()]
            break
    return text.strip() or output.strip()


def _is_quote(output: str, match: re.Match[str], squashed_response: str) -> bool:
    if not squashed_response:
        return False
    if _TRAILER.match(output, match.end()) is not None:
        return False  # the marker closes the output: the judge's own last word
    return _squash(match.group(0)) in squashed_response


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _to_score(raw: str) -> tuple[int | None, str | None]:
    value = float(raw)
    if not value.is_integer():
        return None, f"score {raw} is not a whole number"
    if not 1 <= value <= 5:
        return None, f"score {raw} is outside 1-5"
    return int(value), None


def parse_judgment(output: str, response: str | None = None) -> ParseResult:
    """Parse a judge's output into feedback and a 1-5 score.

    Args:
        output: the judge's raw output.
        response: the judged response, so that markers quoted from it are
            not mistaken for the judge's own score.

    Returns:
        The score (None when no usable score was found), the feedback and,
        when unparsed, the reason.
    """
    text = output or ""
    if not text.strip():
        return ParseResult(None, "", "empty output")
    masked = _mask_feedback(text)
    feedback = _feedback_text(text)
    problem = "no score in a known format"
    for _, pattern in _FORMATS:
        own = [
            m for m in pattern.finditer(masked) if not _is_quote(masked, m, response)
        ]
        if not own:
            continue
        score, problem_here = _to_score(own[-1].group(1))
        if score is not None:
            return ParseResult(score, feedback, None)
        problem = problem_here or problem
        break
    return ParseResult(None, feedback, problem)


def to_judgment(
    output: str, response: str | None = None, parsed: ParseResult | None = None
) -> Judgment:
    """A Judgment from raw output (``parsed``: a parse already made of it)."""
    result = parsed or parse_judgment(output, response)
    return Judgment(
        feedback=result.feedback,
        score=result.score,
        raw_output=output,
        parse_error=result.error,
    )
