"""The HTML explorer without a browser: offline, complete, deterministic, escaped; and ``cdkg view``."""

import json
import re
from types import SimpleNamespace

import pytest

from graph.cli import main
from graph.network import to_networkx
from graph.render import TEMPLATES, html_step, page_data, render_html, script_json
from graph.testing import tiny_graph

#: Anything that would make the browser fetch a resource from another host.
REMOTE = re.compile(
    r"""\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|\bimport\s*\(\s*["'`]\s*(?:https?:)?//"""
    r"""|\bfrom\s+["'](?:https?:)?//""", re.IGNORECASE)

HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture()
def tiny_nx():
    return to_networkx(tiny_graph())


@pytest.fixture(scope="module")
def tiny_ttl(tmp_path_factory):
    path = tmp_path_factory.mktemp("graph") / "tiny.ttl"
    tiny_graph().serialize(path, format="turtle")
    return path


def embedded(html: str) -> dict:
    """The JSON data block of a page."""
    block = re.search(r'<script type="application/json" id="cdkg-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_page_is_self_contained(tiny_nx, tmp_path):
    html = render_html(tiny_nx, tmp_path / "g.html").read_text(encoding="utf-8")
    assert REMOTE.search(html) is None
    assert not re.search(r"<(?:link|iframe|object|embed)\b|<script[^>]*\bsrc=", html, re.I)
    assert "default-src 'none'" in html
    assert "vis.Network" in html and "vis-network" in html  # vis-network is inlined, not linked


def test_remote_pattern_catches_cdn_links():
    assert REMOTE.search('<script src="https://cdn.jsdelivr.net/npm/vis.js"></script>')
    assert REMOTE.search("<link href='//fonts.googleapis.com/css' rel=stylesheet>")
    assert REMOTE.search("@font-face { src: url(https://example.org/f.woff) }")
    assert REMOTE.search('@import "https://example.org/x.css";')


def test_page_contains_every_node_and_edge(tiny_nx, tmp_path):
    html = render_html(tiny_nx, tmp_path / "g.html").read_text(encoding="utf-8")
    data = embedded(html)
    assert sorted(n["id"] for n in data["nodes"]) == sorted(tiny_nx.nodes)
    assert len(data["edges"]) == tiny_nx.number_of_edges() == 12
    for node in tiny_nx:
        assert f'"id":"{node}"' in html


def test_render_is_byte_identical(tmp_path):
    a = render_html(to_networkx(tiny_graph()), tmp_path / "a.html").read_bytes()
    b = render_html(to_networkx(tiny_graph()), tmp_path / "b.html").read_bytes()
    assert a == b


def test_render_ignores_insertion_order(tiny_nx, tmp_path):
    shuffled = type(tiny_nx)()
    shuffled.add_nodes_from(reversed(list(tiny_nx.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(tiny_nx.edges(keys=True, data=True))))
    a = render_html(tiny_nx, tmp_path / "a.html").read_bytes()
    assert render_html(shuffled, tmp_path / "b.html").read_bytes() == a


def test_hostile_label_is_escaped(tiny_nx, tmp_path):
    tiny_nx.nodes["id:taobao"].update(label=HOSTILE, label_zh="<img src=x onerror=alert(1)>",
                                      aliases=["a & b", "\u2028"])
    html = render_html(tiny_nx, tmp_path / "g.html", title="<b>T</b>").read_text(encoding="utf-8")
    assert html.count("</script>") == 3  # the data block, vis-network and the explorer
    assert "<img src=x" not in html and "<script>alert" not in html and "<b>T</b>" not in html
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in html
    node = next(n for n in embedded(html)["nodes"] if n["id"] == "id:taobao")
    assert (node["label"], node["label_zh"], node["aliases"]) == (HOSTILE, "<img src=x onerror=alert(1)>",
                                                                  ["a & b", "\u2028"])


def test_explorer_script_never_parses_data_as_html():
    js = (TEMPLATES / "explorer.js").read_text(encoding="utf-8")
    assert re.search(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function", js) is None


def test_script_json_escapes_markup():
    assert script_json(["<", ">", "&"]) == '["\\u003c","\\u003e","\\u0026"]'


def test_page_data_styles_and_sizes(tiny_nx):
    data = page_data(tiny_nx)
    assert [(f["key"], f["count"], f["classes"]) for f in data["families"]] == [
        ("state", 2, ["Regulator"]), ("law", 2, ["Law"]), ("company", 3, ["Company"]), ("platform", 2, ["Platform"]),
        ("event", 1, ["Renaming"]), ("place", 1, ["Jurisdiction"]), ("topic", 1, ["Sector"])]
    assert data["families"][0]["name"] == "State bodies" and data["families"][0]["name_zh"] == "国家机构"
    short = {n["id"]: n["short"] for n in data["nodes"]}
    assert short["id:cac"] == "CAC"                                      # an acronym alias for a long name
    assert short["id:cybersecurity-law"] == "Cybersecurity Law"          # the alias that begins the label
    assert short["id:alipay-company"] == "Alipay (China) Network Tech…"  # no alias: cut
    assert short["id:taobao"] == "Taobao"
    sizes = {n["id"]: n["size"] for n in data["nodes"]}
    assert sizes["id:platform-economy"] > sizes["id:taobao"] > sizes["id:china"]
    owns = next(e for e in data["edges"] if e["predicate"] == "owns" and e["to"] == "id:ant-group")
    assert owns["tooltip"].splitlines()[-1] == "source: Test fixture, line 12"


def test_html_step_writes_graph_html(tmp_path):
    detail = html_step(SimpleNamespace(graph=tiny_graph()), tmp_path)
    assert detail == "graph.html: 12 nodes, 12 edges"
    assert html_step.step_name == "html"
    assert (tmp_path / "graph.html").stat().st_size > 100_000


def test_view_writes_the_ego_network(tiny_ttl, tmp_path, capsys):
    out = tmp_path / "taobao.html"
    assert main(["view", "淘宝", "--depth", "1", "--graph", str(tiny_ttl), "--out", str(out)]) == 0
    data = embedded(out.read_text(encoding="utf-8"))
    assert sorted(n["id"] for n in data["nodes"]) == ["id:alibaba-group", "id:platform-economy", "id:taobao"]
    assert data["focus"] == "id:taobao"
    assert capsys.readouterr().out == f"wrote {out}: 3 entities, 3 relations\n"


def test_view_filters_by_class_and_predicate(tiny_ttl, tmp_path):
    out = tmp_path / "v.html"
    assert main(["view", "Alibaba", "--depth", "3", "--type", "Organization", "--predicate", "owns",
                 "--graph", str(tiny_ttl), "--out", str(out)]) == 0
    data = embedded(out.read_text(encoding="utf-8"))
    assert [n["id"] for n in data["nodes"]] == ["id:alibaba-group", "id:alipay-company", "id:ant-group"]
    assert {e["predicate"] for e in data["edges"]} == {"owns"}


def test_view_default_output_in_dist(tiny_ttl, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("graph.paths.DIST", tmp_path)
    assert main(["view", "CAC", "--graph", str(tiny_ttl)]) == 0
    assert (tmp_path / "view-cac.html").exists()


@pytest.mark.parametrize("args, message", [
    (["Alibab"], "no entity named 'Alibab'; did you mean: Alibaba"),
    (["Alibaba", "--predicate", "own"], "unknown predicate 'own'; did you mean: owns"),
    (["Alibaba", "--type", "Compny"], "unknown class 'Compny'; did you mean: Company"),
    (["PIPL", "--as-of", "2020"], "'PIPL' (id:pipl) was not valid on 2020"),
], ids=["unknown-name", "unknown-predicate", "unknown-class", "not-yet-valid"])
def test_view_errors_exit_2(tiny_ttl, tmp_path, capsys, args, message):
    assert main(["view", *args, "--graph", str(tiny_ttl), "--out", str(tmp_path / "x.html")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_every_entity_class_of_the_ontology_has_a_family(curated):
    from graph.families import families, family_of
    from graph.namespaces import slug
    from graph.network import entity_classes
    out, result = curated
    unplaced = sorted(slug(c) for c in entity_classes(result.graph)
                      if slug(c) != "Entity" and family_of(slug(c))["key"] == "other")
    assert unplaced == []
    looks = [(f["colour"], f["shape"]) for f in families()]
    assert len(set(looks)) == len(looks) == 11  # no two families look alike
