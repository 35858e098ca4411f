"""What changed between two releases: entities and claims added, removed and changed.

A side is a built folder (with ``graph.ttl``), a source folder (with
``ontology/cdkg.ttl``), or a git revision, whose ``ontology/`` is read with
``git archive`` and normalised by the current code (not validated). Each
record is compared by IRI: labels, aliases, types, dates, stakes, other values
and sources (``source locator``).

``cdkg diff 477dcdd HEAD --format md`` makes the data section of CHANGELOG.md.
"""

from __future__ import annotations

import csv
import io
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from .namespaces import KG, curie

__all__ = ["DiffError", "snapshot", "diff", "to_markdown", "to_csv", "CSV_COLUMNS"]

_PLURAL = {"entity": "entities", "claim": "claims"}
CSV_COLUMNS = ["kind", "change", "id", "field", "old", "new"]
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKIP = {f"{_RDF}subject", f"{_RDF}predicate", f"{_RDF}object", str(KG.citation)}


class DiffError(ValueError):
    """A side that cannot be read: no such folder, not a build, not a git revision."""


def _field(p: str) -> str:
    name = curie(p)
    return {"rdfs:label": "label", "skos:altLabel": "alias", "rdf:type": "type"}.get(name, name)


def _records(store: ox.Store) -> dict[str, dict[str, dict[str, set[str]]]]:
    """``{kind: {id: {field: {values}}}}`` for entities and claims (corrected claims count as claims)."""
    q = lambda text: store.query(text)  # noqa: E731
    kinds = {}
    for row in q(f"SELECT DISTINCT ?x WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{KG.Entity}> . "
                 f"?x a ?c }}"):
        kinds[row["x"].value] = "entity"
    for row in q(f"SELECT ?x WHERE {{ VALUES ?t {{ <{KG.Claim}> <{KG.CorrectedClaim}> }} ?x a ?t }}"):
        kinds[row["x"].value] = "claim"
    records: dict[str, dict] = {"entity": {}, "claim": {}}
    fields: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        s = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else None
        if s not in kinds or quad.predicate.value in _SKIP:
            continue
        o = quad.object
        if isinstance(o, ox.NamedNode):
            value = curie(o.value)
        elif isinstance(o, ox.Literal):
            value = f"{o.value}@{o.language}" if o.language else o.value
        else:
            continue
        fields[s][_field(quad.predicate.value)].add(value)
    for row in q(f"""SELECT ?h ?src ?loc WHERE {{ ?h <{KG.citation}> ?c .
                 OPTIONAL {{ ?c <http://purl.org/dc/terms/source> ?src }} OPTIONAL {{ ?c <{KG.locator}> ?loc }} }}"""):
        h = row["h"].value
        if h in kinds:
            src, loc = row["src"], row["loc"]
            fields[h]["sources"].add(f"{curie(src.value) if src else '?'} {loc.value if loc else ''}".strip())
    for x, kind in kinds.items():
        records[kind][curie(x)] = dict(fields[x])
    return records


def _load(files: list[Path], normalise: bool) -> ox.Store:
    from .normalize import normalize_store
    from .parse import load_into_store
    store = ox.Store()
    load_into_store(files, store)
    if normalise:
        normalize_store(store)
    return store


def _relations(store: ox.Store) -> set[tuple[str, str]]:
    """The (subject, predicate) of every plain relation triple: left out of entity fields."""
    return {(r["s"].value, r["p"].value) for r in store.query(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?c a <{KG.Claim}> ; <{_RDF}subject> ?s ; <{_RDF}predicate> ?p }}")}


def snapshot(side: str, repo: Path | None = None) -> dict:
    """The records of one side: a built folder, a source folder or a git revision."""
    path = Path(side)
    if path.is_dir():
        if (path / "graph.ttl").is_file():
            store = _load([path / "graph.ttl"], normalise=False)
        elif (path / "ontology" / "cdkg.ttl").is_file():
            store = _source(path)
        else:
            raise DiffError(f"{side}: neither a built folder (graph.ttl) nor a source folder (ontology/cdkg.ttl)")
    else:
        store = _revision(side, repo or Path.cwd())
    return _strip_relations(store)


def _source(root: Path) -> ox.Store:
    from .paths import data_files
    return _load([root / "ontology" / "cdkg.ttl", *data_files(root / "ontology" / "data")], normalise=True)


def _revision(rev: str, repo: Path) -> ox.Store:
    ok = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                        capture_output=True, text=True)
    if ok.returncode != 0:
        raise DiffError(f"{rev}: no such folder, and not a git revision of {repo}")
    archive = subprocess.run(["git", "-C", str(repo), "archive", ok.stdout.strip(), "ontology"], capture_output=True)
    if archive.returncode != 0:
        raise DiffError(f"{rev}: git archive failed: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            try:
                tar.extractall(tmp, filter="data")
            except TypeError:  # Python before 3.11.4 has no extraction filters; git archive output is trusted
                tar.extractall(tmp)
        return _source(Path(tmp))


def _strip_relations(store: ox.Store) -> dict:
    records = _records(store)  # an entity's relations are compared as claims, not as its fields
    relations = {(curie(s), _field(p)) for s, p in _relations(store)}
    for x, fields in records["entity"].items():
        for key in [k for k in fields if (x, k) in relations]:
            del fields[key]
    return records


def diff(old: dict, new: dict) -> list[dict]:
    """Rows ``kind, change, id, field, old, new``: added and removed records, and each changed field."""
    rows = []
    for kind in ("entity", "claim"):
        a, b = old.get(kind, {}), new.get(kind, {})
        for x in sorted(set(b) - set(a)):
            rows.append({"kind": kind, "change": "added", "id": x, "field": "", "old": "", "new": _label(b[x])})
        for x in sorted(set(a) - set(b)):
            rows.append({"kind": kind, "change": "removed", "id": x, "field": "", "old": _label(a[x]), "new": ""})
        for x in sorted(set(a) & set(b)):
            for f in sorted(set(a[x]) | set(b[x])):
                va, vb = a[x].get(f, set()), b[x].get(f, set())
                if va != vb:
                    rows.append({"kind": kind, "change": "changed", "id": x, "field": f,
                                 "old": " | ".join(sorted(va)), "new": " | ".join(sorted(vb))})
    return rows


def _label(fields: dict) -> str:
    labels = sorted(fields.get("label", ()))
    en = [v[:-3] for v in labels if v.endswith("@en")]
    return en[0] if en else ""


def counts(rows: list[dict]) -> dict[tuple[str, str], int]:
    """How many records were added, removed or changed, by kind."""
    found: dict[tuple[str, str], set] = defaultdict(set)
    for r in rows:
        found[(r["kind"], r["change"])].add(r["id"])
    return {(k, c): len(found[(k, c)]) for k in ("entity", "claim") for c in ("added", "removed", "changed")}


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_markdown(rows: list[dict], old: str, new: str) -> str:
    """A counts table, then one list per kind and change."""
    n = counts(rows)
    lines = [f"Changes from `{old}` to `{new}`:", "", "| | added | removed | changed |", "|---|---|---|---|"]
    lines += [f"| {_PLURAL[kind]} | {n[(kind, 'added')]} | {n[(kind, 'removed')]} | {n[(kind, 'changed')]} |"
              for kind in ("entity", "claim")]
    for kind in ("entity", "claim"):
        for change in ("added", "removed", "changed"):
            picked = [r for r in rows if r["kind"] == kind and r["change"] == change]
            if not picked:
                continue
            lines += ["", f"### {_PLURAL[kind].capitalize()} {change} ({n[(kind, change)]})", ""]
            for r in picked:
                if change == "changed":
                    lines.append(f"- `{r['id']}` {r['field']}: {r['old'] or '—'} → {r['new'] or '—'}")
                else:
                    name = r["new"] or r["old"]
                    lines.append(f"- `{r['id']}`" + (f" ({name})" if name else ""))
    return "\n".join(lines) + "\n"
