"""The gate: each condition against hand-computed values, exit codes, reports."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from spri_judge.analysis.agreement import agreement
from spri_judge.analysis.frames import frame_from_rows
from spri_judge.cli.main import cli
from spri_judge.errors import ConfigError
from spri_judge.gate import (
    GateConfig,
    evaluate_gate,
)
from spri_judge.gate_reports import junit_xml, markdown_summary
from spri_judge.judgment import JudgedRow
from spri_judge.run import JUDGMENTS, RunManifest, load_run, write_manifest

HOSTILE = 'bad </system-out><script>alert("x")</script> & \x1b[31m | `pwn`'

# The current run: eight rows of model m1.
#   scored:   i1..i6 -> 5, 4, 4, 3, 2, 4   (sum 22, mean 22/6 = 3.667)
#   unparsed: i7; failed call: i8          (2 of 8 = 25% without a score)
#   pass rate at K=4: 5, 4, 4, 4 pass      (4 of 8 = 50%; i7, i8 do not pass)
CURRENT: list[int | None | str] = [5, 4, 4, 3, 2, 4, None, "error"]
# The baseline scored i1..i6 as 5, 5, 4, 4, 3, 4 (sum 25) and i8 as 4, i7 not.
#   rows both scored: i1..i6 -> drop = 25/6 - 22/6 = 0.5 exactly
BASELINE: list[int | None | str] = [5, 5, 4, 4, 3, 4, None, 4]


def _row(
    index: int,
    score: int | None | str,
    *,
    model: str = "m1",
    capability: str = "reasoning",
    human: float | None = None,
    feedback: str = "fine",
) -> JudgedRow:
    failed = score == "error"
    value = score if isinstance(score, int) else None
    return JudgedRow(
        instance_id=f"i{index}",
        capability=capability,
        response_model=model,
        strategy="vanilla",
        score=value,
        unparsed=value is None,
        feedback=feedback,
        parse_error=None if value is not None or failed else "no score marker",
        error="timeout after 3 retries" if failed else None,
        human_score=human,
    )


def _rows(scores: list[int | None | str]) -> list[JudgedRow]:
    return [_row(i, s) for i, s in enumerate(scores, start=1)]


def _write_run(run_dir: Path, rows: list[JudgedRow]) -> Path:
    manifest = RunManifest(
        strategy="vanilla",
        strategy_label="vanilla",
        judge="fake/judge",
        data_source="test",
        data_sha256="0" * 64,
        rows_total=len(rows),
        package_version="0",
        status="finished",
    )
    write_manifest(run_dir, manifest)
    lines = [row.model_dump_json() + "\n" for row in rows]
    (run_dir / JUDGMENTS).write_text("".join(lines))
    return run_dir


def _labelled(agree: bool) -> list[JudgedRow]:
    """Six reasoning instances, two responses each, judged as people did (or
    the reverse): the mean r is exactly 1 (or -1) in every resample."""
    rows = []
    for i in range(1, 7):
        for model, human in (("m1", 1 + (i % 5)), ("m2", 5 - (i % 3))):
            score = human if agree else 6 - human
            rows.append(_row(i, score, model=model, human=float(human)))
    return rows


def _gate(*args: object) -> Result:
    return CliRunner().invoke(cli, ["gate", *[str(a) for a in args]])


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return _write_run(tmp_path / "run", _rows(CURRENT))


@pytest.fixture
def baseline_dir(tmp_path: Path) -> Path:
    return _write_run(tmp_path / "baseline", _rows(BASELINE))


# conditions, by hand


@pytest.mark.parametrize(("minimum", "passed"), [(3.6, True), (3.7, False)])
def test_mean_score_over_parsed_rows(minimum: float, passed: bool) -> None:
    result = evaluate_gate(_rows(CURRENT), GateConfig(min_mean=minimum))
    (condition,) = result.conditions
    assert condition.value == pytest.approx(22 / 6)
    assert condition.passed is passed
    assert result.passed is passed


def test_mean_score_equal_to_threshold_passes() -> None:
    rows = _rows([3, 4])  # mean 3.5
    assert evaluate_gate(rows, GateConfig(min_mean=3.5)).passed


def test_mean_score_of_no_parsed_row_fails() -> None:
    result = evaluate_gate(_rows([None, "error"]), GateConfig(min_mean=1.0))
    assert not result.passed
    assert result.lines == [
        "FAIL mean score undefined, needs >= 1.00 (--min-mean; 0 of 2 rows scored)"
    ]


@pytest.mark.parametrize(("minimum", "passed"), [(0.5, True), (0.51, False)])
def test_pass_rate_counts_unparsed_rows_as_not_passing(
    minimum: float, passed: bool
) -> None:
    config = GateConfig(min_pass_rate=minimum, pass_score=4)
    (condition,) = evaluate_gate(_rows(CURRENT), config).conditions
    assert condition.value == 0.5  # 4 of 8, not 4 of 6
    assert condition.passed is passed


@pytest.mark.parametrize(("maximum", "passed"), [(0.25, True), (0.2, False)])
def test_unparsed_share_counts_unparsed_and_failed(
    maximum: float, passed: bool
) -> None:
    (condition,) = evaluate_gate(
        _rows(CURRENT), GateConfig(max_unparsed=maximum)
    ).conditions
    assert condition.value == 0.25  # i7 unparsed, i8 failed: 2 of 8
    assert condition.passed is passed


@pytest.mark.parametrize(("maximum", "passed"), [(0.5, True), (0.4, False)])
def test_drop_from_baseline_on_rows_both_scored(maximum: float, passed: bool) -> None:
    config = GateConfig(max_drop=maximum)
    result = evaluate_gate(_rows(CURRENT), config, _rows(BASELINE))
    (condition,) = result.conditions
    assert condition.value == pytest.approx(0.5)  # 25/6 - 22/6, i7 and i8 left out
    assert "6 shared rows" in condition.detail
    assert condition.passed is passed


def test_baseline_sharing_no_row_is_a_config_error() -> None:
    other = [_row(i, 4, model="m9") for i in range(1, 4)]
    with pytest.raises(ConfigError, match="share no scored row"):
        evaluate_gate(_rows(CURRENT), GateConfig(max_drop=0.1), other)


def test_min_r_passes_a_judge_that_agrees_with_people() -> None:
    result = evaluate_gate(_labelled(agree=True), GateConfig(min_r=0.99))
    (condition,) = result.conditions
    assert condition.value == pytest.approx(1.0)
    assert condition.passed


def test_min_r_fails_a_judge_that_disagrees_with_people() -> None:
    result = evaluate_gate(_labelled(agree=False), GateConfig(min_r=0.0))
    (condition,) = result.conditions
    assert condition.value == pytest.approx(-1.0)
    assert not condition.passed
    assert condition.line.startswith(
        "FAIL mean r lower 95% bound -1.00 < 0.00 (--min-r"
    )


def test_min_r_uses_the_agreement_interval() -> None:
    # a noisy judge: the gate's value is the analysis module's ci_low
    rows = _labelled(agree=True)
    rows[0] = rows[0].model_copy(update={"score": 5})
    rows[5] = rows[5].model_copy(update={"score": 1})
    expected = agreement(frame_from_rows(rows), n_resamples=200, seed=3).ci_low
    config = GateConfig(min_r=-1.0, n_resamples=200, seed=3)
    (condition,) = evaluate_gate(rows, config).conditions
    assert condition.value == pytest.approx(expected)


def test_min_r_fails_when_r_is_undefined() -> None:
    # a judge that gives every response a 3 has no correlation at all
    rows = [r.model_copy(update={"score": 3}) for r in _labelled(agree=True)]
    (condition,) = evaluate_gate(rows, GateConfig(min_r=-1.0)).conditions
    assert condition.value is None
    assert not condition.passed
    assert condition.line.startswith("FAIL mean r lower 95% bound undefined")


def test_min_r_without_human_scores_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs human scores"):
        evaluate_gate(_rows(CURRENT), GateConfig(min_r=0.3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one condition"),
        ({"pass_score": 4}, "at least one condition"),
        ({"min_pass_rate": 0.8}, "needs --pass-score"),
        ({"max_unparsed": 1.5}, "between 0 and 1, not 1.5"),
        ({"min_mean": 3.0, "n_resamples": 0}, "at least 1"),
    ],
)
def test_bad_config_is_refused_at_construction(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        GateConfig(**kwargs)


def test_rows_become_outcomes() -> None:
    result = evaluate_gate(_rows(CURRENT), GateConfig(min_mean=1, pass_score=4))
    statuses = [row.status for row in result.rows[:6]]
    assert statuses == ["passed"] * 3 + ["low-score"] * 2 + ["passed"]
    assert [result.scored, result.unparsed, result.failed] == [6, 1, 1]
    assert result.rows[6].status == "unparsed"
    assert result.rows[7].status == "error"


def test_close_values_get_more_decimals() -> None:
    rows = _rows([3, 4, 4] * 333 + [2])  # mean 3665/1000 = 3.665
    (condition,) = evaluate_gate(rows, GateConfig(min_mean=3.666)).conditions
    assert "3.665 < 3.666" in condition.line


# the command


def test_cli_passes_with_exit_0(run_dir: Path, baseline_dir: Path) -> None:
    result = _gate(
        run_dir,
        "--min-mean", "3.5",
        "--min-pass-rate", "0.5", "--pass-score", "4",
        "--max-unparsed", "0.25",
        "--baseline", baseline_dir, "--max-drop", "0.5",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "PASS mean score 3.67 >= 3.50 (--min-mean; 6 of 8 rows scored)",
        "PASS pass rate 50.00% >= 50.00% (--min-pass-rate; 4 of 8 rows score >= 4)",
        "PASS unparsed 25.00% <= 25.00% (--max-unparsed; 2 of 8 rows unparsed or "
        "failed)",
        "PASS drop from baseline 0.50 <= 0.50 (--max-drop; mean 3.67 vs 4.17 on 6 "
        "shared rows)",
    ]


def test_cli_fails_with_exit_1_and_a_reason_per_failure(
    run_dir: Path, baseline_dir: Path
) -> None:
    result = _gate(
        run_dir,
        "--min-mean", "3.8",
        "--max-unparsed", "0.3",
        "--baseline", baseline_dir, "--max-drop", "0.25",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "FAIL mean score 3.67 < 3.80 (--min-mean; 6 of 8 rows scored)",
        "PASS unparsed 25.00% <= 30.00% (--max-unparsed; 2 of 8 rows unparsed or "
        "failed)",
        "FAIL drop from baseline 0.50 > 0.25 (--max-drop; mean 3.67 vs 4.17 on 6 "
        "shared rows)",
    ]


def test_cli_min_r(tmp_path: Path) -> None:
    good = _write_run(tmp_path / "good", _labelled(agree=True))
    bad = _write_run(tmp_path / "bad", _labelled(agree=False))
    assert _gate(good, "--min-r", "0.5").exit_code == 0
    assert _gate(bad, "--min-r", "0.5").exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "at least one condition"),
        (["--pass-score", "4"], "at least one condition"),
        (["--min-pass-rate", "0.5"], "needs --pass-score"),
        (["--max-drop", "0.5"], "go together"),
        (["--min-r", "0.3"], "needs human scores"),
        (["--min-mean", "7"], "7"),
    ],
)
def test_cli_usage_errors_exit_2(run_dir: Path, args: list[str], message: str) -> None:
    result = _gate(run_dir, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_bad_run_folder_exits_2(tmp_path: Path) -> None:
    result = _gate(tmp_path / "missing", "--min-mean", "3")
    assert result.exit_code == 2
    assert "no such run folder" in result.output
    (tmp_path / "empty").mkdir()
    assert _gate(tmp_path / "empty", "--min-mean", "3").exit_code == 2


def test_load_run_refuses_a_run_without_rows(tmp_path: Path) -> None:
    _write_run(tmp_path / "run", [])
    with pytest.raises(Exception, match="holds no judged rows"):
        load_run(tmp_path / "run")


def test_help_loads_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from spri_judge.cli.main import cli\n"
        "try:\n"
        "    cli(['gate', '--help'], prog_name='spri-judge')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'litellm', 'pandas', 'scipy', 'numpy'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


# reports


def _hostile_rows() -> list[JudgedRow]:
    rows = _rows(CURRENT)
    rows[3] = rows[3].model_copy(update={"feedback": HOSTILE})
    rows[4] = _row(5, 2, model="<b>m|1</b>", feedback=HOSTILE * 200)
    return rows


def test_junit_counts_and_escapes(tmp_path: Path) -> None:
    run = _write_run(tmp_path / "run", _hostile_rows())
    junit = tmp_path / "out" / "gate.xml"
    junit.parent.mkdir()
    result = _gate(
        run, "--min-mean", "3.8", "--max-unparsed", "0.3", "--pass-score", "4",
        "--junit", junit,
    )  # fmt: skip
    assert result.exit_code == 1

    # parses; 2 conditions + 8 rows, failing: mean, i4 and i5 (< 4), i7, i8
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("name") == "spri-judge gate"
    assert (suite.get("tests"), suite.get("failures")) == ("10", "5")
    cases = suite.findall("testcase")
    assert len(cases) == 10
    assert [c.get("name") for c in cases[:2]] == [
        "mean score (--min-mean)",
        "unparsed (--max-unparsed)",
    ]
    assert len([c for c in cases if c.find("failure") is not None]) == 5

    # hostile text stays text: no element escapes system-out
    i4 = next(c for c in cases if c.get("name") == "i4::m1")
    assert i4.get("classname") == "reasoning"
    out = i4.find("system-out")
    assert out is not None and out.text is not None
    assert "</system-out><script>" in out.text
    assert "\x1b" not in out.text
    assert not list(i4.iter("script"))
    i5 = next(c for c in cases if c.get("name") == "i5::<b>m|1</b>")
    text = i5.find("system-out").text  # type: ignore[union-attr]
    assert len(text) < 2100  # feedback cut to 2,000 characters
    raw = junit.read_text()
    assert "<script>" not in raw and raw.count("<system-out>") == 8


def test_junit_bytes_from_the_library() -> None:
    result = evaluate_gate(_rows(CURRENT), GateConfig(min_mean=1))
    root = ET.fromstring(junit_xml(result, run="runs/x"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "2"  # i7, i8
    prop = suite.find("properties/property")
    assert prop is not None and prop.get("value") == "runs/x"


def test_markdown_summary(tmp_path: Path) -> None:
    run = _write_run(tmp_path / "run", _hostile_rows())
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    _gate(run, "--min-mean", "3.8", "--max-unparsed", "0.3", "--summary", summary)

    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, as CI summaries expect
    assert "### spri-judge gate" in text and "❌ failed" in text
    assert "| | condition | measured | threshold | detail |" in text
    assert "| ❌ | mean score (--min-mean) | 3.67 | >= 3.80 |" in text
    assert "| ✅ | unparsed (--max-unparsed) | 25.00% | <= 30.00% |" in text
    assert "8 rows: 6 scored, 1 unparsed, 1 with a failed judge call." in text
    assert "| i7::m1 | reasoning | – | score did not parse: no score marker |" in text
    assert "| i8::m1 |" in text
    assert "<b>" not in text and "<script>" not in text


def test_markdown_lists_only_the_first_failing_rows() -> None:
    rows = [_row(i, None) for i in range(1, 26)]
    result = evaluate_gate(rows, GateConfig(max_unparsed=0.0))
    text = markdown_summary(result, max_rows=10)
    assert "Failing rows (10 of 25 shown):" in text
    assert "| i10::m1 |" in text and "| i11::m1 |" not in text


def test_result_serializes_for_tools() -> None:
    result = evaluate_gate(_rows([None]), GateConfig(min_mean=3))
    data = json.loads(result.model_dump_json())
    assert data["conditions"][0]["value"] is None
    assert data["conditions"][0]["passed"] is False
