"""Gate results for CI systems: JUnit XML and a Markdown job summary.

Model output is untrusted, so both escape every string taken from a row.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from spri_judge.gate import ConditionResult, GateResult, RowOutcome, format_pair

SUITE_NAME = "spri-judge gate"
FEEDBACK_CHARS = 2000
SUMMARY_ROWS = 10

# characters XML 1.0 cannot hold at all, escaped or not
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(result: GateResult, *, run: str = "") -> bytes:
    """JUnit XML: one test case per condition, then one per row.

    Conditions have the class name ``gate``; a row's class name is its
    capability and its name ``instance_id::response_model``. A row fails
    when its score is missing or below ``pass_score``; its score and
    feedback (cut to ``FEEDBACK_CHARS``) go to ``system-out``.
    """
    failures = sum(not c.passed for c in result.conditions)
    failures += sum(not r.passed for r in result.rows)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=SUITE_NAME,
        tests=str(len(result.conditions) + len(result.rows)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    if run:
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="run", value=_xml_text(run))

    # conditions first: they decide the gate
    for condition in result.conditions:
        case = ET.SubElement(
            suite, "testcase", classname="gate", name=_condition_title(condition)
        )
        if not condition.passed:
            failure = ET.SubElement(case, "failure", message=condition.line)
            failure.set("type", "gate")
            failure.text = condition.line
    for row in result.rows:
        _row_case(suite, row)

    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _row_case(suite: ET.Element, row: RowOutcome) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_xml_text(row.capability),
        name=_xml_text(row.key),
    )
    if not row.passed:
        message = _xml_text(_cut(row.message, FEEDBACK_CHARS))
        failure = ET.SubElement(case, "failure", message=message, type=row.status)
        failure.text = message
    out = ET.SubElement(case, "system-out")
    score = "unparsed" if row.score is None else str(row.score)
    out.text = _xml_text(f"score: {score}\n{_cut(row.feedback, FEEDBACK_CHARS)}")


def _condition_title(condition: ConditionResult) -> str:
    return f"{condition.name} ({condition.option})"


def _xml_text(text: str) -> str:
    # ElementTree escapes markup but writes control characters as they are,
    # which makes the file unreadable; model output may contain them
    return _XML_ILLEGAL.sub("\ufffd", text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_summary(
    result: GateResult, *, run: str = "", max_rows: int = SUMMARY_ROWS
) -> str:
    """Markdown for a CI job summary: conditions, counts, first failing rows."""
    verdict = "✅ passed" if result.passed else "❌ failed"
    where = f" {_md_cell(run)}" if run else ""
    lines = [f"### spri-judge gate{where}: {verdict}", ""]

    # conditions
    lines += [
        "| | condition | measured | threshold | detail |",
        "|---|---|---|---|---|",
    ]
    for c in result.conditions:
        value, threshold = format_pair(c.value, c.threshold, c.percent)
        sign = ">=" if c.higher_is_better else "<="
        mark = "✅" if c.passed else "❌"
        title = _md_cell(_condition_title(c))
        detail = _md_cell(c.detail)
        lines.append(f"| {mark} | {title} | {value} | {sign} {threshold} | {detail} |")

    # counts
    total = len(result.rows)
    lines += [
        "",
        f"{total} rows: {result.scored} scored, {result.unparsed} unparsed, "
        f"{result.failed} with a failed judge call.",
    ]

    # the first failing rows
    failing = [row for row in result.rows if not row.passed]
    if failing:
        shown = failing[:max_rows]
        lines += [
            "",
            f"Failing rows ({len(shown)} of {len(failing)} shown):",
            "",
            "| row | capability | score | why |",
            "|---|---|---|---|",
        ]
        for row in shown:
            score = "–" if row.score is None else str(row.score)
            lines.append(
                f"| {_md_cell(row.key)} | {_md_cell(row.capability)} | {score} "
                f"| {_md_cell(_cut(row.message, 200))} |"
            )
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    # summaries render HTML, and a stray pipe or newline breaks the table
    safe = html.escape(text.replace("\r", " ").replace("\n", " "), quote=True)
    return safe.replace("\\", "\\\\").replace("|", "\\|").replace("`", "&#96;")
