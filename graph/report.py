"""The build report (``report.md``): what the build holds, how current and how well sourced it is.

Every section is a list of Markdown lines made from :class:`graph.export.Facts`.

>>> from graph.export import Facts
>>> from graph.store import to_store
>>> facts = Facts(to_store(tiny_graph()))
>>> rulebook_section(facts)[:3]
['## The rulebook', '', '- instruments (laws, regulations, rules, policies; agreements apart): 2, of which Chinese: 2']
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .namespaces import ID, KG, curie, slug

__all__ = ["report", "currency_section", "coverage_section", "wikidata_section", "rulebook_section",
           "scale_section", "source_quality_section", "resting_on_weak_sources"]

#: Classes counted together in the scale table, by the row they count in.
SCALE_ROWS = {
    "companies": ("Company",),
    "platforms": ("Platform",),
    "state bodies (China)": ("GovernmentBody", "Regulator", "Legislature", "Court"),
    "instruments (China)": (),
    "enforcement actions and fines": ("EnforcementAction", "Fine"),
    "international agreements": ("Agreement",),
    "payment systems": ("PaymentSystem",),
    "indicators": ("Indicator",),
}
#: A published series is an indicator with at least this many dated observations.
SERIES_POINTS = 8


def _plain_claims(facts) -> list[dict]:
    return [v for v in facts.claims.values() if v["class"] == str(KG.Claim)]


def report(facts: Facts, summary: dict, relations: list[dict], corrected: list[dict]) -> str:
    """The short Markdown report: what the build holds and what it checked."""
    classes = facts.class_counts()
    preds = Counter(row["predicate"] for row in relations)
    lines = ["# Build report", "",
             f"- triples asserted: {facts.triples}",
             f"- triples inferred: {summary.get('inferred', 0)}",
             f"- entities: {summary['entities']}",
             f"- claims (asserted relations): {len(_plain_claims(facts))}",
             f"- relation rows (claim x citation): {summary['relations']}",
             f"- observations: {summary['observations']}",
             f"- corrected seed claims: {len({r['claim'] for r in corrected})}",
             f"- sources: {facts.sources}",
             f"- SHACL shapes: {summary.get('shapes', 'conform')}; violation checks passed: {summary.get('checks', 0)}",
             "", "## Entities by class", "", "| class | entities |", "|---|---|"]
    lines += [f"| {c} | {n} |" for c, n in sorted(classes.items())]
    lines += ["", "## Relations by predicate", "", "| predicate | rows |", "|---|---|"]
    lines += [f"| {p} | {n} |" for p, n in sorted(preds.items())]
    lines += ["", *scale_section(facts), "", *rulebook_section(facts), "", *currency_section(facts),
              "", *source_quality_section(facts), "", *coverage_section(facts, corrected), "", *wikidata_section(facts)]
    for extra in summary.get("sections", []):
        lines += ["", *extra]
    return "\n".join(lines) + "\n"


def currency_section(facts: Facts) -> list[str]:
    """Markdown: how current the graph is: dated claims and stakes, and the newest dated fact of each class."""
    claims = _plain_claims(facts)
    dated = [v for v in claims if v["start"] or v["end"] or v["as_of"]]
    stakes = [v for v in claims if v["stake"]]
    observations = [o for o in facts.observations if facts.observation_values.get(o, {}).get("as_of")]
    share = lambda n, d: f"{n} of {d} ({100 * n / d:.0f}%)" if d else "0 of 0"  # noqa: E731
    lines = ["## How current the graph is", "",
             f"- claims with a date (start, end or as-of): {share(len(dated), len(claims))}",
             f"- stakes with an as-of date: {share(sum(1 for v in stakes if v['as_of']), len(stakes))}",
             f"- observations with an as-of date: {share(len(observations), len(facts.observations))}",
             "", "Newest dated fact of each class (an entity's own dates, or a dated claim it makes):", "",
             "| class | newest date | entity |", "|---|---|---|"]
    newest: dict[str, tuple[str, str]] = {}
    dates = defaultdict(list, {e: list(ds) for e, ds in facts.entity_dates.items()})
    for v in claims:
        dates[v["s"]] += [d for d in (v["start"], v["end"], v["as_of"]) if d]
    for e in facts.entities:
        if not dates.get(e):
            continue
        best = max(dates[e])
        for cls in facts.types.get(e, ()):
            if cls not in newest or (best, curie(e)) > newest[cls]:
                newest[cls] = (best, curie(e))
    lines += [f"| {c} | {d} | `{e}` |" for c, (d, e) in sorted(newest.items())]
    unverified = [v for v in facts.claims.values() if v["class"] == str(KG.UnverifiedClaim)]
    lines += ["", f"Unverified seed claims (kept, not asserted): {len(unverified)}."]
    return lines


def coverage_section(facts: Facts, corrected: list[dict]) -> list[str]:
    """Markdown: entities, claims and observations citing each seed, and the corrected seed claims."""
    lines = ["## Seed coverage", "",
             "| seed file | entities | claims | observations | corrected claims | unverified claims |",
             "|---|---|---|---|---|---|"]
    for file, seed in facts.seed_files:
        owners = facts.cited.get(seed, set())
        kinds = Counter(facts.claims[o]["class"] if o in facts.claims else "" for o in owners)
        observations = sum(1 for o in owners if o in facts.observations)
        entities = sum(1 for o in owners if o.startswith(str(ID)) and o not in facts.observations)
        counts = [entities, kinds[str(KG.Claim)], observations, kinds[str(KG.CorrectedClaim)],
                  kinds[str(KG.UnverifiedClaim)]]
        lines.append(f"| {file} | " + " | ".join(str(n) for n in counts) + " |")
    lines += ["", "## Corrected seed claims", ""]
    if not corrected:
        lines.append("None.")
    for row in corrected:
        lines.append(f"- `{row['subject']}` {row['predicate']} `{row['object']}` "
                     f"({row['source']} {row['locator']}): {row['correction']}")
    return lines


def wikidata_section(facts: Facts) -> list[str]:
    """Markdown: how many entities link to Wikidata, and which do not yet."""
    missing = [e for e in facts.entities if e not in facts.wikidata]
    linked = len(facts.entities) - len(missing)
    return ["## Wikidata links", "",
            f"{linked} of {len(facts.entities)} entities link to Wikidata (skos:exactMatch, verified on Wikidata itself).",
            "", f"Without a link ({len(missing)}): " + ", ".join(f"`{curie(e)}`" for e in missing)]


def scale_section(facts) -> list[str]:
    """Markdown: how many of each kind of thing the graph holds, and how many indicators are published series."""
    classes = facts.class_counts()
    lines = ["## Scale", "", "| what | count |", "|---|---|"]
    for row, names in SCALE_ROWS.items():
        if row == "instruments (China)":
            n = sum(1 for v in facts.instruments.values() if v["jurisdiction"] == "id:china")
        elif row == "indicators":
            n = len(facts.indicators)
        elif row == "state bodies (China)":
            n = sum(1 for e in facts.entities if e in facts.china and set(facts.types.get(e, ())) & set(names))
        else:
            n = sum(classes.get(name, 0) for name in names)
        lines.append(f"| {row} | {n} |")
    points = Counter(v.get("indicator") for o, v in facts.observation_values.items() if v.get("period") or v.get("as_of"))
    series = sorted(i for i, n in points.items() if i and n >= SERIES_POINTS)
    lines += [f"| indicators with at least {SERIES_POINTS} dated observations | {len(series)} |",
              f"| observations | {len(facts.observations)} |"]
    return lines


def rulebook_section(facts) -> list[str]:
    """Markdown: instruments by year in force (else adopted, else published) and by issuer (each issuer of a joint instrument counts)."""
    china = {e: v for e, v in facts.instruments.items() if v["jurisdiction"] == "id:china"}
    lines = ["## The rulebook", "",
             f"- instruments (laws, regulations, rules, policies; agreements apart): {len(facts.instruments)}, "
             f"of which Chinese: {len(china)}",
             f"- Chinese instruments without a date in force, of adoption or of publication: "
             f"{sum(1 for v in china.values() if not v['year'])}",
             "", "Chinese instruments by year in force (else adopted, else published):", "", "| year | instruments |", "|---|---|"]
    undated = sorted(curie(e) for e, v in china.items() if not v["year"])
    if undated:
        lines[3] += ": " + ", ".join(f"`{e}`" for e in undated)
    years = Counter(v["year"] for v in china.values() if v["year"])
    lines += [f"| {y} | {n} |" for y, n in sorted(years.items())]
    issuers = Counter()
    for v in _plain_claims(facts):
        if v["p"] == str(KG.issuedBy) and v["s"] in facts.instruments:
            issuers[v["o"]] += 1
    lines += ["", "Instruments by issuer (joint instruments count for each issuer):", "",
              "| issuer | instruments |", "|---|---|"]
    lines += [f"| {facts.label(o)} (`{curie(o)}`) | {n} |" for o, n in sorted(issuers.items(), key=lambda i: (-i[1], i[0]))]
    return lines


def resting_on_weak_sources(facts) -> dict[str, list[str]]:
    """The claims, observations and entity records whose every source is classed weak, as sorted IRIs.

    >>> from graph.export import Facts
    >>> from graph.store import to_store
    >>> resting_on_weak_sources(Facts(to_store(tiny_graph())))
    {'claims': [], 'observations': [], 'records': []}
    """
    weak = {s for s, r in facts.source_records.items() if r.get("quality") == "weak"}

    def alone(holders):
        return sorted(h for h in holders if facts.citations.get(h) and all(s in weak for s, _ in facts.citations[h]))

    return {"claims": alone(c for c, v in facts.claims.items() if v["class"] == str(KG.Claim)),
            "observations": alone(facts.observations), "records": alone(facts.entities)}


def source_quality_section(facts) -> list[str]:
    """Markdown: sources by quality, and the claims, observations and records that rest on weak sources alone."""
    quality = Counter((r.get("quality") or "not classified") if r["kind"] != "seed" else "seed"
                      for r in facts.source_records.values())
    alone = resting_on_weak_sources(facts)
    claims, observations, records = alone["claims"], alone["observations"], alone["records"]
    lines = ["## Source quality", "", "| quality | sources |", "|---|---|"]
    lines += [f"| {q} | {n} |" for q, n in sorted(quality.items())]
    lines += ["", f"Claims resting on weak sources alone: {len(claims)}."]
    lines += [f"- `{curie(c)}`" for c in claims]
    lines += ["", f"Observations resting on weak sources alone: {len(observations)}."]
    lines += [f"- `{curie(o)}`" for o in observations]
    lines += ["", f"Entity records resting on weak sources alone: {len(records)}."]
    lines += [f"- `{curie(e)}`" for e in records]
    return lines
