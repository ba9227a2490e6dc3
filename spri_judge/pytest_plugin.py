"""pytest plugin: a ``spri_judge`` fixture that judges (input, response) pairs.

Configured, in order of precedence, by command-line options
(``--spri-judge-model`` ...), ini options (``spri_judge_model`` ...) and the
project file (``spri-judge.toml`` or ``[tool.spri-judge]``). Use with
:func:`spri_judge.pair.assert_score`::

    def test_greeting(spri_judge):
        verdict = spri_judge("Say hello politely.", my_bot("Say hello politely."))
        assert_score(verdict, at_least=4)
"""

from __future__ import annotations

from pathlib import Path

import pytest

_OPTIONS = {
    "model": "judge (and SPRI base) model, a litellm name",
    "critic": "critic model for spri",
    "strategy": "rubric strategy (default: spri with a critic, else vanilla)",
    "api_base": "OpenAI-compatible endpoint for the models",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spri-judge", "judging responses with spri-judge")
    for name, help_text in _OPTIONS.items():
        flag = "--spri-judge-" + name.replace("_", "-")
        group.addoption(flag, dest=f"spri_judge_{name}", help=help_text)
        parser.addini(f"spri_judge_{name}", help_text)
    group.addoption(
        "--spri-judge-no-cache",
        action="store_true",
        help="make every model call afresh instead of reusing the call cache",
    )


def _setting(config: pytest.Config, name: str, fallback: str | None) -> str | None:
    value = config.getoption(f"spri_judge_{name}") or config.getini(
        f"spri_judge_{name}"
    )
    return value or fallback


@pytest.fixture(scope="session")
def spri_judge(pytestconfig: pytest.Config):  # noqa: ANN201 - see PairJudge
    """Judge an (input, response) pair; returns a ``Verdict``."""
    from spri_judge.client import ClientSettings
    from spri_judge.config import ProjectSettings, find_config, load_settings
    from spri_judge.pair import PairJudge
    from spri_judge.strategies import StrategySettings

    found = find_config(Path(pytestconfig.rootpath))
    project = load_settings(*found) if found else ProjectSettings()
    model = _setting(pytestconfig, "model", project.judge)
    if not model:
        pytest.skip(
            "no judge model: set --spri-judge-model or `judge` in spri-judge.toml"
        )
    critic = _setting(pytestconfig, "critic", project.critic)
    default_strategy = "spri" if critic else "vanilla"
    strategy = _setting(pytestconfig, "strategy", project.strategy) or default_strategy
    settings = StrategySettings(
        judge=model,
        critic=critic,
        seeds=project.seeds or "none",
        threshold=project.threshold or 4,
        max_critiques=project.max_critiques or 4,
    )
    client = ClientSettings(
        api_base=_setting(pytestconfig, "api_base", project.api_base),
        concurrency=project.concurrency or 16,
        num_retries=project.retries if project.retries is not None else 3,
        timeout_s=project.timeout or 120.0,
    )
    use_cache = not pytestconfig.getoption("spri_judge_no_cache")
    return PairJudge(strategy, settings, client, use_cache, data_dir=project.data_dir)
