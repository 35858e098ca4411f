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

    if not Path(args.data).is_dir():
        print(f"cdkg build: data folder {args.data} does not exist", file=sys.stderr)
        return 2
    try:
        if args.check:
            assemble(Path(args.data), log=sys.stderr)
            print("check passed: nothing written", file=sys.stderr)
        else:
            steps = [] if args.no_html else [_html_step(), _site_step]
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
    """The build's HTML step (``graph.html``): it reads only the asserted graph, so it starts beside validation."""
    def html(result, staging):
        from .render import html_step
        return html_step(result, staging)
    html.step_name = "html"
    html.asserted_only = True
    html.warm_up = lambda: __import__("graph.render")
    return html


def _site_step(result, staging):
    """The build's site step (``site/``): the pages of every entity, source and indicator, timeline, charts."""
    from .site import site_step
    return site_step(result, staging)


def _warm_site():
    from .site import warm_up
    warm_up()


_site_step.step_name = "site"
_site_step.warm_up = _warm_site


def _view(args) -> int:
    from .render import view
    return view(args)


def _kg(args):
    from .api import load
    from .errors import BuildError
    from .pipeline import report_failure
    if getattr(args, "graph", None) and not Path(args.graph).is_file():
        raise FileNotFoundError(f"graph file {args.graph} does not exist")
    try:
        kg = load(Path(args.graph) if getattr(args, "graph", None) else None)
    except BuildError as err:
        report_failure(err)
        raise SystemExit(1)
    spec = getattr(args, "store", None)
    if spec and spec != "memory":
        graph_file = Path(args.graph) if args.graph else DIST / "graph.ttl"
        kg.use_store(spec, graph_file.with_name("graph-inferred.nt"))
    return kg.as_of(args.as_of) if getattr(args, "as_of", None) else kg


def _name(kg, node: str) -> str:
    data = kg.nx.nodes[node] if node in kg.nx else {"label": kg._index.label(node), "label_zh": ""}
    zh = f" / {data['label_zh']}" if data["label_zh"] else ""
    return f"{data['label']}{zh} ({node})"


def _cites(sources) -> str:
    return "; ".join(f"{s['source']} {s['locator']}" for s in sources)


def _urls(sources) -> dict[str, str]:
    return {s["source"]: s.get("url", "") for s in sources}


def _result(columns, rows):
    from .query import Result
    return Result(list(columns), [{c: "" if r.get(c) is None else str(r.get(c)) for c in columns} for r in rows])


def _find(kg, text: str, within=None) -> str:
    """Resolve a name; say on stderr when other things share it."""
    match = kg.resolve(text, within)
    if match.also:
        others = ", ".join(f"{n.target} ({n.how})" for n in match.also)
        print(f"note: {text!r} is the {match.how} of {match.target}; it also names {others}", file=sys.stderr)
    return match.target


def _query(args) -> int:
    from .query import library, run
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
        raise ValueError("give a query NAME (see --list), a .rq file or SPARQL text")
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param takes name=value, not {item!r}")
        params[key] = value
    if args.endpoint:  # entity names are resolved on the endpoint itself
        from .remote import EndpointNames
        kg = EndpointNames.at(args.endpoint)
    else:
        kg = _kg(args)
    _emit(run(kg, args.name, params, endpoint=args.endpoint), args.format)
    return 0


def _sparql(args) -> int:
    from .query import run, with_prefixes
    text = Path(args.text).read_text(encoding="utf-8") if args.text.endswith(".rq") else args.text
    kg = None if args.endpoint else _kg(args)
    _emit(run(kg, with_prefixes(text), {}, endpoint=args.endpoint), args.format)
    return 0


def _emit(result, fmt):
    from .cli_format import emit
    emit(result, fmt)


def _show(args) -> int:
    kg = _kg(args)
    node = _find(kg, args.name)
    if node not in kg.nx:
        from .sources import SOURCE_CLASSES
        if set(kg._index.classes.get(node, ())) & SOURCE_CLASSES:
            return _show_source(kg, node, args)
        raise LookupError(f"{args.name!r} ({node}) is not an entity or a source"
                          + (f" valid on {args.as_of}" if args.as_of else ""))
    view = kg.describe(node)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(view, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    rows = [{"direction": r["direction"], "predicate": r["predicate"], "other": r["other"],
             "other_label": r["other_label"], "start": r["start"], "end": r["end"], "stake": r["stake"],
             "source": s["source"], "source_url": s.get("url", ""), "locator": s["locator"]}
            for r in view["relations"] for s in r["sources"]]
    if fmt != "table":
        _emit(_result(["direction", "predicate", "other", "other_label", "start", "end", "stake", "source",
                       "source_url", "locator"], rows), fmt)
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
    print(f"  cited: {_cites(view['sources'])}")
    print(f"  relations ({len(view['relations'])}):")
    for r in view["relations"]:
        arrow = f"--{r['predicate']}-->" if r["direction"] == "out" else f"<--{r['predicate']}--"
        dates = f" [{r['start']}..{r['end']}]" if r["start"] or r["end"] else ""
        stake = f" {r['stake']}%" if r["stake"] is not None else ""
        print(f"    {arrow} {r['other_label']} ({r['other']}){stake}{dates}  <{_cites(r['sources'])}>")
    urls = _urls([*view["sources"], *(s for r in view["relations"] for s in r["sources"])])
    print(f"  sources ({len(urls)}):")
    for source, url in sorted(urls.items()):
        print(f"    {source}  {url or '(no URL)'}")
    return 0


def _show_source(kg, node, args) -> int:
    from .sources import describe_source
    view = describe_source(kg, node)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(view, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    claims = _result(["kind", "subject", "predicate", "object", "locator", "note"], view["claims"])
    if fmt != "table":
        _emit(claims, fmt)
        return 0
    print(f"{view['title']} ({view['id']})")
    for key in ("publisher", "date", "url", "accessed", "kind", "note"):
        if view[key]:
            print(f"  {key}: {view[key]}")
    print(f"  cited by {len(view['claims'])} record(s) and claim(s):")
    _emit(claims, "table")
    return 0


def _path(args) -> int:
    kg = _kg(args)
    a, b = _find(kg, args.source), _find(kg, args.target)
    paths = kg.paths(a, b, limit=args.limit)
    if args.format != "table":
        _emit(_result(["path", "step", "source", "predicate", "target", "cited", "source_urls"],
                      [{"path": i, "step": j, "source": s.source, "predicate": s.predicate, "target": s.target,
                        "cited": _cites(s.sources), "source_urls": " ".join(u for u in _urls(s.sources).values() if u)}
                       for i, steps in enumerate(paths, 1) for j, s in enumerate(steps, 1)]), args.format)
        return 0 if paths else 1
    if not paths:
        print(f"no path between {_name(kg, a)} and {_name(kg, b)}")
        return 1
    for i, steps in enumerate(paths, 1):
        print(f"path {i} ({len(steps)} step{'s' if len(steps) != 1 else ''}):")
        for s in steps:
            print(f"  {_name(kg, s.source)} --{s.predicate}--> {_name(kg, s.target)}")
            print(f"      source: {_cites(s.sources)}")
    return 0


def _neighbours(args) -> int:
    kg = _kg(args)
    node = _find(kg, args.name)
    if node not in kg.nx:
        raise LookupError(f"{args.name!r} ({node}) is not an entity of the graph" + (f" on {args.as_of}" if args.as_of else ""))
    rows = []
    if args.direction in ("out", "both"):
        rows += [{"direction": "out", "relation": e["predicate"], "neighbour": v, "label": kg.nx.nodes[v]["label"],
                  "cited": _cites(e["sources"])} for _, v, e in kg.nx.out_edges(node, data=True)]
    if args.direction in ("in", "both"):
        rows += [{"direction": "in", "relation": e["predicate"], "neighbour": u, "label": kg.nx.nodes[u]["label"],
                  "cited": _cites(e["sources"])} for u, _, e in kg.nx.in_edges(node, data=True)]
    rows = [r for r in rows if args.predicate in (None, r["relation"])]
    rows.sort(key=lambda r: (r["direction"] != "out", r["relation"], r["neighbour"], r["cited"]))
    if args.format == "table":
        print(f"{_name(kg, node)}: {len({r['neighbour'] for r in rows})} neighbour(s)")
    _emit(_result(["direction", "relation", "neighbour", "label", "cited"], rows), args.format)
    return 0


def _owners(args) -> int:
    kg = _kg(args)
    node = _find(kg, args.name)
    found = kg.holdings(node, date=args.as_of) if args.holdings else kg.owners(node, date=args.as_of)
    if args.format != "table":
        _emit(_result(["owner", "owned", "stake", "as_of", "chain", "cited"],
                      [{"owner": o.owner, "owned": o.owned, "stake": "" if o.stake is None else f"{o.stake:g}",
                        "as_of": o.as_of, "chain": " ; ".join(f"{s.source} {s.predicate} {s.target}" for s in o.chain),
                        "cited": " ; ".join(_cites(s.sources) for s in o.chain)} for o in found]), args.format)
        return 0
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


def _as_of(args) -> int:
    kg = _kg(args)
    snap = kg.as_of(args.date)
    dropped = sorted(set(kg.nx) - set(snap.nx))
    instruments = sorted(n for n, d in snap.nx.nodes(data=True) if "effectiveDate" in d["dates"])
    rows = [{"instrument": n, "label": snap.nx.nodes[n]["label"], "label_zh": snap.nx.nodes[n]["label_zh"],
             "effective": snap.nx.nodes[n]["dates"]["effectiveDate"][0]} for n in instruments]
    if args.format != "table":
        _emit(_result(["instrument", "label", "label_zh", "effective"], rows), args.format)
        return 0
    print(f"as of {args.date}: {snap.nx.number_of_nodes()} entities, {snap.nx.number_of_edges()} relations "
          f"({len(dropped)} entities and {kg.nx.number_of_edges() - snap.nx.number_of_edges()} relations not yet valid)")
    print(f"instruments in force ({len(instruments)}):")
    for n in instruments:
        print(f"  {_name(snap, n)}  effective {snap.nx.nodes[n]['dates']['effectiveDate'][0]}")
    return 0


def _search(args) -> int:
    kg = _kg(args)
    found = kg.search(args.text, limit=args.limit)
    _emit(_result(["score", "id", "label", "type", "matched", "matched_as"],
                  [{**r, "score": f"{r['score']:.2f}", "matched": r["name"]} for r in found]), args.format)
    return 0


def _rank(args) -> int:
    kg = _kg(args)
    _emit(_result(["score", "id", "label"], [{"score": f"{s:.4f}", "id": n, "label": kg.nx.nodes[n]["label"]}
                                             for n, s in kg.rank(args.measure, args.limit)]), args.format)
    return 0


def _export(args) -> int:
    if Path(args.path).suffix not in (".graphml", ".gexf"):
        raise ValueError(f"export writes .graphml or .gexf, not {Path(args.path).suffix or 'a file without suffix'!r}")
    if not Path(args.path).resolve().parent.is_dir():
        raise FileNotFoundError(f"folder {Path(args.path).parent} does not exist")
    print(_kg(args).export(args.path))
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("china-digital-kg")
    except PackageNotFoundError:
        return "unknown"


def parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    from .cli_format import Parser, add_format, date_arg
    top = Parser(
        prog="cdkg", description="China Digital Economy Knowledge Graph: build, query and explore.",
        epilog="Example: cdkg query regulators_of_platform --param platform=Taobao")
    top.add_argument("--version", action="version", version=f"cdkg {_version()}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help, example, graph=True, formats=True, as_of=None):
        p = add_command(sub, name, help, example)
        if graph:
            p.add_argument("--graph", help="graph file to load (default: dist/graph.ttl, built if missing)")
        if formats:
            add_format(p)
        if as_of:
            p.add_argument("--as-of", metavar="DATE", type=date_arg, help=as_of + " (YYYY, YYYY-MM or YYYY-MM-DD)")
        p.set_defaults(func=func)
        return p

    b = command("build", _build, "validate the curated data and write every output to dist/",
                "cdkg build --out dist", graph=False, formats=False)
    b.add_argument("--out", default=str(DIST), help="output folder (default: dist/)")
    b.add_argument("--data", default=str(DATA), help="folder of curated Turtle files (default: ontology/data)")
    b.add_argument("--check", action="store_true", help="validate only; write nothing")
    b.add_argument("--no-html", action="store_true", help="skip the HTML view")
    b.add_argument("--store", default="memory", metavar="SPEC",
                   help="also load the built graph into this store: memory (default, nothing kept) or oxigraph:PATH")

    store_help = ("where queries run: memory (default; the built graph loaded fresh) or oxigraph:PATH "
                  "(a persistent store, filled from graph-inferred.nt when empty)")
    q = command("query", _query, "run a SPARQL query of the library (or a .rq file) with bound parameters",
                "cdkg query regulators_of_platform --param platform=Taobao --format csv")
    q.add_argument("name", nargs="?", help="query name (see --list), path to a .rq file, or SPARQL text")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter; entity parameters take a label, alias or IRI; dates YYYY, YYYY-MM or YYYY-MM-DD")
    q.add_argument("--endpoint", help="run against this SPARQL endpoint instead of the local graph")
    q.add_argument("--list", action="store_true", help="list the queries of the library")
    q.add_argument("--store", default="memory", metavar="SPEC", help=store_help)
    q.add_argument("--as-of", help=argparse.SUPPRESS)

    sp = command("sparql", _sparql, "run an inline SPARQL SELECT (or a .rq file) with the project's prefixes predeclared",
                 "cdkg sparql 'SELECT ?r WHERE { ?r a kg:Regulator } ORDER BY ?r'")
    sp.add_argument("text", help="the query text (rdf:, rdfs:, skos:, dcterms:, kg:, id:, src: ... are declared)")
    sp.add_argument("--endpoint", help="run against this SPARQL endpoint instead of the local graph")
    sp.add_argument("--store", default="memory", metavar="SPEC", help=store_help)

    s = command("show", _show, "show one entity (names, dates, attributes, relations, sources with URLs) or one source",
                'cdkg show "Data Security Law"', as_of="only what was valid on DATE")
    s.add_argument("name", help="label, alias, former name or id of an entity, or a source's id or title")
    s.add_argument("--json", action="store_true", help="print the view as JSON (same as --format json)")

    p = command("path", _path, "the shortest chains of relations between two entities, with sources",
                'cdkg path Alipay "Cyberspace Administration of China"', as_of="only relations valid on DATE")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--limit", type=int, default=3, help="at most this many paths (default 3)")

    n = command("neighbours", _neighbours, "entities one relation away, with the relation and its sources",
                "cdkg neighbours CAC --direction in", as_of="only relations valid on DATE")
    n.add_argument("name")
    n.add_argument("--predicate", help="only this relation (e.g. regulates)")
    n.add_argument("--direction", choices=["out", "in", "both"], default="both")

    o = command("owners", _owners, "who owns an entity on a date (today by default), up the chain, with effective stakes",
                "cdkg owners Alipay --as-of 2022-07-01", as_of="ownership on DATE (default: today)")
    o.add_argument("name")
    o.add_argument("--holdings", action="store_true", help="show what it owns instead, down the chain")

    a = command("as-of", _as_of, "the graph as of a date: what was valid and in force then",
                "cdkg as-of 2021-01-01")
    a.add_argument("date", type=date_arg, help="YYYY, YYYY-MM or YYYY-MM-DD")

    f = command("search", _search, "ranked entities, indicators and sources whose names match a text",
                'cdkg search "internet users"')
    f.add_argument("text")
    f.add_argument("--limit", type=int, default=10)

    r = command("rank", _rank, "the most central entities", "cdkg rank --measure pagerank")
    r.add_argument("--measure", choices=["degree", "betweenness", "pagerank"], default="degree")
    r.add_argument("--limit", type=int, default=10)

    e = command("export", _export, "write the entity network as GraphML or GEXF (for Gephi)",
                "cdkg export dist/graph.gexf", formats=False)
    e.add_argument("path", help="output file ending .graphml or .gexf")

    v = command("view", _view, "write an interactive HTML page of the entities around one entity",
                "cdkg view Alibaba --depth 2 --predicate owns --out alibaba.html", formats=False)
    v.add_argument("name", help="label, alias or CURIE of the centre entity (English or Chinese)")
    v.add_argument("--depth", type=int, default=1, help="relations away from the centre (default 1)")
    v.add_argument("--type", action="append", metavar="CLASS",
                   help="keep only entities of this class or its subclasses (repeatable)")
    v.add_argument("--predicate", action="append", metavar="P", help="keep only this relation (repeatable)")
    v.add_argument("--as-of", metavar="DATE", type=date_arg,
                   help="only what was valid on DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    v.add_argument("--out", metavar="FILE", help="output file (default: dist/view-<entity>.html)")

    d = command("diff", _diff, "entities and claims added, removed and changed between two builds or git revisions",
                "cdkg diff 477dcdd HEAD --format md", graph=False, formats=False)
    d.add_argument("old", help="a built folder (graph.ttl), a source folder (ontology/) or a git revision")
    d.add_argument("new", help="the same, for the newer side")
    d.add_argument("--format", choices=["md", "csv"], default="md")

    for extra in ("serve", "push"):
        __import__(f"graph.{extra}", fromlist=["add_parser"]).add_parser(sub)
    return top


def _message(err: BaseException) -> str:
    """The first line of an error's message."""
    text = str(err.args[0]) if isinstance(err, LookupError) and err.args else str(err)
    return (text.strip().splitlines() or [type(err).__name__])[0]


def main(argv=None) -> int:
    """Entry point of ``cdkg`` and ``build.py``; returns the exit code.

    Bad input (an unknown name, a bad date, IRI or query, a missing file) ends
    in one line on stderr naming the problem and exit status 2, never a
    traceback; output cut short by its reader (``| head``) ends quietly.
    """
    from .cli_format import quiet_broken_pipe
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0
    except KeyboardInterrupt:
        return 130
    except (LookupError, ValueError, OSError, SyntaxError) as err:  # QueryError is a ValueError
        print(f"cdkg {args.command}: {_message(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
