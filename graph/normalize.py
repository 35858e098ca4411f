"""Step 2, normalise: turn authored claims into Claim records with stable IRIs.

Authors write a relation inside the record of its subject::

    id:alibaba-group kg:claim [ kg:operates id:taobao ;
                                kg:citation [ dcterms:source src:seed-004 ; kg:locator "line 11" ] ] .

This step rewrites each such blank node into a named ``kg:Claim`` (an
``rdf:Statement`` with ``rdf:subject``, ``rdf:predicate``, ``rdf:object``), adds
the plain triple ``id:alibaba-group kg:operates id:taobao`` to the graph (unless
the claim is a ``kg:CorrectedClaim`` or a ``kg:UnverifiedClaim``, which are kept
but not asserted), and names every citation. Names are
derived from content, so they are the same on every build:

* claim: ``claim:{subject}.{relation}.{object}`` plus ``.{start}`` when the claim
  has a start date, ``.as-of-{date}`` when its figure is dated (one claim of a
  stake history), and ``.corrected`` or ``.unverified`` for a claim not asserted;
* citation: ``cite:`` plus 12 hex digits of a hash of (owner, source, locator).
"""

from __future__ import annotations

import hashlib

from rdflib import BNode, Graph, URIRef

from .errors import DataError, Problem
from .namespaces import CITE, CLAIM, DCTERMS, KG, RDF, RDFS, SKOS, curie, slug

__all__ = ["normalize", "relation_properties", "CLAIM_QUALIFIERS"]

#: What a claim may say besides its one relation.
CLAIM_QUALIFIERS = {KG.startDate, KG.endDate, KG.stake, KG.asOf, KG.qualifier, KG.citation, KG.correction,
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
        kind = next((k for k in (KG.CorrectedClaim, KG.UnverifiedClaim) if (node, RDF.type, k) in authored), KG.Claim)
        start, as_of = authored.value(node, KG.startDate), authored.value(node, KG.asOf)
        name = f"{slug(subject)}.{slug(predicate)}.{slug(obj)}"
        if start is not None:
            name += f".{start}"
        if as_of is not None:
            name += f".as-of-{as_of}"
        if kind != KG.Claim:
            name += ".corrected" if kind == KG.CorrectedClaim else ".unverified"
        claim = CLAIM[name]
        owner_of[claim] = subject
        out.add((claim, RDF.type, kind))
        out.add((claim, RDF.subject, subject))
        out.add((claim, RDF.predicate, predicate))
        out.add((claim, RDF.object, obj))
        if kind == KG.Claim:
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


# -- the same rewriting as SPARQL Update, inside the build's Oxigraph store ---------------------

_OUT = "urn:cdkg:normalised"
_MAP = "urn:cdkg:names"


def _slug_sparql(var: str) -> str:
    """SPARQL for :func:`graph.namespaces.slug`: the text after the last '#', else the last path segment."""
    return (f'IF(CONTAINS(STR({var}), "#"), REPLACE(STR({var}), "^.*#", ""), '
            f'REPLACE(REPLACE(STR({var}), "/+$", ""), "^.*/", ""))')


def _cite_sparql(owner: str) -> str:
    """SPARQL for the citation IRI of :func:`_name_citation`: cite: + 12 hex digits of SHA1(owner|source|locator)."""
    return (f'IRI(CONCAT("{CITE}", SUBSTR(SHA1(CONCAT(STR({owner}), "|", COALESCE(STR(?source), "None"), "|", '
            f'COALESCE(STR(?locator), "None"))), 1, 12)))')


def _values(var: str, terms) -> str:
    return f"VALUES {var} {{ {' '.join(f'<{t}>' for t in sorted(str(t) for t in terms))} }}"


def _not_in(var: str, terms) -> str:
    return f"FILTER ({var} NOT IN ({', '.join(f'<{t}>' for t in sorted(str(t) for t in terms))}))"


def store_relation_properties(store) -> list[str]:
    """The IRIs of every sub-property of kg:relatedTo held by the store's default graph."""
    query = f"SELECT DISTINCT ?p WHERE {{ ?p <{RDFS.subPropertyOf}>+ <{KG.relatedTo}> }}"
    return sorted(s["p"].value for s in store.query(query) if s["p"].value != str(KG.relatedTo))


def _structure_query(relations) -> str:
    """ASK: does a claim or citation break what :func:`normalize` requires (checked before the rewriting)?

    The rest is found after it, by :data:`_LEFTOVER`: the rewriting removes
    every claim and citation node, so a blank node left over is a stray
    ``[ ]`` or a claim without a relation; a claim node named twice has two.
    """
    return f"""ASK {{
  {{ ?s <{KG.claim}> ?n FILTER (!isBlank(?n)) }}
  UNION {{ ?s <{KG.claim}> ?n . ?n ?q ?v . {_not_in("?q", [*relations, *CLAIM_QUALIFIERS])} }}
  UNION {{ ?x <{KG.citation}> ?c . FILTER (isBlank(?c)) ?c ?q ?v . {_not_in("?q", CITATION_KEYS)} }}
}}"""


_LEFTOVER = (f"ASK {{ {{ ?s ?p ?o FILTER (isBlank(?s) || isBlank(?o)) }} "  # no relation, or a stray [ ]
             f"UNION {{ GRAPH <{_MAP}> {{ ?n <{_MAP}#name> ?a, ?b FILTER (?a != ?b) }} }} }}")  # two relations


def _normalise_updates(relations) -> list[str]:
    """The rewriting, in place: name claims and citations, add the named records, delete the blank nodes.

    Run only on data that passed :func:`_structure_query` (every blank node is
    a claim or a citation), so the deletes remove exactly the authored claim
    and citation nodes.
    """
    rel = _values("?p", relations)
    name, owner, kind, holder = (f"<{_MAP}#{x}>" for x in ("name", "owner", "kind", "holder"))
    return [
        # the name of every claim blank node, with its owner, in a scratch graph
        f"""INSERT {{ GRAPH <{_MAP}> {{ ?node {name} ?claim ; {owner} ?s ; {kind} ?kind }} }} WHERE {{
          ?s <{KG.claim}> ?node . {rel} ?node ?p ?o .
          OPTIONAL {{ ?node <{KG.startDate}> ?start }}
          OPTIONAL {{ ?node <{KG.asOf}> ?asOf }}
          BIND (EXISTS {{ ?node a <{KG.CorrectedClaim}> }} AS ?isCorrected)
          BIND (EXISTS {{ ?node a <{KG.UnverifiedClaim}> }} AS ?isUnverified)
          BIND (IF(?isCorrected, <{KG.CorrectedClaim}>, IF(?isUnverified, <{KG.UnverifiedClaim}>, <{KG.Claim}>)) AS ?kind)
          BIND (IRI(CONCAT("{CLAIM}", {_slug_sparql("?s")}, ".", {_slug_sparql("?p")}, ".", {_slug_sparql("?o")},
                           COALESCE(CONCAT(".", STR(?start)), ""), COALESCE(CONCAT(".as-of-", STR(?asOf)), ""),
                           IF(?isCorrected, ".corrected", IF(?isUnverified, ".unverified", "")))) AS ?claim)
        }}""",
        # citation names: a claim's (owner: the claim IRI) and any other record's (owner: its subject)
        f"""INSERT {{ GRAPH <{_MAP}> {{ ?c {name} ?cite ; {holder} ?claim }} }} WHERE {{
          GRAPH <{_MAP}> {{ ?node {name} ?claim }}
          ?node <{KG.citation}> ?c . FILTER (isBlank(?c))
          OPTIONAL {{ ?c <{DCTERMS.source}> ?source }} OPTIONAL {{ ?c <{KG.locator}> ?locator }}
          BIND ({_cite_sparql("?claim")} AS ?cite)
        }}""",
        f"""INSERT {{ GRAPH <{_MAP}> {{ ?c {name} ?cite ; {holder} ?s }} }} WHERE {{
          ?s <{KG.citation}> ?c . FILTER (isBlank(?c) && !isBlank(?s))
          OPTIONAL {{ ?c <{DCTERMS.source}> ?source }} OPTIONAL {{ ?c <{KG.locator}> ?locator }}
          BIND ({_cite_sparql("?s")} AS ?cite)
        }}""",
        # the claim record and, for an asserted claim (not corrected or unverified), the plain triple
        f"""INSERT {{ ?claim a ?class ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o . }} WHERE {{
          GRAPH <{_MAP}> {{ ?node {name} ?claim ; {owner} ?s ; {kind} ?kind }}
          {rel} ?node ?p ?o .
          BIND (?kind AS ?class)
        }}""",
        f"""INSERT {{ ?s ?p ?o }} WHERE {{
          GRAPH <{_MAP}> {{ ?node {name} ?claim ; {owner} ?s ; {kind} <{KG.Claim}> }}
          {rel} ?node ?p ?o .
        }}""",
        # the claim's qualifiers (dates, stake, note, correction, named citations)
        f"""INSERT {{ ?claim ?q ?v }} WHERE {{
          GRAPH <{_MAP}> {{ ?node {name} ?claim ; {owner} ?s }}
          ?node ?q ?v . FILTER (?q != <{RDF.type}> && !(?q = <{KG.citation}> && isBlank(?v)))
          {_not_in("?q", relations)}
        }}""",
        f"""INSERT {{ ?holder <{KG.citation}> ?cite . ?cite a <{KG.Citation}> . ?cite ?k ?v }} WHERE {{
          GRAPH <{_MAP}> {{ ?c {name} ?cite ; {holder} ?holder }}
          OPTIONAL {{ ?c ?k ?v . FILTER (?k != <{RDF.type}>) }}
        }}""",
        # then the authored blank nodes go
        f"""DELETE {{ ?node ?p ?o }} WHERE {{ GRAPH <{_MAP}> {{ ?node {name} ?name }} ?node ?p ?o }} ;
        DELETE {{ ?s <{KG.claim}> ?node }} WHERE {{ ?s <{KG.claim}> ?node }} ;
        DELETE {{ ?s <{KG.citation}> ?c }} WHERE {{ ?s <{KG.citation}> ?c FILTER (isBlank(?c)) }}""",
    ]


def normalize_store(store, explain=None) -> int:
    """Rewrite the store's default graph exactly as :func:`normalize` rewrites a graph; return the claim count.

    One ASK before looks for claims :func:`normalize` would refuse (not a
    blank node, an unknown key in a claim or citation) and one after for
    claims without exactly one relation and for stray blank nodes. When
    either finds one, ``explain()`` is called: it should run :func:`normalize`
    on the same files, which raises the DataError naming each problem's file
    and line.

    >>> import pyoxigraph as ox
    >>> from graph.paths import ONTOLOGY
    >>> store = ox.Store(); store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    >>> store.load(input='''@prefix kg: <https://w3id.org/cdkg/ontology#> . @prefix id: <https://w3id.org/cdkg/id/> .
    ...     id:a kg:claim [ kg:operates id:b ] .''', format=ox.RdfFormat.TURTLE)
    >>> normalize_store(store)
    1
    >>> sorted(str(q.subject) for q in store.quads_for_pattern(None, ox.NamedNode(str(KG.operates)), None))
    ['<https://w3id.org/cdkg/id/a>']
    """
    relations = store_relation_properties(store)
    if store.query(_structure_query(relations)) and explain is not None:
        explain()
    for update in _normalise_updates(relations):
        store.update(update)
    if store.query(_LEFTOVER) and explain is not None:
        explain()
    store.update(f"DROP SILENT GRAPH <{_MAP}>")
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{KG.Claim}> }}"
    return int(next(iter(store.query(count)))["n"].value)
