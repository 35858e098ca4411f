"""`cdkg serve`: the SPARQL endpoint over the curated build, queried with real clients.

The endpoint runs in this process on a free loopback port; its queries run in
worker processes. Rows from SPARQLWrapper, rdflib's SPARQLStore and
`graph.query.run(..., endpoint=...)` must equal the embedded runner's exactly.
"""

import csv
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from graph.query import library, run
from graph.remote import rows_from_json
from graph.serve import Endpoint
from graph.store import select, to_oxigraph, with_values

#: ~2,000 labels cubed: about 10^10 rows, minutes of streaming in a few MiB (a join over all
#: triples holds one side in memory: over 64 MiB once the curated graph passed 50,000 triples).
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?c . "
         "?d <http://www.w3.org/2000/01/rdf-schema#label> ?f . ?g <http://www.w3.org/2000/01/rdf-schema#label> ?i }")
SAMPLE = {"date": "2021-09-01", "year": "2021", "text": "data", "iri": "https://w3id.org/cdkg/id/china"}
RANGE = {"_from": "2015-01-01", "_to": "2025-12-31"}
#: Parameter kinds whose values are IRIs of things in the store (found by probing, not sampled).
IRI_KINDS = ("entity", "indicator", "source")


# -- choosing parameters for every library query ------------------------------------------

def _body(text: str) -> tuple[str, str]:
    """The query's prologue (before SELECT) and its WHERE group, braces included."""
    select = re.search(r"^\s*SELECT\b", text, re.IGNORECASE | re.MULTILINE).start()
    start = re.compile(r"\bWHERE\s*\{", re.IGNORECASE).search(text, select)
    depth, end = 0, start.end() - 1
    for end in range(start.end() - 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            break
    return text[:select], text[start.start():end + 1]


def _entity_values(store, query, fixed) -> dict | None:
    """Values for the entity parameters that give the query rows (the smallest IRIs that do)."""
    entities = [v for v, kind in query.params.items() if kind in IRI_KINDS]
    prologue, where = _body(query.text)
    probe = f"{prologue}SELECT DISTINCT {' '.join('?' + v for v in entities)} {where} " \
            f"ORDER BY {' '.join('?' + v for v in entities)} LIMIT 1"
    rows = select(store, probe, fixed)
    return {v: rows[0][v] for v in entities} if rows and len(rows[0]) == len(entities) else None


def _any_entity(store, query) -> dict:
    """The first entity for each entity parameter (when no probe finds rows, e.g. in a subquery)."""
    first = select(store, "PREFIX kg: <https://w3id.org/cdkg/ontology#> "
                          "SELECT ?e WHERE { ?e a kg:Entity } ORDER BY ?e LIMIT 1")[0]["e"]
    return {v: first for v, kind in query.params.items() if kind in IRI_KINDS}


def library_cases(store) -> list[tuple[str, dict]]:
    """(query name, parameters) for every library query, with entity parameters as IRIs.

    Entity parameters get values for which the embedded store returns rows;
    dates, years and texts get fixed samples.
    """
    cases = []
    for name, query in library().items():
        fixed = {v: rdflib.Literal(RANGE.get(v, SAMPLE[k]), datatype=_datatype(k))
                 for v, k in query.params.items() if k not in IRI_KINDS}
        params = {v[1:]: str(value) for v, value in fixed.items()}
        if any(k in IRI_KINDS for k in query.params.values()):
            found = _entity_values(store, query, fixed) or _any_entity(store, query)
            params.update({v[1:]: str(iri) for v, iri in found.items()})
        cases.append((name, params))
    return cases


def concat_columns(text: str) -> dict[str, str]:
    """GROUP_CONCAT columns of a query and their separators.

    SPARQL leaves the order of GROUP_CONCAT undefined, and Oxigraph concatenates
    in load order, which differs between an rdflib-fed store and one bulk-loaded
    from sorted N-Triples; so those cells compare as sorted lists of parts.
    """
    found = {}
    for match in re.finditer(r"GROUP_CONCAT\((.*?)\)\s+AS\s+\?(\w+)", text, re.IGNORECASE | re.DOTALL):
        sep = re.search(r'separator\s*=\s*"([^"]*)"', match.group(1), re.IGNORECASE)
        found[match.group(2)] = sep.group(1) if sep else " "
    return found


def canonical(text: str, rows: list[dict]) -> list[dict]:
    """Rows with GROUP_CONCAT cells as sorted tuples of their parts (see :func:`concat_columns`)."""
    columns = concat_columns(text)
    return [{k: tuple(sorted(str(v).split(columns[k]))) if k in columns else v for k, v in row.items()}
            for row in rows]


def _datatype(kind):
    return {"date": rdflib.XSD.date, "year": rdflib.XSD.integer}.get(kind)


# -- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def endpoint(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", port=0, timeout=20, workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def cases(curated_kg):
    found = library_cases(curated_kg.store)
    assert len(found) == len(library())
    return found


def _bindings(kg, name, params):
    from graph.query import bind
    query = library()[name]
    return query.text, bind(kg, query, params)


def _get(url, accept=None, **params):
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode(params),
                                     headers={"Accept": accept} if accept else {})
    return _open(request)


def _open(request):
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# -- the same rows as the embedded runner -------------------------------------------------------

def test_every_library_query_gives_the_embedded_rows_through_run(endpoint, curated_kg, cases):
    for name, params in cases:
        text = library()[name].text
        here = run(curated_kg, name, params)
        there = run(None, name, params, endpoint=endpoint.query_url)
        assert there.columns == here.columns, name
        assert canonical(text, there.rows) == canonical(text, here.rows), name


def test_sparqlwrapper_rows_equal_embedded_rows(endpoint, curated_kg, cases):
    nonempty = 0
    for name, params in cases:
        text, bindings = _bindings(curated_kg, name, params)
        client = SPARQLWrapper(endpoint.query_url)
        client.setQuery(with_values(text, bindings))
        client.setReturnFormat(JSON)
        rows = rows_from_json(client.queryAndConvert())
        assert canonical(text, rows) == canonical(text, select(curated_kg.store, text, bindings)), name
        nonempty += bool(rows)
    assert nonempty >= 20


def test_rdflib_sparqlstore_rows_equal_embedded_rows(endpoint, curated_kg, cases):
    remote = rdflib.Graph(store=SPARQLStore(endpoint.query_url, returnFormat="xml"))
    for name, params in cases[::3]:
        text, bindings = _bindings(curated_kg, name, params)
        rows = [{k: v for k, v in row.asdict().items() if v is not None}
                for row in remote.query(with_values(text, bindings))]
        assert canonical(text, rows) == canonical(text, select(curated_kg.store, text, bindings)), name


def test_entity_parameter_by_label_on_the_library_route(endpoint, curated_kg):
    here = run(curated_kg, "regulators_of_platform", {"platform": "Alipay"})
    status, _, body = _get(endpoint.url + "/library/regulators_of_platform", platform="Alipay", format="json")
    assert status == 200
    rows = [{k: str(v) for k, v in r.items()} for r in rows_from_json(json.loads(body))]
    assert [r["regulator"] for r in rows] == [curated_kg.nx.nodes[r["regulator"]]["iri"] for r in here.rows]


# -- result formats and content negotiation -----------------------------------------------------

QUERY = ("PREFIX kg: <https://w3id.org/cdkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?e ?l WHERE { ?e a kg:Platform ; rdfs:label ?l } ORDER BY ?e ?l")


@pytest.mark.parametrize("accept,media,fmt", [
    ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_formats_parse_back_to_the_same_rows(endpoint, curated_kg, accept, media, fmt):
    status, headers, body = _get(endpoint.query_url, accept, query=QUERY)
    assert status == 200 and headers["Content-Type"].startswith(media)
    parsed = ox.parse_query_results(body, format=fmt)
    rows = [(str(s["e"]), str(s["l"])) for s in parsed]
    expected = [(str(to_oxigraph(r["e"])), str(to_oxigraph(r["l"]))) for r in select(curated_kg.store, QUERY)]
    assert rows == expected and len(rows) > 10


def test_select_as_csv(endpoint, curated_kg):
    status, headers, body = _get(endpoint.query_url, "text/csv", query=QUERY)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert lines[0] == ["e", "l"]
    assert lines[1:] == [[str(r["e"]), str(r["l"])] for r in select(curated_kg.store, QUERY)]


def test_ask_in_json_and_xml(endpoint):
    status, _, body = _get(endpoint.query_url, "application/sparql-results+json", query="ASK { ?s ?p ?o }")
    assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})
    status, _, body = _get(endpoint.query_url, "application/sparql-results+xml", query="ASK { <urn:x> ?p ?o }")
    assert status == 200 and b"<boolean>false</boolean>" in body


CONSTRUCT = ("PREFIX kg: <https://w3id.org/cdkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             "CONSTRUCT { ?s kg:issuedBy ?o ; rdfs:label ?l } WHERE { ?s kg:issuedBy ?o ; rdfs:label ?l }")


@pytest.mark.parametrize("accept,media,rdflib_format", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_content_negotiation(endpoint, curated_kg, accept, media, rdflib_format):
    status, headers, body = _get(endpoint.query_url, accept, query=CONSTRUCT)
    assert status == 200 and headers["Content-Type"].startswith(media)
    got = set(rdflib.Graph().parse(data=body, format=rdflib_format))
    expected = {tuple(t) for t in curated_kg.store.query(CONSTRUCT)}
    assert len(got) == len(expected) > 20
    assert {tuple(x.n3() for x in t) for t in got} == {tuple(str(x) for x in t) for t in expected}


def test_post_form_and_sparql_query_body_give_the_get_answer(endpoint):
    _, _, by_get = _get(endpoint.query_url, query=QUERY)
    form = urllib.request.Request(endpoint.query_url, urllib.parse.urlencode({"query": QUERY}).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    direct = urllib.request.Request(endpoint.query_url, QUERY.encode(),
                                    headers={"Content-Type": "application/sparql-query"})
    assert _open(form)[2] == _open(direct)[2] == by_get


def test_unacceptable_format_is_406(endpoint):
    status, _, body = _get(endpoint.query_url, "image/png", query=QUERY)
    assert status == 406 and b"offered" in body


# -- faults and limits ------------------------------------------------------------------------

def test_update_is_refused_and_the_data_unchanged(endpoint):
    update = "INSERT DATA { <urn:x> <urn:y> <urn:z> }"
    as_body = urllib.request.Request(endpoint.query_url, update.encode(),
                                     headers={"Content-Type": "application/sparql-update"})
    as_form = urllib.request.Request(endpoint.query_url, urllib.parse.urlencode({"update": update}).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    to_update = urllib.request.Request(endpoint.url + "/update", update.encode(),
                                       headers={"Content-Type": "application/sparql-update"})
    assert _open(as_body)[0] == 403
    assert _open(as_form)[0] == 403
    assert _open(to_update)[0] == 404
    assert _get(endpoint.query_url, query=update)[0] == 403
    _, _, body = _get(endpoint.query_url, query="ASK { <urn:x> ?p ?o }")
    assert json.loads(body)["boolean"] is False


def test_malformed_query_is_400_with_the_parser_message(endpoint):
    status, _, body = _get(endpoint.query_url, query="SELECT ?s WHERE { ?s ?p }")
    assert status == 400
    assert body.decode().startswith("malformed query: error at 1:")


def test_missing_query_is_400_and_unknown_page_404(endpoint):
    assert _get(endpoint.query_url)[0] == 400
    assert _get(endpoint.url + "/nothing-here")[0] == 404


def test_row_cap_truncates_and_says_so(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", port=0, max_rows=7, workers=1) as capped:
        status, headers, body = _get(capped.query_url, query="SELECT * WHERE { ?s ?p ?o }")
        assert status == 200 and headers["X-Truncated"] == "true" and headers["X-Max-Rows"] == "7"
        assert len(json.loads(body)["results"]["bindings"]) == 7
        _, headers, body = _get(capped.query_url, query="SELECT * WHERE { ?s ?p ?o } LIMIT 7")
        assert "X-Truncated" not in headers and len(json.loads(body)["results"]["bindings"]) == 7


def test_over_long_query_times_out_and_the_server_answers_the_next(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", port=0, timeout=1.5, workers=1) as limited:
        start = time.monotonic()
        status, _, body = _get(limited.query_url, query=HEAVY)
        assert status == 503 and b"time limit of 1.5 s" in body
        assert time.monotonic() - start < 10
        status, _, body = _get(limited.query_url, query="ASK { ?s ?p ?o }")  # waits for the new worker
        assert status == 200 and json.loads(body)["boolean"] is True
        assert limited.pool.killed == 1


# -- the HTML page ----------------------------------------------------------------------------

def test_home_page_lists_every_library_query_with_a_form(endpoint):
    status, headers, body = _get(endpoint.url + "/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for name, query in library().items():
        assert f'action="/library/{name}"' in page
        for var in query.params:
            assert f'name="{var[1:]}"' in page


def test_home_page_escapes_the_library_text(curated, tmp_path):
    out, _ = curated
    (tmp_path / "evil.rq").write_text(
        '#+ summary: <script>alert(1)</script> & "quotes"\n#+ params: ?_x (text)\n'
        "SELECT ?s WHERE { ?s ?p ?_x }\n", encoding="utf-8")
    with Endpoint(out / "graph-inferred.nt", port=0, workers=1, queries=tmp_path) as ep:
        page = _get(ep.url + "/")[2].decode("utf-8")
        result = _get(ep.url + "/library/evil", x="<b>bold</b>", format="html")[2].decode("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "<b>bold" not in result


def test_library_route_html_table(endpoint):
    status, _, body = _get(endpoint.url + "/library/regulator_map", format="html")
    assert status == 200 and body.count(b"<tr>") > 3


# -- the command line -------------------------------------------------------------------------

def test_cdkg_serve_command_answers_then_stops(curated, tmp_path):
    out, _ = curated
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "graph.cli", "serve", "--graph", str(out / "graph-inferred.nt"),
                             "--store", f"oxigraph:{tmp_path / 'store'}", "--port", str(port), "--workers", "1",
                             "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert f"at http://127.0.0.1:{port}/" in line, line
        status, _, body = _get(f"http://127.0.0.1:{port}/query", query="ASK { ?s a ?t }")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_html_results_escape_values_and_show_construct_as_turtle(endpoint):
    status, headers, body = _get(endpoint.query_url, query='SELECT ("<script>alert(1)</script>" AS ?x) WHERE {}',
                                 format="html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<script>" not in body and b"&lt;script&gt;alert(1)&lt;/script&gt;" in body
    status, _, body = _get(endpoint.query_url, query=CONSTRUCT, format="html")
    assert status == 200 and b"<pre>" in body and b"kg:issuedBy" in body


def test_cli_query_against_the_endpoint_resolves_labels(endpoint, capsys):
    from graph.cli import main
    url = endpoint.query_url
    assert main(["query", "regulators_of_platform", "--param", "platform=Taobao", "--endpoint", url,
                 "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "regulator,regulatorLabel,route,via,viaLabel"
    assert "id:cac,Cyberspace Administration of China,its sector,id:platform-economy,platform economy" in lines
    assert main(["query", "regulators_of_platform", "--param", "platform=Taobaoo", "--endpoint", url]) == 2
