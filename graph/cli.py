"""The ``cdkg`` command line.

Examples:
    cdkg build --out dist
    cdkg build --check
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import BuildError
from .paths import DATA, DIST

__all__ = ["main", "parser"]


def _build(args) -> int:
    from .pipeline import assemble, build, report_failure

    try:
        if args.check:
            assemble(Path(args.data), log=sys.stderr)
            print("check passed: nothing written", file=sys.stderr)
        else:
            steps = []
            if not args.no_html:
                from .render import html_step
                steps.append(html_step)
            build(Path(args.out), Path(args.data), extra_steps=steps)
    except BuildError as err:
        report_failure(err)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    top = argparse.ArgumentParser(
        prog="cdkg", description="China Digital Economy Knowledge Graph: build, query and explore.",
        epilog="Example: cdkg build --out dist")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="validate the curated data and write every output",
                       description="Load, validate, infer and write dist/. Exits 1 on any problem, leaving dist/ untouched.",
                       epilog="Example: cdkg build --out dist")
    b.add_argument("--out", default=str(DIST), help="output folder (default: dist/)")
    b.add_argument("--data", default=str(DATA), help="folder of curated Turtle files (default: ontology/data)")
    b.add_argument("--check", action="store_true", help="validate only; write nothing")
    b.add_argument("--no-html", action="store_true", help="skip the HTML view")
    b.set_defaults(func=_build)
    return top


def main(argv=None) -> int:
    """Entry point of ``cdkg`` and ``build.py``; returns the exit code."""
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
