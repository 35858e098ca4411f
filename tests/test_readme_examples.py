"""Every example in the README runs as printed, on a build of the curated data.

The ``sh`` blocks' ``cdkg`` lines run with ``--graph`` pointing at the curated
build (not dist/) and must exit 0 with output and no traceback; the ``console``
block of the query library prints exactly what the README shows; the Python
block runs line by line. Left out, each for a stated reason: ``cdkg serve``
(a server that does not return), lines with ``--endpoint`` (they need it), and
``cdkg diff`` with git revisions (tested in tests/test_diff.py).
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from graph.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CDKG = str(Path(sys.executable).with_name("cdkg"))
SKIP = ("cdkg serve", "cdkg diff")


def _blocks(kind: str) -> list[str]:
    return [m.group(1) for m in re.finditer(rf"```{kind}\n(.*?)```", README, re.S)]


def _cdkg_lines() -> list[str]:
    lines = [line.split("  #")[0].strip() for block in _blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line.startswith("cdkg ") and not line.startswith(SKIP)
            and "--endpoint" not in line]


def _run(line: str, graph_file: Path) -> subprocess.CompletedProcess:
    first, _, rest = line.partition(" | ")
    command = shlex.quote(CDKG) + first[len("cdkg"):]
    if first != "cdkg --version":
        command += f" --graph {shlex.quote(str(graph_file))}"
    if rest:
        command += " | " + rest
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                          cwd=ROOT, env=env)


def test_the_readme_has_the_examples_this_test_runs():
    assert len(_cdkg_lines()) == 19


@pytest.mark.parametrize("line", _cdkg_lines())
def test_cdkg_example_runs_as_printed(line, curated):
    out, _ = curated
    done = _run(line, out / "graph.ttl")
    assert done.returncode == 0 and done.stdout.strip() and "Traceback" not in done.stderr, (line, done.stderr)


def test_console_example_prints_what_the_readme_shows(curated):
    out, _ = curated
    block = next(b for b in _blocks("console") if b.startswith("$ cdkg query"))
    command, _, shown = block.partition("\n")
    done = _run(command[2:], out / "graph.ttl")
    assert done.stdout == shown, "regenerate the README block: COLUMNS=120 " + command[2:]


def test_python_example_runs_line_by_line(curated, tmp_path):
    import graph
    out, _ = curated
    block = next(b for b in _blocks("python") if "graph.load()" in b)
    code = block.replace("graph.load()", f"graph.load({str(out / 'graph.ttl')!r})")
    code = code.replace('"dist/graph.gexf"', repr(str(tmp_path / "graph.gexf")))
    exec(compile(code, "README.md", "exec"), {"graph": graph})
    assert (tmp_path / "graph.gexf").stat().st_size > 1000
