"""The pytest plugin: a fixture that judges pairs, with readable failures."""

from __future__ import annotations

import pytest

from spri_judge.pair import Verdict, assert_score
from spri_judge.rubric import Rubric

TEST_FILE = """
from spri_judge.pair import assert_score

def test_good_answer(spri_judge):
    verdict = spri_judge("What is 2+2?", "It is 4. QUALITY=5")
    assert_score(verdict, at_least=4)

def test_bad_answer(spri_judge):
    verdict = spri_judge("What is 2+2?", "It is 5. QUALITY=2",
                         rubric="Criteria: Is the sum right?\\nScore 1: wrong\\n"
                         "Score 2: w\\nScore 3: x\\nScore 4: y\\nScore 5: right")
    assert_score(verdict, at_least=4)
"""


def test_fixture_judges_and_explains_failures(
    pytester: pytest.Pytester, server
) -> None:
    pytester.makepyfile(test_pairs=TEST_FILE)
    # the first session takes the settings as options, the second from the ini
    args = [
        "--spri-judge-model=openai/judge",
        "--spri-judge-critic=openai/critic",
        f"--spri-judge-api-base={server.url}",
    ]
    result = pytester.runpytest_inprocess(*args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*judged below 4*",
            "*strategy: oracle*",
            "*score: 2*",
            "*Criteria: Is the sum right?*",
            "*feedback:*",
        ]
    )
    calls = server.call_count
    assert calls > 0

    # a second session (its own process) answers every call from the cache
    pytester.makeini(
        "[pytest]\nspri_judge_model = openai/judge\n"
        f"spri_judge_critic = openai/critic\nspri_judge_api_base = {server.url}\n"
    )
    again = pytester.runpytest_subprocess()
    again.assert_outcomes(passed=1, failed=1)
    assert server.call_count == calls


def test_fixture_skips_without_a_model(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pairs=TEST_FILE)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(skipped=2)


def test_assert_score_message() -> None:
    verdict = Verdict(
        score=None,
        feedback="Could not tell.",
        rubric=Rubric.free_text("Be kind."),
        strategy="vanilla",
        raw_output="?",
        error=None,
    )
    with pytest.raises(AssertionError) as err:
        assert_score(verdict, at_least=3)
    text = str(err.value)
    assert (
        "score: unparsed" in text and "Be kind." in text and "Could not tell." in text
    )
