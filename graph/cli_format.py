"""How the command line prints: result tables that fit the terminal, CSV, JSON, Markdown; one-line errors.

Every command that prints results builds a :class:`graph.query.Result` (columns
and rows of strings) and hands it to :func:`emit`. Tables are drawn by rich,
folded to the terminal's width (``COLUMNS``, else the terminal, else 120).

>>> from graph.query import Result
>>> print(render(Result(["a", "b"], [{"a": "x", "b": "淘宝"}]), "table", width=40))
a   b
────────
x   淘宝
(1 row)
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys

__all__ = ["FORMATS", "render", "emit", "add_format", "date_arg", "quiet_broken_pipe", "Parser"]

FORMATS = ("table", "csv", "json", "md")


def _table(result, width: int) -> str:
    """Columns side by side when they fit ``width`` (text wrapped at spaces), else one block per row."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    n = len(result.rows)
    footer = f"({n} row{'s' if n != 1 else ''})"
    values = {c: [row.get(c, "") or "" for row in result.rows] for c in result.columns}
    # ids, dates and figures (no spaces) stay whole; text may wrap down to 12 cells
    least = {c: max([cell_len(c)] + [cell_len(v) for v in vs]) if all(" " not in v for v in vs)
             else max([cell_len(c), 12]) for c, vs in values.items()}
    if sum(least.values()) + 3 * (len(least) - 1) > width:
        return _records(result, footer)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="", highlight=False)
    for c in result.columns:
        table.add_column(c, overflow="fold", min_width=least[c])
    for row in result.rows:
        table.add_row(*(row.get(c, "") or "" for c in result.columns))
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, markup=False, emoji=False, highlight=False,
            soft_wrap=False).print(table, crop=False)
    return "\n".join([*(line.rstrip() for line in buffer.getvalue().splitlines()), footer])


def _records(result, footer: str) -> str:
    """One block per row, a ``column: value`` line per non-empty value: for results too wide to tabulate."""
    pad = max(len(c) for c in result.columns)
    blocks = ["\n".join(f"{c:<{pad}}  {row[c]}" for c in result.columns if row.get(c)) for row in result.rows]
    return "\n\n".join([*blocks, footer])


def terminal_width() -> int:
    """The width tables fold to: ``COLUMNS``, else the terminal's, else 120; never under 40."""
    return max(40, shutil.get_terminal_size((120, 24)).columns)


def render(result, fmt: str = "table", width: int | None = None) -> str:
    """A Result as a table folded to ``width``, or CSV, JSON or Markdown (:func:`graph.query.format_result`)."""
    from .query import format_result
    if fmt == "table":
        return _table(result, width or terminal_width())
    return format_result(result, fmt)


def emit(result, fmt: str = "table") -> None:
    """Print a Result in a format."""
    print(render(result, fmt))


def add_format(p: argparse.ArgumentParser, default: str = "table") -> None:
    """The ``--format`` option every command that prints results takes."""
    p.add_argument("--format", choices=FORMATS, default=default,
                   help=f"table (default, fits the terminal), csv, json or md")


def date_arg(text: str) -> str:
    """An argparse type: a real calendar date, year-month or year (``today`` for today)."""
    from .history import parse_date, today
    if text == "today":
        return today()
    try:
        return parse_date(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def quiet_broken_pipe() -> None:
    """After the reader of our output went away (``| head``): stop writing, without a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``cdkg query: <problem> (see --help)``, exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")
