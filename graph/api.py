"""The Python API: load the built graph in one line and ask it graph questions.

>>> from graph.api import KnowledgeGraph
>>> from graph.testing import tiny_graph
>>> kg = KnowledgeGraph(tiny_graph())
>>> kg.find("支付宝")
'id:alipay'
>>> [o.owner for o in kg.owners("Alipay (China) Network Technology")]
['id:ant-group', 'id:alibaba-group']

Entities are named by their CURIE (``id:alipay``); every method that takes an
entity also accepts a label, alias or abbreviation in English or Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef

from .history import after, current_edges, parse_date, today, version_on
from .lookup import AmbiguousName, EntityNotFound, Match, Name, NameIndex, NameTooLong, normalize_name
from .namespaces import DCTERMS, ID, KG, RDF, RDFS, SCHEMA, SKOS, curie, slug
from .network import DATE_PROPERTIES, to_networkx

__all__ = ["KnowledgeGraph", "EntityNotFound", "AmbiguousName", "NameTooLong", "Step", "Ownership", "Reach",
           "normalize_name", "load"]


@dataclass(frozen=True)
class Step:
    """One edge of a path: ``source --predicate--> target``, with its citations."""

    source: str
    predicate: str
    target: str
    sources: tuple = ()
    as_of: str = ""  # the date the step's stake was true, where it has one
    qualifier: str = ""  # how the stake is bounded in its source ("less than", "about"), where it says

    def __str__(self) -> str:
        cites = "; ".join(f"{s['source']} {s['locator']}" for s in self.sources)
        return f"{self.source} --{self.predicate}--> {self.target}" + (f"  [{cites}]" if cites else "")


@dataclass(frozen=True)
class Ownership:
    """An owner (or holding) reached through a chain of ownership claims.

    ``stake`` is the effective stake in percent along the chain (the product of
    each step's stake) or None where a step's stake is not published; ``as_of``
    is the date of the oldest stake figure in the chain (the product is only as
    current as its stalest figure), or "" where no step has a dated figure.
    """

    owner: str
    owned: str
    stake: float | None
    chain: tuple[Step, ...]

    @property
    def as_of(self) -> str:
        return min((s.as_of for s in self.chain if s.as_of), default="")

    @property
    def qualifier(self) -> str:
        """How the effective stake is bounded: "less than" or "about" where a step's figure is, else ""."""
        bounds = {s.qualifier for s in self.chain if s.qualifier and s.qualifier != "exact"}
        return "less than" if "less than" in bounds else ("about" if bounds else "")


@dataclass(frozen=True)
class Reach:
    """A regulator or rule that reaches an entity, and the route it takes."""

    entity: str
    via: tuple[Step, ...] = field(default=())

    @property
    def route(self) -> str:
        return " ; ".join(str(s) for s in self.via)


class KnowledgeGraph:
    """An asserted graph with its entity network, ready for lookups and traversals.

    Parameters
    ----------
    graph : rdflib.Graph
        The asserted graph (``dist/graph.ttl``): ontology, curated data and claims.
    """

    def __init__(self, graph: Graph | None = None, *, network: nx.MultiDiGraph | None = None,
                 others: dict | None = None, graph_loader=None):
        self._graph, self._graph_loader = graph, graph_loader
        self.nx = network if network is not None else to_networkx(graph)
        self._former = _former_names(self.nx)
        self._store = None
        # indicators, observations and sources: findable by name, though not nodes of the network
        self._others: list[Name] = others if others is not None else _other_names(graph)
        self._index = NameIndex([*_node_names(self.nx), *self._others,
                                 *(Name(f["former_name"], f["entity"], "former name",
                                        tuple(self.nx.nodes[f["entity"]]["types"]))
                                   for fs in self._former.values() for f in fs)])

    @property
    def graph(self) -> Graph:
        """The asserted rdflib graph (read from disk on first use when loaded from the cache)."""
        if self._graph is None:
            self._graph = self._graph_loader()
        return self._graph

    # -- lookup ----------------------------------------------------------------

    def find(self, text: str, within=None) -> str:
        """Resolve a label, alias, abbreviation, former name, CURIE or IRI to one id.

        ``within`` (a set of class names, e.g. ``{"Indicator"}``) keeps only
        things of those classes. Raises EntityNotFound (with suggestions),
        AmbiguousName or NameTooLong (see :mod:`graph.lookup`).

        >>> kg = KnowledgeGraph(tiny_graph())
        >>> kg.find("cac"), kg.find("国家网信办"), kg.find("https://w3id.org/cdkg/id/taobao")
        ('id:cac', 'id:cac', 'id:taobao')
        >>> kg.find("Alibab")
        Traceback (most recent call last):
        ...
        graph.lookup.EntityNotFound: no entity named 'Alibab'; did you mean: Alibaba Group, Alipay, Alipay (China) Network Technology?
        """
        return self.resolve(text, within).target

    def resolve(self, text: str, within=None) -> Match:
        """Like :meth:`find`, with how the name is held and the other things that share it."""
        for candidate in (text, curie(text) if text.startswith(("http://", "https://")) else None):
            if candidate and (candidate in self.nx or candidate in self._index):
                if not within or set(self._index.classes.get(candidate, ())) & set(within):
                    return Match(candidate, "id")
        return self._index.resolve(text, within)

    def formerly(self, text: str) -> list[dict]:
        """The renamings whose former name ``text`` is: the entity, the old name, and until when it held.

        >>> KnowledgeGraph(tiny_graph()).formerly("Ant Financial")
        [{'entity': 'id:ant-group', 'former_name': 'Ant Financial', 'new_names': ['Ant Group'], 'until': '2020-07', 'renaming': 'id:ant-group-renaming'}]
        """
        return sorted(self._former.get(normalize_name(text), ()), key=lambda f: (f["entity"], f["until"]))

    def former_names(self, entity: str) -> list[dict]:
        """Every former name of an entity, oldest renaming first.

        >>> [(f["former_name"], f["until"]) for f in KnowledgeGraph(tiny_graph()).former_names("Ant Group")]
        [('Ant Financial', '2020-07')]
        """
        node = self.find(entity)
        found = [f for fs in self._former.values() for f in fs if f["entity"] == node]
        return sorted(found, key=lambda f: (f["until"], f["former_name"]))

    def search(self, text: str, limit: int = 10, within=None) -> list[dict]:
        """Rank entities, indicators and sources by how well one of their names matches ``text``.

        Scores: 1.0 exact, 0.9 prefix, 0.8 substring, else a fuzzy ratio (rapidfuzz).

        >>> [(r["id"], r["score"]) for r in KnowledgeGraph(tiny_graph()).search("ali", limit=3)]
        [('id:alibaba-group', 0.9), ('id:alipay', 0.9), ('id:alipay-company', 0.9)]
        """
        return self._index.search(text, limit, within)

    def label(self, entity: str, lang: str = "en") -> str:
        """The English (or ``lang="zh"``) label of an entity."""
        data = self.nx.nodes[self.find(entity)]
        return data["label_zh"] if lang == "zh" else data["label"]

    # -- the entity view -------------------------------------------------------

    def describe(self, entity: str) -> dict:
        """Everything about one entity: types, names, dates, attributes, relations with sources.

        >>> view = KnowledgeGraph(tiny_graph()).describe("PIPL")
        >>> view["label_zh"], view["dates"]["effectiveDate"]
        ('个人信息保护法', ['2021-11-01'])
        >>> [(r["direction"], r["predicate"], r["other"]) for r in view["relations"]]
        [('out', 'appliesTo', 'id:platform-economy'), ('out', 'enforcedBy', 'id:cac')]
        """
        node = self.find(entity)
        data = dict(self.nx.nodes[node])
        iri = URIRef(data["iri"])
        attributes = {}
        for p, o in sorted(self.graph.predicate_objects(iri)):
            if isinstance(o, Literal) and p not in (RDFS.label, SKOS.altLabel) and p not in DATE_PROPERTIES:
                attributes.setdefault(slug(p), []).append(str(o))
        relations = []
        for _, other, key, e in self.nx.out_edges(node, keys=True, data=True):
            relations.append(self._relation("out", e["predicate"], other, e))
        for other, _, key, e in self.nx.in_edges(node, keys=True, data=True):
            relations.append(self._relation("in", e["predicate"], other, e))
        if any(t in data["types"] for t in ("Law", "AdministrativeRegulation", "DepartmentalRule", "Instrument")) \
                or any(e["predicate"] == "amends" for _, _, e in self.nx.in_edges(node, data=True)):
            data["versions"] = _versions(self.nx, node)
        data.update(id=node, attributes=attributes, former_names=self.former_names(node),
                    relations=sorted(relations, key=lambda r: (r["direction"] != "out", r["predicate"], r["other"])))
        return data

    def _relation(self, direction, key, other, e) -> dict:
        return {"direction": direction, "predicate": key, "other": other,
                "other_label": self.nx.nodes[other]["label"], "start": e.get("start", ""),
                "end": e.get("end", ""), "stake": e.get("stake"), "sources": e["sources"]}

    # -- neighbourhoods --------------------------------------------------------

    def neighbours(self, entity: str, predicate: str | None = None, direction: str = "out") -> set[str]:
        """Entities one relation away; ``direction`` is "out", "in" or "both".

        >>> sorted(KnowledgeGraph(tiny_graph()).neighbours("Alibaba", direction="out"))
        ['id:ant-group', 'id:platform-economy', 'id:taobao']
        >>> sorted(KnowledgeGraph(tiny_graph()).neighbours("CAC", "enforcedBy", direction="in"))
        ['id:cybersecurity-law', 'id:pipl']
        """
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}")
        node = self.find(entity)
        found = set()
        if direction in ("out", "both"):
            found |= {v for _, v, e in self.nx.out_edges(node, data=True) if predicate in (None, e["predicate"])}
        if direction in ("in", "both"):
            found |= {u for u, _, e in self.nx.in_edges(node, data=True) if predicate in (None, e["predicate"])}
        return found

    def ego(self, entity: str, depth: int = 1) -> nx.MultiDiGraph:
        """The sub-network within ``depth`` relations of an entity, either direction.

        >>> sorted(KnowledgeGraph(tiny_graph()).ego("Taobao", 1))
        ['id:alibaba-group', 'id:platform-economy', 'id:taobao']
        """
        node = self.find(entity)
        near = nx.single_source_shortest_path_length(self.nx.to_undirected(as_view=True), node, cutoff=depth)
        return self.nx.subgraph(sorted(near)).copy()

    # -- ownership -------------------------------------------------------------

    def on(self, date: str | None = None) -> "KnowledgeGraph":
        """The graph on ``date``: this snapshot when it is one, else :meth:`as_of` (today by default).

        Ownership and reach default to what holds today, the latest figure
        known for each stake; a snapshot answers for its own date.
        """
        if date is not None:
            return self.as_of(date)
        if getattr(self, "_date", None):
            return self
        if getattr(self, "_now", None) is None:
            self._now = self.as_of(today())
        return self._now

    def _ownership_chains(self, start: str, upward: bool) -> list[Ownership]:
        results, frontier = [], [(start, (), 100.0)]
        seen = {start}
        while frontier:
            nxt = []
            for node, chain, stake in frontier:
                edges = (self.nx.in_edges(node, keys=True, data=True) if upward
                         else self.nx.out_edges(node, keys=True, data=True))
                for u, v, key, e in sorted(edges, key=lambda x: (x[0], x[1], x[2])):
                    if e["predicate"] != "owns":
                        continue
                    other = u if upward else v
                    if other in seen:
                        continue
                    seen.add(other)
                    step = Step(u, "owns", v, tuple(e["sources"]), e.get("as_of", ""), e.get("qualifier", ""))
                    new_chain = (step, *chain) if upward else (*chain, step)
                    s = None if stake is None or e.get("stake") is None else stake * e["stake"] / 100
                    owner, owned = (other, start) if upward else (start, other)
                    results.append(Ownership(owner, owned, None if s is None else round(s, 4), new_chain))
                    nxt.append((other, new_chain, s))
            frontier = nxt
        return results

    def owners(self, entity: str, transitive: bool = True, date: str | None = None) -> list[Ownership]:
        """Who owns ``entity`` on ``date`` (today by default), nearest first; with the effective stake.

        Each stake is the latest figure known on the date; an owner whose
        holding ended before it is left out. A platform or system is owned
        through the company that operates it: its operators come first (an
        ``operates`` step, counted as 100%), then their owners.

        >>> [(o.owner, o.stake) for o in KnowledgeGraph(tiny_graph()).owners("Alipay (China) Network Technology")]
        [('id:ant-group', 100.0), ('id:alibaba-group', 33.0)]
        >>> [(o.owner, o.stake, [s.predicate for s in o.chain]) for o in KnowledgeGraph(tiny_graph()).owners("Alipay")]
        [('id:ant-group', 100.0, ['operates']), ('id:alibaba-group', 33.0, ['owns', 'operates'])]
        >>> [o.owner for o in KnowledgeGraph(tiny_graph()).owners("Alipay", date="2019")]  # Alibaba's stake from 2020
        ['id:ant-group']
        """
        node = self.find(entity)
        kg = self.on(date)
        if node not in kg.nx:
            return []
        found = kg._ownership_chains(node, upward=True)
        if not found:
            operators = sorted({u for u, _, e in kg.nx.in_edges(node, data=True) if e["predicate"] == "operates"})
            edges = {u: min(((k, e) for k, e in kg.nx[u][node].items() if e["predicate"] == "operates"),
                            key=lambda ke: ke[0]) for u in operators}  # one step per operator, however many claims
            steps = {u: Step(u, "operates", node, tuple(e["sources"])) for u, (_, e) in edges.items()}
            found = [Ownership(u, node, 100.0, (steps[u],)) for u in operators]
            seen = set(operators)  # an owner that also operates it (or is reached twice) is listed once, nearest
            for u in operators:
                for o in kg._ownership_chains(u, upward=True):
                    if o.owner not in seen:
                        seen.add(o.owner)
                        found.append(Ownership(o.owner, node, o.stake, (*o.chain, steps[u])))
        return found if transitive else [o for o in found if len(o.chain) == 1]

    def holdings(self, entity: str, transitive: bool = True, date: str | None = None) -> list[Ownership]:
        """What ``entity`` owns on ``date`` (today by default), nearest first; with the effective stake.

        >>> [(o.owned, o.stake) for o in KnowledgeGraph(tiny_graph()).holdings("Alibaba")]
        [('id:ant-group', 33.0), ('id:alipay-company', 33.0)]
        """
        node = self.find(entity)
        kg = self.on(date)
        if node not in kg.nx:
            return []
        found = kg._ownership_chains(node, upward=False)
        return found if transitive else [o for o in found if len(o.chain) == 1]

    # -- regulatory reach ------------------------------------------------------

    def _carriers(self, node: str) -> list[tuple[str, tuple[Step, ...]]]:
        """The entity itself, its sectors, its operators and their (transitive) owners and sectors."""
        out = [(node, ())]
        for u, _, key, e in self.nx.in_edges(node, keys=True, data=True):
            if e["predicate"] == "operates":
                out.append((u, (Step(u, "operates", node, tuple(e["sources"])),)))
        for _, v, key, e in self.nx.out_edges(node, keys=True, data=True):
            if e["predicate"] == "operatedBy":
                out.append((v, (Step(node, "operatedBy", v, tuple(e["sources"])),)))
        for holder, via in list(out):
            for o in self._ownership_chains(holder, upward=True):
                out.append((o.owner, via + o.chain))
        for holder, via in list(out):
            for _, v, key, e in self.nx.out_edges(holder, keys=True, data=True):
                if e["predicate"] == "inSector":
                    out.append((v, via + (Step(holder, "inSector", v, tuple(e["sources"])),)))
        unique, seen = [], set()
        for holder, via in out:
            if holder not in seen:
                seen.add(holder)
                unique.append((holder, via))
        return unique

    def regulators_of(self, entity: str) -> list[Reach]:
        """Bodies that regulate ``entity`` directly, or its sector, operator or parent companies.

        >>> [(r.entity, len(r.via)) for r in KnowledgeGraph(tiny_graph()).regulators_of("Alipay")]
        [('id:pboc', 1), ('id:cac', 4)]
        """
        return self._reaching(entity, "regulates")

    def rules_for(self, entity: str) -> list[Reach]:
        """Instruments that apply to ``entity`` directly or through its sector, operator or parents.

        >>> [r.entity for r in KnowledgeGraph(tiny_graph()).rules_for("Taobao")]
        ['id:pipl']
        """
        return self._reaching(entity, "appliesTo")

    def _reaching(self, entity: str, predicate: str) -> list[Reach]:
        """Entities with a ``predicate`` edge into ``entity`` or one of its carriers today, nearest first."""
        node, kg = self.find(entity), self.on()
        if node not in kg.nx:
            return []
        found, seen = [], set()
        for holder, via in kg._carriers(node):
            for u, _, e in sorted(kg.nx.in_edges(holder, data=True), key=lambda x: x[0]):
                if e["predicate"] == predicate and u not in seen:
                    seen.add(u)
                    found.append(Reach(u, via + (Step(u, predicate, holder, tuple(e["sources"])),)))
        return sorted(found, key=lambda r: (len(r.via), r.entity))

    # -- paths -----------------------------------------------------------------

    def paths(self, source: str, target: str, limit: int = 3) -> list[list[Step]]:
        """The shortest paths between two entities, following relations either way.

        Each step names the relation in the direction it is asserted.

        >>> [str(s) for s in KnowledgeGraph(tiny_graph()).paths("Taobao", "CAC")[0]]
        ['id:taobao --inSector--> id:platform-economy  [src:fixture line 16]', 'id:cac --regulates--> id:platform-economy  [src:fixture line 17]']
        """
        a, b = self.find(source), self.find(target)
        undirected = nx.Graph()
        undirected.add_nodes_from(self.nx)
        undirected.add_edges_from(self.nx.edges())
        try:
            node_paths = list(nx.all_shortest_paths(undirected, a, b))
        except nx.NetworkXNoPath:
            return []
        result = []
        for nodes in sorted(node_paths)[:limit]:
            result.append([self._step(u, v) for u, v in zip(nodes, nodes[1:])])
        return result

    def _step(self, u: str, v: str) -> Step:
        if self.nx.has_edge(u, v):
            e = self.nx[u][v][sorted(self.nx[u][v])[0]]
            return Step(u, e["predicate"], v, tuple(e["sources"]))
        e = self.nx[v][u][sorted(self.nx[v][u])[0]]
        return Step(v, e["predicate"], u, tuple(e["sources"]))

    # -- time ------------------------------------------------------------------

    def as_of(self, date: str) -> "KnowledgeGraph":
        """A snapshot: relations, instruments and events valid on ``date`` (YYYY, YYYY-MM or YYYY-MM-DD).

        Dropped: relations that start after the date or end before it, and of
        a history of claims between one pair all but the one holding then (for
        a stake, the latest figure known on the date); instruments not yet
        effective (or promulgated, where no effective date is known) or
        already repealed; entities founded and events dated after it.
        Raises ValueError for a date that is not on the calendar.

        >>> snap = KnowledgeGraph(tiny_graph()).as_of("2021-01-01")
        >>> "id:pipl" in snap.nx, "id:cybersecurity-law" in snap.nx
        (False, True)
        >>> KnowledgeGraph(tiny_graph()).as_of("2021-02-30")
        Traceback (most recent call last):
        ...
        ValueError: 2021-02-30 is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)
        """
        date = parse_date(date)
        snap = KnowledgeGraph.__new__(KnowledgeGraph)
        snap.__dict__.update(self.__dict__)
        snap._date, snap._now = date, None
        g = self.nx.copy()
        for node, data in list(g.nodes(data=True)):
            d = data["dates"]
            begins = (d.get("effectiveDate") or d.get("promulgatedDate") or d.get("foundedDate")
                      or d.get("date") or d.get("startDate") or [""])[0]
            ends = (d.get("repealedDate") or d.get("dissolvedDate") or [""])[0]
            if after(begins, date) or (ends and not after(ends, date)):
                g.remove_node(node)
        snap.nx = current_edges(g, date)
        return snap

    def version_on(self, law: str, date: str | None = None) -> dict:
        """Which version of a law was in force on ``date`` (today by default).

        ``version`` is the law itself (as first enacted) or the amendment in
        force by then; ``amendments`` lists those in force, oldest first.

        >>> KnowledgeGraph(tiny_graph()).version_on("PIPL", "2022-01-01")["version"]
        'id:pipl'
        """
        return version_on(self.nx, self.find(law), parse_date(date) if date else today())

    # -- rankings and export -----------------------------------------------------

    def rank(self, measure: str = "degree", limit: int = 10) -> list[tuple[str, float]]:
        """The most central entities by "degree", "betweenness" or "pagerank".

        >>> KnowledgeGraph(tiny_graph()).rank("degree", 2)
        [('id:ant-group', 4.0), ('id:platform-economy', 4.0)]
        """
        if measure == "degree":
            scores = {n: float(d) for n, d in self.nx.degree()}
        elif measure == "betweenness":
            g = nx.Graph(self.nx.to_undirected())
            k = None if g.number_of_nodes() <= 2000 else 500
            scores = nx.betweenness_centrality(g, k=k, seed=0)
        elif measure == "pagerank":
            scores = nx.pagerank(nx.DiGraph(self.nx))
        else:
            raise ValueError(f"measure must be degree, betweenness or pagerank, not {measure!r}")
        return sorted(((n, round(s, 6)) for n, s in scores.items()), key=lambda x: (-x[1], x[0]))[:limit]

    def to_networkx(self) -> nx.MultiDiGraph:
        """A copy of the entity MultiDiGraph (predicate as edge key; labels, types, dates, sources as attributes)."""
        return self.nx.copy()

    def _flat(self) -> nx.MultiDiGraph:
        """The network with list and dict attributes flattened to strings (GraphML/GEXF need scalars)."""
        g = nx.MultiDiGraph()
        def flat(attrs):
            out = {}
            for k, v in attrs.items():
                if isinstance(v, list) and v and isinstance(v[0], dict):
                    out[k] = "; ".join(f"{x['source']} {x['locator']}" for x in v)
                elif isinstance(v, list):
                    out[k] = "|".join(v)
                elif isinstance(v, dict):
                    out[k] = "; ".join(f"{a}={'|'.join(b)}" for a, b in sorted(v.items()))
                elif v is not None:
                    out[k] = v
            return out
        for n, d in sorted(self.nx.nodes(data=True)):
            g.add_node(n, **flat(d))
        for u, v, k, d in sorted(self.nx.edges(keys=True, data=True), key=lambda x: x[:3]):
            g.add_edge(u, v, key=k, **flat(d))
        return g

    def export(self, path: str | Path) -> Path:
        """Write the network for Gephi and friends: ``.graphml`` or ``.gexf``, by suffix."""
        path = Path(path)
        if path.suffix == ".graphml":
            nx.write_graphml(self._flat(), path)
        elif path.suffix == ".gexf":
            nx.write_gexf(self._flat(), path)
        else:
            raise ValueError(f"export to .graphml or .gexf, not {path.suffix!r}")
        return path

    # -- SPARQL ----------------------------------------------------------------

    def use_store(self, spec: str, inferred_nt: str | Path | None = None) -> "KnowledgeGraph":
        """Run SPARQL on the store a spec names (``memory`` or ``oxigraph:PATH``).

        An empty on-disk store is first filled from ``inferred_nt`` (the build's
        ``graph-inferred.nt``) by Oxigraph's bulk loader; a filled one is used as it is.
        """
        from .stores import load_graph_into, open_store
        if spec == "memory":
            self._store = None
            return self
        store = open_store(spec)
        if len(store) == 0:
            if inferred_nt is None or not Path(inferred_nt).exists():
                raise FileNotFoundError(f"store {spec} is empty and there is no graph-inferred.nt to load")
            load_graph_into(store, inferred_nt)
        self._store = store
        return self

    @property
    def store(self):
        """An Oxigraph store of the asserted graph plus inferred triples, for SPARQL."""
        if self._store is None:
            from .infer import infer
            from .store import to_store
            self._store = to_store(self.graph)
            infer(self.graph, self._store)
        return self._store

    def query(self, name_or_text: str, **params):
        """Run a library query (by name) or SPARQL text with bound parameters; return a Result.

        >>> r = KnowledgeGraph(tiny_graph()).query("regulators_of_platform", platform="Alipay")
        >>> [row["regulator"] for row in r.rows]
        ['id:cac', 'id:pboc']
        """
        from .query import run
        return run(self, name_or_text, params)


def _former_names(g: nx.MultiDiGraph) -> dict[str, list[dict]]:
    """Normalised former name -> the renamings that retired it (entity, name, new names, date)."""
    former: dict[str, list[dict]] = {}
    for node, data in g.nodes(data=True):
        if not data.get("former_names"):
            continue
        until = (data["dates"].get("date") or [""])[0]
        for _, entity, e in g.out_edges(node, data=True):
            if e["predicate"] != "renamed":
                continue
            for name in data["former_names"]:
                former.setdefault(normalize_name(name), []).append(
                    {"entity": entity, "former_name": name, "new_names": data.get("new_names", []),
                     "until": until, "renaming": node})
    return former


def _versions(g: nx.MultiDiGraph, law: str) -> list[dict]:
    """The law as first enacted, then each amendment, with its adoption and effective dates."""
    def row(node):
        d = g.nodes[node]["dates"]
        return {"id": node, "label": g.nodes[node]["label"], "adopted": (d.get("adoptedDate") or [""])[0],
                "effective": (d.get("effectiveDate") or [""])[0]}
    amendments = sorted((row(u) for u, _, e in g.in_edges(law, data=True) if e["predicate"] == "amends"),
                        key=lambda r: (r["effective"] or r["adopted"], r["id"]))
    return [row(law), *amendments]


def _node_names(g: nx.MultiDiGraph):
    """The names of the network's entities: id, slug, labels, aliases."""
    for node, data in g.nodes(data=True):
        classes = (data["type"], *data["types"])
        yield Name(node, node, "id", classes)
        yield Name(node.split(":", 1)[-1], node, "id", classes)
        for name, how in ((data["label"], "label"), (data["label_zh"], "label"), *((a, "alias") for a in data["aliases"])):
            if name:
                yield Name(name, node, how, classes)


def _other_names(graph: Graph) -> list[Name]:
    """Names of what is not an entity: indicators and observations (labels, aliases), sources (titles)."""
    names = []
    for cls in (KG.Indicator, KG.Observation, KG.Source, KG.SeedDocument):
        for term in graph.subjects(RDF.type, cls):
            classes = (slug(cls),)
            names += [Name(curie(term), curie(term), "id", classes), Name(slug(term), curie(term), "id", classes)]
            names += [Name(str(n), curie(term), "label", classes) for n in graph.objects(term, RDFS.label)]
            names += [Name(str(n), curie(term), "alias", classes) for n in graph.objects(term, SKOS.altLabel)]
            names += [Name(str(n), curie(term), "title", classes) for n in graph.objects(term, DCTERMS.title)]
    return names


def _read_graph(path: Path) -> Graph:
    from .parse import read_turtle
    g = Graph()
    g.addN((s, p, o, g) for s, p, o in read_turtle(path))
    return g


_CACHE_VERSION = "v2"  # bump when the cached network or names change shape


def load(path: str | Path | None = None, build_if_missing: bool = True) -> KnowledgeGraph:
    """Load ``dist/graph.ttl`` (building it first if it is missing) as a KnowledgeGraph.

    The entity network is cached beside the file (``.cache/``, keyed by the file's
    hash), so a second load skips parsing; the rdflib graph is then read only when
    a method needs it (``describe``, ``query``).
    """
    import hashlib
    import pickle

    from .paths import DIST
    path = Path(path) if path else DIST / "graph.ttl"
    if not path.exists():
        if not build_if_missing:
            raise FileNotFoundError(f"{path} does not exist; run `cdkg build` first")
        from .pipeline import build
        build(path.parent, log=None)
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    cache = path.parent / ".cache" / f"{path.stem}-{digest}-{_CACHE_VERSION}.pickle"
    if cache.exists():
        network, others = pickle.loads(cache.read_bytes())
        return KnowledgeGraph(network=network, others=others, graph_loader=lambda: _read_graph(path))
    kg = KnowledgeGraph(_read_graph(path))
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps((kg.nx, kg._others), protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache)
    except OSError:  # a read-only folder: no cache, same result
        pass
    return kg
