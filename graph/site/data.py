"""What the site shows, gathered once from the build's tables (:class:`graph.export.Facts`).

Everything here is plain data in a fixed order: the pages (:mod:`graph.site.pages`)
only lay it out. One extra SELECT reads the literal attributes (descriptions,
amounts, former names) that the tables do not keep.

>>> from graph.store import to_store
>>> from graph.testing import tiny_graph
>>> from graph.export import Facts
>>> store = to_store(tiny_graph())
>>> site = SiteData(Facts(store), store)
>>> [(r["predicate"], r["other_label"], r["stake"]) for r in site.entities["id:alibaba-group"]["relations"]]
[('inSector', 'platform economy', ''), ('operates', 'Taobao', ''), ('owns', 'Ant Group', '33')]
>>> page_name("id:alibaba-group"), page_name("src:<b>x</b>")
('alibaba-group', '_b_x__b_-43fd5b0e')
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from urllib.parse import urlsplit

import pyoxigraph as ox

from ..export import Facts, _table
from ..namespaces import DATE_PROPERTIES, DCTERMS, KG, RDFS, SKOS, curie, slug

__all__ = ["SiteData", "page_name", "safe_url", "fraction_of_year"]

_DATES = {str(p): slug(p) for p in DATE_PROPERTIES}
_SKIP = {str(RDFS.label), str(SKOS.altLabel)}
_EVENT_CLASSES = {"Event", "EnforcementAction", "Fine", "Campaign", "CapitalMarketEvent"}
_INSTRUMENT_MARKS = [("adoptedDate", "adopted"), ("effectiveDate", "effective"), ("amendedDate", "amended"),
                     ("repealedDate", "repealed")]


def page_name(term: str) -> str:
    """The file name (without ``.html``) of a CURIE's page: its local name, made safe for any file system.

    A name with characters outside ``A-Za-z0-9._-`` keeps its readable part and gains a
    checksum of the whole, so two names never share a file.
    """
    local = term.split(":", 1)[-1]
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}", local):
        return local
    return re.sub(r"[^A-Za-z0-9_-]", "_", local)[:80] + f"-{zlib.crc32(local.encode('utf-8')):08x}"


def safe_url(url: str) -> str:
    """``url`` when it is an http or https address with a host, else '' (shown as text, never linked).

    >>> safe_url("https://www.gov.cn/x"), safe_url("javascript:alert(1)"), safe_url("HTTP://a.b")
    ('https://www.gov.cn/x', '', 'HTTP://a.b')
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def fraction_of_year(date: str) -> float | None:
    """A YYYY, YYYY-MM or YYYY-MM-DD date as a year with a fraction; None if it is none of these.

    >>> fraction_of_year("2021"), fraction_of_year("2021-07"), fraction_of_year("x")
    (2021.0, 2021.5, None)
    """
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", date.strip())
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    return round(year + (month - 1) / 12 + (day - 1) / 365, 4)


class SiteData:
    """The entities, sources, indicators and timeline marks of one build, keyed by CURIE."""

    def __init__(self, facts: Facts, store: ox.Store):
        self.facts = facts
        self.literals = self._literals(store)
        self.sources = {s: {**v, "id": s, "page": page_name(s), "href": safe_url(v.get("url") or "")}
                        for s, v in sorted(facts.source_records.items())}
        self.entities = {curie(e): self._entity(e) for e in facts.entities}
        for c, v in facts.claims.items():
            if v["class"] == str(KG.Claim) and curie(v["s"]) in self.entities and curie(v["o"]) in self.entities:
                self._add_relation(c, v)
        for e in self.entities.values():
            e["relations"].sort(key=lambda r: (r["direction"] != "out", r["predicate"], r["other_label"],
                                               r["other"], r["start"], r["as_of"], r["claim"]))
        self._former_names()
        self.indicators = self._indicators()
        self.classes = self._classes()
        self.supports = self._supports()

    # -- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _literals(store: ox.Store) -> dict[str, dict[str, list[str]]]:
        found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for s, p, o in _table(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (isLiteral(?o) && isIRI(?s) && "
                                     "STRSTARTS(STR(?s), \"https://w3id.org/cdkg/id/\")) }"):
            if p not in _SKIP:
                found[curie(s)][p].add(o)
        return {s: {p: sorted(v) for p, v in ps.items()} for s, ps in found.items()}

    def cite(self, holder: str) -> list[dict]:
        """The citations of a claim, entity or observation (by IRI): source, title, link, locator."""
        rows = []
        for source, locator in self.facts.sorted_citations(holder):
            record = self.sources.get(source, {})
            rows.append({"source": source, "title": record.get("title") or source, "url": record.get("url") or "",
                         "href": record.get("href", ""), "page": record.get("page", page_name(source)),
                         "locator": locator})
        return rows

    def _entity(self, iri: str) -> dict:
        node = curie(iri)
        literals = self.literals.get(node, {})
        types = sorted(self.facts.types.get(iri, ()))
        dates = {_DATES[p]: v for p, v in sorted(literals.items()) if p in _DATES}
        attributes = {slug(p): v for p, v in sorted(literals.items()) if p not in _DATES
                      and p != str(DCTERMS.description)}
        return {"id": node, "iri": iri, "page": page_name(node), "label": self.facts.label(iri),
                "label_zh": self.facts.label(iri, "zh"), "aliases": sorted(self.facts.aliases.get(iri, ())),
                "types": types, "type": types[0] if types else "Entity", "dates": dates, "attributes": attributes,
                "description": " ".join(literals.get(str(DCTERMS.description), [])), "relations": [],
                "former_names": [], "sources": self.cite(iri)}

    def _add_relation(self, claim: str, v: dict) -> None:
        s, o = self.entities[curie(v["s"])], self.entities[curie(v["o"])]
        base = {"predicate": slug(v["p"]), "claim": curie(claim), "start": v["start"], "end": v["end"],
                "stake": v["stake"], "as_of": v["as_of"], "sources": self.cite(claim)}
        s["relations"].append({**base, "direction": "out", "other": o["id"], "other_label": o["label"] or o["id"],
                               "other_page": o["page"]})
        o["relations"].append({**base, "direction": "in", "other": s["id"], "other_label": s["label"] or s["id"],
                               "other_page": s["page"]})

    def _former_names(self) -> None:
        for e in self.entities.values():
            for r in e["relations"]:
                if r["predicate"] == "renamed" and r["direction"] == "in":
                    renaming = self.entities[r["other"]]
                    for name in renaming["attributes"].get("formerName", []):
                        e["former_names"].append({"name": name, "until": " ".join(renaming["dates"].get("date", [])),
                                                  "renaming": renaming["id"], "page": renaming["page"]})
            e["former_names"].sort(key=lambda f: (f["until"], f["name"]))

    def _indicators(self) -> dict[str, dict]:
        series: dict[str, list[dict]] = defaultdict(list)
        for obs, values in self.facts.observation_values.items():
            ind = values.get("indicator", "")
            publisher = values.get("publisher", "")
            series[ind].append({"id": curie(obs), "label": self.facts.label(obs), "value": values.get("value", ""),
                                "unit": values.get("unit", ""), "period": values.get("period", ""),
                                "as_of": values.get("as_of", ""), "qualifier": values.get("qualifier", ""),
                                "area": values.get("area", ""), "publisher": publisher,
                                "publisher_label": self.entities.get(publisher, {}).get("label") or publisher,
                                "publisher_page": self.entities.get(publisher, {}).get("page", ""),
                                "sources": self.cite(obs)})
        out = {}
        for iri in sorted(self.facts.indicators):
            node = curie(iri)
            rows = sorted(series.get(node, []), key=lambda r: (r["area"], r["period"], r["as_of"], r["id"]))
            definition = " ".join(self.literals.get(node, {}).get(str(SKOS.definition), []))
            out[node] = {"id": node, "page": page_name(node), "label": self.facts.label(iri),
                         "label_zh": self.facts.label(iri, "zh"), "definition": definition, "observations": rows,
                         "units": sorted({r["unit"] for r in rows if r["unit"]})}
        return out

    def _classes(self) -> dict[str, list[dict]]:
        classes: dict[str, list[dict]] = defaultdict(list)
        for e in self.entities.values():
            for t in e["types"]:
                classes[t].append(e)
        return {c: sorted(v, key=lambda e: (e["label"].lower(), e["id"])) for c, v in sorted(classes.items())}

    def _supports(self) -> dict[str, list[dict]]:
        """Source -> every record, relation and observation citing it, with the page that shows it."""
        holders = {**{e["iri"]: e for e in self.entities.values()}}
        found: dict[str, list[dict]] = defaultdict(list)
        for source_iri, cited in self.facts.cited.items():
            source = curie(source_iri)
            for h in cited:
                row = self._supported(h, holders)
                if row:
                    row["locators"] = sorted({loc for s, loc in self.facts.citations.get(h, ()) if s == source})
                    found[source].append((h, row))
        # ties (two dated claims of one pair) fall back on the locators, then the claim's IRI: a fixed order
        return {s: [row for _, row in sorted(v, key=lambda hr: (hr[1]["kind"], hr[1]["text"], hr[1]["page"],
                                                                 hr[1]["locators"], hr[0]))]
                for s, v in found.items()}

    def _supported(self, holder: str, holders: dict) -> dict | None:
        if holder in holders:
            e = holders[holder]
            return {"kind": "record", "text": e["label"] or e["id"], "page": f"id/{e['page']}.html"}
        claim = self.facts.claims.get(holder)
        if claim and claim["class"] == str(KG.Claim) and curie(claim["s"]) in self.entities:
            s, o = self.entities[curie(claim["s"])], self.entities.get(curie(claim["o"]), {})
            return {"kind": "relation", "text": f"{s['label'] or s['id']} {slug(claim['p'])} "
                                                f"{o.get('label') or curie(claim['o'])}", "page": f"id/{s['page']}.html"}
        values = self.facts.observation_values.get(holder)
        if values and values.get("indicator") in self.indicators:
            ind = self.indicators[values["indicator"]]
            return {"kind": "observation", "text": f"{ind['label']}, {values.get('period', '')}: "
                                                   f"{values.get('value', '')} {values.get('unit', '')}",
                    "page": f"id/{ind['page']}.html"}
        return None

    # -- the timeline ------------------------------------------------------------------------------

    def issuers(self, entity: dict) -> list[dict]:
        """The bodies that issued an instrument or imposed an event."""
        return [{"id": r["other"], "label": r["other_label"]} for r in entity["relations"]
                if r["direction"] == "out" and r["predicate"] in ("issuedBy", "imposedBy")]

    def timeline(self) -> list[dict]:
        """Dated marks: instruments adopted/effective/amended/repealed, events, campaigns' spans, listings."""
        marks = []
        instruments = {curie(i) for i in self.facts.instruments}
        for e in self.entities.values():
            types = set(e["types"])
            issuers = self.issuers(e)
            base = {"entity": e["id"], "label": e["label"] or e["id"], "page": e["page"], "class": e["type"],
                    "issuers": issuers}
            if e["id"] in instruments:
                for prop, kind in _INSTRUMENT_MARKS:
                    for d in e["dates"].get(prop, []):
                        marks.append({**base, "kind": kind, "lane": "instruments", "date": d, "end": ""})
            elif types & _EVENT_CLASSES:
                start = (e["dates"].get("startDate") or [""])[0]
                end = (e["dates"].get("endDate") or [""])[0]
                date = (e["dates"].get("date") or [""])[0]
                if "Campaign" in types and start:
                    marks.append({**base, "kind": "campaign", "lane": "campaigns", "date": start, "end": end})
                elif date or start:
                    lane = "enforcement" if types & {"EnforcementAction", "Fine"} else "events"
                    marks.append({**base, "kind": e["type"], "lane": lane, "date": date or start, "end": ""})
            for r in e["relations"]:
                if r["predicate"] == "listedOn" and r["direction"] == "out" and r["start"]:
                    marks.append({**base, "kind": "listed", "lane": "listings", "date": r["start"], "end": r["end"],
                                  "label": f"{base['label']} on {r['other_label']}",
                                  "issuers": [{"id": r["other"], "label": r["other_label"]}]})
        marks = [m for m in marks if fraction_of_year(m["date"]) is not None]
        return sorted(marks, key=lambda m: (m["date"], m["lane"], m["label"], m["kind"]))
