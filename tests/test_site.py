"""The static site (graph/site/): pages by slug, their content, links, safety and determinism."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest

from graph.export import Facts
from graph.pipeline import build
from graph.site import SiteData, site_step, write_site
from graph.site.pages import CSP
from graph.store import to_store
from graph.testing import tiny_graph

HOSTILE_LABEL = "</script><script>alert(1)</script>"
HOSTILE_ZH = "<img src=x onerror=alert(1)>"
HOSTILE_ALIAS = '"><svg onload=alert(1)>'
HOSTILE_TITLE = '<a href="javascript:alert(1)">href</a>'
HOSTILE_URL = "javascript:alert(1)"


class Tags(HTMLParser):
    """Every start tag of a page, as (tag, attributes)."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def links(self) -> list[dict]:
        return [a for t, a in self.tags if t == "a" and "href" in a]


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dist(site_dist):
    return site_dist


@pytest.fixture(scope="module")
def site(site_dist):
    return site_dist / "site"


# -- pages and what they say --------------------------------------------------------------------

@pytest.mark.parametrize("page", ["index.html", "timeline.html", "charts.html", "id/alibaba-group.html",
                                  "id/taobao.html", "id/cac.html", "id/ind-internet-users.html",
                                  "class/Company.html", "class/Law.html", "source/telecompaper-softbank-alibaba-2014.html",
                                  "assets/site.css", "assets/site.js"])
def test_page_exists(site, page):
    assert (site / page).is_file()


def test_alibaba_page_lists_an_owner_with_stake_as_of_and_source_link(site):
    text = read(site, "id/alibaba-group.html")
    row = next(r for r in text.split("<tr") if "SoftBank Group Corp.</a>" in r and "34.4%" in r)
    assert '<td>34.4%</td><td>2014-05</td>' in row
    assert ('<a href="https://www.telecompaper.com/nieuws/softbank-says-no-plans-to-sell-alibaba-shares--1012557" '
            'rel="noopener noreferrer">Softbank says no plans to sell Alibaba shares</a>, paragraph 1') in row
    assert '<a href="softbank-group.html">' in row


def test_alibaba_page_names_and_explorer_link(site):
    text = read(site, "id/alibaba-group.html")
    assert '<span class="zh" lang="zh">阿里巴巴集团</span>' in text
    assert '<span class="aliases">Alibaba, 阿里巴巴</span>' in text
    assert '<a href="../class/Company.html">Company</a>' in text
    assert '<a href="../../graph.html#id:alibaba-group">open in the explorer</a>' in text
    assert '<svg viewBox="0 0 660 420"' in text  # the neighbourhood drawing


def test_renamed_entity_shows_its_former_name(site):
    text = read(site, "id/ant-group.html")
    assert '<span class="former">Ant Financial</span>' in text


def test_source_page_lists_what_it_supports(site):
    text = read(site, "source/telecompaper-softbank-alibaba-2014.html")
    assert ('<span class="kind">relation</span> <a href="../id/softbank-group.html">SoftBank Group Corp. owns '
            'Alibaba Group</a> (paragraph 1)') in text


def test_indicator_page_has_a_chart_with_unit_publisher_and_sources(site):
    text = read(site, "id/ind-internet-users.html")
    assert '<svg class="chart"' in text and '<text class="unit" x="70" y="14">persons</text>' in text
    assert '<a href="cnnic.html">China Internet Network Information Center</a>' in text
    assert 'href="../source/accesstochina-cnnic-55.html"' in text


def test_index_holds_english_chinese_and_aliases(site):
    data = re.search(r'<script type="application/json" id="index-data">(.*?)</script>', read(site, "index.html")).group(1)
    assert '{"aka":["CAC","国家网信办"' in data or '"国家网信办"' in data
    assert '"en":"Taobao","p":"id/taobao.html","zh":"淘宝"' in data


def test_timeline_marks_link_to_their_pages(site):
    text = read(site, "timeline.html")
    assert re.search(r'<a class="mark effective" href="id/pipl.html" data-issuers="[^"]*id:npcsc[^"]*" '
                     r'data-class="Law" data-year="2021">', text)
    assert '<a class="mark campaign" href="id/regulatory-storm-2020-2023.html"' in text


# -- links and requests ---------------------------------------------------------------------------

def test_no_broken_internal_link(site):
    broken, pages = [], sorted(site.rglob("*.html"))
    assert len(pages) > 1000
    for page in pages:
        tags = Tags(page.read_text(encoding="utf-8")).tags
        for tag, attrs in tags:
            for key in ("href", "src"):
                url = attrs.get(key)
                if url is None or tag == "meta":
                    continue
                parts = urlsplit(url)
                if parts.scheme in ("http", "https"):
                    assert tag == "a" and attrs.get("rel") == "noopener noreferrer", (page, url)
                    continue
                assert not parts.scheme and not parts.netloc, (page, url)
                target = (page.parent / unquote(parts.path)).resolve()
                if not target.is_file():
                    broken.append(f"{page.relative_to(site)}: {url}")
    assert broken == []


def test_every_page_has_the_policy_and_only_relative_assets(site):
    for page in [site / "index.html", site / "timeline.html", site / "id" / "cac.html"]:
        tags = Tags(read(site, page.relative_to(site).as_posix())).tags
        assert ("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}) in tags
        assets = [a.get("src") or a.get("href") for t, a in tags if t in ("script", "link") and (a.get("src") or a.get("href"))]
        assert all(not urlsplit(u).scheme for u in assets), assets
    assert CSP.startswith("default-src 'none'; script-src 'self'; style-src 'self'")


def test_what_a_source_supports_is_in_a_fixed_order_whatever_the_hash_seed(curated):
    # two dated claims of one pair read alike: their locators decide, never the order of a set
    _, result = curated
    supports = SiteData(result.tables.facts, result.store).supports
    key = lambda r: (r["kind"], r["text"], r["page"], r["locators"])  # noqa: E731
    assert [s for s, rows in supports.items() if rows != sorted(rows, key=key)] == []
    tied = [s for s, rows in supports.items() if len({(r["kind"], r["text"]) for r in rows}) < len(rows)]
    assert "src:yicaiglobal-softbank-alibaba-2024" in tied


def test_two_builds_give_byte_identical_sites(dist, tmp_path):
    again = tmp_path / "dist"
    build(again, log=None, extra_steps=[site_step])
    first = {p.relative_to(dist / "site"): p.read_bytes() for p in sorted((dist / "site").rglob("*")) if p.is_file()}
    second = {p.relative_to(again / "site"): p.read_bytes() for p in sorted((again / "site").rglob("*")) if p.is_file()}
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []


# -- hostile input ----------------------------------------------------------------------------------

def hostile_site(out: Path) -> Path:
    """The tiny graph with markup in Taobao's names and a javascript: URL and markup title on its source."""
    store = to_store(tiny_graph())
    taobao, fixture = "<https://w3id.org/cdkg/id/taobao>", "<https://w3id.org/cdkg/source/fixture>"
    store.update(f"""
        DELETE WHERE {{ {taobao} <http://www.w3.org/2000/01/rdf-schema#label> ?l }} ;
        DELETE WHERE {{ {fixture} <http://purl.org/dc/terms/title> ?t }} ;
        INSERT DATA {{
          {taobao} <http://www.w3.org/2000/01/rdf-schema#label> {ox.Literal(HOSTILE_LABEL, language="en")} ,
                                                                {ox.Literal(HOSTILE_ZH, language="zh")} ;
                   <http://www.w3.org/2004/02/skos/core#altLabel> {ox.Literal(HOSTILE_ALIAS, language="en")} .
          {fixture} <http://purl.org/dc/terms/title> {ox.Literal(HOSTILE_TITLE)} ;
                    <https://schema.org/url> {ox.Literal(HOSTILE_URL)} .
        }}""")
    write_site(SiteData(Facts(store), store), out)
    return out


def test_hostile_names_and_urls_stay_text(tmp_path):
    site = hostile_site(tmp_path / "site")
    text = read(site, "id/taobao.html")
    assert HOSTILE_LABEL not in text and HOSTILE_ZH not in text and HOSTILE_ALIAS not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert '<span class="url-text">&lt;a href=&#34;javascript:alert(1)&#34;&gt;href&lt;/a&gt;</span>' in text
    for page in site.rglob("*.html"):
        tags = Tags(page.read_text(encoding="utf-8")).tags
        assert [t for t, a in tags if t in ("img", "svg") and "onerror" in a or "onload" in a] == []
        assert [a for t, a in tags if "javascript:" in (a.get("href") or "").lower()] == [], page
        assert sum(1 for t, a in tags if t == "script" and "src" not in a and a.get("type") != "application/json") == 0
    source = read(site, "source/fixture.html")
    assert '<span class="url-text">javascript:alert(1)</span>' in source
    index = read(site, "index.html")
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in index


def test_page_names_of_odd_slugs_are_safe_and_distinct():
    from graph.site.data import page_name
    assert page_name("id:taobao") == "taobao"
    names = {page_name(x) for x in ("src:../x", "src:..x", "src:a/b", "src:a_b")}
    assert len(names) == 4 and all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", n) for n in names)


def test_cdkg_build_writes_the_site_and_no_html_skips_it(tmp_path):
    from graph.cli import main
    from conftest import VALID
    assert main(["build", "--data", str(VALID), "--out", str(tmp_path / "a")]) == 0
    assert sorted(p.name for p in (tmp_path / "a" / "site" / "id").iterdir()) == [
        "china.html", "example-company.html", "example-law.html", "example-platform.html", "example-regulator.html"]
    assert main(["build", "--data", str(VALID), "--out", str(tmp_path / "b"), "--no-html"]) == 0
    assert not (tmp_path / "b" / "site").exists()
