"""Docs stay honest: the README's commands, query table and command list match the code."""

import re
from pathlib import Path

from graph.cli import parser
from graph.paths import DATA, QUERIES, ROOT
from graph.query import library

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_quick_start_has_exactly_two_commands():
    build, test = _quick_start()
    assert build.endswith(".venv/bin/python build.py")
    assert test.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command_as_written():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert commands == [_quick_start()[1]]


def test_readme_query_table_matches_the_folder():
    listed = re.findall(r"^\| `(\w+)` \|", README, re.M)
    assert listed == sorted(library()), "regenerate the README query table: cdkg query --list --format md"
    for name, query in library().items():
        assert f"| `{name}` | {query.summary} |" in README, f"{name}: regenerate with cdkg query --list --format md"


def test_readme_mentions_every_command():
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"cdkg {name}" in README, name


def test_readme_documents_every_output():
    for name in ("graph.ttl", "graph-inferred.nt", "graph.jsonld", "entities.csv", "relations.csv",
                 "observations.csv", "sources.csv", "corrected-claims.csv", "report.md", "graph.html"):
        assert f"`{name}`" in README, name


def test_data_readme_has_dictionary_template_and_every_file():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "## Data dictionary" in text and "## Template record" in text
    for path in sorted(DATA.glob("*.ttl")):
        assert f"`{path.name}`" in text, f"{path.name} is not described in ontology/data/README.md"


def test_no_unfilled_placeholders_in_readme():
    assert not re.search(r"\b[A-Z]+_[A-Z_]+\b(?<!CC_BY)", README.replace("CI=true", "")), "a placeholder is left"

