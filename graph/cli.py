"""The ``cdkg`` command line: build the graph, query it, walk it, view it.

Examples:
    cdkg build --out dist
    cdkg query regulators_of_platform --param platform=Taobao
    cdkg path Alipay "Cyberspace Administration of China"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import BuildError
from .paths import DATA, DIST

__all__ = ["main", "parser", "add_command"]


def _build(args) -> int:
    from .pipeline import assemble, build, report_failure

    try:
        if args.check:
            assemble(Path(args.data), log=sys.stderr)
            print("check passed: nothing written", file=sys.stderr)
        else:
            steps = [] if args.no_html else [_html_step()]
            build(Path(args.out), Path(args.data), extra_steps=steps)
            if args.store != "memory":
                from .stores import load_graph_into, open_store
                store = open_store(args.store)
                store.clear()
                count = load_graph_into(store, Path(args.out) / "graph-inferred.nt")
                store.flush()
                print(f"loaded {count} triples into {args.store}", file=sys.stderr)
    except BuildError as err:
        report_failure(err)
        return 1
    return 0


def _html_step():
    """The build's HTML step, its imports (networkx, about 0.25 s) started now in a background thread.

    The build spends most of its first second inside Oxigraph, which releases
    the GIL, so the import runs beside it instead of after it.
    """
    import importlib
    import threading
    warm = threading.Thread(target=importlib.import_module, args=("graph.render",), daemon=True)
    warm.start()

    def html(result, staging):
        warm.join()
        from .render import html_step
        return html_step(result, staging)
    html.step_name = "html"
    return html


def _view(args) -> int:
    from .render import view
    return view(args)


def _kg(args):
    from .api import load
    from .errors import BuildError
    from .pipeline import report_failure
    try:
        kg = load(Path(args.graph) if args.graph else None)
    except BuildError as err:
        report_failure(err)
        raise SystemExit(1)
    spec = getattr(args, "store", None)
    if spec and spec != "memory":
        graph_file = Path(args.graph) if args.graph else DIST / "graph.ttl"
        kg.use_store(spec, graph_file.with_name("graph-inferred.nt"))
    return kg.as_of(args.as_of) if getattr(args, "as_of", None) else kg


def _name(kg, node: str) -> str:
    data = kg.nx.nodes[node]
    zh = f" / {data['label_zh']}" if data["label_zh"] else ""
    return f"{data['label']}{zh} ({node})"


def _cites(sources) -> str:
    return "; ".join(f"{s['source']} {s['locator']}" for s in sources)


def _query(args) -> int:
    from .query import QueryError, format_result, library, run
    if args.list and args.format == "md":  # the README's query table
        print("| query | question | parameters |\n|---|---|---|")
        for name, q in library().items():
            print(f"| `{name}` | {q.summary} | {', '.join(p[1:] for p in q.params) or '—'} |")
        return 0
    if args.list:
        for name, q in library().items():
            params = " ".join(f"--param {p[1:]}=<{k}>" for p, k in q.params.items())
            print(f"{name:<40} {q.summary}" + (f"  [{params}]" if params else ""))
        return 0
    if not args.name:
        print("cdkg query: give a query NAME (see --list) or a .rq file", file=sys.stderr)
        return 2
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"cdkg query: --param takes name=value, not {item!r}", file=sys.stderr)
            return 2
        params[key] = value
    try:
        if args.endpoint:  # entity names are resolved on the endpoint itself
            from .remote import EndpointNames
            kg = EndpointNames.at(args.endpoint)
        else:
            kg = _kg(args)
        result = run(kg, args.name, params, endpoint=args.endpoint)
    except (QueryError, LookupError) as err:
        print(f"cdkg query: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    print(format_result(result, args.format))
    return 0


def _lookup(fn):
    """Run a command body, turning an unknown or ambiguous name into a message and exit code 2."""
    def wrapped(args):
        try:
            return fn(args)
        except (LookupError, ValueError) as err:  # an unknown name, a date not on the calendar
            print(f"cdkg {args.command}: {err.args[0] if err.args else err}", file=sys.stderr)
            return 2
    return wrapped


@_lookup
def _show(args) -> int:
    kg = _kg(args)
    view = kg.describe(args.name)
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    print(_name(kg, view["id"]))
    for f in kg.formerly(args.name):
        if f["entity"] == view["id"]:
            print(f"  (found by its former name {f['former_name']!r}, used until {f['until'] or 'an undated renaming'})")
    print(f"  type:    {', '.join(view['types'])}")
    if view["aliases"]:
        print(f"  aliases: {', '.join(view['aliases'])}")
    for f in view["former_names"]:
        print(f"  formerly: {f['former_name']} (until {f['until'] or 'undated'}; {f['renaming']})")
    for i, v in enumerate(view.get("versions", [])):
        kind = "as enacted" if i == 0 else "amended by"
        print(f"  version: {kind} {v['label']} ({v['id']}), adopted {v['adopted'] or '?'}, effective {v['effective'] or '?'}")
    for key, values in sorted(view["dates"].items()):
        print(f"  {key}: {', '.join(values)}")
    for key, values in sorted(view["attributes"].items()):
        print(f"  {key}: {', '.join(values)}")
    print("  sources:")
    for s in view["sources"]:
        print(f"    {s['source']} {s['locator']}" + (f"  {s['url']}" if s.get("url") else ""))
    print(f"  relations ({len(view['relations'])}):")
    for r in view["relations"]:
        arrow = f"--{r['predicate']}-->" if r["direction"] == "out" else f"<--{r['predicate']}--"
        dates = f" [{r['start']}..{r['end']}]" if r["start"] or r["end"] else ""
        stake = f" {r['stake']}%" if r["stake"] is not None else ""
        print(f"    {arrow} {r['other_label']} ({r['other']}){stake}{dates}  <{_cites(r['sources'])}>")
    return 0


@_lookup
def _path(args) -> int:
    kg = _kg(args)
    a, b = kg.find(args.source), kg.find(args.target)
    paths = kg.paths(a, b, limit=args.limit)
    if not paths:
        print(f"no path between {_name(kg, a)} and {_name(kg, b)}")
        return 1
    for i, steps in enumerate(paths, 1):
        print(f"path {i} ({len(steps)} step{'s' if len(steps) != 1 else ''}):")
        for s in steps:
            print(f"  {_name(kg, s.source)} --{s.predicate}--> {_name(kg, s.target)}")
            print(f"      source: {_cites(s.sources)}")
    return 0


@_lookup
def _neighbours(args) -> int:
    kg = _kg(args)
    node = kg.find(args.name)
    found = kg.neighbours(node, args.predicate, args.direction)
    print(f"{_name(kg, node)}: {len(found)} neighbour(s)")
    for other in sorted(found):
        print(f"  {_name(kg, other)}")
    return 0


@_lookup
def _owners(args) -> int:
    kg = _kg(args)
    node = kg.find(args.name)
    found = kg.holdings(node) if args.holdings else kg.owners(node)
    print(f"{'holdings' if args.holdings else 'owners'} of {_name(kg, node)}: {len(found)}")
    for o in found:
        other = o.owned if args.holdings else o.owner
        bound = f"{o.qualifier} " if o.qualifier else ""
        stake = "stake not published" if o.stake is None else f"effective stake {bound}{o.stake:g}%"
        if o.stake is not None and o.as_of:
            stake += f" (as of {o.as_of})"
        print(f"  {_name(kg, other)}: {stake}")
        for s in o.chain:
            print(f"      {s.source} --{s.predicate}--> {s.target}  <{_cites(s.sources)}>")
    return 0


@_lookup
def _as_of(args) -> int:
    from .api import load
    kg = load(Path(args.graph) if args.graph else None)
    snap = kg.as_of(args.date)
    dropped = sorted(set(kg.nx) - set(snap.nx))
    print(f"as of {args.date}: {snap.nx.number_of_nodes()} entities, {snap.nx.number_of_edges()} relations "
          f"({len(dropped)} entities and {kg.nx.number_of_edges() - snap.nx.number_of_edges()} relations not yet valid)")
    instruments = sorted(n for n, d in snap.nx.nodes(data=True) if "effectiveDate" in d["dates"])
    print(f"instruments in force ({len(instruments)}):")
    for n in instruments:
        print(f"  {_name(snap, n)}  effective {snap.nx.nodes[n]['dates']['effectiveDate'][0]}")
    return 0


@_lookup
def _search(args) -> int:
    kg = _kg(args)
    for r in kg.search(args.text, limit=args.limit):
        print(f"{r['score']:.2f}  {r['id']:<40} {r['label']}  (matched {r['name']!r})")
    return 0


def _rank(args) -> int:
    kg = _kg(args)
    for node, score in kg.rank(args.measure, args.limit):
        print(f"{score:>10.4f}  {_name(kg, node)}")
    return 0


def _export(args) -> int:
    kg = _kg(args)
    print(kg.export(args.path))
    return 0


def _diff(args) -> int:
    from .diff import DiffError, diff, snapshot, to_csv, to_markdown
    try:
        rows = diff(snapshot(args.old), snapshot(args.new))
    except (DiffError, BuildError) as err:
        print(f"cdkg diff: {err}", file=sys.stderr)
        return 2
    print(to_csv(rows) if args.format == "csv" else to_markdown(rows, args.old, args.new), end="")
    return 0


def add_command(sub, name: str, help: str, example: str) -> argparse.ArgumentParser:
    """Add one sub-command whose description repeats its help and whose help ends with an example."""
    return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                          epilog=f"Example: {example}")


def parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    top = argparse.ArgumentParser(
        prog="cdkg", description="China Digital Economy Knowledge Graph: build, query and explore.",
        epilog="Example: cdkg query regulators_of_platform --param platform=Taobao")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help, example, graph=True):
        p = add_command(sub, name, help, example)
        if graph:
            p.add_argument("--graph", help="graph file to load (default: dist/graph.ttl, built if missing)")
        p.set_defaults(func=func)
        return p

    b = command("build", _build, "validate the curated data and write every output to dist/",
                "cdkg build --out dist", graph=False)
    b.add_argument("--out", default=str(DIST), help="output folder (default: dist/)")
    b.add_argument("--data", default=str(DATA), help="folder of curated Turtle files (default: ontology/data)")
    b.add_argument("--check", action="store_true", help="validate only; write nothing")
    b.add_argument("--no-html", action="store_true", help="skip the HTML view")
    b.add_argument("--store", default="memory", metavar="SPEC",
                   help="also load the built graph into this store: memory (default, nothing kept) or oxigraph:PATH")

    q = command("query", _query, "run a SPARQL query of the library (or a .rq file) with bound parameters",
                "cdkg query regulators_of_platform --param platform=Taobao --format csv")
    q.add_argument("name", nargs="?", help="query name (see --list), path to a .rq file, or SPARQL text")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter; entity parameters take a label, alias or IRI")
    q.add_argument("--format", choices=["table", "csv", "json", "md"], default="table")
    q.add_argument("--endpoint", help="run against this SPARQL endpoint instead of the local graph")
    q.add_argument("--list", action="store_true", help="list the queries of the library")
    q.add_argument("--store", default="memory", metavar="SPEC",
                   help="where queries run: memory (default; the built graph loaded fresh) or oxigraph:PATH "
                        "(a persistent store, filled from graph-inferred.nt when empty)")
    q.add_argument("--as-of", help=argparse.SUPPRESS)

    s = command("show", _show, "show one entity: names, dates, attributes and relations with sources",
                'cdkg show "Data Security Law"')
    s.add_argument("name")
    s.add_argument("--json", action="store_true", help="print the view as JSON")
    s.add_argument("--as-of", metavar="DATE", help="only what was valid on DATE")

    p = command("path", _path, "the shortest chains of relations between two entities, with sources",
                'cdkg path Alipay "Cyberspace Administration of China"')
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--limit", type=int, default=3, help="at most this many paths (default 3)")
    p.add_argument("--as-of", metavar="DATE", help="only relations valid on DATE")

    n = command("neighbours", _neighbours, "entities one relation away", "cdkg neighbours CAC --direction in")
    n.add_argument("name")
    n.add_argument("--predicate", help="only this relation (e.g. regulates)")
    n.add_argument("--direction", choices=["out", "in", "both"], default="both")
    n.add_argument("--as-of", metavar="DATE", help="only relations valid on DATE")

    o = command("owners", _owners, "who owns an entity, up the chain, with effective stakes",
                "cdkg owners Alipay")
    o.add_argument("name")
    o.add_argument("--holdings", action="store_true", help="show what it owns instead, down the chain")
    o.add_argument("--as-of", metavar="DATE", help="only ownership valid on DATE")

    a = command("as-of", _as_of, "the graph as of a date: what was valid and in force then",
                "cdkg as-of 2021-01-01")
    a.add_argument("date", help="YYYY, YYYY-MM or YYYY-MM-DD")

    f = command("search", _search, "ranked entities whose names match a text", "cdkg search 数据")
    f.add_argument("text")
    f.add_argument("--limit", type=int, default=10)

    r = command("rank", _rank, "the most central entities", "cdkg rank --measure pagerank")
    r.add_argument("--measure", choices=["degree", "betweenness", "pagerank"], default="degree")
    r.add_argument("--limit", type=int, default=10)

    e = command("export", _export, "write the entity network as GraphML or GEXF (for Gephi)",
                "cdkg export dist/graph.gexf")
    e.add_argument("path", help="output file ending .graphml or .gexf")

    v = command("view", _view, "write an interactive HTML page of the entities around one entity",
                "cdkg view Alibaba --depth 2 --predicate owns --out alibaba.html")
    v.add_argument("name", help="label, alias or CURIE of the centre entity (English or Chinese)")
    v.add_argument("--depth", type=int, default=1, help="relations away from the centre (default 1)")
    v.add_argument("--type", action="append", metavar="CLASS",
                   help="keep only entities of this class or its subclasses (repeatable)")
    v.add_argument("--predicate", action="append", metavar="P", help="keep only this relation (repeatable)")
    v.add_argument("--as-of", metavar="DATE", help="only what was valid on DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    v.add_argument("--out", metavar="FILE", help="output file (default: dist/view-<entity>.html)")

    d = command("diff", _diff, "entities and claims added, removed and changed between two builds or git revisions",
                "cdkg diff 477dcdd HEAD --format md", graph=False)
    d.add_argument("old", help="a built folder (graph.ttl), a source folder (ontology/) or a git revision")
    d.add_argument("new", help="the same, for the newer side")
    d.add_argument("--format", choices=["md", "csv"], default="md")

    for extra in ("serve", "push"):
        __import__(f"graph.{extra}", fromlist=["add_parser"]).add_parser(sub)
    return top


def main(argv=None) -> int:
    """Entry point of ``cdkg`` and ``build.py``; returns the exit code."""
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
