"""Write a synthetic data folder shaped like ontology/data, of a chosen size, deterministically.

The records follow ontology/data/README.md exactly (one file per kind, en+zh
labels, a citation on every entity and claim, relations as claims), so the real
pipeline (load -> normalise -> validate -> infer -> export) runs on them:
companies owning companies in short chains (with stakes), companies operating
platforms, platforms and companies in sectors, regulators in a shallow
hierarchy regulating sectors, laws and rules issued and enforced by regulators,
applying to sectors and platforms and implementing laws, fines imposed by
regulators on companies under a law, jurisdictions party to agreements, and
statistical observations of indicators.

The same ``--units`` and ``--seed`` always write the same bytes.

Example:
    .venv/bin/python bench/generate.py /tmp/synthetic --triples 100000
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

PREFIXES = """@prefix kg:      <https://w3id.org/cdkg/ontology#> .
@prefix id:      <https://w3id.org/cdkg/id/> .
@prefix src:     <https://w3id.org/cdkg/source/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix schema:  <https://schema.org/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

"""

#: Normalised (asserted) triples per unit, measured: used to pick --units from --triples.
TRIPLES_PER_UNIT = 86.5
ZH_DIGITS = "零一二三四五六七八九"
WORDS = ["Digital", "Cloud", "Data", "Smart", "Net", "Pay", "Trade", "Link", "Star", "River",
         "Harbour", "Bridge", "Silk", "Jade", "Peak", "Open"]
ZH_WORDS = ["数字", "云", "数据", "智慧", "网络", "支付", "贸易", "互联", "星", "江", "港", "桥", "丝路", "玉", "峰", "开放"]
INSTRUMENT_CLASSES = ["Law", "AdministrativeRegulation", "DepartmentalRule", "Notice", "Plan", "Guideline"]


def zh_number(n: int) -> str:
    """A number written with Chinese digits (一二三...), for distinct Chinese labels."""
    return "".join(ZH_DIGITS[int(d)] for d in str(n))


class Writer:
    """Collects the Turtle records of one file."""

    def __init__(self, rng: random.Random, n_sources: int):
        self.rng, self.n_sources, self.records = rng, n_sources, []

    def cite(self) -> str:
        """A citation blank node: a source and a page locator."""
        return (f"[ dcterms:source src:s{self.rng.randrange(self.n_sources)} ; "
                f'kg:locator "p. {self.rng.randint(1, 300)}" ]')

    def claim(self, predicate: str, obj: str, extra: str = "") -> str:
        return f"[ {predicate} {obj} ;{extra} kg:citation {self.cite()} ]"

    def entity(self, iri: str, cls: str, en: str, zh: str, attributes=(), claims=(), alias: str | None = None):
        lines = [f"{iri} a kg:{cls} ;", f'    rdfs:label "{en}"@en , "{zh}"@zh ;']
        if alias:
            lines.append(f'    skos:altLabel "{alias}"@en ;')
        lines.append("    kg:jurisdiction id:china ;")
        lines += [f"    {a} ;" for a in attributes]
        lines.append(f"    kg:citation {self.cite()} ;")
        if claims:
            lines.append("    kg:claim " + " ,\n             ".join(claims) + " ;")
        lines.append("    .\n")
        self.records.append("\n".join(lines))

    def write(self, path: Path, comment: str) -> None:
        path.write_text(PREFIXES + f"# {comment}\n\n" + "\n".join(self.records), encoding="utf-8")


def _name(rng: random.Random, i: int, kind: str, zh_kind: str) -> tuple[str, str]:
    a, b = rng.randrange(len(WORDS)), rng.randrange(len(WORDS))
    return f"{WORDS[a]} {WORDS[b]} {kind} {i}", f"{ZH_WORDS[a]}{ZH_WORDS[b]}{zh_kind}{zh_number(i)}号"


def _day(rng: random.Random, start=date(2000, 1, 1), span=9000) -> date:
    return start + timedelta(days=rng.randrange(span))


def sizes(units: int) -> dict:
    """How many records of each kind ``units`` (the number of companies) gives."""
    return {"companies": units, "platforms": units, "regulators": max(4, units // 20),
            "instruments": max(6, units // 2), "sectors": min(200, max(5, units // 100)),
            "agreements": max(2, units // 100), "fines": max(2, units // 10),
            "sources": max(5, units // 10), "indicators": max(3, units // 200),
            "observations": max(3, units // 10), "exchanges": 3, "jurisdictions": 5}


def generate(folder: Path, units: int, seed: int = 8) -> dict:
    """Write the data files into ``folder``; return the record counts."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n = sizes(units)
    _sources(folder, n)
    w = lambda: Writer(rng, n["sources"])  # noqa: E731
    _places(folder, w(), n)
    _sectors(folder, w(), n)
    _government(folder, w(), n)
    _companies(folder, w(), n)
    _platforms(folder, w(), n)
    _instruments(folder, w(), n)
    _agreements(folder, w(), n)
    _events(folder, w(), n)
    _statistics(folder, w(), n)
    return n


def _sources(folder: Path, n: dict) -> None:
    records = [f'src:s{i} a kg:Source ;\n    dcterms:title "Synthetic source {i}" ;\n'
               f'    dcterms:publisher "Synthetic Publisher {i % 17}" ;\n'
               f'    schema:url "https://example.org/source/{i}"^^xsd:anyURI ;\n'
               f'    kg:accessed "2026-11-24"^^xsd:date ;\n    .\n' for i in range(n["sources"])]
    (folder / "sources.ttl").write_text(PREFIXES + "# Sources.\n\n" + "\n".join(records), encoding="utf-8")


def _places(folder, w: Writer, n) -> None:
    w.entity("id:china", "Jurisdiction", "People's Republic of China", "中华人民共和国", alias="China")
    for j in range(1, n["jurisdictions"]):
        w.entity(f"id:jur-{j}", "Jurisdiction", f"Jurisdiction {j}", f"法域{zh_number(j)}")
    w.write(folder / "places.ttl", "Jurisdictions.")


def _sectors(folder, w: Writer, n) -> None:
    for s in range(n["sectors"]):
        w.entity(f"id:sector-{s}", "Sector", f"sector {s}", f"行业{zh_number(s)}")
    w.write(folder / "sectors.ttl", "Sectors.")


def _government(folder, w: Writer, n) -> None:
    rng = w.rng
    for r in range(n["regulators"]):
        claims = [w.claim("kg:regulates", f"id:sector-{rng.randrange(n['sectors'])}") for _ in range(2)]
        if r:
            claims.append(w.claim("org:subOrganizationOf", f"id:reg-{(r - 1) // 4}"))
        en, zh = _name(rng, r, "Administration", "管理局")
        w.entity(f"id:reg-{r}", "Regulator", en, zh, claims=claims, alias=f"R{r}")
    for x in range(n["exchanges"]):
        w.entity(f"id:exchange-{x}", "StockExchange", f"Stock Exchange {x}", f"证券交易所{zh_number(x)}")
    w.write(folder / "government.ttl", "Regulators and stock exchanges.")


def _companies(folder, w: Writer, n) -> None:
    rng = w.rng
    for c in range(n["companies"]):
        claims = [w.claim("kg:operates", f"id:platform-{c}"),
                  w.claim("kg:inSector", f"id:sector-{rng.randrange(n['sectors'])}")]
        if c % 4 != 3 and c + 1 < n["companies"]:  # ownership chains of four companies
            stake = rng.choice(["100", "51", "33.5", "20"])
            claims.append(w.claim("kg:owns", f"id:company-{c + 1}", f' kg:stake "{stake}"^^xsd:decimal ; kg:asOf "{2010 + c % 15}"^^xsd:gYear ;'))
        if c % 5 == 0:
            claims.append(w.claim("kg:listedOn", f"id:exchange-{c % n['exchanges']}",
                                  f' kg:startDate "{2000 + c % 24}"^^xsd:gYear ;'))
        en, zh = _name(rng, c, "Group", "集团")
        w.entity(f"id:company-{c}", "Company", en, zh, [f'kg:foundedDate "{1990 + c % 30}"^^xsd:gYear'], claims,
                 alias=f"{en.split()[0]} Co {c}" if c % 2 else None)
    w.write(folder / "companies.ttl", "Companies: ownership, operation, sector, listing.")


def _platforms(folder, w: Writer, n) -> None:
    rng = w.rng
    for p in range(n["platforms"]):
        claims = [w.claim("kg:inSector", f"id:sector-{rng.randrange(n['sectors'])}")]
        en, zh = _name(rng, p, "App", "平台")
        w.entity(f"id:platform-{p}", "Platform", en, zh, [f'kg:foundedDate "{2005 + p % 18}"^^xsd:gYear'], claims)
    w.write(folder / "platforms.ttl", "Platforms.")


def _instruments(folder, w: Writer, n) -> None:
    rng = w.rng
    for i in range(n["instruments"]):
        cls = INSTRUMENT_CLASSES[i % len(INSTRUMENT_CLASSES)]
        adopted = _day(rng)
        effective = adopted + timedelta(days=rng.randrange(30, 400))
        attributes = [f'kg:adoptedDate "{adopted}"^^xsd:date', f'kg:promulgatedDate "{adopted}"^^xsd:date',
                      f'kg:effectiveDate "{effective}"^^xsd:date']
        target = (f"id:sector-{rng.randrange(n['sectors'])}" if i % 2
                  else f"id:platform-{rng.randrange(n['platforms'])}")
        claims = [w.claim("kg:issuedBy", f"id:reg-{rng.randrange(n['regulators'])}"),
                  w.claim("kg:enforcedBy", f"id:reg-{rng.randrange(n['regulators'])}"),
                  w.claim("kg:appliesTo", target)]
        if cls != "Law" and i >= len(INSTRUMENT_CLASSES):
            law = (i // len(INSTRUMENT_CLASSES) - 1) * len(INSTRUMENT_CLASSES)
            claims.append(w.claim("kg:implements", f"id:instrument-{law}"))
        en, zh = _name(rng, i, cls, "规定")
        w.entity(f"id:instrument-{i}", cls, en, zh, attributes, claims)
    w.write(folder / "instruments.ttl", "Laws, regulations, rules, notices, plans and guidelines.")


def _agreements(folder, w: Writer, n) -> None:
    for a in range(n["agreements"]):
        w.entity(f"id:agreement-{a}", "Agreement", f"Digital Economy Agreement {a}", f"数字经济协定{zh_number(a)}",
                 [f'kg:effectiveDate "{2015 + a % 10}-01-01"^^xsd:date'])
    parties = Writer(w.rng, w.n_sources)
    for j in range(n["jurisdictions"]):
        iri = "id:china" if j == 0 else f"id:jur-{j}"
        claims = [parties.claim("kg:partyTo", f"id:agreement-{a}")
                  for a in range(n["agreements"]) if (a + j) % 3 == 0]
        if claims:
            parties.records.append(f"{iri} kg:claim " + " ,\n    ".join(claims) + " .\n")
    w.records += parties.records
    w.write(folder / "agreements.ttl", "Agreements and their parties.")


def _events(folder, w: Writer, n) -> None:
    rng = w.rng
    for f in range(n["fines"]):
        day = _day(rng, date(2015, 1, 1), 3500)
        claims = [w.claim("kg:imposedBy", f"id:reg-{rng.randrange(n['regulators'])}"),
                  w.claim("kg:imposedOn", f"id:company-{rng.randrange(n['companies'])}"),
                  w.claim("kg:legalBasis", f"id:instrument-{rng.randrange(n['instruments'])}")]
        w.entity(f"id:fine-{f}", "Fine", f"Fine {f}", f"罚款{zh_number(f)}",
                 [f'dcterms:date "{day}"^^xsd:date', f'kg:amount "{rng.randrange(10**4, 10**10)}"^^xsd:decimal',
                  'kg:currency "CNY"'], claims)
    w.write(folder / "events.ttl", "Fines.")


def _statistics(folder, w: Writer, n) -> None:
    rng = w.rng
    records = [f'id:ind-{k} a kg:Indicator ;\n    rdfs:label "indicator {k}"@en , "指标{zh_number(k)}"@zh ;\n'
               f'    skos:definition "Synthetic indicator {k}."@en ;\n    .\n' for k in range(n["indicators"])]
    for o in range(n["observations"]):
        k = o % n["indicators"]
        records.append(
            f'id:obs-{o} a kg:Observation ;\n    rdfs:label "indicator {k}, observation {o}"@en ;\n'
            f"    kg:indicator id:ind-{k} ;\n"
            f'    kg:value "{rng.randrange(1, 10**9)}"^^xsd:decimal ;\n    kg:unit "persons" ;\n'
            f'    kg:period "{2000 + o % 25}-12" ;\n    kg:qualifier "exact" ;\n    kg:refArea id:china ;\n'
            f"    dcterms:publisher id:reg-{o % n['regulators']} ;\n    kg:citation {w.cite()} ;\n    .\n")
    (folder / "statistics.ttl").write_text(PREFIXES + "# Indicators and observations.\n\n" + "\n".join(records),
                                           encoding="utf-8")


def units_for(triples: int) -> int:
    """The ``units`` that give about this many asserted (normalised) triples."""
    return max(10, round(triples / TRIPLES_PER_UNIT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Example: bench/generate.py /tmp/synthetic --triples 100000")
    parser.add_argument("folder", type=Path)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--triples", type=int, help="about this many asserted triples")
    size.add_argument("--units", type=int, help="this many companies (and platforms; the rest scales)")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    units = args.units or units_for(args.triples)
    counts = generate(args.folder, units, args.seed)
    print(f"wrote {args.folder}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
