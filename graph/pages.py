"""The endpoint's HTML: the home page (the query library, a form for each query) and results as tables.

Every value is escaped; pages carry a strict Content-Security-Policy (:data:`CSP`).
"""

from __future__ import annotations

import html
import urllib.parse

from .answer import GRAPH_FORMATS, SELECT_FORMATS

__all__ = ["home_page", "results_page", "page", "CSP"]

_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}"
          "section{border-top:1px solid #ccc;padding:.5em 0}code,textarea{font-family:monospace}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .4em;text-align:left}"
          "label{margin-right:1em}")
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"


def page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n").encode("utf-8")


def _format_select(keys) -> str:
    options = "".join(f'<option value="{k}">{k}</option>' for k in keys)
    return f'<label>format <select name="format">{options}</select></label>'


def _query_section(query) -> str:
    e = html.escape
    inputs = "".join(
        f'<label>{e(var[1:])} <input name="{e(var[1:])}" required placeholder="{e(kind)}"></label>'
        for var, kind in query.params.items())
    params = ", ".join(f"{var[1:]} ({kind})" for var, kind in query.params.items()) or "none"
    returns = " ".join(query.returns)
    return (f'<section id="{e(query.name)}"><h3>{e(query.name)}</h3>\n<p>{e(query.summary)}</p>\n'
            f"<p>parameters: {e(params)}; returns: <code>{e(returns)}</code></p>\n"
            f'<form method="get" action="/library/{urllib.parse.quote(query.name)}">{inputs}'
            f'{_format_select(["html", *SELECT_FORMATS])} <button>run</button></form></section>')


def home_page(queries: dict, triples: int, timeout: float, max_rows: int) -> bytes:
    """The page at ``/``: how to query, a free query form, and a form for each library query."""
    sections = "\n".join(_query_section(q) for q in queries.values())
    return page("China Digital Economy Knowledge Graph: SPARQL endpoint", f"""
<h1>China Digital Economy Knowledge Graph</h1>
<p>A read-only SPARQL 1.1 endpoint over {triples} triples (asserted and inferred).
Send queries to <code>/query</code> (GET or POST); each may run {timeout:g} s and return {max_rows} rows.</p>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' http://HOST/query</pre>
<form method="get" action="/query"><textarea name="query" rows="6" cols="80" required>
SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
{_format_select(["html", *SELECT_FORMATS, *GRAPH_FORMATS])} <button>run</button></form>
<h2>The query library ({len(queries)} queries)</h2>
<p>Entity parameters take an IRI, a CURIE such as <code>id:cac</code>, or an exact label or alias.</p>
{sections}""")


def results_page(title: str, document: dict, truncated: bool) -> bytes:
    """SPARQL JSON results as an HTML table, every value escaped."""
    e = html.escape
    if "boolean" in document:
        return page(title, f"<h1>{e(title)}</h1><p>{e(str(document['boolean']).lower())}</p>")
    names = document["head"]["vars"]
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    rows = "\n".join("<tr>" + "".join(f"<td>{e(b[n]['value']) if n in b else ''}</td>" for n in names) + "</tr>"
                     for b in document["results"]["bindings"])
    count = len(document["results"]["bindings"])
    note = " (cut at the row or byte cap)" if truncated else ""
    return page(title, f'<h1>{e(title)}</h1><p>{count} rows{note}. <a href="/">back</a></p>'
                        f"<table><tr>{head}</tr>\n{rows}</table>")
