"""Rewrite the expected rows of tests/test_queries_curated.py from the current curated build.

Each case keeps its parameters and compared columns; only its row list is
replaced with what the query returns now. A new query gets a case by adding
``'name': ({params}, [columns], []),`` to CASES by hand and running this.
Read the diff before committing it: every changed row is a changed answer.

Usage::

    .venv/bin/python tests/regenerate_query_cases.py          # rewrite the file
    .venv/bin/python tests/regenerate_query_cases.py --check  # exit 1 if it would change
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(__file__).with_name("test_queries_curated.py")


def _cases() -> dict:
    spec = importlib.util.spec_from_file_location("_curated_cases", TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def _block(cases: dict, kg) -> str:
    from graph.query import run
    lines = ["CASES = {"]
    for name, (params, columns, _) in cases.items():
        rows = [tuple(row[c] for c in columns) for row in run(kg, name, params).rows]
        lines.append(f"    {name!r}: ({params!r}, {columns!r}, [")
        lines += [f"        {row!r}," for row in rows]
        lines.append("    ]),")
    lines.append("}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from graph.api import KnowledgeGraph
    from graph.pipeline import build
    with tempfile.TemporaryDirectory() as tmp:
        kg = KnowledgeGraph(build(Path(tmp) / "dist", log=None).graph)
        text = TARGET.read_text(encoding="utf-8")
        start = text.index("CASES = {")
        end = re.search(r"^}\n", text[start:], re.M).end() + start
        new = text[:start] + _block(_cases(), kg) + "\n" + text[end:]
    if "--check" in argv:
        return int(new != text)
    TARGET.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
