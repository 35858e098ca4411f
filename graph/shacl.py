"""The SHACL shapes of ontology/shapes.ttl, compiled to SPARQL and run on Oxigraph.

pyshacl walks every focus node in Python: 2.6 s on the curated graph, minutes
at a million triples. The shapes use a small part of SHACL Core, and each
constraint is one SPARQL query returning the focus nodes that violate it, so
the build runs those queries on the Oxigraph store it already holds instead.
``tests/test_native_steps.py`` checks that the result is exactly pyshacl's, on every
example of ``tests/invalid`` and on the curated data.

Supported: targets by class (with sub-classes) and by subjects-of; predicate
paths; ``minCount``, ``maxCount``, ``class``, ``datatype``, ``nodeKind
sh:IRI``, ``pattern``, ``minLength``, ``minInclusive``, ``maxInclusive``,
``uniqueLang``, ``sh:in``, ``sh:or`` of datatypes, and ``qualifiedValueShape`` with
``languageIn`` and ``qualifiedMinCount``. Anything else raises
:class:`UnsupportedShape`, so a new kind of constraint cannot be skipped silently.

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...   ex:S a sh:NodeShape ; sh:targetClass ex:C ;
...       sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] .''', format="turtle")
>>> [c.message for c in compile_shapes(shapes)]
['needs a name']
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://example.org/x"), ox.NamedNode(str(RDF.type)),
...                   ox.NamedNode("http://example.org/C")))
>>> [(str(focus), message) for focus, message, path in violations(store, shapes)]
[('http://example.org/x', 'needs a name')]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from .parse import to_rdflib
from .paths import SHAPES

__all__ = ["compile_shapes", "violations", "load_shapes", "Constraint", "UnsupportedShape"]


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class Constraint:
    """One compiled constraint: its message, its path, and a query returning ``?focus`` nodes that violate it."""

    message: str
    path: str
    query: str


_CASTABLE = {str(XSD[t]) for t in ("date", "gYear", "gYearMonth", "decimal", "integer", "boolean", "dateTime")}
_HANDLED = {SH.path, SH.message, SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH.pattern,
            SH.minLength, SH.minInclusive, SH.maxInclusive, SH.uniqueLang, SH["or"], SH.qualifiedValueShape,
            SH.qualifiedMinCount, SH.name, SH.description, SH["in"]}
_SUBCLASS = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
#: Scratch graph holding each shape's focus nodes while the constraints run.
_TARGETS = "urn:cdkg:shacl-targets"


def load_shapes(path: Path = SHAPES) -> Graph:
    """The shapes graph."""
    return Graph().parse(path, format="turtle")


def _datatype_ok(var: str, datatype: URIRef) -> str:
    """A SPARQL condition: ``var`` is a well-formed literal of ``datatype``."""
    test = f"(isLiteral({var}) && DATATYPE({var}) = {datatype.n3()})"
    if str(datatype) in _CASTABLE:  # ill-typed lexical forms violate sh:datatype too
        test += f" && COALESCE(isLiteral({datatype.n3()}(STR({var}))), false)"
    return f"({test})"


def _target_patterns(shapes: Graph, shape) -> list[str]:
    unknown = {p for p in shapes.predicates(shape) if "target" in str(p)} - {SH.targetClass, SH.targetSubjectsOf}
    if unknown:
        raise UnsupportedShape(f"{shape}: targets not supported: {sorted(unknown)}")
    patterns = [f"?focus {_SUBCLASS} {c.n3()} ." for c in sorted(shapes.objects(shape, SH.targetClass))]
    patterns += [f"?focus {p.n3()} [] ." for p in sorted(shapes.objects(shape, SH.targetSubjectsOf))]
    return patterns


def _bad_value(shapes: Graph, prop) -> list[str]:
    """Conditions true for a value node ``?v`` that violates the property shape."""
    get = lambda p: shapes.value(prop, p)  # noqa: E731
    bad = []
    if get(SH["class"]) is not None:
        bad.append(f"NOT EXISTS {{ ?v {_SUBCLASS} {get(SH['class']).n3()} }}")
    if get(SH.datatype) is not None:
        bad.append(f"!{_datatype_ok('?v', get(SH.datatype))}")
    if get(SH.nodeKind) is not None:
        if get(SH.nodeKind) != SH.IRI:
            raise UnsupportedShape(f"nodeKind {get(SH.nodeKind)}")
        bad.append("!isIRI(?v)")
    if get(SH.pattern) is not None:
        bad.append(f"(isBlank(?v) || !REGEX(STR(?v), {Literal(str(get(SH.pattern))).n3()}))")
    if get(SH.minLength) is not None:
        bad.append(f"(isBlank(?v) || STRLEN(STR(?v)) < {int(get(SH.minLength))})")
    if get(SH.minInclusive) is not None:
        bad.append(f"!COALESCE(?v >= {get(SH.minInclusive).n3()}, false)")
    if get(SH.maxInclusive) is not None:
        bad.append(f"!COALESCE(?v <= {get(SH.maxInclusive).n3()}, false)")
    if get(SH["in"]) is not None:
        allowed = ", ".join(term.n3() for term in Collection(shapes, get(SH["in"])))
        bad.append(f"(?v NOT IN ({allowed}))")
    if get(SH["or"]) is not None:
        alternatives = []
        for member in Collection(shapes, get(SH["or"])):
            if set(shapes.predicates(member)) != {SH.datatype}:
                raise UnsupportedShape("sh:or supports only shapes with one sh:datatype")
            alternatives.append(_datatype_ok("?v", shapes.value(member, SH.datatype)))
        bad.append(f"!({' || '.join(alternatives)})")
    return bad


def _targets_update(shape, patterns: list[str]) -> str:
    union = " UNION ".join(f"{{ {p} }}" for p in patterns)
    return f"INSERT {{ GRAPH <{_TARGETS}> {{ ?focus <{_TARGETS}#of> {shape.n3()} }} }} WHERE {{ {union} }}"


def compile_shapes(shapes: Graph) -> list[Constraint]:
    """One :class:`Constraint` per property shape, in a stable order.

    Each query groups the values of one path by focus node and keeps the
    focus nodes for which any of the shape's constraints fails (counts in
    ``HAVING``, value tests as a variable bound only for a bad value), so a
    path is read once however many constraints it has. Each query expects the
    shape's focus nodes in the scratch graph that :func:`violations` fills first.
    """
    compiled = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):
        _target_patterns(shapes, shape)  # raises on unsupported targets
        target = f"GRAPH <{_TARGETS}> {{ ?focus <{_TARGETS}#of> {shape.n3()} }}"
        for prop in sorted(shapes.objects(shape, SH.property), key=lambda p: sorted(shapes.predicate_objects(p))):
            unknown = set(shapes.predicates(prop)) - _HANDLED
            if unknown:
                raise UnsupportedShape(f"{shape}: constraints not supported: {sorted(unknown)}")
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                raise UnsupportedShape(f"{shape}: only predicate paths are supported")
            message = str(shapes.value(prop, SH.message) or "violates a shape")
            p = path.n3()
            binds, having = [], []
            if shapes.value(prop, SH.minCount) is not None:
                having.append(f"COUNT(DISTINCT ?v) < {int(shapes.value(prop, SH.minCount))}")
            if shapes.value(prop, SH.maxCount) is not None:
                having.append(f"COUNT(DISTINCT ?v) > {int(shapes.value(prop, SH.maxCount))}")
            bad = _bad_value(shapes, prop)
            if bad:  # ?bad is bound only for a value that breaks a value constraint
                binds.append(f"BIND (IF({' || '.join(bad)}, ?v, ?unbound) AS ?bad)")
                having.append("COUNT(?bad) > 0")
            if shapes.value(prop, SH.uniqueLang) == Literal(True):  # more tagged values than languages
                binds.append('BIND (IF(LANG(?v) != "", ?v, ?unbound) AS ?tagged)')
                binds.append('BIND (IF(LANG(?v) != "", LCASE(LANG(?v)), ?unbound) AS ?lang)')
                having.append("COUNT(DISTINCT ?tagged) > COUNT(DISTINCT ?lang)")
            qualified = shapes.value(prop, SH.qualifiedValueShape)
            if qualified is not None:
                if set(shapes.predicates(qualified)) != {SH.languageIn}:
                    raise UnsupportedShape(f"{shape}: qualifiedValueShape supports only sh:languageIn")
                langs = [str(x) for x in Collection(shapes, shapes.value(qualified, SH.languageIn))]
                match = " || ".join(f'LANGMATCHES(LANG(?v), "{lang}")' for lang in langs)
                binds.append(f"BIND (IF({match}, ?v, ?unbound) AS ?qualified)")
                having.append(f"COUNT(DISTINCT ?qualified) < {int(shapes.value(prop, SH.qualifiedMinCount) or 0)}")
            if not having:
                continue
            query = (f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {p} ?v . {' '.join(binds)} }} }} "
                     f"GROUP BY ?focus HAVING ({' || '.join(having)})")
            compiled.append(Constraint(message, str(path), query))
    return compiled


def violations(store: ox.Store, shapes: Graph | None = None) -> list[tuple]:
    """Every ``(focus, message, path)`` (rdflib terms and strings) that breaks a shape, sorted and unique.

    The store's default graph is validated; a scratch named graph holds the
    focus nodes of each shape while the constraints run and is dropped after.
    """
    shapes = shapes if shapes is not None else load_shapes()
    constraints = compile_shapes(shapes)
    found = set()
    try:
        for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):
            store.update(_targets_update(shape, _target_patterns(shapes, shape)))
        for constraint in constraints:
            for solution in store.query(constraint.query):
                found.add((to_rdflib(solution["focus"]), constraint.message, constraint.path))
    finally:
        store.clear_graph(ox.NamedNode(_TARGETS))
    return sorted(found)
