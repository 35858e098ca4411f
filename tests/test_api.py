"""The traversal API on the tiny fixture graph (graph/fixtures/tiny.ttl)."""

import networkx as nx
import pytest

import graph
from graph.api import AmbiguousName, EntityNotFound, KnowledgeGraph, normalize_name


def test_find_by_label_alias_chinese_curie_and_iri(tiny_kg):
    assert tiny_kg.find("Alibaba Group") == "id:alibaba-group"
    assert tiny_kg.find("alibaba") == "id:alibaba-group"
    assert tiny_kg.find("阿里巴巴集团") == "id:alibaba-group"
    assert tiny_kg.find("id:alibaba-group") == "id:alibaba-group"
    assert tiny_kg.find("https://w3id.org/cdkg/id/alibaba-group") == "id:alibaba-group"


def test_find_ignores_case_width_and_punctuation(tiny_kg):
    assert tiny_kg.find("ＰＢＯＣ") == "id:pboc"
    assert tiny_kg.find("people's bank of china") == "id:pboc"
    assert tiny_kg.find("Peoples Bank of China.") == "id:pboc"


def test_unknown_name_suggests_closest(tiny_kg):
    with pytest.raises(EntityNotFound) as err:
        tiny_kg.find("Alipai")
    assert err.value.suggestions == ["Alipay", "Alibaba"]
    assert "did you mean: Alipay" in str(err.value)


def test_ambiguous_alias_lists_candidates():
    from graph.testing import tiny_graph
    from rdflib import Literal
    from graph.namespaces import ID, SKOS
    g = tiny_graph()
    g.add((ID["taobao"], SKOS.altLabel, Literal("Ali", lang="en")))
    g.add((ID["alipay"], SKOS.altLabel, Literal("Ali", lang="en")))
    with pytest.raises(AmbiguousName) as err:
        KnowledgeGraph(g).find("ali")
    assert [c for c, _ in err.value.candidates] == ["id:alipay", "id:taobao"]


def test_search_ranks_exact_before_prefix_before_substring(tiny_kg):
    ranked = [(r["id"], r["score"]) for r in tiny_kg.search("alipay")]
    assert ranked[:2] == [("id:alipay", 1.0), ("id:alipay-company", 0.9)]


def test_describe_lists_relations_with_sources(tiny_kg):
    view = tiny_kg.describe("Ant Group")
    assert view["type"] == "Company"
    assert view["aliases"] == ["Ant Financial"]
    assert [(r["direction"], r["predicate"], r["other"], r["stake"]) for r in view["relations"]] == [
        ("out", "operates", "id:alipay", None),
        ("out", "owns", "id:alipay-company", 100.0),
        ("in", "owns", "id:alibaba-group", 33.0),
        ("in", "renamed", "id:ant-group-renaming", None),
    ]
    assert [(f["former_name"], f["until"]) for f in view["former_names"]] == [("Ant Financial", "2020-07")]
    assert view["relations"][2]["sources"] == [
        {"source": "src:fixture", "title": "Test fixture", "locator": "line 12", "note": "", "url": ""}]


def test_neighbours_by_predicate_and_direction(tiny_kg):
    assert tiny_kg.neighbours("CAC", direction="in") == {"id:cybersecurity-law", "id:pipl"}
    assert tiny_kg.neighbours("CAC", "regulates") == {"id:platform-economy"}
    assert tiny_kg.neighbours("Taobao", direction="both") == {"id:alibaba-group", "id:platform-economy"}
    with pytest.raises(ValueError):
        tiny_kg.neighbours("CAC", direction="sideways")


def test_owners_follow_the_chain_with_effective_stake(tiny_kg):
    owners = tiny_kg.owners("id:alipay-company")
    assert [(o.owner, o.stake, len(o.chain)) for o in owners] == [
        ("id:ant-group", 100.0, 1), ("id:alibaba-group", 33.0, 2)]
    assert [str(s).split("  ")[0] for s in owners[1].chain] == [
        "id:alibaba-group --owns--> id:ant-group", "id:ant-group --owns--> id:alipay-company"]
    assert [o.owner for o in tiny_kg.owners("id:alipay-company", transitive=False)] == ["id:ant-group"]


def test_holdings_down_the_chain(tiny_kg):
    assert [(o.owned, o.stake) for o in tiny_kg.holdings("Alibaba")] == [
        ("id:ant-group", 33.0), ("id:alipay-company", 33.0)]


def test_regulators_reach_through_operator_parent_and_sector(tiny_kg):
    reach = tiny_kg.regulators_of("Alipay")
    assert [r.entity for r in reach] == ["id:pboc", "id:cac"]
    assert [s.predicate for s in reach[1].via] == ["operates", "owns", "inSector", "regulates"]


def test_rules_reach_through_sector(tiny_kg):
    assert [(r.entity, [s.predicate for s in r.via]) for r in tiny_kg.rules_for("Taobao")] == [
        ("id:pipl", ["inSector", "appliesTo"])]


def test_shortest_path_explains_each_step(tiny_kg):
    paths = tiny_kg.paths("Alipay", "Cyberspace Administration of China")
    assert [[(s.source, s.predicate, s.target) for s in p] for p in paths] == [[
        ("id:ant-group", "operates", "id:alipay"),
        ("id:alibaba-group", "owns", "id:ant-group"),
        ("id:alibaba-group", "inSector", "id:platform-economy"),
        ("id:cac", "regulates", "id:platform-economy"),
    ]]
    assert paths[0][0].sources[0]["locator"] == "line 14"


def test_ego_network_depth(tiny_kg):
    assert sorted(tiny_kg.ego("PBoC", 1)) == ["id:alipay", "id:pboc"]
    assert sorted(tiny_kg.ego("PBoC", 2)) == ["id:alipay", "id:ant-group", "id:pboc"]


def test_as_of_drops_later_instruments_and_relations(tiny_kg):
    snap = tiny_kg.as_of("2019-06-30")
    assert "id:pipl" not in snap.nx and "id:cybersecurity-law" in snap.nx
    assert not snap.nx.has_edge("id:alibaba-group", "id:ant-group")  # stake dated 2020
    assert tiny_kg.nx.has_edge("id:alibaba-group", "id:ant-group")  # the original is untouched
    assert "id:pipl" in tiny_kg.as_of("2021-11-01").nx
    with pytest.raises(ValueError):
        tiny_kg.as_of("yesterday")


def test_rankings(tiny_kg):
    assert tiny_kg.rank("degree", 2) == [("id:ant-group", 4.0), ("id:platform-economy", 4.0)]
    assert tiny_kg.rank("betweenness", 1)[0][0] == "id:ant-group"
    top = tiny_kg.rank("pagerank", 12)
    assert len(top) == 12 and abs(sum(s for _, s in top) - 1.0) < 1e-3


def test_to_networkx_is_a_multidigraph_with_sources(tiny_kg):
    g = tiny_kg.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert (g.number_of_nodes(), g.number_of_edges()) == (12, 12)
    assert g.nodes["id:pipl"]["dates"] == {"adoptedDate": ["2021-08-20"], "effectiveDate": ["2021-11-01"]}
    assert g.edges["id:alibaba-group", "id:ant-group", "owns"]["stake"] == 33.0


@pytest.mark.parametrize("suffix,reader", [(".graphml", nx.read_graphml), (".gexf", nx.read_gexf)])
def test_export_for_gephi(tiny_kg, tmp_path, suffix, reader):
    path = tiny_kg.export(tmp_path / f"g{suffix}")
    back = reader(path)
    assert back.number_of_nodes() == 12 and back.number_of_edges() == 12
    assert back.nodes["id:alipay"]["label_zh"] == "支付宝"


def test_query_runs_library_with_bound_parameters(tiny_kg):
    rows = tiny_kg.query("platforms_of_company", company="阿里巴巴集团").rows
    assert [(r["platform"], r["operator"]) for r in rows] == [
        ("id:alipay", "id:ant-group"), ("id:taobao", "id:alibaba-group")]


def test_normalize_name():
    assert normalize_name("JD.com") == normalize_name("ＪＤ．ＣＯＭ") == "jdcom"


def test_package_level_load(tmp_path):
    from graph.pipeline import build
    from conftest import VALID
    build(tmp_path / "dist", VALID, log=None)
    kg = graph.load(tmp_path / "dist" / "graph.ttl")
    assert kg.find("Example Law") == "id:example-law"


def test_search_handles_names_with_no_overlap(tiny_kg):
    # a name sharing no character with the query scores 0 and must not crash the ranking
    assert [r["id"] for r in tiny_kg.search("阿里巴巴")] == ["id:alibaba-group"]
    with pytest.raises(EntityNotFound, match="did you mean: 阿里巴巴集团"):
        tiny_kg.find("阿里巴巴")


def test_second_load_uses_the_network_cache(tmp_path):
    from graph.pipeline import build
    from conftest import VALID
    build(tmp_path / "dist", VALID, log=None)
    first = graph.load(tmp_path / "dist" / "graph.ttl")
    caches = list((tmp_path / "dist" / ".cache").glob("graph-*.pickle"))
    assert len(caches) == 1
    second = graph.load(tmp_path / "dist" / "graph.ttl")
    assert second._graph is None  # the rdflib graph is read only when needed
    assert sorted(second.nx.edges(keys=True)) == sorted(first.nx.edges(keys=True))
    assert second.describe("Example Law")["relations"] == first.describe("Example Law")["relations"]
    assert second.query("platforms_of_company", company="Example Company").rows == \
        first.query("platforms_of_company", company="Example Company").rows
