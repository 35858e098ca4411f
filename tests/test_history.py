"""Dated claims read as histories: stakes on a date, exits, renamings, versions of laws.

Built from tests/valid plus ``HISTORY`` below (a small made-up data set, not product data),
through the real pipeline, so the normaliser, the checks and the API are all exercised.
"""

import pytest

from graph.api import KnowledgeGraph
from graph.pipeline import build
from graph.query import run

HISTORY = """@prefix kg:      <https://w3id.org/cdkg/ontology#> .
@prefix id:      <https://w3id.org/cdkg/id/> .
@prefix src:     <https://w3id.org/cdkg/source/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

id:example-investor a kg:Company ;
    rdfs:label "Example Investor"@en , "示例投资者"@zh ;
    kg:jurisdiction id:china ;
    kg:citation [ dcterms:source src:example ; kg:locator "p. 10" ] ;
    kg:claim [ kg:owns id:example-company ; kg:startDate "2000"^^xsd:gYear ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 10" ] ] ,
             [ kg:owns id:example-company ; kg:stake "32"^^xsd:decimal ; kg:asOf "2014-09-19"^^xsd:date ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 11" ] ] ,
             [ kg:owns id:example-company ; kg:stake "23.7"^^xsd:decimal ; kg:asOf "2022-06-30"^^xsd:date ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 12" ] ] ,
             [ kg:owns id:example-company ; kg:stake "14.6"^^xsd:decimal ; kg:asOf "2022-09"^^xsd:gYearMonth ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 13" ] ] ,
             [ kg:owns id:example-company ; kg:stake "0.5"^^xsd:decimal ; kg:asOf "2024-03-31"^^xsd:date ;
               kg:endDate "2024-06"^^xsd:gYearMonth ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 14" ] ] ;
    .

id:example-founder a kg:Person ;
    rdfs:label "Example Founder"@en , "示例创始人"@zh ;
    kg:jurisdiction id:china ;
    kg:citation [ dcterms:source src:example ; kg:locator "p. 15" ] ;
    kg:claim [ kg:owns id:example-company ; kg:stake "40"^^xsd:decimal ; kg:asOf "2014-09-19"^^xsd:date ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 15" ] ] ;
    .

id:example-company skos:altLabel "Old Example Name"@en .

id:example-company-renaming a kg:Renaming ;
    rdfs:label "Old Example Name renamed Example Company"@en , "示例公司更名"@zh ;
    kg:formerName "Old Example Name"@en ;
    kg:newName "Example Company"@en ;
    dcterms:date "2019-11"^^xsd:gYearMonth ;
    kg:citation [ dcterms:source src:example ; kg:locator "p. 16" ] ;
    kg:claim [ kg:renamed id:example-company ; kg:citation [ dcterms:source src:example ; kg:locator "p. 16" ] ] ;
    .

id:example-law-amendment-2025 a kg:Law ;
    rdfs:label "Decision on Amending the Example Law"@en , "关于修改示例法的决定"@zh ;
    kg:jurisdiction id:china ;
    kg:adoptedDate "2025-10-28"^^xsd:date ;
    kg:effectiveDate "2026-01-01"^^xsd:date ;
    kg:citation [ dcterms:source src:example ; kg:locator "p. 17" ] ;
    kg:claim [ kg:amends id:example-law ; kg:citation [ dcterms:source src:example ; kg:locator "p. 17" ] ] ;
    .

id:example-law kg:amendedDate "2025-10-28"^^xsd:date .
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    data = folder / "data"
    import shutil
    from conftest import VALID
    shutil.copytree(VALID, data)
    (data / "history.ttl").write_text(HISTORY, encoding="utf-8")
    result = build(folder / "dist", data, log=None)
    return KnowledgeGraph(result.graph)


def _owners(kg, date):
    return [(o.owner, o.stake, o.as_of) for o in kg.owners("Example Company", date=date) if o.owner != "id:example-company"]


def test_stake_on_three_dates_is_the_latest_figure_known_then(history):
    assert _owners(history, "2010") == [("id:example-investor", None, "")]
    assert _owners(history, "2020-01-01") == [("id:example-founder", 40.0, "2014-09-19"),
                                              ("id:example-investor", 32.0, "2014-09-19")]
    assert _owners(history, "2022-07-15") == [("id:example-founder", 40.0, "2014-09-19"),
                                              ("id:example-investor", 23.7, "2022-06-30")]
    assert _owners(history, "2023-01-01") == [("id:example-founder", 40.0, "2014-09-19"),
                                              ("id:example-investor", 14.6, "2022-09")]


def test_an_owner_that_sold_out_is_gone(history):
    assert _owners(history, "2024-05-01") == [("id:example-founder", 40.0, "2014-09-19"),
                                              ("id:example-investor", 0.5, "2024-03-31")]
    assert _owners(history, "2024-07-01") == [("id:example-founder", 40.0, "2014-09-19")]
    assert _owners(history, None) == [("id:example-founder", 40.0, "2014-09-19")]  # today


def test_as_of_keeps_one_edge_per_history(history):
    snap = history.as_of("2022-07-15")
    edges = [(k, e.get("stake")) for _, _, k, e in snap.nx.edges(keys=True, data=True)
             if e["predicate"] == "owns" and e["claim"].startswith("claim:example-investor")]
    assert [s for _, s in edges] == [23.7]
    assert len([1 for *_, e in history.nx.edges(data=True) if e["claim"].startswith("claim:example-investor")]) == 5


def test_owners_query_on_a_date_reads_the_history_as_the_api_does(history):
    def rows(date):
        r = run(history, "owners_of_entity", {"entity": "Example Company", "date": date})
        return [(row["owner"], row["stake"], row["asOf"]) for row in r.rows]
    assert rows("2010-01-01") == [("id:example-investor", "", "")]
    assert rows("2022-07-15") == [("id:example-founder", "40", "2014-09-19"),
                                  ("id:example-investor", "23.7", "2022-06-30")]
    assert rows("2024-07-01") == [("id:example-founder", "40", "2014-09-19")]


def test_claims_of_a_history_are_named_by_their_dates(history):
    claims = sorted(e["claim"] for *_, e in history.nx.edges(data=True) if e["claim"].startswith("claim:example-investor"))
    assert claims == ["claim:example-investor.owns.example-company.2000",
                      "claim:example-investor.owns.example-company.as-of-2014-09-19",
                      "claim:example-investor.owns.example-company.as-of-2022-06-30",
                      "claim:example-investor.owns.example-company.as-of-2022-09",
                      "claim:example-investor.owns.example-company.as-of-2024-03-31"]


def test_a_renamed_entity_is_found_by_its_former_name(history):
    assert history.find("Old Example Name") == "id:example-company"
    assert [(f["entity"], f["until"], f["new_names"]) for f in history.formerly("old example name")] == [
        ("id:example-company", "2019-11", ["Example Company"])]
    rows = run(history, "renamed_and_successor_bodies", {}).rows
    assert [(r["entity"], r["formerName"], r["newName"], r["date"]) for r in rows] == [
        ("id:example-company", "Old Example Name", "Example Company", "2019-11")]


def test_an_amended_law_has_a_version_on_each_date(history):
    before = history.version_on("Example Law", "2025-12-31")
    after = history.version_on("Example Law", "2026-06-01")
    assert (before["version"], before["since"]) == ("id:example-law", "2021-09-01")
    assert (after["version"], after["since"], after["amendments"]) == (
        "id:example-law-amendment-2025", "2026-01-01", ["id:example-law-amendment-2025"])
    assert history.version_on("Example Law", "2021-01-01")["in_force"] is False
    assert [v["id"] for v in history.describe("Example Law")["versions"]] == ["id:example-law", "id:example-law-amendment-2025"]


# -- the curated graph ------------------------------------------------------------------------

def _stakes(kg, entity, date):
    return [(o.owner, o.stake, o.as_of, o.qualifier) for o in kg.owners(entity, date=date)
            if len(o.chain) == 1 and o.owner == "id:softbank-group"]


def test_softbank_stake_in_alibaba_on_three_dates_and_today(curated_kg):
    assert _stakes(curated_kg, "Alibaba Group", "2014-10-01") == [("id:softbank-group", 32.0, "2014-09", "")]
    assert _stakes(curated_kg, "Alibaba Group", "2022-07-01") == [("id:softbank-group", 23.7, "2022-06-30", "")]
    assert _stakes(curated_kg, "Alibaba Group", "2023-01-01") == [("id:softbank-group", 13.7, "2022-12-31", "")]
    assert _stakes(curated_kg, "Alibaba Group", None) == [("id:softbank-group", 0.5, "2024-01-25", "less than")]


def test_tiktok_us_business_is_run_by_the_joint_venture_since_january_2026(curated_kg):
    before = {o.owner for o in curated_kg.owners("TikTok", date="2025-06-01", transitive=False)}
    now = {(o.owner, o.stake) for o in curated_kg.owners("TikTok") if o.chain[0].predicate == "owns"}
    joint_venture = {(o.owner, o.stake) for o in curated_kg.owners("id:tiktok-usds-joint-venture", transitive=False)}
    assert before == {"id:bytedance"}
    assert ("id:oracle", 15.0) in now  # ByteDance is listed once, as the operator, nearest
    assert ("id:bytedance", 19.9) in joint_venture and ("id:oracle", 15.0) in joint_venture


def test_renamed_companies_are_found_by_their_former_names(curated_kg):
    assert curated_kg.find("Ant Financial") == "id:ant-group"
    assert [f["until"] for f in curated_kg.formerly("Ant Financial")] == ["2020-06"]
    assert (curated_kg.find("Twitter"), curated_kg.label("Twitter")) == ("id:twitter", "X")
    assert [(f["former_name"], f["until"]) for f in curated_kg.former_names("JD Technology")
            if f["former_name"].startswith("JD")] == [("JD Finance", "2018-11"), ("JD Digits", "2021-01")]


def test_every_stake_is_dated(curated):
    out, _ = curated
    assert "- stakes with an as-of date: " in (report := (out / "report.md").read_text(encoding="utf-8"))
    line = next(l for l in report.splitlines() if l.startswith("- stakes with an as-of date: "))
    assert line.endswith("(100%)")


def test_the_cybersecurity_law_has_its_2025_version_from_2026(curated_kg):
    assert curated_kg.version_on("Cybersecurity Law", "2025-06-01")["version"] == "id:cybersecurity-law"
    assert curated_kg.version_on("Cybersecurity Law", "2026-06-01")["version"] == "id:cybersecurity-law-amendment-2025"


def test_the_nfra_succeeds_the_cbirc(curated_kg):
    assert curated_kg.neighbours("NFRA", "succeeds") == {"id:cbirc"}
    assert "id:cbirc" not in curated_kg.as_of("2024-01-01").nx and "id:nfra" in curated_kg.as_of("2024-01-01").nx
