"""Step 1, load: parse the ontology and the curated Turtle files.

Files are parsed with pyoxigraph, which reports syntax errors with line and
column, and the triples are handed on as an rdflib graph. ``Origins`` remembers
which file and line defines each subject, so later steps can point at it.

>>> from graph.paths import ONTOLOGY
>>> g, origins = load_files([ONTOLOGY])
>>> origins.where(KG.regulates)
'ontology/cdkg.ttl:...'
"""

from __future__ import annotations

import errno
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from .errors import LoadError
from .namespaces import KG, PREFIXES
from .paths import ROOT

__all__ = ["load_files", "load_into_store", "read_turtle", "to_rdflib", "Origins"]

_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term):
    """Convert a pyoxigraph term to the equal rdflib term.

    >>> to_rdflib(ox.Literal("x"))
    rdflib.term.Literal('x')
    >>> to_rdflib(ox.Literal("淘宝", language="zh"))
    rdflib.term.Literal('淘宝', lang='zh')
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def _display(path: Path) -> str:
    path = Path(os.path.abspath(path))  # not resolve(): a link that loops must not raise here
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _check_file(path: Path, shown: str) -> None:
    """Raise LoadError unless ``path`` is (or links to) a regular file."""
    try:
        target = os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise LoadError(f"{shown}: cannot read: it is a symbolic link that loops") from None
        if os.path.islink(path):
            raise LoadError(f"{shown}: cannot read: it is a symbolic link to "
                            f"{os.readlink(path)}, which does not exist") from None
        raise LoadError(f"{shown}: cannot read: {err.strerror or err}") from None
    if stat.S_ISDIR(target.st_mode):
        raise LoadError(f"{shown}: cannot read: it is a folder, not a Turtle file")
    if not stat.S_ISREG(target.st_mode):
        raise LoadError(f"{shown}: cannot read: it is not a regular file")


@contextmanager
def _load_errors(path: Path):
    """Turn a parser's SyntaxError or OSError into a LoadError naming file:line:column.

    A folder or a dangling or looping link named ``*.ttl`` is named as such.
    """
    shown = _display(path)
    _check_file(path, shown)
    try:
        yield
    except SyntaxError as err:
        raise LoadError(f"{shown}:{err.lineno or 0}:{err.offset or 0}: Turtle syntax error: {err.msg}") from None
    except OSError as err:
        raise LoadError(f"{shown}: cannot read: {err.strerror or err}") from None


def read_turtle(path: Path) -> list[tuple]:
    """Parse one Turtle file into rdflib triples, or raise LoadError naming file:line:column."""
    with _load_errors(path):
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads]


_PREFIX_RE = re.compile(r"^\s*@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.IGNORECASE)
_SUBJECT_RE = re.compile(r"^(<[^>]+>|[\w-]*:[\w.-]*)\s")


class Origins:
    """Where each subject is defined: the file and line of its first record."""

    def __init__(self, paths=()):
        self._where: dict[str, str] = {}
        self.files: dict[str, list[str]] = {}
        self._pending = list(paths)  # scanned on the first lookup: a clean build never reads them twice

    def _scan_pending(self) -> None:
        while self._pending:
            self.scan(self._pending.pop(0))

    def scan(self, path: Path) -> None:
        """Record the line of every subject that starts a line in ``path``."""
        shown = _display(path)
        prefixes = dict(PREFIXES)
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), 1):
            prefix = _PREFIX_RE.match(line)
            if prefix:
                prefixes[prefix.group(1)] = prefix.group(2)
                continue
            match = _SUBJECT_RE.match(line)
            if not match:
                continue
            token = match.group(1)
            if token.startswith("<"):
                iri = token[1:-1]
            else:
                name, _, local = token.partition(":")
                if name not in prefixes:
                    continue
                iri = prefixes[name] + local
            self._where.setdefault(iri, f"{shown}:{number}")
            self.files.setdefault(shown, []).append(iri)

    def where(self, term) -> str:
        """``"path:line"`` for a subject, ``""`` if it is not defined in any file."""
        self._scan_pending()
        return self._where.get(str(term), "")

    def add(self, term, where: str) -> None:
        self._scan_pending()
        self._where.setdefault(str(term), where)


def load_into_store(paths, store: ox.Store) -> Origins:
    """Parse every file into the default graph of ``store``; return their (lazily scanned) Origins.

    Raises LoadError naming file:line:column on a syntax error. Oxigraph gives
    each file's blank nodes fresh names, so two files' ``[]`` never merge.

    >>> from graph.paths import ONTOLOGY
    >>> store = ox.Store()
    >>> origins = load_into_store([ONTOLOGY], store)
    >>> len(store) > 1000, origins.where(KG.regulates).startswith("ontology/cdkg.ttl:")
    (True, True)
    """
    for path in paths:
        with _load_errors(path):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    return Origins(paths)


def load_files(paths) -> tuple[Graph, Origins]:
    """Parse every file into one rdflib graph, and note where each subject is defined.

    Blank-node labels are kept apart per file, so two files' ``[]`` never merge.
    """
    graph = Graph()
    origins = Origins()
    for index, path in enumerate(paths):
        for s, p, o in read_turtle(path):
            if isinstance(s, BNode):
                s = BNode(f"f{index}{s}")
            if isinstance(o, BNode):
                o = BNode(f"f{index}{o}")
            graph.add((s, p, o))
        origins.scan(path)
    return graph, origins
