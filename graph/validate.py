"""Step 3, validate: SHACL shapes (pyshacl) and the violation queries in queries/checks.

Every problem is reported with the file and line that defines the focus node,
the node itself, the property involved and the message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from .errors import Problem, ValidationError
from .namespaces import curie
from .paths import CHECKS, SHAPES
from .store import select, to_store

_IRI = re.compile(r"https?://[^\s,()]+[^\s,().]")

__all__ = ["shacl_problems", "check_problems", "validate", "check_files"]


def check_files(folder: Path = CHECKS) -> list[Path]:
    """The violation queries, sorted by name."""
    return sorted(Path(folder).glob("*-violation.rq"))


def shacl_problems(graph: Graph, origins, shapes_path: Path = SHAPES) -> list[Problem]:
    """Run the SHACL shapes over ``graph`` (core constraints, no inference)."""
    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                           advanced=False, allow_warnings=False)
    if conforms:
        return []
    problems = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        problems.append(Problem(_where(origins, graph, focus), curie(focus),
                                messages[0] if messages else "violates a shape",
                                curie(path) if path is not None else ""))
    return sorted(set(problems))


def check_problems(store, origins, graph: Graph, folder: Path = CHECKS) -> list[Problem]:
    """Run every ``*-violation.rq``; each returned row (?term ?problem) is a problem."""
    problems = []
    for path in check_files(folder):
        for row in select(store, path.read_text(encoding="utf-8")):
            term = row.get("term")
            text = _IRI.sub(lambda m: curie(m.group(0)), str(row.get("problem", "violation")))
            problems.append(Problem(_where(origins, graph, term), curie(term), f"{text} ({path.stem})"))
    return sorted(set(problems))


def _where(origins, graph, term) -> str:
    """The file:line of a term, or of the entity a claim or citation belongs to."""
    where = origins.where(term)
    if where or term is None:
        return where
    from .namespaces import RDF, KG
    for owner in (graph.value(term, RDF.subject), graph.value(predicate=KG.citation, object=term)):
        if owner is not None:
            found = _where(origins, graph, owner)
            if found:
                return found
    return ""


def validate(graph: Graph, origins, store=None) -> dict:
    """Raise ValidationError listing every problem; return counts when the graph is clean."""
    store = store if store is not None else to_store(graph)
    problems = shacl_problems(graph, origins) + check_problems(store, origins, graph)
    if problems:
        raise ValidationError(problems)
    return {"shapes": "conform", "checks": len(check_files())}
