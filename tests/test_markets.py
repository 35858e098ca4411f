"""The curated markets data: companies, platforms, enforcement, series and owners, current to 2026.

Data tests on the curated build for what the markets issue sets: the counts, the
internet-users series in period order, and current, dated owners of Alibaba Group,
PDD Holdings and TikTok.
"""

import pytest

COUNT = """
PREFIX kg: <https://w3id.org/cdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?class {{ {classes} }} ?e a ?class }}"""

SERIES = """
PREFIX kg: <https://w3id.org/cdkg/ontology#>
SELECT ?indicator (COUNT(DISTINCT ?period) AS ?points) WHERE {
  ?o a kg:Observation ; kg:indicator ?indicator ; kg:period ?period .
} GROUP BY ?indicator HAVING (COUNT(DISTINCT ?period) >= 8)"""


def _count(kg, *classes) -> int:
    rows = kg.query(COUNT.format(classes=" ".join(f"kg:{c}" for c in classes))).rows
    return int(rows[0]["n"])


@pytest.mark.parametrize("classes,least", [
    (("Company",), 80),
    (("Platform",), 80),
    (("EnforcementAction", "Fine"), 50),
    (("Observation",), 300),
])
def test_the_graph_holds_at_least(curated_kg, classes, least):
    assert _count(curated_kg, *classes) >= least


def test_ten_indicators_are_series_of_at_least_eight_dated_points(curated_kg):
    assert len(curated_kg.query(SERIES).rows) >= 10


def test_internet_users_read_in_period_order_from_2014_to_2025(curated_kg):
    rows = curated_kg.query("observations_of_indicator", indicator="id:ind-internet-users").rows
    periods = [row["period"] for row in rows]
    assert periods == sorted(periods)
    assert periods[0] == "2014-12" and periods[-1] == "2025-12"
    assert len(set(periods)) >= 22
    last = [row for row in rows if row["period"] == "2025-12"]
    assert {row["value"] for row in last} == {"1125000000"}


@pytest.mark.parametrize("entity,owner", [
    ("id:alibaba-group", "id:softbank-group"),
    ("id:pdd-holdings", "id:colin-huang"),
    ("id:tiktok-usds-joint-venture", "id:oracle"),
])
def test_owners_are_current_and_dated(curated_kg, entity, owner):
    rows = curated_kg.query("owners_of_entity", entity=entity).rows
    stakes = [row for row in rows if row["relation"] == "owns" and row["owned"] == entity]
    assert owner in {row["owner"] for row in stakes}
    assert all(row["asOf"] for row in stakes if row["stake"]), stakes


def test_pdd_owners_read_the_latest_stake_known_on_each_date(curated_kg):
    def stakes_on(date):
        rows = curated_kg.query("owners_of_entity", entity="id:pdd-holdings", date=date).rows
        return {(row["owner"], row["stake"], row["asOf"]) for row in rows if row["owned"] == "id:pdd-holdings"}

    assert stakes_on("2026-12-01") == {("id:colin-huang", "25", "2025-05-08"), ("id:tencent", "16.5", "2020-03-31")}
    assert stakes_on("2023-06-30") == {("id:colin-huang", "26.5", "2022-12-31"), ("id:tencent", "16.5", "2020-03-31")}
    assert stakes_on("2019-01-01") == {("id:colin-huang", "46.8", "2018-07"), ("id:tencent", "17", "2018-07")}
