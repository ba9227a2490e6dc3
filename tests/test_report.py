"""The HTML report: content, escaping, no external resources, and a real browser.

The browser test drives Debian's headless Chromium over the DevTools protocol:
it loads the report from disk, picks a capability in the filter select,
checks the rows hidden and the counter, and takes a screenshot. It is skipped
only where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from spri_judge.cli.main import cli
from spri_judge.data.loaders import file_sha256
from spri_judge.instance import CAPABILITIES
from spri_judge.judgment import CallRecord, JudgedRow
from spri_judge.report import build_report, load_inputs, load_run
from spri_judge.rubric import Rubric
from spri_judge.run import JUDGMENTS, RunManifest, write_manifest

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>alert(1)</script>"
# ends a <details> row early, and a script element, if either went in raw
BREAKOUT = "</details></pre></script><script>window.__pwned = 1</script>"
IMAGE = '<img src="https://evil.example/x.png" onerror="window.__pwned = 2">'
MODELS = ("model-a", "model-b")


# fixtures: a response file and run folders written by hand


def write_inputs(path: Path) -> Path:
    """Two responses per capability; the first instance's texts are hostile."""
    lines = []
    for k, capability in enumerate(CAPABILITIES):
        for m, model in enumerate(MODELS):
            hostile = k == 0
            lines.append(
                {
                    "id": f"{capability}-0",
                    "capability": capability,
                    "input": f"Question {HOSTILE}" if hostile else f"Question {k}",
                    "response": f"Answer {BREAKOUT} {IMAGE}"
                    if hostile
                    else f"Answer {k}{m}",
                    "model_name": model,
                    "human_score": 1 + (k + 2 * m) % 5,
                }
            )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def judged_row(capability: str, model: str, k: int, m: int, strategy: str) -> JudgedRow:
    hostile = k == 0
    text = f"Feedback {BREAKOUT}" if hostile else f"Feedback {k}{m}"
    unparsed = k == 1 and m == 1
    return JudgedRow(
        instance_id=f"{capability}-0",
        capability=capability,
        response_model=model,
        strategy=strategy,
        score=None if unparsed else 1 + (k + m) % 5,
        unparsed=unparsed,
        feedback=text,
        raw_output=text + " <score>3</score>",
        parse_error="no score marker" if unparsed else None,
        rubric=Rubric.free_text(f"Rubric {HOSTILE} </details>"),
        rubric_source="spri",
        human_score=1 + (k + 2 * m) % 5,
        rubric_trace=[
            CallRecord(
                stage="rubric", step="generate", model="gen", template="t", output="v1"
            ),
            CallRecord(
                stage="rubric",
                step="critique",
                model="critic",
                template="t",
                output=f"Critique {HOSTILE}",
                critic_score=2,
            ),
            CallRecord(
                stage="rubric", step="refine", model="gen", template="t", output="v2"
            ),
        ],
        calls=[
            CallRecord(
                stage="judgment", step="judge", model="judge", template="t", output=text
            ),
            CallRecord(
                stage="judgment",
                step="refine",
                iteration=1,
                model="judge",
                template="t",
                output="Refined judgment",
            ),
        ],
    )


def write_run(run_dir: Path, inputs: Path, strategy: str, judge: str) -> Path:
    write_manifest(
        run_dir,
        RunManifest(
            strategy=strategy,
            strategy_label=strategy,
            judge=judge,
            critic="critic",
            data_source=str(inputs),
            data_sha256=file_sha256(inputs),
            package_version="0",
            status="finished",
        ),
    )
    rows = [
        judged_row(c, model, k, m, strategy)
        for k, c in enumerate(CAPABILITIES)
        for m, model in enumerate(MODELS)
    ]
    # a row the input file does not hold: shown without its input
    rows.append(judged_row("reasoning", "model-z", 2, 0, strategy))
    lines = "".join(row.model_dump_json() + "\n" for row in rows)
    (run_dir / JUDGMENTS).write_text(lines)
    return run_dir


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, list[Path]]:
    inputs = write_inputs(tmp_path / "responses.jsonl")
    dirs = [
        write_run(tmp_path / "spri", inputs, "spri", "judge-1"),
        write_run(tmp_path / "vanilla", inputs, "vanilla", "judge-2 <b>"),
    ]
    return inputs, dirs


def make_report(dirs: list[Path], input_path: Path | None = None) -> str:
    loaded = [load_run(d) for d in dirs]
    inputs, notes = load_inputs(loaded, input_path)
    return build_report(loaded, inputs, notes=notes, n_resamples=20)


class _Resources(HTMLParser):
    """Collects every URL the page would load or link to, and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "srcset") and value:
                self.urls.append(value)


# the page as text


def test_hostile_text_is_escaped(runs: tuple[Path, list[Path]]) -> None:
    _, dirs = runs
    page = make_report(dirs)

    for raw in (HOSTILE, BREAKOUT, IMAGE, "judge-2 <b>", "</details> "):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/details&gt;&lt;/pre&gt;&lt;/script&gt;&lt;script&gt;" in page

    # the only script is the page's own, and rows nest as written
    parser = _Resources()
    parser.feed(page)
    assert parser.tags.count("script") == 1
    assert parser.tags.count("img") == 1
    assert page.count("<details") == page.count("</details>") == 2 * 17


def test_no_external_resources(runs: tuple[Path, list[Path]]) -> None:
    _, dirs = runs
    page = make_report(dirs)

    parser = _Resources()
    parser.feed(page)
    assert parser.urls, "the figure should be an embedded image"
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in parser.urls)
    assert not re.search(r"url\(|@import|<link|<iframe|<object", page, re.I)
    # model text mentions https://evil.example, escaped; nothing else does
    outside = page.replace("https://evil.example/x.png", "")
    assert not re.search(r"https?://", outside)


def test_summary_table_and_rows(runs: tuple[Path, list[Path]]) -> None:
    _, dirs = runs
    page = make_report(dirs)

    # a line per run, each with its strategy, judge and counts
    summary = page.split('id="summary"')[1].split('id="capabilities"')[0]
    assert summary.count('<tr><th scope="row"') == 2
    assert "judge-2 &lt;b&gt;" in summary
    assert "<td>17</td><td>16</td><td>1</td><td>0</td>" in summary

    # the per-capability tables and the figure, both runs in the row browser
    assert page.count('<table class="spri-judge">') == 2
    assert 'src="data:image/png;base64,' in page
    assert page.count('data-strategy="spri"') == page.count('data-strategy="vanilla"')
    assert page.count('data-score="unparsed"') == 2
    assert page.count("(input not available)") == 2
    assert "showing 34 of 34 rows" in page
    assert "Critique &lt;script&gt;" in page and "Refined judgment" in page


def test_changed_input_is_noted(runs: tuple[Path, list[Path]]) -> None:
    inputs, dirs = runs
    with inputs.open("a") as fh:
        fh.write(json.dumps({"id": "x", "input": "q", "response": "r"}) + "\n")

    page = make_report(dirs)

    assert "has changed since the run" in page


def test_cli_writes_the_report(runs: tuple[Path, list[Path]], tmp_path: Path) -> None:
    inputs, dirs = runs
    out = tmp_path / "out" / "report.html"
    moved = inputs.rename(tmp_path / "moved.jsonl")

    # without --input the recorded file is gone: no inputs, a note says so
    result = CliRunner().invoke(
        cli, ["report", *map(str, dirs), "--html", str(out), "--resamples", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    page = out.read_text()
    assert page.count("(input not available)") == 34
    assert "pass --input" in page

    # with --input the responses are joined again
    result = CliRunner().invoke(
        cli, ["report", str(dirs[0]), "--html", str(out), "--input", str(moved)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().count("(input not available)") == 1


def test_cli_rejects_a_folder_without_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path), "--html", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert "manifest.json is missing" in result.output


# the page in a browser


class DevTools:
    """A minimal DevTools-protocol client over one page's websocket."""

    def __init__(self, ws: object) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict] = []

    async def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        await self.ws.send_json(
            {"id": self.next_id, "method": method, "params": params}
        )
        while True:
            message = await self.ws.receive_json()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    async def wait_for(self, event: str) -> None:
        if any(e.get("method") == event for e in self.events):
            return
        while True:
            message = await self.ws.receive_json()
            self.events.append(message)
            if message.get("method") == event:
                return

    async def js(self, expression: str) -> object:
        result = await self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")


STATE_JS = """({
  count: document.getElementById("count").textContent,
  shown: [...document.querySelectorAll("details.row")].filter(r => !r.hidden)
    .map(r => r.dataset.capability),
  hash: location.hash,
  opened: [...document.querySelectorAll("details.row[open] .body")]
    .map(b => b.textContent),
  pwned: window.__pwned === undefined ? null : window.__pwned,
})"""

PICK_JS = """(() => {
  const select = document.querySelector('#filters select[name="capability"]');
  select.value = "reasoning";
  select.dispatchEvent(new Event("change", {bubbles: true}));
  const first = [...document.querySelectorAll("details.row")].find(r => !r.hidden);
  first.open = true;
  document.getElementById("browser").scrollIntoView();
})()"""


async def drive_browser(page: Path, screenshot: Path, profile: Path) -> dict:
    """Load the page, filter by capability, screenshot; return what was seen."""
    import aiohttp

    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1280,2000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port = await _devtools_port(profile / "DevToolsActivePort", proc)
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            async with session.get(f"{base}/json/list") as response:
                targets = await response.json()
            url = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(url["webSocketDebuggerUrl"]) as ws:
                return await _session(DevTools(ws), page, screenshot)
    finally:
        # the browser and its helpers share the session started above
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def _devtools_port(path: Path, proc: subprocess.Popen) -> int:
    # with port 0 Chromium picks a free port and writes it to the profile
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return int(path.read_text().split()[0])
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}")
        await asyncio.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port in 30 s")


async def _session(tools: DevTools, page: Path, screenshot: Path) -> dict:
    await tools.call("Network.enable")
    await tools.call("Page.enable")
    await tools.call("Page.navigate", url=page.as_uri())
    await tools.wait_for("Page.loadEventFired")
    seen = {"loaded": await tools.js(STATE_JS)}

    # use a filter the way a person does: pick a value, fire "change"
    await tools.js(PICK_JS)
    seen["filtered"] = await tools.js(STATE_JS)
    shot = await tools.call("Page.captureScreenshot", format="png")
    screenshot.write_bytes(base64.b64decode(shot["data"]))

    # the same filters from the URL fragment, as a shared link sets them
    await tools.call("Page.navigate", url=page.as_uri() + "#score=unparsed")
    await asyncio.sleep(0.3)
    seen["from_hash"] = await tools.js(STATE_JS)
    seen["requests"] = [
        e["params"]["request"]["url"]
        for e in tools.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    return seen


@pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_browser_filters_rows(runs: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, dirs = runs
    page = tmp_path / "report.html"
    page.write_text(make_report(dirs))
    screenshot = tmp_path / "report.png"
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp_path))

    seen = asyncio.run(asyncio.wait_for(drive_browser(page, screenshot, profile), 90))

    # loaded: every row shown, no injected script ran
    assert seen["loaded"]["count"] == "showing 34 of 34 rows"
    assert len(seen["loaded"]["shown"]) == 34
    assert seen["loaded"]["pwned"] is None

    # filtered: reasoning rows only (2 models + 1 without input, x 2 runs)
    filtered = seen["filtered"]
    assert filtered["count"] == "showing 6 of 34 rows"
    assert set(filtered["shown"]) == {"reasoning"} and len(filtered["shown"]) == 6
    assert filtered["hash"] == "#capability=reasoning"
    assert filtered["pwned"] is None

    # the opened row got its input, response and rubric history, as text
    [opened] = filtered["opened"]
    assert "Question 2" in opened and "Answer 20" in opened
    assert f"Rubric {HOSTILE}" in opened and f"Critique {HOSTILE}" in opened

    # from the fragment: the 2 unparsed rows, one per run
    assert seen["from_hash"]["count"] == "showing 2 of 34 rows"

    # nothing but the file itself (and its embedded image) was requested
    assert seen["requests"]
    assert all(u.startswith(("file://", "data:")) for u in seen["requests"])

    # a real PNG of the page
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000
    keep = os.environ.get("SPRI_JUDGE_SCREENSHOT")
    if keep:
        shutil.copyfile(screenshot, keep)
