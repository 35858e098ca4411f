"""Rewrite the generated data section of CHANGELOG.md with ``cdkg diff OLD NEW --format md``.

Example (after merging, against the 0.1.0 commit):
    python -m graph.changelog 477dcdd HEAD
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .diff import DiffError, diff, snapshot, to_markdown
from .paths import ROOT

__all__ = ["main", "replace_block"]

_BLOCK = re.compile(r"(<!-- BEGIN cdkg diff (\S+) (\S+) .*?-->\n).*?(<!-- END cdkg diff -->)", re.S)


def replace_block(text: str, body: str, old: str, new: str) -> str:
    """``text`` with its generated block between the BEGIN and END markers replaced by ``body``.

    >>> replace_block("a\\n<!-- BEGIN cdkg diff x y (generated) -->\\nold\\n<!-- END cdkg diff -->\\nb", "new\\n", "x", "y")
    'a\\n<!-- BEGIN cdkg diff x y (generated: do not edit by hand) -->\\nnew\\n<!-- END cdkg diff -->\\nb'
    """
    if not _BLOCK.search(text):
        raise DiffError("no <!-- BEGIN cdkg diff ... --> ... <!-- END cdkg diff --> block to replace")
    head = f"<!-- BEGIN cdkg diff {old} {new} (generated: do not edit by hand) -->\n"
    return _BLOCK.sub(lambda m: head + body + m.group(4), text, count=1)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m graph.changelog OLD NEW", file=sys.stderr)
        return 2
    old, new = args
    path = ROOT / "CHANGELOG.md"
    try:
        body = to_markdown(diff(snapshot(old, ROOT), snapshot(new, ROOT)), old, new)
        path.write_text(replace_block(path.read_text(encoding="utf-8"), body, old, new), encoding="utf-8")
    except DiffError as err:
        print(f"graph.changelog: {err}", file=sys.stderr)
        return 2
    print(f"rewrote the data section of {path.name} ({old} -> {new})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
