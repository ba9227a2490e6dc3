"""A self-contained HTML report of one or more run folders.

The report holds a summary line per run, each run's per-capability agreement
table (from ``spri_judge.analysis``), a figure of Pearson r per capability
embedded as a PNG data URI, and a row browser: one ``<details>`` element per
judged row, filtered in the page by capability, strategy, judge, score and
human score. It loads nothing from the network when viewed.

Every piece of model, user and file text goes through Jinja2's autoescaping;
the only markup inserted as-is is the agreement table, which
``analysis.grid.html_table`` escapes itself. Run folders do not store the
instance input or the response text, so those are joined in from the
judged-response file by (instance id, response model).
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from spri_judge import __version__
from spri_judge.analysis import grid
from spri_judge.analysis.agreement import DEFAULT_RESAMPLES, DEFAULT_SEED, Agreement
from spri_judge.analysis.agreement import agreement as measure_agreement
from spri_judge.analysis.formats import Breakdown, breakdown_grid, fmt
from spri_judge.analysis.frames import frame_from_rows
from spri_judge.data.loaders import file_sha256, load_responses
from spri_judge.errors import ConfigError
from spri_judge.instance import CAPABILITIES, ResponseRow
from spri_judge.judgment import CallRecord, JudgedRow
from spri_judge.rubric import Rubric
from spri_judge.run import RunManifest
from spri_judge.run import load_run as read_run

__all__ = ["ReportRun", "build_report", "load_inputs", "load_run"]

TEMPLATE = "template.html.j2"
# the one-line preview of a row's feedback in the collapsed list
PREVIEW_CHARS = 160


@dataclass(frozen=True)
class ReportRun:
    """A run folder's manifest and judged rows, as the report reads them."""

    source: str
    manifest: RunManifest
    rows: list[JudgedRow] = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.manifest.judge} / {self.manifest.strategy_label}"


def load_run(path: str | Path) -> ReportRun:
    """Read a run folder for the report.

    Raises:
        InputError: naming the folder or file when it is not a run folder,
            its files are malformed, or it holds no judged rows.
    """
    manifest, rows = read_run(path)
    return ReportRun(source=str(path), manifest=manifest, rows=rows)


def load_inputs(
    runs: Sequence[ReportRun], input_path: Path | None = None
) -> tuple[dict[str, ResponseRow], list[str]]:
    """The judged responses the runs were made from, keyed like run rows.

    Args:
        runs: the runs of the report.
        input_path: the judged-response JSONL to join; None reads each run's
            ``data_source`` where that is an existing file.

    Returns:
        Responses keyed by ``instance_id::model_name``, and notes for the
        report (runs without an input file, files changed since a run).

    Raises:
        InputError: if an input file exists but cannot be read.
    """
    notes: list[str] = []
    wanted: dict[Path, list[ReportRun]] = {}
    for run in runs:
        path = input_path or Path(run.manifest.data_source)
        if path.is_file():
            wanted.setdefault(path, []).append(run)
        else:
            notes.append(
                f"{run.label}: input {run.manifest.data_source!r} not found; "
                "pass --input to show inputs and responses"
            )
    inputs: dict[str, ResponseRow] = {}
    for path, users in wanted.items():
        for row in load_responses(path):
            inputs.setdefault(row.key, row)
        digest = file_sha256(path)
        for run in users:
            if digest != run.manifest.data_sha256:
                notes.append(
                    f"{run.label}: {path} has changed since the run "
                    "(SHA-256 differs); inputs shown may not be those judged"
                )
    return inputs, notes


@dataclass(frozen=True)
class RunView:
    """What the summary and the table show of one run."""

    index: int
    run: ReportRun
    agreement: Agreement
    parsed: int
    unparsed: int
    failed: int
    mean_score: str
    mean_r: str
    table: Markup


@dataclass(frozen=True)
class RowView:
    """One row of the browser: the judged row, its run and its input.

    ``given`` and ``rubric`` index the page's store of shared blocks (None:
    none): a response appears under every run, and a rubric with its history
    under every response of its instance, so each is written once and copied
    into a row when the row is opened.
    """

    row: JudgedRow
    run: RunView
    given: int | None
    rubric: int | None
    score_key: str
    human_key: str
    preview: str
    show_raw: bool


@dataclass
class Store:
    """Blocks written once in the page and shared by the rows that use them."""

    inputs: list[ResponseRow] = field(default_factory=list)
    rubrics: list[tuple[Rubric | None, list[CallRecord]]] = field(default_factory=list)
    _index: dict[object, int] = field(default_factory=dict)

    def add_input(self, given: ResponseRow | None) -> int | None:
        """The store index of a row's input and response (None: not given)."""
        if given is None:
            return None
        return self._add(("input", given.key), self.inputs, given)

    def add_rubric(self, row: JudgedRow) -> int | None:
        """The store index of a row's rubric and its history (None: none)."""
        if row.rubric is None and not row.rubric_trace:
            return None
        # same rubric and calls, same block: an instance's rows share them
        text = row.rubric.render() if row.rubric is not None else None
        key = ("rubric", text, tuple(c.model_dump_json() for c in row.rubric_trace))
        return self._add(key, self.rubrics, (row.rubric, row.rubric_trace))

    def _add(self, key: object, items: list[Any], item: Any) -> int:
        if key not in self._index:
            self._index[key] = len(items)
            items.append(item)
        return self._index[key]


def build_report(
    runs: Sequence[ReportRun],
    inputs: Mapping[str, ResponseRow],
    *,
    notes: Sequence[str] = (),
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> str:
    """The report as one HTML document.

    Args:
        runs: the runs to show, in order.
        inputs: judged responses keyed by ``instance_id::model_name`` (see
            ``load_inputs``); rows without an entry show that the input is not
            available.
        notes: lines shown under the summary.
        n_resamples: bootstrap resamples for each run's interval of mean r.
        seed: bootstrap seed.

    Raises:
        ConfigError: if ``runs`` is empty.
    """
    if not runs:
        raise ConfigError("build_report needs at least one run")

    # per-run statistics, then the rows of every run
    views = [_run_view(i, run, n_resamples, seed) for i, run in enumerate(runs)]
    store = Store()
    rows = _row_views(views, inputs, store)

    figure = None
    if any(not math.isnan(v.agreement.mean_r_exact) for v in views):
        from spri_judge.report._figure import capability_figure

        png = capability_figure(
            [v.run.label for v in views], [v.agreement for v in views]
        )
        figure = "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    return _template().render(
        runs=views,
        rows=rows,
        store=store,
        notes=list(notes),
        figure=figure,
        filters=_filters(rows),
        joined=sum(r.given is not None for r in rows),
        version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _run_view(index: int, run: ReportRun, n_resamples: int, seed: int) -> RunView:
    stats = measure_agreement(
        frame_from_rows(run.rows), n_resamples=n_resamples, seed=seed
    )
    scores = [r.score for r in run.rows if r.score is not None]
    breakdown = Breakdown(
        judge=run.manifest.judge,
        strategy=run.manifest.strategy_label,
        source=run.source,
        agreement=stats,
    )
    interval = (
        f" [{fmt(stats.ci_low)}, {fmt(stats.ci_high)}]"
        if not math.isnan(stats.ci_low)
        else ""
    )
    return RunView(
        index=index,
        run=run,
        agreement=stats,
        parsed=len(scores),
        unparsed=len(run.rows) - len(scores),
        failed=sum(r.error is not None for r in run.rows),
        mean_score=f"{sum(scores) / len(scores):.2f}" if scores else "n/a",
        mean_r=(fmt(stats.mean_r) + interval) if fmt(stats.mean_r) else "n/a",
        # html_table escapes every cell itself
        table=Markup(grid.html_table(breakdown_grid(breakdown))),
    )


def _row_views(
    views: Sequence[RunView], inputs: Mapping[str, ResponseRow], store: Store
) -> list[RowView]:
    # a row's judgments under every run sit together: sort by row, then run
    pairs = [(view, row) for view in views for row in view.run.rows]
    pairs.sort(key=lambda p: (p[1].instance_id, p[1].response_model, p[0].index))
    return [
        RowView(
            row=row,
            run=view,
            given=store.add_input(inputs.get(row.key)),
            rubric=store.add_rubric(row),
            score_key=_score_key(row),
            human_key=_human_key(row.human_score),
            preview=_preview(row.error or row.feedback or row.raw_output),
            # the judge call's output is usually the raw output: show it once
            show_raw=bool(row.raw_output)
            and row.raw_output not in {c.output for c in row.calls},
        )
        for view, row in pairs
    ]


def _score_key(row: JudgedRow) -> str:
    if row.score is not None:
        return str(row.score)
    return "failed" if row.error is not None else "unparsed"


def _human_key(score: float | None) -> str:
    if score is None:
        return "none"
    return str(int(score)) if float(score).is_integer() else f"{score:g}"


def _preview(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= PREVIEW_CHARS:
        return flat
    return flat[: PREVIEW_CHARS - 1] + "…"


def _filters(rows: Sequence[RowView]) -> dict[str, list[str]]:
    """The values each filter offers, in a readable order."""
    capabilities = {r.row.capability for r in rows}
    scores = {r.score_key for r in rows}
    humans = {r.human_key for r in rows}
    return {
        "capability": [c for c in CAPABILITIES if c in capabilities]
        + sorted(capabilities - set(CAPABILITIES)),
        "strategy": list(
            dict.fromkeys(r.run.run.manifest.strategy_label for r in rows)
        ),
        "judge": list(dict.fromkeys(r.run.run.manifest.judge for r in rows)),
        "score": [
            s for s in ("1", "2", "3", "4", "5", "unparsed", "failed") if s in scores
        ],
        "human": sorted(humans - {"none"}, key=float)
        + (["none"] if "none" in humans else []),
    }


def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath(TEMPLATE).read_text("utf-8")
    # autoescape on for every expression: the page is full of model text
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.from_string(source)
