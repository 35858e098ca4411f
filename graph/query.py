"""The SPARQL query library: read ``queries/*.rq``, bind parameters, run, format.

Each query file opens with grlc-style ``#+`` header lines::

    #+ summary: Which bodies regulate a platform, directly or through its sector and operator?
    #+ tags: [regulation]
    #+ params: ?_platform (entity)
    #+ returns: ?regulator ?regulatorLabel ?route

Parameters are the ``?_name`` variables. A value is bound by the engine, never
pasted into the query text; an ``(entity)`` parameter given as a label or alias
is first resolved to its entity (an ``(indicator)`` or ``(source)`` among
indicators or sources only), a ``(date)`` becomes an ``xsd:date`` (a real
calendar date; a year or month stands for its last day, or its first for a
range's start ``from``/``since``; ``(date=today)`` makes it optional, defaulting to today), a
``(year)`` an ``xsd:integer``, a ``(text)`` a plain literal. Columns listed in
``#+ sets:`` hold ``"; "``-joined values of a GROUP_CONCAT, whose order SPARQL
leaves open; the runner sorts their items so every run prints the same rows.

>>> from graph.api import KnowledgeGraph
>>> from graph.testing import tiny_graph
>>> r = run(KnowledgeGraph(tiny_graph()), "entity_by_name", {"name": "网信办"})
>>> r.rows[0]["entity"]
'id:cac'
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import curie
from .paths import QUERIES

__all__ = ["QueryFile", "Result", "library", "run", "format_result", "with_prefixes", "calendar_date",
           "QueryError", "FORMATS"]

FORMATS = ("table", "csv", "json", "md")
_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r"\?(_\w+)\s*\((\w+)(?:=(\w+))?\)")


class QueryError(ValueError):
    """A query name, file or parameter is wrong; the message says which."""


@dataclass
class QueryFile:
    """One ``.rq`` file of the library with its header."""

    name: str
    path: Path
    text: str
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)  # "_platform" -> "entity"
    defaults: dict[str, str] = field(default_factory=dict)  # "_date" -> "today": an optional parameter
    returns: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)  # columns holding "; "-joined unordered values

    @classmethod
    def parse(cls, path: Path, text: str | None = None) -> "QueryFile":
        text = path.read_text(encoding="utf-8") if text is None else text
        header = {}
        for line in text.splitlines():
            m = _HEADER.match(line)
            if m:
                header[m.group(1)] = m.group(2).strip()
        tags = [t.strip() for t in header.get("tags", "").strip("[]").split(",") if t.strip()]
        found = _PARAM.findall(header.get("params", ""))
        params = {name: kind for name, kind, _ in found}
        defaults = {name: default for name, _, default in found if default}
        returns = re.findall(r"\?(\w+)", header.get("returns", ""))
        sets = re.findall(r"\?(\w+)", header.get("sets", ""))
        return cls(path.stem, path, text, header.get("summary", ""), tags, params, defaults=defaults,
                   returns=returns, sets=sets)


@dataclass
class Result:
    """Rows of a SELECT, as dicts of display strings (IRIs shortened to CURIEs)."""

    columns: list[str]
    rows: list[dict]


def library(folder: Path = QUERIES) -> dict[str, QueryFile]:
    """Every query of the library (not the checks), by name."""
    return {p.stem: QueryFile.parse(p) for p in sorted(Path(folder).glob("*.rq"))}


#: Parameter kinds naming a thing of given classes, resolved by name within them.
_KINDS = {"indicator": {"Indicator"}, "source": {"Source", "SeedDocument"}}
#: Date parameters that start a range: a year or month given for them stands for its first day.
_RANGE_STARTS = ("_from", "_since", "_start")


def calendar_date(value: str, first: bool = False) -> str:
    """A full YYYY-MM-DD for a calendar date, year-month or year: its last day, or its first with ``first``.

    >>> calendar_date("2021"), calendar_date("2024-02"), calendar_date("2021", first=True)
    ('2021-12-31', '2024-02-29', '2021-01-01')
    """
    import calendar
    from .history import parse_date
    value = parse_date(value)
    if len(value) == 10:
        return value
    year, month = int(value[:4]), int(value[5:7]) if len(value) == 7 else (1 if first else 12)
    day = 1 if first else calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{day:02d}"


def _resolve(kg, name: str, kind: str, value):
    if isinstance(value, (URIRef, Literal)):
        return value
    value = str(value)
    if kind in ("entity", *_KINDS):
        if value.startswith(("http://", "https://")):
            if re.search(r"[\s<>\"{}|\\^`]", value):
                raise QueryError(f"parameter {name[1:]} is not a valid IRI: {value!r}")
            return URIRef(value)
        found = kg.find(value, within=_KINDS.get(kind))
        return URIRef(kg.nx.nodes[found]["iri"]) if found in kg.nx else URIRef(_expand(found))
    if kind == "date":
        from .history import today
        value = today() if value == "today" else value
        try:
            value = calendar_date(value, first=name in _RANGE_STARTS)
        except ValueError:
            raise QueryError(f"parameter {name[1:]} must be a calendar date (YYYY, YYYY-MM or YYYY-MM-DD), "
                             f"not {value!r}") from None
        return Literal(value, datatype=XSD.date)
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise QueryError(f"parameter {name[1:]} must be a year YYYY, not {value!r}")
        return Literal(value, datatype=XSD.integer)
    if kind == "iri":
        if re.search(r"[\s<>\"{}|\\^`]", value) or ":" not in value:
            raise QueryError(f"parameter {name[1:]} is not a valid IRI: {value!r}")
        return URIRef(_expand(value))
    return Literal(value)


def _expand(text: str) -> str:
    from .namespaces import PREFIXES
    prefix, _, local = text.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else text


def with_prefixes(text: str) -> str:
    """SPARQL text with a PREFIX line for each project prefix it uses but does not declare.

    >>> print(with_prefixes("SELECT ?r WHERE { ?r a kg:Regulator }").splitlines()[0])
    PREFIX kg: <https://w3id.org/cdkg/ontology#>
    """
    from .namespaces import PREFIXES
    declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w-]*):", text, re.IGNORECASE)}
    used = set(re.findall(r"(?<![\w<?$])([A-Za-z][\w-]*):", re.sub(r"<[^>\s]*>|\"[^\"]*\"|#[^\n]*", " ", text)))
    lines = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in sorted(used) if p in PREFIXES and p.lower() not in declared]
    return "\n".join([*lines, text]) if lines else text


def _get(name_or_text: str) -> QueryFile:
    lib = library()
    if name_or_text in lib:
        return lib[name_or_text]
    path = Path(name_or_text)
    if path.suffix == ".rq" and path.exists():
        return QueryFile.parse(path)
    if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", name_or_text, re.IGNORECASE):
        return QueryFile.parse(Path("inline.rq"), with_prefixes(name_or_text))
    raise QueryError(f"no query named {name_or_text!r}; known: {', '.join(sorted(lib))}")


def bind(kg, query: QueryFile, params: dict) -> dict:
    """Turn user parameters (without the leading underscore) into engine bindings."""
    bindings = {}
    unknown = sorted(set(params) - {p[1:] for p in query.params})
    if unknown:
        raise QueryError(f"{query.name} takes no parameter {', '.join(unknown)}; "
                         f"it takes: {', '.join(p[1:] for p in query.params) or 'none'}")
    for var, kind in query.params.items():
        if var[1:] in params:
            bindings[var] = _resolve(kg, var, kind, params[var[1:]])
        elif var in query.defaults:
            bindings[var] = _resolve(kg, var, kind, query.defaults[var])
    missing = [p[1:] for p in query.params if p not in bindings]
    if missing:
        raise QueryError(f"{query.name} needs --param {missing[0]}=... ({query.params['_' + missing[0]]})")
    return bindings


def _display(term) -> str:
    if isinstance(term, URIRef):
        return curie(term)
    return "" if term is None else str(term)


def run(kg_or_store, name_or_text: str, params: dict | None = None, endpoint: str | None = None) -> Result:
    """Run a library query (by name, path or text) with bound parameters.

    ``kg_or_store`` is a KnowledgeGraph (entity names resolve) or None with
    ``endpoint`` (a SPARQL 1.1 endpoint URL; parameters must then be IRIs or
    literals, and are bound with a VALUES block that the engine substitutes).
    """
    from .store import select
    query = _get(name_or_text)
    bindings = bind(kg_or_store, query, params or {})
    if endpoint:
        from .remote import remote_select
        raw = remote_select(endpoint, query.text, bindings)
    else:
        raw = select(kg_or_store.store, query.text, bindings)
    columns = query.returns or (sorted(raw[0]) if raw else [])
    rows = [{c: _display(r.get(c)) for c in columns} for r in raw]
    for row in rows:  # GROUP_CONCAT order is up to the engine: sort the items of set columns
        for c in query.sets:
            if row.get(c):
                row[c] = "; ".join(sorted(row[c].split("; ")))
    return Result(columns, rows)


def format_result(result: Result, fmt: str = "table") -> str:
    """Render a Result as an aligned text table, CSV, JSON (a list of objects) or Markdown.

    >>> print(format_result(Result(["a", "b"], [{"a": "x", "b": "淘宝"}]), "md"))
    | a | b |
    |---|---|
    | x | 淘宝 |
    """
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=result.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.rows)
        return buf.getvalue().rstrip("\n")
    if fmt == "json":
        return json.dumps(result.rows, ensure_ascii=False, indent=2)
    if fmt == "md":
        esc = lambda s: s.replace("|", "\\|")  # noqa: E731
        lines = ["| " + " | ".join(result.columns) + " |", "|" + "---|" * len(result.columns)]
        lines += ["| " + " | ".join(esc(r[c]) for c in result.columns) + " |" for r in result.rows]
        return "\n".join(lines)
    if fmt != "table":
        raise QueryError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    import unicodedata

    def width(s):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
    widths = {c: max([width(c)] + [width(r[c]) for r in result.rows]) for c in result.columns}
    pad = lambda s, c: s + " " * (widths[c] - width(s))  # noqa: E731
    lines = ["  ".join(pad(c, c) for c in result.columns).rstrip(),
             "  ".join("-" * widths[c] for c in result.columns)]
    lines += ["  ".join(pad(r[c], c) for c in result.columns).rstrip() for r in result.rows]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)
