"""The build's Oxigraph steps give exactly what the reference implementations give.

The build normalises with SPARQL Update (graph.normalize.normalize_store) and
validates the SHACL shapes with SPARQL (graph.shacl); the reference Python
normaliser (graph.normalize.normalize) and pyshacl are kept to check them, on
the curated data, the valid example and every invalid example.
"""

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from graph.errors import DataError, LoadError
from graph.normalize import normalize, normalize_store
from graph.parse import load_files, load_into_store, to_rdflib
from graph.paths import DATA, ONTOLOGY, SHAPES, data_files
from graph.store import to_store
from graph.shacl import UnsupportedShape, compile_shapes, violations

from conftest import INVALID, VALID

CASES = {"curated": data_files(DATA), "valid": data_files(VALID)}
CASES.update({p.stem: [*data_files(VALID), p] for p in sorted(INVALID.glob("*.ttl")) if p.stem != "syntax-error"})
#: The examples the normaliser itself refuses (the shapes never see them).
STOP_AT_NORMALISATION = {"claim-with-two-relations", "stray-blank-node"}


class Explained(Exception):
    pass


def _explain():
    raise Explained


def _store_triples(store):
    return {tuple(to_rdflib(t) for t in (q.subject, q.predicate, q.object))
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sparql_normalisation_equals_the_reference(name):
    files = [ONTOLOGY, *CASES[name]]
    authored, origins = load_files(files)
    store = ox.Store()
    load_into_store(files, store)
    if name in STOP_AT_NORMALISATION:
        with pytest.raises(DataError):
            normalize(authored, origins)
        with pytest.raises(Explained):  # the store path notices it too, and asks for the explanation
            normalize_store(store, explain=_explain)
        return
    expected = set(normalize(authored, origins))
    assert normalize_store(store, explain=_explain) == sum(1 for t in expected if t[2] == to_rdflib(
        ox.NamedNode("https://w3id.org/cdkg/ontology#Claim")) and str(t[1]).endswith("#type"))
    # the store keeps typed literals in canonical form (an authored 150.0 reads back as 150)
    assert _store_triples(store) == _store_triples(to_store(expected))


def _pyshacl(graph):
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=Graph().parse(SHAPES), inference="none",
                                           advanced=False, allow_warnings=False)
    found = set()
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        found.add((report.value(result, SH.focusNode), messages[0], str(report.value(result, SH.resultPath))))
    return sorted(found)


@pytest.mark.parametrize("name", sorted(set(CASES) - STOP_AT_NORMALISATION))
def test_shapes_as_sparql_find_what_pyshacl_finds(name):
    files = [ONTOLOGY, *CASES[name]]
    store = ox.Store()
    load_into_store(files, store)
    normalize_store(store, explain=_explain)
    graph = Graph()
    for triple in _store_triples(store):
        graph.add(triple)
    assert violations(store) == _pyshacl(graph)


def test_a_shape_feature_the_compiler_lacks_is_an_error():
    shapes = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue ex:v ] .""",
                           format="turtle")
    with pytest.raises(UnsupportedShape, match="hasValue"):
        compile_shapes(shapes)


def test_the_curated_shapes_compile_to_one_query_per_property_shape():
    shapes = Graph().parse(SHAPES)
    assert len(compile_shapes(shapes)) == len(list(shapes.objects(None, SH.property))) == 48


def test_load_error_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"bad\.ttl:2:\d+: Turtle syntax error"):
        load_into_store([bad], ox.Store())
