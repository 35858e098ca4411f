"""Prototype fixes for the slow steps the benchmark found, kept out of the package.

Each is a drop-in for one function of graph/validate.py or graph/infer.py, so the
benchmark can time the pipeline with and without it, and ``verify()`` can show
that it reports the same problems:

``shacl_problems_sparql``
    The SHACL shapes of ontology/shapes.ttl compiled to one SPARQL query per
    constraint and run on the Oxigraph store the checks already use, instead of
    pyshacl walking every focus node in Python. Supports exactly the SHACL Core
    features shapes.ttl uses (targets by class and subjects-of; predicate paths;
    min/maxCount, class, datatype, nodeKind IRI, pattern, minLength,
    min/maxInclusive, uniqueLang, sh:or of datatypes, qualifiedValueShape with
    languageIn and qualifiedMinCount) and raises on anything else.
``FIXED_CHECKS``
    queries/checks with ``relation-without-claim-violation`` rewritten with
    MINUS: Oxigraph evaluates its ``FILTER NOT EXISTS { ?c a kg:Claim ; ... }``
    by scanning every claim for every relation triple (quadratic).
``infer_in_store``
    The same rules, but the inferred triples are found inside Oxigraph (a copy
    of the asserted triples in a named graph, then MINUS) instead of turning
    every triple of the store into rdflib terms twice.

Example:
    .venv/bin/python bench/fixes.py     # verify on tests/valid, tests/invalid and the curated data
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from graph.errors import BuildError, Problem
from graph.infer import _transitive_rules, rule_files
from graph.namespaces import curie
from graph.parse import to_rdflib
from graph.paths import CHECKS, SHAPES
from graph.validate import _where


class UnsupportedShape(ValueError):
    """The prototype SHACL-to-SPARQL compiler met a construct that ontology/shapes.ttl does not use."""

__all__ = ["compile_shapes", "shacl_problems_sparql", "FIXED_CHECKS", "fixed_checks_folder", "infer_in_store",
           "verify"]

_CASTABLE = {str(XSD[t]) for t in ("date", "gYear", "gYearMonth", "decimal", "integer", "boolean", "dateTime")}
_HANDLED = {SH.path, SH.message, SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH.pattern,
            SH.minLength, SH.minInclusive, SH.maxInclusive, SH.uniqueLang, SH["or"], SH.qualifiedValueShape,
            SH.qualifiedMinCount, SH.name, SH.description}
_SUBCLASS = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


def _n3(term) -> str:
    return term.n3()


def _datatype_ok(var: str, datatype: URIRef) -> str:
    """A SPARQL condition: ``var`` is a well-formed literal of ``datatype``."""
    test = f"(isLiteral({var}) && DATATYPE({var}) = {_n3(datatype)})"
    if str(datatype) in _CASTABLE:  # ill-typed lexical forms fail SHACL too
        test += f" && COALESCE(isLiteral({_n3(datatype)}(STR({var}))), false)"
    return f"({test})"


def _targets(shapes: Graph, shape) -> list[str]:
    patterns = [f"?focus {_SUBCLASS} {_n3(c)} ." for c in shapes.objects(shape, SH.targetClass)]
    patterns += [f"?focus {_n3(p)} [] ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    unknown = {p for p in shapes.predicates(shape) if "target" in str(p)} - {SH.targetClass, SH.targetSubjectsOf}
    if unknown:
        raise UnsupportedShape(f"targets not supported: {unknown}")
    return patterns


def _value_filters(shapes: Graph, prop) -> list[str]:
    """Conditions that are true for a value node that violates the property shape."""
    get = lambda p: shapes.value(prop, p)  # noqa: E731
    bad = []
    if get(SH["class"]) is not None:
        bad.append(f"NOT EXISTS {{ ?v {_SUBCLASS} {_n3(get(SH['class']))} }}")
    if get(SH.datatype) is not None:
        bad.append(f"!{_datatype_ok('?v', get(SH.datatype))}")
    if get(SH.nodeKind) is not None:
        if get(SH.nodeKind) != SH.IRI:
            raise UnsupportedShape(f"nodeKind {get(SH.nodeKind)}")
        bad.append("!isIRI(?v)")
    if get(SH.pattern) is not None:
        bad.append(f"(isBlank(?v) || !REGEX(STR(?v), {_n3(Literal(str(get(SH.pattern))))}))")
    if get(SH.minLength) is not None:
        bad.append(f"(isBlank(?v) || STRLEN(STR(?v)) < {int(get(SH.minLength))})")
    if get(SH.minInclusive) is not None:
        bad.append(f"!COALESCE(?v >= {_n3(get(SH.minInclusive))}, false)")
    if get(SH.maxInclusive) is not None:
        bad.append(f"!COALESCE(?v <= {_n3(get(SH.maxInclusive))}, false)")
    if get(SH["or"]) is not None:
        alternatives = []
        for member in Collection(shapes, get(SH["or"])):
            if set(shapes.predicates(member)) != {SH.datatype}:
                raise UnsupportedShape("sh:or supports only shapes with one sh:datatype")
            alternatives.append(_datatype_ok("?v", shapes.value(member, SH.datatype)))
        bad.append(f"!({' || '.join(alternatives)})")
    return bad


def compile_shapes(shapes: Graph) -> list[tuple[str, str, str]]:
    """One SPARQL query per constraint: ``(message, path IRI, query)``; each query returns ``?focus``."""
    compiled = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):
        targets = " UNION ".join(f"{{ {t} }}" for t in _targets(shapes, shape))
        for prop in shapes.objects(shape, SH.property):
            unknown = set(shapes.predicates(prop)) - _HANDLED
            if unknown:
                raise UnsupportedShape(f"constraints not supported: {unknown}")
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                raise UnsupportedShape("only predicate paths are supported")
            message = str(shapes.value(prop, SH.message) or "violates a shape")
            target = f"{{ SELECT DISTINCT ?focus WHERE {{ {targets} }} }}"
            queries = []
            min_count, max_count = shapes.value(prop, SH.minCount), shapes.value(prop, SH.maxCount)
            if min_count is not None:
                queries.append(f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {_n3(path)} ?v }} }} "
                               f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) < {int(min_count)})")
            if max_count is not None:
                queries.append(f"SELECT ?focus WHERE {{ {target} ?focus {_n3(path)} ?v }} "
                               f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) > {int(max_count)})")
            bad = _value_filters(shapes, prop)
            if bad:
                queries.append(f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {_n3(path)} ?v . "
                               f"FILTER ({' || '.join(bad)}) }}")
            if shapes.value(prop, SH.uniqueLang) == Literal(True):
                queries.append(f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {_n3(path)} ?v, ?w . "
                               f"FILTER (?v != ?w && LANG(?v) != \"\" && LCASE(LANG(?v)) = LCASE(LANG(?w))) }}")
            qualified = shapes.value(prop, SH.qualifiedValueShape)
            if qualified is not None:
                langs = [str(x) for x in Collection(shapes, shapes.value(qualified, SH.languageIn))]
                if set(shapes.predicates(qualified)) != {SH.languageIn}:
                    raise UnsupportedShape("qualifiedValueShape supports only sh:languageIn")
                match = " || ".join(f'LANGMATCHES(LANG(?v), "{lang}")' for lang in langs)
                least = int(shapes.value(prop, SH.qualifiedMinCount) or 0)
                queries.append(f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {_n3(path)} ?v . "
                               f"FILTER ({match}) }} }} GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) < {least})")
            compiled += [(message, str(path), q) for q in queries]
    return compiled


def shacl_problems_sparql(store, origins, graph: Graph, shapes_path: Path = SHAPES) -> list[Problem]:
    """What :func:`graph.validate.shacl_problems` reports, computed with SPARQL on ``store``."""
    shapes = Graph().parse(shapes_path, format="turtle")
    problems = set()
    for message, path, query in compile_shapes(shapes):
        for solution in store.query(query):
            focus = to_rdflib(solution["focus"])
            problems.add(Problem(_where(origins, graph, focus), curie(focus), message, curie(path)))
    return sorted(problems)


FIXED_CHECKS = {
    "relation-without-claim-violation": """PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg:   <https://w3id.org/cdkg/ontology#>

SELECT ?term ?problem WHERE {
  ?term ?p ?o .
  ?p rdfs:subPropertyOf+ kg:relatedTo .
  MINUS { ?c a kg:Claim ; rdf:subject ?term ; rdf:predicate ?p ; rdf:object ?o }
  BIND (CONCAT("relation ", STRAFTER(STR(?p), "#"), " -> ", STR(?o), " has no claim with a source; write it as kg:claim [ ... kg:citation [...] ]") AS ?problem)
}
ORDER BY ?term ?problem
""",
}


def fixed_checks_folder() -> Path:
    """A temporary copy of queries/checks with the rewrites of :data:`FIXED_CHECKS`."""
    folder = Path(tempfile.mkdtemp(prefix="cdkg-checks-"))
    for path in sorted(CHECKS.glob("*-violation.rq")):
        text = FIXED_CHECKS.get(path.stem, path.read_text(encoding="utf-8"))
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


_ASSERTED = ox.NamedNode("urn:cdkg:asserted")


def infer_in_store(graph: Graph, store) -> Graph:
    """What :func:`graph.infer.infer` returns, with the difference taken inside Oxigraph."""
    store.update(f"INSERT {{ GRAPH {_ASSERTED} {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}")
    rules = [path.read_text(encoding="utf-8") for path in rule_files()]
    for rule in rules + _transitive_rules(store) + rules[:2]:
        store.update(rule)
    new = store.query(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o MINUS {{ GRAPH {_ASSERTED} {{ ?s ?p ?o }} }} }}")
    inferred = Graph()
    for row in new:
        inferred.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
    store.clear_graph(_ASSERTED)
    return inferred


def verify() -> int:
    """Show that the SPARQL shapes report what pyshacl reports, on every example and the curated data."""
    from graph.normalize import normalize
    from graph.parse import load_files
    from graph.paths import DATA, ONTOLOGY, data_files
    from graph.store import to_store
    from graph.validate import check_problems, shacl_problems
    from graph.infer import infer
    tests = Path(__file__).resolve().parent.parent / "tests"
    cases = {"valid": [tests / "valid" / "base.ttl"], "curated": data_files(DATA)}
    cases.update({p.stem: [tests / "valid" / "base.ttl", p] for p in sorted((tests / "invalid").glob("*.ttl"))})
    failures = 0
    for name, files in cases.items():
        try:
            authored, origins = load_files([ONTOLOGY, *files])
            graph = normalize(authored, origins)
        except BuildError as err:  # the examples that fail before validation
            print(f"{name:<32} stopped before validation ({type(err).__name__}): skipped")
            continue
        store = to_store(graph)
        slow, fast = shacl_problems(graph, origins), shacl_problems_sparql(store, origins, graph)
        checks_slow = check_problems(store, origins, graph)
        checks_fast = check_problems(store, origins, graph, fixed_checks_folder())
        same_infer = name not in ("valid", "curated") or (
            set(infer(graph, to_store(graph))) == set(infer_in_store(graph, to_store(graph))))
        ok = slow == fast and checks_slow == checks_fast and same_infer
        failures += not ok
        print(f"{name:<32} pyshacl {len(slow):>3} / sparql {len(fast):>3} problems; checks "
              f"{len(checks_slow)} / {len(checks_fast)}; {'same' if ok else 'DIFFERENT'}")
        if slow != fast:
            for p in sorted(set(slow) ^ set(fast)):
                print(f"    {'pyshacl only' if p in slow else 'sparql only '}: {p}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(verify())
