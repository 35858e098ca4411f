"""Rewrite the expected rows of tests/test_queries_curated.py from a fresh build of the curated data.

The rows are data tests: run this after changing the curated data on purpose, then read the
diff (``git diff tests/test_queries_curated.py``) and commit both together. Each case keeps its
parameters and columns; only its rows are replaced. A new query needs a case written by hand
first (name, parameters, columns, and ``[]`` for rows).

    .venv/bin/python tests/regenerate_query_cases.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "test_queries_curated.py"


def _cases() -> dict:
    spec = importlib.util.spec_from_file_location("cases", TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def _render(cases: dict, rows: dict) -> str:
    out = ["CASES = {"]
    for name, (params, columns, _) in cases.items():
        out.append(f"    {name!r}: ({params!r}, {columns!r}, [")
        out += [f"        {tuple(r)!r}," for r in rows[name]]
        out.append("    ]),")
    out.append("}")
    return "\n".join(out)


def main() -> int:
    sys.path.insert(0, str(HERE.parent))
    from graph.api import KnowledgeGraph
    from graph.pipeline import build
    from graph.query import run
    cases = _cases()
    with tempfile.TemporaryDirectory() as tmp:
        kg = KnowledgeGraph(build(Path(tmp) / "dist", log=None).graph)
        rows = {name: [tuple(row[c] for c in columns) for row in run(kg, name, params).rows]
                for name, (params, columns, _) in cases.items()}
    text = TARGET.read_text(encoding="utf-8")
    block = re.compile(r"^CASES = \{\n.*?^\}$", re.S | re.M)
    if not block.search(text):
        print(f"{TARGET}: no CASES block found", file=sys.stderr)
        return 1
    new = block.sub(lambda _: _render(cases, rows), text, count=1)
    TARGET.write_text(new, encoding="utf-8")
    changed = sum(1 for n, (_, _, old) in cases.items() if list(old) != rows[n])
    print(f"{TARGET.name}: {len(cases)} cases, {changed} with new rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
