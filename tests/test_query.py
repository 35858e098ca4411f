"""The query library: every file parses and runs; the runner binds, resolves and formats."""

import json
import re

import pyoxigraph as ox
import pytest

from graph.paths import CHECKS, QUERIES
from graph.query import QueryError, QueryFile, format_result, library, run
from graph.store import with_values

QUERY_FILES = sorted(QUERIES.glob("*.rq"))
CHECK_FILES = sorted(CHECKS.glob("*-violation.rq"))


def test_library_has_at_least_25_questions():
    assert len(library()) >= 25


@pytest.mark.parametrize("path", QUERY_FILES + CHECK_FILES, ids=lambda p: p.stem)
def test_query_file_has_header_and_parses(path):
    q = QueryFile.parse(path)
    assert q.summary.endswith(("?", ".")), f"{path.name}: #+ summary missing"
    assert q.tags, f"{path.name}: #+ tags missing"
    assert q.returns, f"{path.name}: #+ returns missing"
    ox.Store().query(q.text)  # raises SyntaxError if the SPARQL is invalid
    assert re.search(r"^ORDER BY ", q.text, re.M), f"{path.name}: results must be ordered"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_declared_params_and_returns_match_the_query(path):
    q = QueryFile.parse(path)
    used = set(re.findall(r"\?(_\w+)", q.text.split("\nPREFIX", 1)[1]))
    assert used == set(q.params), f"{path.name}: params header {sorted(q.params)} vs used {sorted(used)}"
    select = re.search(r"SELECT (.*?) WHERE", q.text, re.S).group(1)
    projected = re.findall(r"(?:AS )?\?(\w+)\)?", select)
    for column in q.returns:
        assert column in projected, f"{path.name}: returns ?{column} but does not project it"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_runs_on_the_tiny_graph(path, tiny_kg):
    q = QueryFile.parse(path)
    samples = {"entity": "Alibaba Group", "date": "2021-12-31", "year": "2021", "text": "ali",
               "indicator": "https://w3id.org/cdkg/id/ind-none", "source": "https://w3id.org/cdkg/source/fixture"}
    result = run(tiny_kg, path.stem, {p[1:]: samples[k] for p, k in q.params.items()})
    assert result.columns == q.returns


def test_entity_parameter_resolves_label_alias_or_chinese(tiny_kg):
    for name in ("Alipay", "支付宝", "id:alipay", "https://w3id.org/cdkg/id/alipay"):
        rows = run(tiny_kg, "regulators_of_platform", {"platform": name}).rows
        assert [(r["regulator"], r["route"]) for r in rows] == [
            ("id:cac", "sector of its operator or owner"), ("id:pboc", "direct")]


def test_unknown_entity_parameter_suggests(tiny_kg):
    with pytest.raises(LookupError, match="did you mean: Taobao"):
        run(tiny_kg, "regulators_of_platform", {"platform": "Taobaoo"})


def test_missing_and_unknown_parameters_are_named(tiny_kg):
    with pytest.raises(QueryError, match="needs --param platform="):
        run(tiny_kg, "regulators_of_platform", {})
    with pytest.raises(QueryError, match="takes no parameter colour"):
        run(tiny_kg, "regulators_of_platform", {"platform": "Taobao", "colour": "red"})
    with pytest.raises(QueryError, match="must be a calendar date"):
        run(tiny_kg, "instruments_in_force_on_date", {"date": "last year"})
    with pytest.raises(QueryError, match="no query named 'nope'"):
        run(tiny_kg, "nope", {})


def test_parameters_are_bound_not_pasted(tiny_kg):
    hostile = 'x" } } DELETE WHERE { ?s ?p ?o } #'
    rows = run(tiny_kg, "entity_by_name", {"name": hostile}).rows
    assert rows == []
    assert len(tiny_kg.store) > 0


def test_values_binding_escapes_literals():
    text = with_values("SELECT ?x WHERE { ?x ?p ?_n }", {"_n": __import__("rdflib").Literal('a"b')})
    assert 'VALUES (?_n) { ("a\\"b") }' in text


def test_in_force_on_date(tiny_kg):
    rows = run(tiny_kg, "instruments_in_force_on_date", {"date": "2021-01-01"}).rows
    assert [r["instrument"] for r in rows] == ["id:cybersecurity-law"]
    rows = run(tiny_kg, "instruments_in_force_on_date", {"date": "2021-11-01"}).rows
    assert [r["instrument"] for r in rows] == ["id:cybersecurity-law", "id:pipl"]


def test_same_rows_as_table_csv_json_and_markdown(tiny_kg):
    result = run(tiny_kg, "platforms_of_company", {"company": "Alibaba"})
    table = format_result(result, "table").splitlines()
    assert table[0].split() == ["platform", "platformLabel", "platformLabelZh", "operator", "operatorLabel"]
    assert table[-1] == "(2 rows)"
    assert format_result(result, "csv").splitlines() == [
        "platform,platformLabel,platformLabelZh,operator,operatorLabel",
        "id:alipay,Alipay,支付宝,id:ant-group,Ant Group",
        "id:taobao,Taobao,淘宝,id:alibaba-group,Alibaba Group",
    ]
    assert json.loads(format_result(result, "json")) == [
        {"platform": "id:alipay", "platformLabel": "Alipay", "platformLabelZh": "支付宝",
         "operator": "id:ant-group", "operatorLabel": "Ant Group"},
        {"platform": "id:taobao", "platformLabel": "Taobao", "platformLabelZh": "淘宝",
         "operator": "id:alibaba-group", "operatorLabel": "Alibaba Group"},
    ]
    assert format_result(result, "md").splitlines()[2] == "| id:alipay | Alipay | 支付宝 | id:ant-group | Ant Group |"


def test_inline_sparql_text_runs(tiny_kg):
    result = run(tiny_kg, "SELECT ?s WHERE { ?s a <https://w3id.org/cdkg/ontology#Regulator> } ORDER BY ?s")
    assert [r["s"] for r in result.rows] == ["id:cac", "id:pboc"]


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_check_returns_no_rows_on_the_tiny_graph(path):
    from graph.store import select, to_store
    from graph.testing import tiny_graph
    assert select(to_store(tiny_graph()), path.read_text(encoding="utf-8")) == []
