"""A small text table and its renderings: terminal, Markdown, LaTeX, HTML.

Reports build a ``Grid`` (strings plus which cells to emphasise) and pick a
renderer, so every format marks the same cells: bold in Markdown and LaTeX,
``<strong>`` in HTML, and a trailing ``*`` on the terminal, where bold may
not show.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field

# footnotes on the terminal wrap at the width of the code: 88 columns
NOTE_WIDTH = 88


@dataclass(frozen=True)
class Text:
    """One cell: its text, an optional mark appended to it, and emphasis."""

    text: str
    strong: bool = False
    mark: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Grid:
    """A titled table with a header row, body rows and footnotes."""

    title: str
    header: list[str]
    rows: list[list[Text]]
    notes: list[str] = field(default_factory=list)


def terminal(grid: Grid) -> str:
    """Aligned plain text; emphasis shown as ``*``, details after the value."""

    def show(cell: Text) -> str:
        text = cell.text + ("*" if cell.strong else "") + cell.mark
        return f"{text} {cell.detail}" if cell.detail else text

    body = [[show(c) for c in row] for row in grid.rows]
    widths = [
        max([len(h)] + [len(row[i]) for row in body]) for i, h in enumerate(grid.header)
    ]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    out = [grid.title, line(grid.header), line(["-" * w for w in widths])]
    out += [line(row) for row in body]
    if grid.notes:
        out.append("")
        out += [
            textwrap.fill(n, NOTE_WIDTH, subsequent_indent="  ") for n in grid.notes
        ]
    return "\n".join(out) + "\n"


def markdown(grid: Grid) -> str:
    """A GitHub Markdown table; emphasis in bold."""

    def show(cell: Text) -> str:
        text = _md_escape(cell.text)
        text = f"**{text}**" if cell.strong else text
        return text + _md_escape(cell.mark)

    out = [f"**{_md_escape(grid.title)}**", ""]
    out.append("| " + " | ".join(_md_escape(h) for h in grid.header) + " |")
    out.append("|" + "|".join([":---"] + ["---:"] * (len(grid.header) - 1)) + "|")
    out += ["| " + " | ".join(show(c) for c in row) + " |" for row in grid.rows]
    out += [""] + [_md_escape(n) + "  " for n in grid.notes] if grid.notes else []
    return "\n".join(out) + "\n"


def latex(grid: Grid) -> str:
    """A booktabs ``table`` environment; emphasis with ``\\textbf``."""

    def show(cell: Text) -> str:
        text = _tex_escape(cell.text)
        text = f"\\textbf{{{text}}}" if cell.strong else text
        return text + (f"$^{{{_tex_mark(cell.mark)}}}$" if cell.mark else "")

    spec = "l" + "r" * (len(grid.header) - 1)
    out = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{_tex_escape(grid.title)}}}",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(_tex_escape(h) for h in grid.header) + " \\\\",
        "\\midrule",
    ]
    out += [" & ".join(show(c) for c in row) + " \\\\" for row in grid.rows]
    out += ["\\bottomrule", "\\end{tabular}"]
    if grid.notes:
        notes = " ".join(_tex_escape(n) for n in grid.notes)
        out.append(f"\\par\\smallskip\\footnotesize {notes}")
    out.append("\\end{table}")
    return "\n".join(out) + "\n"


def html_table(grid: Grid) -> str:
    """An HTML ``<table>`` (every text escaped); emphasis in ``<strong>``."""
    esc = html.escape

    def show(cell: Text) -> str:
        text = esc(cell.text)
        text = f"<strong>{text}</strong>" if cell.strong else text
        if cell.mark:
            text += f"<sup>{esc(cell.mark)}</sup>"
        if cell.detail:
            text += f' <small class="ci">{esc(cell.detail)}</small>'
        return text

    out = ['<table class="spri-judge">', f"<caption>{esc(grid.title)}</caption>"]
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{esc(h)}</th>' for h in grid.header)
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for row in grid.rows:
        head, *rest = row
        out.append(
            f'<tr><th scope="row">{show(head)}</th>'
            + "".join(f"<td>{show(c)}</td>" for c in rest)
            + "</tr>"
        )
    out.append("</tbody>")
    if grid.notes:
        notes = "<br>".join(esc(n) for n in grid.notes)
        out.append(f'<tfoot><tr><td colspan="{len(grid.header)}">{notes}</td></tr>')
        out.append("</tfoot>")
    out.append("</table>")
    return "\n".join(out) + "\n"


RENDERERS = {"terminal": terminal, "md": markdown, "latex": latex, "html": html_table}


def _md_escape(text: str) -> str:
    # characters that would end a cell or start emphasis inside a table
    for ch in ("\\", "|", "*", "_"):
        text = text.replace(ch, "\\" + ch)
    return text


_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex_escape(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def _tex_mark(mark: str) -> str:
    return mark.replace("†", r"\dagger")
