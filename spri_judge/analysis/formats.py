"""Leaderboards and per-capability breakdowns in every output format.

Formats: ``terminal`` (aligned text, the default), ``csv``, ``md``, ``latex``,
``json`` and ``html``. Tables show the paper's 3-decimal values; JSON keeps
full precision (NaN becomes null). The best non-oracle strategy of each judge
is marked in every format: ``*`` on the terminal, bold in Markdown, LaTeX and
HTML, ``best`` true in CSV and JSON. ``†`` marks a cell whose paired
difference from the baseline strategy has an interval that excludes zero.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from spri_judge.analysis import grid
from spri_judge.analysis.agreement import Agreement, CapabilityAgreement
from spri_judge.analysis.choices import FORMATS
from spri_judge.analysis.compare import Comparison
from spri_judge.analysis.stats import paper_round
from spri_judge.analysis.table import Cell, Leaderboard
from spri_judge.errors import ConfigError
from spri_judge.instance import CAPABILITIES

SIGNIFICANT = "†"
CSV_COLUMNS: tuple[str, ...] = (
    "judge",
    "strategy",
    *CAPABILITIES,
    "mean_r",
    "ci_low",
    "ci_high",
    "rows",
    "unparsed",
    "best",
)


def fmt(value: float, decimals: int = 3) -> str:
    """A number as the paper prints it; empty for NaN."""
    if value is None or math.isnan(value):
        return ""
    return f"{paper_round(value, decimals):.{decimals}f}"


def _check_format(name: str) -> None:
    if name not in FORMATS:
        raise ConfigError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")


# leaderboard


def render_leaderboard(board: Leaderboard, format: str = "terminal") -> str:
    """The leaderboard in ``format`` (one of ``FORMATS``).

    Raises:
        ConfigError: for an unknown format.
    """
    _check_format(format)
    if format == "json":
        return board.model_dump_json(indent=2) + "\n"
    if format == "csv":
        return leaderboard_csv(board)
    # Markdown and LaTeX print the paper's bare values; the others add intervals
    with_ci = format in ("terminal", "html")
    return grid.RENDERERS[format](leaderboard_grid(board, ci=with_ci))


def leaderboard_grid(board: Leaderboard, *, ci: bool = True) -> grid.Grid:
    """Table 2's layout: a row per strategy, a column per judge."""
    rows = []
    for strategy in board.strategies:
        row = [grid.Text(strategy)]
        for judge in board.judges:
            row.append(_leaderboard_text(board.cell(judge, strategy), ci))
        rows.append(row)
    percent = round(board.confidence * 100)
    title = "Mean Pearson r with human scores over the 8 BiGGen capabilities" + (
        f" [{percent}% bootstrap interval over instances]"
        if ci and board.n_resamples
        else ""
    )
    return grid.Grid(
        title=title, header=["strategy", *board.judges], rows=rows, notes=_notes(board)
    )


def _leaderboard_text(cell: Cell | None, ci: bool) -> grid.Text:
    if cell is None:
        return grid.Text("n/a")
    a = cell.agreement
    detail = f"[{fmt(a.ci_low)}, {fmt(a.ci_high)}]" if ci and a.n_resamples else ""
    mark = SIGNIFICANT if cell.vs_baseline and cell.vs_baseline.significant else ""
    return grid.Text(fmt(a.mean_r) or "nan", strong=cell.best, mark=mark, detail=detail)


def _notes(board: Leaderboard) -> list[str]:
    notes = [
        "Each cell: per-capability r rounded to 3 decimals, then averaged "
        "(the paper's procedure); rows with an unparsed judge score are left out.",
        "* / bold: best strategy per judge, the human-rubric oracle excluded.",
    ]
    if any(c.vs_baseline for c in board.cells):
        percent = round(board.confidence * 100)
        notes.append(
            f"{SIGNIFICANT}: differs from {board.baseline} (paired bootstrap, "
            f"{percent}% interval excludes 0)."
        )
    partial = [c for c in board.cells if c.agreement.capabilities_in_mean < 8]
    for c in partial:
        notes.append(
            f"{c.judge} / {c.strategy}: mean over "
            f"{c.agreement.capabilities_in_mean} of 8 capabilities only."
        )
    if board.missing:
        notes.append(
            f"n/a: {len(board.missing)} released files could not be had "
            f"(--format json gives each reason): {_missing_summary(board)}."
        )
    return notes + board.notes


def _missing_summary(board: Leaderboard) -> str:
    """Missing cells grouped by strategy: ``mt-bench (gpt-4o-mini); ...``."""
    parts = []
    for strategy in board.strategies:
        judges = [m.judge for m in board.missing if m.strategy == strategy]
        if not judges:
            continue
        who = "all judges" if set(judges) == set(board.judges) else ", ".join(judges)
        parts.append(f"{strategy} ({who})")
    return "; ".join(parts)


def leaderboard_csv(board: Leaderboard) -> str:
    """One row per (judge, strategy) cell that has data, judges first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for judge in board.judges:
        for strategy in board.strategies:
            cell = board.cell(judge, strategy)
            if cell is None:
                continue
            a = cell.agreement
            writer.writerow(
                [
                    judge,
                    strategy,
                    *(fmt(c.pearson) for c in a.capabilities),
                    fmt(a.mean_r),
                    fmt(a.ci_low),
                    fmt(a.ci_high),
                    a.rows,
                    a.unparsed,
                    str(cell.best).lower(),
                ]
            )
    return out.getvalue()


# per-capability breakdown


@dataclass(frozen=True)
class Breakdown:
    """One run's agreement, for ``correlate``."""

    judge: str
    strategy: str
    source: str
    agreement: Agreement


STAT_HEADER = [
    "capability",
    "rows",
    "unparsed",
    "pearson",
    "p",
    "spearman",
    "kendall",
    "mae",
    "alpha",
]


def render_breakdowns(
    items: Sequence[Breakdown],
    comparisons: Sequence[Comparison] = (),
    format: str = "terminal",
) -> str:
    """Per-capability statistics of each run, then any paired comparisons.

    Raises:
        ConfigError: for an unknown format.
    """
    _check_format(format)
    if format == "json":
        data = {
            "runs": [
                {
                    "judge": b.judge,
                    "strategy": b.strategy,
                    "source": b.source,
                    # through pydantic's JSON, which writes NaN as null
                    "agreement": json.loads(b.agreement.model_dump_json()),
                }
                for b in items
            ],
            "comparisons": [json.loads(c.model_dump_json()) for c in comparisons],
        }
        return json.dumps(data, indent=2) + "\n"
    if format == "csv":
        return breakdown_csv(items)
    render = grid.RENDERERS[format]
    parts = [render(breakdown_grid(b)) for b in items]
    if comparisons:
        parts.append(render(comparison_grid(comparisons)))
    return "\n".join(parts)


def _stat_row(c: CapabilityAgreement) -> list[str]:
    return [
        c.capability,
        str(c.rows),
        str(c.unparsed),
        fmt(c.pearson),
        _p(c.p_value),
        fmt(c.spearman),
        fmt(c.kendall),
        fmt(c.mae),
        fmt(c.alpha),
    ]


def _p(value: float) -> str:
    if math.isnan(value):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def breakdown_grid(b: Breakdown) -> grid.Grid:
    """Capabilities as rows, statistics as columns, the headline below."""
    a = b.agreement
    rows = [[grid.Text(t) for t in _stat_row(c)] for c in a.capabilities]
    rows += [[grid.Text(t) for t in _stat_row(c)] for c in a.other_capabilities]
    rows.append([grid.Text(t) for t in _stat_row(a.overall)])
    percent = round(a.confidence * 100)
    interval = (
        f", {percent}% interval [{fmt(a.ci_low)}, {fmt(a.ci_high)}] "
        f"({a.n_resamples} instance resamples, seed {a.seed})"
        if a.n_resamples
        else ""
    )
    notes = [
        f"mean r over {a.capabilities_in_mean} capabilities: {fmt(a.mean_r)} "
        f"(paper rounding; unrounded {a.mean_r_exact:.4f}){interval}",
        f"rows used {a.rows}, unparsed {a.unparsed} (failed calls {a.failed}), "
        f"without a human score {a.unlabelled}",
    ]
    if a.other_capabilities:
        notes.append("capabilities outside the 8 are shown but not in the mean")
    return grid.Grid(
        title=f"{b.judge} / {b.strategy} ({b.source})",
        header=STAT_HEADER,
        rows=rows,
        notes=notes,
    )


def comparison_grid(comparisons: Sequence[Comparison]) -> grid.Grid:
    """Paired differences in mean r; real ones (interval excludes 0) marked."""
    header = ["a vs b", "rows", "r a", "r b", "difference", "interval", "p"]
    rows = []
    for c in comparisons:
        rows.append(
            [
                grid.Text(f"{c.a} vs {c.b}"),
                grid.Text(str(c.rows)),
                grid.Text(fmt(c.mean_r_a)),
                grid.Text(fmt(c.mean_r_b)),
                grid.Text(
                    f"{c.difference:+.3f}",
                    mark=SIGNIFICANT if c.significant else "",
                ),
                grid.Text(f"[{fmt(c.ci_low)}, {fmt(c.ci_high)}]"),
                grid.Text(_p(c.p_value)),
            ]
        )
    percent = round(comparisons[0].confidence * 100) if comparisons else 95
    return grid.Grid(
        title="Paired comparisons of mean r (unrounded) on common rows",
        header=header,
        rows=rows,
        notes=[f"{SIGNIFICANT}: the {percent}% paired bootstrap interval excludes 0"],
    )


BREAKDOWN_CSV_COLUMNS: tuple[str, ...] = (
    "judge",
    "strategy",
    "source",
    "capability",
    "rows",
    "unparsed",
    "pearson",
    "p_value",
    "spearman",
    "kendall",
    "mae",
    "alpha",
)


def breakdown_csv(items: Sequence[Breakdown]) -> str:
    """One row per (run, capability), plus each run's pooled ``overall`` row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BREAKDOWN_CSV_COLUMNS)
    for b in items:
        a = b.agreement
        for c in [*a.capabilities, *a.other_capabilities, a.overall]:
            writer.writerow(
                [
                    b.judge,
                    b.strategy,
                    b.source,
                    c.capability,
                    c.rows,
                    c.unparsed,
                    _full(c.pearson),
                    _full(c.p_value),
                    _full(c.spearman),
                    _full(c.kendall),
                    _full(c.mae),
                    _full(c.alpha),
                ]
            )
    return out.getvalue()


def _full(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))
