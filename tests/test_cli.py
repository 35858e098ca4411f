"""The cdkg command line, run as a user would, on a build of tests/valid."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.cli import main, parser
from graph.paths import ROOT
from graph.pipeline import build

VALID = Path(__file__).parent / "valid"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "dist"
    build(out, VALID, log=None)
    return str(out / "graph.ttl")


def cdkg(*args):
    env = {**os.environ, "COLUMNS": "120"}  # tables fold to the terminal's width: fix it
    done = subprocess.run([sys.executable, "-m", "graph.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    return done.returncode, done.stdout, done.stderr


def test_query_table_csv_json_give_the_same_rows(graph_file):
    code, table, _ = cdkg("query", "platforms_of_company", "--param", "company=Example Company", "--graph", graph_file)
    assert code == 0
    assert table.splitlines()[0].split() == ["platform", "platformLabel", "platformLabelZh", "operator", "operatorLabel"]
    assert table.splitlines()[2].split() == ["id:example-platform", "Example", "Platform", "示例平台",
                                             "id:example-company", "Example", "Company"]
    _, csv_out, _ = cdkg("query", "platforms_of_company", "--param", "company=示例公司", "--graph", graph_file,
                         "--format", "csv")
    assert csv_out.splitlines()[1] == "id:example-platform,Example Platform,示例平台,id:example-company,Example Company"
    _, json_out, _ = cdkg("query", "platforms_of_company", "--param", "company=id:example-company",
                          "--graph", graph_file, "--format", "json")
    assert json.loads(json_out)[0]["platform"] == "id:example-platform"


def test_query_list_names_every_query():
    code, out, _ = cdkg("query", "--list")
    assert code == 0 and "regulators_of_platform" in out and "--param platform=<entity>" in out


def test_unknown_name_gives_suggestion_not_traceback(graph_file):
    code, out, err = cdkg("show", "Exampel Regulator", "--graph", graph_file)
    assert code == 2
    assert "no entity named 'Exampel Regulator'; did you mean: Example Regulator" in err
    assert "Traceback" not in err


def test_show_prints_relations_with_sources(graph_file):
    code, out, _ = cdkg("show", "Example Law", "--graph", graph_file)
    assert code == 0
    assert out.splitlines()[0] == "Example Law / 示例法 (id:example-law)"
    assert "--enforcedBy--> Example Regulator (id:example-regulator)  <src:example Art. 6>" in out


def test_path_prints_each_step_and_source(graph_file):
    code, out, _ = cdkg("path", "Example Platform", "Example Company", "--graph", graph_file)
    assert code == 0
    assert out.splitlines() == [
        "path 1 (1 step):",
        "  Example Company / 示例公司 (id:example-company) --operates--> Example Platform / 示例平台 (id:example-platform)",
        "      source: src:example p. 2",
    ]


def test_as_of_lists_instruments_in_force(graph_file):
    _, before, _ = cdkg("as-of", "2021-08-31", "--graph", graph_file)
    _, after, _ = cdkg("as-of", "2021-09-01", "--graph", graph_file)
    assert "instruments in force (0):" in before
    assert "Example Law / 示例法 (id:example-law)  effective 2021-09-01" in after


def test_neighbours_and_owners(graph_file):
    code, out, _ = cdkg("neighbours", "Example Regulator", "--direction", "in", "--graph", graph_file)
    assert code == 0 and out.splitlines()[0] == "Example Regulator / 示例监管机构 (id:example-regulator): 1 neighbour(s)"
    assert out.splitlines()[3].split() == ["in", "enforcedBy", "id:example-law", "Example", "Law", "src:example", "Art.", "6"]
    code, out, _ = cdkg("owners", "Example Platform", "--graph", graph_file)
    assert code == 0
    assert out.splitlines() == [
        "owners of Example Platform / 示例平台 (id:example-platform): 1",
        "  Example Company / 示例公司 (id:example-company): effective stake 100%",
        "      id:example-company --operates--> id:example-platform  <src:example p. 2>",
    ]


def test_every_command_help_ends_with_an_example(capsys):
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.epilog and p.epilog.startswith("Example: cdkg "), name


def test_build_check_writes_nothing(tmp_path):
    assert main(["build", "--check", "--data", str(VALID)]) == 0


def test_persistent_oxigraph_store_gives_the_same_rows(tmp_path, capsys):
    out, store = tmp_path / "dist", f"oxigraph:{tmp_path / 'store'}"
    assert main(["build", "--data", str(VALID), "--out", str(out), "--no-html", "--store", store]) == 0
    capsys.readouterr()
    args = ["query", "platforms_of_company", "--param", "company=Example Company",
            "--graph", str(out / "graph.ttl"), "--format", "csv"]
    assert main(args) == 0
    in_memory = capsys.readouterr().out
    assert main(args + ["--store", store]) == 0
    assert capsys.readouterr().out == in_memory
    assert "id:example-platform,Example Platform" in in_memory


BAD = [  # (arguments, what the one-line error must say); "{g}" is the built graph
    (["build", "--data", "/nonexistent"], "data folder /nonexistent does not exist"),
    (["query", "nope", "--graph", "{g}"], "no query named 'nope'"),
    (["query", "platforms_of_company", "--param", "company=Nobody At All", "--graph", "{g}"],
     "no entity named 'Nobody At All'"),
    (["query", "instruments_in_force_on_date", "--param", "date=2021-02-30", "--graph", "{g}"],
     "parameter date must be a calendar date"),
    (["query", "regulators_of_platform", "--param", "platform=http://a b", "--graph", "{g}"],
     "parameter platform is not a valid IRI: 'http://a b'"),
    (["query", "platforms_of_company", "--param", "colour=red", "--graph", "{g}"], "colour"),
    (["sparql", "SELECT", "--graph", "{g}"], "cdkg sparql: "),
    (["sparql", "/nonexistent.rq", "--graph", "{g}"], "/nonexistent.rq"),
    (["show", "Nobody At All", "--graph", "{g}"], "no entity named 'Nobody At All'"),
    (["show", "Example Company", "--graph", "/nonexistent.ttl"], "graph file /nonexistent.ttl does not exist"),
    (["path", "Example Company", "Nobody At All", "--graph", "{g}"], "no entity named 'Nobody At All'"),
    (["neighbours", "Nobody At All", "--graph", "{g}"], "no entity named 'Nobody At All'"),
    (["owners", "Example Platform", "--as-of", "2021-13-01", "--graph", "{g}"], "2021-13-01 is not a calendar date"),
    (["as-of", "yesterday", "--graph", "{g}"], "yesterday is not a calendar date"),
    (["as-of", "2021-02-30", "--graph", "{g}"], "2021-02-30 is not a calendar date"),
    (["search", "x" * 300, "--graph", "{g}"], "a name of 300 characters is too long to look up (at most 200)"),
    (["rank", "--graph", "/nonexistent.ttl"], "graph file /nonexistent.ttl does not exist"),
    (["export", "x.csv", "--graph", "{g}"], "export writes .graphml or .gexf, not '.csv'"),
    (["export", "/nonexistent/x.gexf", "--graph", "{g}"], "folder /nonexistent does not exist"),
    (["view", "Nobody At All", "--graph", "{g}"], "no entity named 'Nobody At All'"),
    (["diff", "/nonexistent", "/nonexistent2"], "/nonexistent: no such folder"),
    (["serve", "--graph", "/nonexistent.ttl"], "/nonexistent.ttl does not exist"),
    (["push", "http://127.0.0.1:9/store", "--graph", "/nonexistent.nt"], "/nonexistent.nt does not exist"),
    (["owners"], "the following arguments are required"),
    (["nonsense-command"], "invalid choice"),
]


def test_bad_arguments_cover_every_command():
    sub = next(a for a in parser()._actions if a.dest == "command")
    assert {args[0] for args, _ in BAD} >= set(sub.choices)


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_arguments_give_one_line_and_exit_2(args, message, graph_file):
    code, out, err = cdkg(*(a.replace("{g}", graph_file) for a in args))
    assert code == 2, (code, err)
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
