"""Step 2, normalise: turn authored claims into Claim records with stable IRIs.

Authors write a relation inside the record of its subject::

    id:alibaba-group kg:claim [ kg:operates id:taobao ;
                                kg:citation [ dcterms:source src:seed-004 ; kg:locator "line 11" ] ] .

This step rewrites each such blank node into a named ``kg:Claim`` (an
``rdf:Statement`` with ``rdf:subject``, ``rdf:predicate``, ``rdf:object``), adds
the plain triple ``id:alibaba-group kg:operates id:taobao`` to the graph (unless
the claim is a ``kg:CorrectedClaim``), and names every citation. Names are
derived from content, so they are the same on every build:

* claim: ``claim:{subject}.{relation}.{object}`` plus ``.{start}`` when the claim
  has a start date and ``.corrected`` for a corrected claim;
* citation: ``cite:`` plus 12 hex digits of a hash of (owner, source, locator).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph, URIRef

from .errors import DataError, Problem
from .namespaces import CITE, CLAIM, DCTERMS, KG, RDF, RDFS, SKOS, curie, slug

__all__ = ["normalize", "relation_properties", "CLAIM_QUALIFIERS"]

#: What a claim may say besides its one relation.
CLAIM_QUALIFIERS = {KG.startDate, KG.endDate, KG.stake, KG.citation, KG.correction,
                    KG.correctedBy, SKOS.note, RDF.type}
CITATION_KEYS = {DCTERMS.source, KG.locator, SKOS.note, RDF.type}


def relation_properties(graph: Graph) -> set[URIRef]:
    """Every property declared a sub-property of kg:relatedTo, at any depth."""
    return set(graph.transitive_subjects(RDFS.subPropertyOf, KG.relatedTo)) - {KG.relatedTo}


def _digest(*parts) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def normalize(authored: Graph, origins) -> Graph:
    """Return a new graph: ``authored`` with claims and citations named and plain triples added.

    Raises DataError listing every malformed claim or stray blank node.
    """
    relations = relation_properties(authored)
    out = Graph()
    problems: list[Problem] = []
    owner_of: dict[BNode, URIRef] = {}

    def problem(node, message, path=""):
        owner = owner_of.get(node, node)
        problems.append(Problem(origins.where(owner), curie(owner), message, curie(path) if path else ""))

    # 1. claims
    for subject, node in sorted(authored.subject_objects(KG.claim)):
        owner_of[node] = subject
        if not isinstance(node, BNode):
            problem(subject, "kg:claim must be a blank node [ ... ]", KG.claim)
            continue
        pairs = list(authored.predicate_objects(node))
        rels = [(p, o) for p, o in pairs if p in relations]
        others = sorted({p for p, _ in pairs if p not in relations and p not in CLAIM_QUALIFIERS})
        if len(rels) != 1:
            problem(subject, f"a claim must state exactly one relation, found {len(rels)}", KG.claim)
            continue
        for p in others:
            problem(subject, f"unknown property {curie(p)} in a claim (a relation that is not declared, or a typo?)", p)
        if others:
            continue
        predicate, obj = rels[0]
        corrected = (node, RDF.type, KG.CorrectedClaim) in authored
        start = authored.value(node, KG.startDate)
        name = f"{slug(subject)}.{slug(predicate)}.{slug(obj)}"
        if start is not None:
            name += f".{start}"
        if corrected:
            name += ".corrected"
        claim = CLAIM[name]
        owner_of[claim] = subject
        out.add((claim, RDF.type, KG.CorrectedClaim if corrected else KG.Claim))
        out.add((claim, RDF.subject, subject))
        out.add((claim, RDF.predicate, predicate))
        out.add((claim, RDF.object, obj))
        if not corrected:
            out.add((subject, predicate, obj))
        for p, o in pairs:
            if p in relations or p == RDF.type:
                continue
            if p == KG.citation:
                owner_of[o] = subject
                o = _name_citation(authored, claim, o, out, problem)
            out.add((claim, p, o))

    # 2. everything else, naming citations on entities, observations and sources
    for s, node in authored.subject_objects(KG.citation):
        if isinstance(node, BNode):
            owner_of.setdefault(node, owner_of.get(s, s))
    stray = {o for s, p, o in authored if isinstance(o, BNode) and p not in (KG.claim, KG.citation)}
    for s, p, o in sorted(authored):
        if p == KG.claim or s in owner_of:
            continue
        if isinstance(s, BNode):
            if s not in stray:  # a stray object is reported once, at its owner
                problem(s, "a blank node outside kg:claim or kg:citation; give it an IRI")
            continue
        if p == KG.citation:
            owner_of[o] = s
            o = _name_citation(authored, s, o, out, problem)
        elif isinstance(o, BNode):
            owner_of[o] = s
            problem(s, "blank nodes are only allowed as kg:claim and kg:citation values", p)
            continue
        out.add((s, p, o))

    if problems:
        raise DataError(problems)
    for prefix, ns in authored.namespaces():
        out.bind(prefix, ns, override=False)
    return out


def _name_citation(authored: Graph, owner, node, out: Graph, problem):
    if not isinstance(node, BNode):
        return node  # a named citation: kept as written
    pairs = list(authored.predicate_objects(node))
    unknown = sorted({p for p, _ in pairs if p not in CITATION_KEYS})
    for p in unknown:
        problem(node, f"unknown property {curie(p)} in a citation", p)
    source = authored.value(node, DCTERMS.source)
    locator = authored.value(node, KG.locator)
    name = CITE[_digest(owner, source, locator)]
    out.add((name, RDF.type, KG.Citation))
    for p, o in pairs:
        if p != RDF.type:
            out.add((name, p, o))
    return name
