"""The interactive HTML explorer: one self-contained page per network.

The page inlines vis-network (read from the installed pyvis package), the
explorer's own script and style (``graph/templates/``) and the network as JSON.
It loads nothing from anywhere: a Content-Security-Policy with ``default-src
'none'`` and script hashes makes the browser refuse any remote request and any
script that is not one of the page's own.

Every name, note and source title reaches the page as JSON data (with ``<``,
``>`` and ``&`` escaped, so a label cannot close the script tag) and is put on
screen with ``textContent`` or as a vis-network plain-string tooltip, which
vis shows as text.

>>> from graph.network import to_networkx
>>> from graph.testing import tiny_graph
>>> data = page_data(to_networkx(tiny_graph()))
>>> len(data["nodes"]), len(data["edges"])
(12, 12)
>>> data["nodes"][0]["display"]
'Alibaba Group / 阿里巴巴集团'
>>> script_json({"label": "</script>"})
'{"label":"\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import importlib.util
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
from rdflib import Graph

from .families import families, family_of
from .namespaces import OWL, RDF, RDFS, slug
from .network import entity_classes, to_networkx
from .publish import write_over

__all__ = ["render_html", "html_step", "page_data", "script_json", "canvas_label",
           "node_tooltip", "edge_tooltip", "ego_network", "vis_assets", "view", "DEFAULT_TITLE"]

DEFAULT_TITLE = "China Digital Economy Knowledge Graph / 中国数字经济知识图谱"
TEMPLATES = Path(__file__).parent / "templates"
VIS_DIR = "templates/lib/vis-9.1.2"

#: Longest name drawn on the canvas; longer ones are cut with an ellipsis (the panel shows them whole).
CANVAS_LABEL_MAX = 28


# -- what the page shows -------------------------------------------------------------------------

_ACRONYM = re.compile(r"[A-Z][A-Z0-9&-]{1,9}")


def canvas_label(data: dict) -> str:
    """The name drawn beside a node: its English label (or Chinese) when short enough, else
    the longest alias that begins the label ("Cybersecurity Law" for the Cybersecurity Law
    of the People's Republic of China), else its shortest acronym alias, else the label cut
    to ``CANVAS_LABEL_MAX`` with an ellipsis.

    Examples
    --------
    >>> canvas_label({"label": "State Council of the People's Republic of China", "aliases": ["State Council"]})
    'State Council'
    >>> canvas_label({"label": "Cyberspace Administration of China", "aliases": ["CAC", "国家网信办"]})
    'CAC'
    >>> canvas_label({"label": "Measures for Cybersecurity Review (2021)", "aliases": ["Order No. 8"]})
    'Measures for Cybersecurity…'
    >>> canvas_label({"label": "", "label_zh": "淘宝"})
    '淘宝'
    """
    name = data.get("label") or data.get("label_zh") or "(no label)"
    if len(name) <= CANVAS_LABEL_MAX:
        return name
    aliases = data.get("aliases", [])
    heads = sorted((a for a in aliases if len(a) <= CANVAS_LABEL_MAX and name.startswith(a + " ")),
                   key=lambda a: (-len(a), a))
    if heads:
        return heads[0]
    acronyms = sorted((a for a in aliases if _ACRONYM.fullmatch(a)), key=lambda a: (len(a), a))
    return acronyms[0] if acronyms else name[:CANVAS_LABEL_MAX - 1].rstrip() + "…"


def _words(name: str) -> str:
    """``effectiveDate`` -> ``effective date``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def _display(data: dict) -> str:
    label, zh = data.get("label") or "", data.get("label_zh") or ""
    return " / ".join(x for x in (label, zh) if x) or "(no label)"


def node_tooltip(data: dict, degree: int) -> str:
    """The plain-text tooltip of a node: names, type, aliases, dates, link count.

    Examples
    --------
    >>> from graph.network import to_networkx
    >>> from graph.testing import tiny_graph
    >>> g = to_networkx(tiny_graph())
    >>> print(node_tooltip(g.nodes["id:pipl"], g.degree("id:pipl")))
    Personal Information Protection Law / 个人信息保护法
    Law
    also: PIPL
    adopted date: 2021-08-20
    effective date: 2021-11-01
    links: 2
    """
    lines = [_display(data), ", ".join(data.get("types") or [data.get("type", "")])]
    if data.get("aliases"):
        lines.append("also: " + ", ".join(data["aliases"]))
    for name, values in data.get("dates", {}).items():
        lines.append(f"{_words(name)}: {', '.join(values)}")
    lines.append(f"links: {degree}")
    return "\n".join(lines)


def _cite(source: dict) -> str:
    text = source.get("title") or source.get("source", "")
    if source.get("locator"):
        text += f", {source['locator']}"
    if source.get("note"):
        text += f" ({source['note']})"
    return text


def edge_tooltip(source_label: str, target_label: str, edge: dict) -> str:
    """The plain-text tooltip of an edge: relation, dates, stake and each source.

    Examples
    --------
    >>> from graph.network import to_networkx
    >>> from graph.testing import tiny_graph
    >>> e = to_networkx(tiny_graph())["id:alibaba-group"]["id:ant-group"]["owns"]
    >>> print(edge_tooltip("Alibaba Group", "Ant Group", e))
    Alibaba Group --owns--> Ant Group
    from 2020
    stake: 33%
    source: Test fixture, line 12
    """
    lines = [f"{source_label} --{edge['predicate']}--> {target_label}"]
    if edge.get("start") or edge.get("end"):
        span = [f"from {edge['start']}" if edge.get("start") else "", f"until {edge['end']}" if edge.get("end") else ""]
        lines.append(" ".join(x for x in span if x))
    if edge.get("stake") is not None:
        lines.append(f"stake: {edge['stake']:g}%")
    lines.extend(f"source: {_cite(s)}" for s in edge.get("sources", []))
    return "\n".join(lines)


def _node_size(degree: int) -> float:
    """Radius in pixels: grows with the square root of the degree, capped."""
    return round(min(48.0, 10.0 + 5.0 * math.sqrt(degree)), 1)


def _node_record(g: nx.MultiDiGraph, node: str) -> dict:
    data = g.nodes[node]
    return {"id": node, "label": data.get("label", ""), "label_zh": data.get("label_zh", ""),
            "display": _display(data), "short": canvas_label(data), "type": data.get("type", "Entity"),
            "types": data.get("types", []),
            "family": family_of(data.get("type", "Entity"), data.get("types", []))["key"],
            "aliases": data.get("aliases", []), "dates": data.get("dates", {}), "iri": data.get("iri", ""),
            "sources": data.get("sources", []), "degree": g.degree(node), "size": _node_size(g.degree(node)),
            "tooltip": node_tooltip(data, g.degree(node))}


def _edge_records(g: nx.MultiDiGraph) -> list[dict]:
    """Edges in a fixed order; parallel edges between a pair get growing curvature."""
    rows, seen = [], Counter()
    for u, v, key, e in sorted(g.edges(keys=True, data=True), key=lambda x: (x[0], x[1], x[2])):
        pair = tuple(sorted((u, v)))
        rows.append({"id": e.get("claim") or f"{u} {key} {v}", "from": u, "to": v,
                     "predicate": e.get("predicate", key), "start": e.get("start", ""), "end": e.get("end", ""),
                     "stake": e.get("stake"), "sources": e.get("sources", []), "curve": seen[pair],
                     "tooltip": edge_tooltip(_display(g.nodes[u]), _display(g.nodes[v]),
                                             {"predicate": key, **e})})
        seen[pair] += 1
    return rows


def page_data(g: nx.MultiDiGraph, title: str = DEFAULT_TITLE, focus: str | None = None) -> dict:
    """Everything the page needs, as plain JSON-ready data in a fixed order.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        An entity network from :func:`graph.network.to_networkx` (or a subgraph of it).
    title : str
        The page heading (shown as text).
    focus : str, optional
        A node to select and show when the page opens (the centre of an ego view).

    Returns
    -------
    dict
        ``title``, ``focus``, ``nodes``, ``edges``, ``families`` (key, names in en and zh,
        colour, shape, classes and count, in legend order, those present only) and
        ``predicates`` (name, count).
    """
    nodes = [_node_record(g, n) for n in sorted(g.nodes)]
    edges = _edge_records(g)
    counts = Counter(n["family"] for n in nodes)
    classes: dict[str, set] = {}
    for n in nodes:
        classes.setdefault(n["family"], set()).add(n["type"])
    predicates = Counter(e["predicate"] for e in edges)
    return {"title": title, "focus": focus if focus in g else None, "nodes": nodes, "edges": edges,
            "families": [{"key": f["key"], "name": f["name"], "name_zh": f["name_zh"], "colour": f["colour"],
                          "shape": f["shape"], "classes": sorted(classes[f["key"]]), "count": counts[f["key"]]}
                         for f in families() if counts[f["key"]]],
            "predicates": [{"name": p, "count": predicates[p]} for p in sorted(predicates)]}


# -- the page ------------------------------------------------------------------------------------

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped.

    Keys are sorted and the output has no spaces, so equal data gives equal text.

    Examples
    --------
    >>> script_json({"b": "<img src=x>", "a": "淘宝"})
    '{"a":"淘宝","b":"\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _ESCAPES[m.group()], text)


def vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS, read from the installed pyvis package.

    Raises
    ------
    FileNotFoundError
        If pyvis (which ships vis-network 9.1.2) is not installed.
    """
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pyvis is not installed; it provides vis-network (pip install pyvis==0.3.2)")
    folder = Path(next(iter(spec.submodule_search_locations))) / VIS_DIR
    return ((folder / "vis-network.min.js").read_text(encoding="utf-8"),
            (folder / "vis-network.css").read_text(encoding="utf-8"))


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace each ``{{name}}`` once, without rescanning inserted text."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)


def _page(data: dict) -> str:
    vis_js, vis_css = vis_assets()
    app_js = (TEMPLATES / "explorer.js").read_text(encoding="utf-8")
    for name, text in (("vis-network.min.js", vis_js), ("explorer.js", app_js)):
        if "</script" in text.lower():
            raise ValueError(f"{name} contains '</script' and cannot be inlined")
    csp = (f"default-src 'none'; script-src {_csp_hash(vis_js)} {_csp_hash(app_js)}; "
           "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
    return _fill((TEMPLATES / "explorer.html").read_text(encoding="utf-8"), {
        "title": html.escape(data["title"]), "csp": html.escape(csp, quote=False), "vis_css": vis_css,
        "app_css": (TEMPLATES / "explorer.css").read_text(encoding="utf-8"),
        "vis_js": vis_js, "app_js": app_js, "data": script_json(data)})


def render_html(nxgraph: nx.MultiDiGraph, path, title: str = DEFAULT_TITLE, focus: str | None = None) -> Path:
    """Write the network as one self-contained, offline, interactive HTML page.

    Parameters
    ----------
    nxgraph : networkx.MultiDiGraph
        An entity network from :func:`graph.network.to_networkx` or ``KnowledgeGraph.ego``.
    path : str or pathlib.Path
        The file to write (its folder is created if needed).
    title : str
        The page title and heading.
    focus : str, optional
        A node id to select and show when the page opens.

    Returns
    -------
    pathlib.Path
        ``path``. The same network always gives byte-identical HTML.

    Examples
    --------
    >>> import tempfile
    >>> from graph.network import to_networkx
    >>> from graph.testing import tiny_graph
    >>> out = render_html(to_networkx(tiny_graph()), Path(tempfile.mkdtemp()) / "tiny.html")
    >>> text = out.read_text(encoding="utf-8")
    >>> "id:alibaba-group" in text, "淘宝" in text
    (True, True)

    See also
    --------
    page_data : the data embedded in the page.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_over(path, _page(page_data(nxgraph, title, focus)))
    return path


def html_step(build, staging) -> str:
    """Pipeline step: write ``graph.html``, the explorer of the whole curated graph.

    Parameters
    ----------
    build : graph.pipeline.Build
        The build result; ``build.graph`` is the asserted graph.
    staging : pathlib.Path
        The folder the build is writing into.

    Returns
    -------
    str
        A one-line summary for the build log.
    """
    g = to_networkx(build.graph)
    render_html(g, Path(staging) / "graph.html")
    return f"graph.html: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges"


html_step.step_name = "html"
html_step.asserted_only = True  # it reads build.graph only: the build may start it before validation


# -- ego views -----------------------------------------------------------------------------------

def _class_closure(graph: Graph, names) -> set[str]:
    """The named classes and every class below them; ValueError on an unknown name."""
    below: dict[str, set[str]] = {}
    for c in entity_classes(graph):
        for sup in graph.transitive_objects(c, RDFS.subClassOf):
            below.setdefault(slug(sup), set()).add(slug(c))
    _reject(names, below, "class")
    return set().union(*(below[n] for n in names))


def _reject(names, known, kind: str) -> None:
    """ValueError naming the first unknown name and the closest known ones."""
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
            hint = f"; did you mean: {', '.join(close)}?" if close else f"; known: {', '.join(sorted(known))}"
            raise ValueError(f"unknown {kind} {name!r}{hint}")


def _check_predicates(graph: Graph, names) -> set[str]:
    known = {slug(p) for p in graph.subjects(RDF.type, OWL.ObjectProperty)}
    _reject(names, known, "predicate")
    return set(names)


def ego_network(kg, name: str, depth: int = 1, types=None, predicates=None) -> tuple[nx.MultiDiGraph, str]:
    """The entities within ``depth`` relations of one entity, through the kept classes and predicates.

    Parameters
    ----------
    kg : graph.api.KnowledgeGraph
        The graph (possibly an ``as_of`` snapshot).
    name : str
        A label, alias or CURIE of the centre.
    depth : int
        How many relations away to go (either direction).
    types : iterable of str, optional
        Keep only entities of these classes or their subclasses (the centre is always kept).
    predicates : iterable of str, optional
        Walk and show only these relations.

    Returns
    -------
    (networkx.MultiDiGraph, str)
        The ego network and the centre's id.

    Raises
    ------
    LookupError
        An unknown or ambiguous name, or an entity not in this snapshot.
    ValueError
        An unknown class or predicate.

    Examples
    --------
    >>> from graph.api import KnowledgeGraph
    >>> from graph.testing import tiny_graph
    >>> g, centre = ego_network(KnowledgeGraph(tiny_graph()), "阿里巴巴集团", 1, predicates=["owns"])
    >>> centre, sorted(g)
    ('id:alibaba-group', ['id:alibaba-group', 'id:ant-group'])
    """
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    centre = kg.find(name)
    if centre not in kg.nx:
        raise LookupError(f"{name!r} ({centre}) is not in this graph (not valid on its date)")
    keep_types = _class_closure(kg.graph, types) if types else None
    keep_preds = _check_predicates(kg.graph, predicates) if predicates else None

    def keep_node(n):
        return n == centre or keep_types is None or not keep_types.isdisjoint(kg.nx.nodes[n]["types"])

    def keep_edge(u, v, key):
        return keep_preds is None or key in keep_preds

    view = nx.subgraph_view(kg.nx, filter_node=keep_node, filter_edge=keep_edge)
    near = nx.single_source_shortest_path_length(view.to_undirected(as_view=True), centre, cutoff=depth)
    return view.subgraph(sorted(near)).copy(), centre


def view(args) -> int:
    from .api import load
    from .errors import BuildError
    from .paths import DIST
    from .pipeline import report_failure
    try:
        kg = load(Path(args.graph) if args.graph else None)
        if args.as_of:
            kg = kg.as_of(args.as_of)
            if kg.find(args.name) not in kg.nx:
                raise LookupError(f"{args.name!r} ({kg.find(args.name)}) was not valid on {args.as_of}")
        g, centre = ego_network(kg, args.name, args.depth, args.type, args.predicate)
    except BuildError as err:
        report_failure(err)
        return 1
    except (LookupError, ValueError) as err:
        print(f"cdkg view: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    name = _display(g.nodes[centre])
    when = f", as of {args.as_of}" if args.as_of else ""
    out = Path(args.out) if args.out else DIST / f"view-{re.sub(r'[^A-Za-z0-9._-]+', '-', centre.split(':')[-1])}.html"
    render_html(g, out, title=f"{name}: relations to depth {args.depth}{when}", focus=centre)
    print(f"wrote {out}: {g.number_of_nodes()} entities, {g.number_of_edges()} relations")
    return 0
