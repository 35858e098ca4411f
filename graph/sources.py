"""Sources: what one source is, and every record, claim and observation that cites it.

>>> from graph.api import KnowledgeGraph
>>> from graph.testing import tiny_graph
>>> view = describe_source(KnowledgeGraph(tiny_graph()), "src:fixture")
>>> view["title"], view["kind"], len(view["claims"]) > 10
('Test fixture', 'source', True)
>>> view["claims"][0]["kind"]
'entity record'
"""

from __future__ import annotations

from rdflib import URIRef

from .namespaces import DCTERMS, KG, RDF, SCHEMA, SKOS, curie, slug

__all__ = ["describe_source", "SOURCE_CLASSES"]

#: The classes a source may have.
SOURCE_CLASSES = {"Source", "SeedDocument"}

_KINDS = [(KG.Claim, "relation"), (KG.CorrectedClaim, "corrected claim"), (KG.UnverifiedClaim, "unverified claim"),
          (KG.Observation, "observation")]


def describe_source(kg, source: str) -> dict:
    """A source's title, publisher, date, URL, access date and kind, and each claim citing it, in order.

    ``source`` is a source id (``src:...``), IRI or title; raises LookupError
    when it names no source.
    """
    node = kg.find(source, within=SOURCE_CLASSES)
    from .query import _expand
    iri, g = URIRef(_expand(node)), kg.graph
    value = lambda p: str(g.value(iri, p) or "")  # noqa: E731
    kind = "seed" if (iri, RDF.type, KG.SeedDocument) in g else "source"
    claims = []
    for cite in g.subjects(DCTERMS.source, iri):
        locator, note = str(g.value(cite, KG.locator) or ""), str(g.value(cite, SKOS.note) or "")
        for holder in g.subjects(KG.citation, cite):
            what = next((k for cls, k in _KINDS if (holder, RDF.type, cls) in g), "entity record")
            if what in ("relation", "corrected claim", "unverified claim"):
                row = {"subject": curie(g.value(holder, RDF.subject)), "predicate": slug(g.value(holder, RDF.predicate)),
                       "object": curie(g.value(holder, RDF.object))}
            else:
                row = {"subject": curie(holder), "predicate": "", "object": ""}
            claims.append({"kind": what, **row, "locator": locator, "note": note})
    claims.sort(key=lambda r: (r["kind"], r["subject"], r["predicate"], r["object"], r["locator"]))
    return {"id": node, "title": value(DCTERMS.title), "publisher": value(DCTERMS.publisher),
            "date": value(DCTERMS.date), "url": value(SCHEMA.url), "accessed": value(KG.accessed),
            "kind": kind, "note": value(SKOS.note), "claims": claims}
