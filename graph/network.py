"""The entity graph as networkx: one node per entity, one edge per asserted claim.

Nodes carry ``label``, ``label_zh``, ``type`` (the most specific asserted class),
``types``, ``aliases`` and ``dates``; edges are keyed by the relation's local name
(``operates``, ``issuedBy``...; a second claim of the same relation between the
same pair, for another period or figure, is keyed by its claim, ``"owns claim:..."``) and carry
``start``, ``end``, ``as_of`` (the date its stake was true), ``stake`` and ``sources`` (one dict per citation: source id, title, url, locator, note), so every
algorithm result can be traced back to its sources.
"""

from __future__ import annotations

import networkx as nx
from rdflib import Graph, URIRef

from .namespaces import DATE_PROPERTIES, DCTERMS, KG, RDF, RDFS, SCHEMA, SKOS, curie, slug
from .termgraph import label

__all__ = ["to_networkx", "entity_classes", "DATE_PROPERTIES"]

#: Entity attributes shown as dates, in lifecycle order.


def entity_classes(graph: Graph) -> set[URIRef]:
    """kg:Entity and every class below it in the ontology held by ``graph``."""
    return set(graph.transitive_subjects(RDFS.subClassOf, KG.Entity))


def _most_specific(depths: dict, types: list[URIRef]) -> URIRef:
    """Among asserted types, the deepest in the class tree (ties: by name)."""
    return sorted(types, key=lambda t: (-depths[t], str(t)))[0]


def _sources(graph: Graph, node) -> list[dict]:
    rows = []
    for cite in graph.objects(node, KG.citation):
        source = graph.value(cite, DCTERMS.source)
        note = graph.value(cite, SKOS.note)
        rows.append({"source": curie(source), "title": str(graph.value(source, DCTERMS.title) or ""),
                     "url": str(graph.value(source, SCHEMA.url) or ""), "locator": str(graph.value(cite, KG.locator) or ""),
                     "note": str(note) if note is not None else ""})
    return sorted(rows, key=lambda r: (r["source"], r["locator"]))


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Build the entity MultiDiGraph from an asserted graph (ontology included).

    >>> from graph.testing import tiny_graph
    >>> g = to_networkx(tiny_graph())
    >>> g.nodes["id:alibaba-group"]["label"], g.nodes["id:alibaba-group"]["type"]
    ('Alibaba Group', 'Company')
    >>> sorted(g["id:alibaba-group"]["id:taobao"])
    ['operates']
    >>> g["id:alibaba-group"]["id:taobao"]["operates"]["sources"][0]["locator"]
    'line 11'
    """
    classes = entity_classes(graph)
    depths = {c: len(list(graph.transitive_objects(c, RDFS.subClassOf))) for c in classes}
    g = nx.MultiDiGraph()
    for entity in sorted({s for c in classes for s in graph.subjects(RDF.type, c)}):
        types = sorted(t for t in graph.objects(entity, RDF.type) if t in classes)
        dates = {slug(p): sorted(str(v) for v in graph.objects(entity, p)) for p in DATE_PROPERTIES}
        g.add_node(curie(entity), iri=str(entity), label=label(graph, entity, "en"),
                   label_zh=label(graph, entity, "zh"), type=slug(_most_specific(depths, types)),
                   types=[slug(t) for t in types],
                   aliases=sorted({str(a) for a in graph.objects(entity, SKOS.altLabel)}),
                   dates={k: v for k, v in dates.items() if v}, sources=_sources(graph, entity))
        renamed = {key: sorted(str(n) for n in graph.objects(entity, prop))
                   for key, prop in (("former_names", KG.formerName), ("new_names", KG.newName))}
        if any(renamed.values()):  # a renaming: the names it changed, for lookup by a former name
            g.nodes[curie(entity)].update(renamed)
    for claim in sorted(graph.subjects(RDF.type, KG.Claim)):
        s, p, o = (graph.value(claim, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        if curie(s) not in g or curie(o) not in g:
            continue
        attrs = {"predicate": slug(p), "claim": curie(claim), "sources": _sources(graph, claim)}
        for name, prop in (("start", KG.startDate), ("end", KG.endDate), ("as_of", KG.asOf), ("stake", KG.stake),
                           ("qualifier", KG.qualifier)):
            value = graph.value(claim, prop)
            if value is not None:
                attrs[name] = value.toPython() if name == "stake" else str(value)
        if "stake" in attrs:
            attrs["stake"] = float(attrs["stake"])
        key = slug(p)
        if g.has_edge(curie(s), curie(o), key):  # the same relation over another period, or another figure
            key = f"{key} {curie(claim)}"
        g.add_edge(curie(s), curie(o), key=key, **attrs)
    return g
