"""Checks on a query's text before the engine sees it: size, nesting depth, SERVICE, updates.

One linear pass of a tokenizer that knows SPARQL's strings, IRIs, comments,
variables, prefixed names and language tags, so a keyword inside a string
or an IRI is never taken for one. Code-point escapes (``\\u0053ERVICE``) are
decoded first, as the SPARQL grammar (and Oxigraph) decode them.

>>> check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }")
'SERVICE (federated query) is refused: this endpoint makes no outbound connections'
>>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }') is None
True
>>> check_query("SELECT * WHERE " + "{" * 200 + "}" * 200)
'the query nests 200 levels of brackets; the limit is 64'
"""

from __future__ import annotations

import re

__all__ = ["check_query", "is_update", "tokens", "MAX_QUERY_BYTES", "MAX_DEPTH"]

MAX_QUERY_BYTES = 64 * 1024  # the longest library query is 2.3 kB
MAX_DEPTH = 64  # brackets: { ( [

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$]\w+)
  | (?P<name>[^\W\d][\w.-]*:[\w.:%\\-]*|:[\w.:%\\-]*)
  | (?P<word>[^\W\d]\w*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}


def _unescape(text: str) -> str:
    def char(match):
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)
    return _ESCAPE.sub(char, text)


def tokens(text: str):
    """Yield ``(kind, text)`` for each significant token (no white space or comments).

    >>> list(tokens('PREFIX x: <urn:x> # c\\nASK { ?s x:p "a{" }'))[:4]
    [('word', 'PREFIX'), ('name', 'x:'), ('iri', '<urn:x>'), ('word', 'ASK')]
    """
    for match in _TOKEN.finditer(_unescape(text)):
        kind = match.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, match.group(0)


def is_update(text: str) -> bool:
    """Does the text (after its prologue and comments) start like a SPARQL Update? Linear in its length.

    >>> is_update("PREFIX x: <urn:x>  # c\\nINSERT DATA { <urn:a> <urn:b> <urn:c> }")
    True
    >>> is_update("SELECT * WHERE { ?s ?p ?o }")
    False
    """
    for kind, value in tokens(text):
        if kind == "word" and value.lower() in ("prefix", "base"):
            continue
        if kind in ("name", "iri"):  # the prefix declaration's name and IRI
            continue
        return kind == "word" and value.lower() in _UPDATE_WORDS
    return False


def check_query(text: str, max_bytes: int = MAX_QUERY_BYTES, max_depth: int = MAX_DEPTH) -> str | None:
    """The reason to refuse this query text before parsing it, or None when it may run.

    Refused: text over ``max_bytes`` (UTF-8), brackets nested deeper than
    ``max_depth`` (the parser recurses on them), and ``SERVICE``.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return f"the query is {size} bytes; the limit is {max_bytes}"
    depth = deepest = 0
    for kind, value in tokens(text):
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth -= 1
        elif kind == "word" and value.lower() == "service":
            return "SERVICE (federated query) is refused: this endpoint makes no outbound connections"
    if deepest > max_depth:
        return f"the query nests {deepest} levels of brackets; the limit is {max_depth}"
    return None
