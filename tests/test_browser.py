"""The HTML explorer in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright).

Skipped, with the reason, when Chromium, playwright or the CJK font is missing, except
under CI (``CI`` set), where a missing browser is a failure. The screenshot goes to
``test-artifacts/graph.png`` (git-ignored).
"""

import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx
import pytest

from graph.network import to_networkx
from graph.paths import ROOT
from graph.render import render_html
from graph.testing import tiny_graph

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_SCHEMES = {"file", "data", "about", "blob"}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

HOSTILE_LABEL = "</script><script>alert(1)</script>"
HOSTILE_ZH = "<img src=x onerror=alert(1)>"
HOSTILE_ALIAS = '"><svg onload=alert(1)>'
HOSTILE_TITLE = '<a href="javascript:alert(1)">href</a>'
HOSTILE_NOTE = "see href=javascript:alert(2) <img src=y onerror=alert(2)>"
HOSTILE_URL = "javascript:alert(3)"
WEB_URL = "https://example.org/a?b=<c>"


def unavailable(reason: str):
    """Skip, or fail under CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install playwright; never `playwright install`)")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium fonts-wqy-microhei)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """One page load, recording console errors, page errors, dialogs and non-local requests."""

    def __init__(self, browser, path: Path, timeout_ms: int = 30_000, size: tuple[int, int] = (1400, 900),
                 fragment: str = ""):
        self.errors, self.dialogs, self.remote, self.failed = [], [], [], {}
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)
        self.page.on("requestfailed", lambda r: self.failed.__setitem__(r.url, r.failure))
        start = time.perf_counter()
        self.page.goto(path.resolve().as_uri() + fragment)
        # A selector, not wait_for_function: the page's policy forbids the eval() that polling uses.
        self.page.wait_for_selector("html[data-ready=true]", state="attached", timeout=timeout_ms)
        self.seconds = time.perf_counter() - start

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request):
        url = urlsplit(request.url)
        if url.scheme not in LOCAL_SCHEMES and url.hostname not in LOOPBACK:
            self.remote.append(request.url)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def node_point(self, node: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates."""
        return tuple(self.js("""id => {
            const p = cdkg.network.canvasToDOM(cdkg.network.getPositions([id])[id]);
            const r = document.getElementById("network").getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", node))

    def search(self, text: str) -> list[str]:
        self.page.fill("#search", text)
        self.page.press("#search", "Enter")
        self.settle()
        return self.js("cdkg.network.getSelectedNodes()")

    def settle(self, timeout: float = 10.0):
        """Wait until the view has stopped moving (the focus animation is over)."""
        deadline = time.perf_counter() + timeout
        while self.js("cdkg.animating"):
            assert time.perf_counter() < deadline, "the view kept moving"
            self.page.wait_for_timeout(50)

    def details(self) -> str:
        return self.page.inner_text("#details")

    def close(self):
        self.page.close()


@pytest.fixture()
def visit(browser):
    opened = []

    def open_page(path, **kw):
        v = Visit(browser, path, **kw)
        opened.append(v)
        return v
    yield open_page
    for v in opened:
        v.close()


@pytest.fixture(scope="module")
def tiny_page(tmp_path_factory):
    return render_html(to_networkx(tiny_graph()), tmp_path_factory.mktemp("html") / "tiny.html")


def hostile_network() -> nx.MultiDiGraph:
    """The tiny network with markup in labels, aliases, source titles and notes."""
    g = to_networkx(tiny_graph())
    g.nodes["id:taobao"].update(label=HOSTILE_LABEL, label_zh=HOSTILE_ZH, aliases=[HOSTILE_ALIAS])
    hostile_source = {"source": "src:<b>x</b>", "title": HOSTILE_TITLE, "locator": "<i>p</i>", "note": HOSTILE_NOTE,
                      "url": HOSTILE_URL}
    web_source = {"source": "src:web", "title": "A web page", "locator": "", "note": "", "url": WEB_URL}
    g.nodes["id:taobao"]["sources"] = [hostile_source, web_source]
    g["id:alibaba-group"]["id:taobao"]["operates"]["sources"] = [hostile_source]
    return g


def synthetic_network(n: int = 1000, seed: int = 7) -> nx.MultiDiGraph:
    """A random entity network shaped like ours: n nodes, about 2n claims, 9 classes, 8 predicates."""
    rng = random.Random(seed)
    classes = ["Company", "Platform", "Regulator", "Law", "Sector", "Jurisdiction", "Agreement", "Plan", "Fine"]
    predicates = ["owns", "operates", "regulates", "issuedBy", "appliesTo", "inSector", "enforcedBy", "enables"]
    g = nx.MultiDiGraph()
    for i in range(n):
        cls = classes[i % len(classes)]
        g.add_node(f"id:e{i:04d}", label=f"{cls} {i}", label_zh=f"实体{i}", type=cls, types=[cls], aliases=[],
                   dates={}, sources=[{"source": "src:synthetic", "title": "Synthetic", "locator": str(i), "note": ""}])
    for j in range(2 * n):
        u, v = f"id:e{rng.randrange(n):04d}", f"id:e{rng.randrange(n):04d}"
        p = rng.choice(predicates)
        if u != v:
            g.add_edge(u, v, key=p, predicate=p, claim=f"claim:{j}", sources=[])
    return g


def assert_clean(v: Visit):
    assert v.errors == [] and v.dialogs == [] and v.remote == []


# -- loading ----------------------------------------------------------------------------------

def test_page_loads_offline_without_errors(visit, tiny_page):
    v = visit(tiny_page)
    assert_clean(v)
    assert v.js("cdkg.nodes.length") == v.js("cdkg.network.body.nodeIndices.length") == 12
    assert v.js("cdkg.edges.length") == 12
    assert v.js("cdkg.network.physics.options.enabled") is False  # frozen after stabilising
    assert v.page.inner_text("#stats").startswith("12 of 12 entities, 12 of 12 relations")


def test_policy_blocks_injected_script(visit, tiny_page):
    """Defence in depth: even markup injected into the page cannot run script or fetch anything."""
    v = visit(tiny_page)
    v.js("""document.body.insertAdjacentHTML("beforeend",
            '<img src="https://example.org/x.png" onerror="window.pwned = 1">')""")
    v.page.wait_for_timeout(200)
    assert v.js("window.pwned") is None
    assert list(v.failed) == ["https://example.org/x.png"] and "csp" in v.failed["https://example.org/x.png"].lower()


# -- search, details and filters ------------------------------------------------------------

@pytest.mark.parametrize("text, node", [("淘宝", "id:taobao"), ("taoBAO", "id:taobao"), ("网信办", "id:cac"),
                                        ("cac", "id:cac"), ("ant fin", "id:ant-group"), ("支付宝（中国", "id:alipay-company")])
def test_search_selects_and_shows_the_node(visit, tiny_page, text, node):
    v = visit(tiny_page)
    assert v.search(text) == [node]
    assert node in v.details()
    assert_clean(v)


def test_search_lists_matches_as_you_type(visit, tiny_page):
    v = visit(tiny_page)
    v.page.fill("#search", "ali")
    items = v.js("() => [...document.querySelectorAll('#search-results li')].map(li => li.firstChild.textContent)")
    assert items == ["Alibaba Group / 阿里巴巴集团", "Alipay (China) Network Technology / 支付宝（中国）网络技术有限公司",
                     "Alipay / 支付宝"]


def test_clicking_a_node_shows_its_sources_and_relations(visit, tiny_page):
    v = visit(tiny_page)
    x, y = v.node_point("id:alibaba-group")
    v.page.mouse.move(x, y)
    v.page.wait_for_selector("div.vis-tooltip", state="visible")
    tooltip = v.page.inner_text("div.vis-tooltip")
    assert "Alibaba Group / 阿里巴巴集团" in tooltip and "Company" in tooltip and "links: 3" in tooltip
    v.page.mouse.click(x, y)
    text = v.details()
    assert "Test fixture, line 3" in text            # the entity's own source
    assert "source: Test fixture, line 12" in text   # the source of its ownership of Ant Group
    assert "stake 33%" in text


def test_clicking_a_relation_in_the_panel_moves_to_the_other_entity(visit, tiny_page):
    v = visit(tiny_page)
    v.search("Ant Group")
    v.page.get_by_role("button", name="Alipay / 支付宝", exact=True).click()
    v.settle()
    assert v.js("cdkg.network.getSelectedNodes()") == ["id:alipay"]


def test_filters_hide_and_show(visit, tiny_page):
    v = visit(tiny_page)
    hidden = "() => [cdkg.nodes.get({filter: n => n.hidden}).length, cdkg.edges.get({filter: e => e.hidden}).length]"
    v.page.get_by_role("checkbox", name="Companies and people").uncheck()
    assert v.js(hidden) == [3, 6]  # 3 companies; their 6 relations
    v.page.get_by_role("checkbox", name="owns").uncheck()
    assert v.js(hidden) == [3, 6]  # owns edges were already hidden with the companies
    v.page.get_by_role("checkbox", name="Companies and people").check()
    assert v.js(hidden) == [0, 2]
    v.page.click("#predicates-all")
    assert v.js(hidden) == [0, 0]
    v.page.click("#classes-none")
    assert v.js(hidden) == [12, 12]


def test_a_filter_refits_the_view_to_what_is_left(visit, tiny_page):
    v = visit(tiny_page)
    v.page.click("#classes-none")
    v.page.get_by_role("checkbox", name="Laws and policies").check()  # the two laws, far apart from each other
    box = v.js("""() => {
        const pos = cdkg.network.getPositions(["id:pipl", "id:cybersecurity-law"]);
        const p = Object.values(pos).map(q => cdkg.network.canvasToDOM(q));
        const c = document.getElementById("network").getBoundingClientRect();
        return [Math.abs(p[0].x - p[1].x) / c.width, Math.abs(p[0].y - p[1].y) / c.height,
                p.every(q => q.x > 0 && q.y > 0 && q.x < c.width && q.y < c.height)];
    }""")
    assert max(box[:2]) > 0.5 and box[2]  # both in view, spread over more than half the canvas
    assert sorted(label["id"] for label in v.js("cdkg.labels")) == ["id:cybersecurity-law", "id:pipl"]


# -- safety -----------------------------------------------------------------------------------

def test_hostile_labels_stay_text(visit, tmp_path):
    page = render_html(hostile_network(), tmp_path / "hostile.html", title=HOSTILE_LABEL)
    v = visit(page)
    count = "() => [document.querySelectorAll('img').length, document.querySelectorAll('script').length, document.querySelectorAll('svg a, a').length]"
    before = v.js(count)
    assert before == [0, 3, 0]
    assert v.page.inner_text("#page-title") == HOSTILE_LABEL
    assert v.search("<img src=x") == ["id:taobao"]   # search by the hostile Chinese label
    x, y = v.node_point("id:taobao")
    v.page.mouse.move(x, y)
    v.page.wait_for_selector("div.vis-tooltip", state="visible")
    assert HOSTILE_LABEL in v.page.inner_text("div.vis-tooltip")
    v.page.mouse.click(x, y)
    details = v.details()
    assert HOSTILE_LABEL in details and HOSTILE_ZH in details and HOSTILE_TITLE in details and HOSTILE_NOTE in details
    # Only the http(s) source became a link, opened in a new context without opener or referrer;
    # the javascript: address stayed text.
    links = v.js("[...document.querySelectorAll('#details a')].map(a => [a.href, a.target, a.rel, a.textContent])")
    assert links == [["https://example.org/a?b=%3Cc%3E", "_blank", "noopener noreferrer", "A web page"]]
    before = v.js(count)
    v.page.fill("#search", '"><svg')
    v.page.wait_for_timeout(200)
    assert v.js(count) == before
    assert_clean(v)


# -- rendering --------------------------------------------------------------------------------

def test_screenshot_shows_chinese_glyphs(visit, tiny_page):
    if not shutil.which("fc-list") or "WenQuanYi" not in subprocess.run(
            ["fc-list"], capture_output=True, text=True).stdout:
        unavailable("the CJK font is missing (apt-get install -y fonts-wqy-microhei)")
    v = visit(tiny_page)
    # Two different characters drawn in the label font differ unless both fall back to the same box.
    different = v.js("""() => {
        const face = cdkg.network.body.nodes["id:taobao"].options.font.face;
        const draw = ch => { const c = document.createElement("canvas"); c.width = c.height = 40;
            const x = c.getContext("2d"); x.font = "32px " + face; x.fillText(ch, 2, 32); return c.toDataURL(); };
        return draw("淘") !== draw("宝") && draw("淘") !== draw("\\u0378");
    }""")
    assert different
    v.search("阿里巴巴集团")
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / "graph.png"))
    assert (ARTIFACTS / "graph.png").stat().st_size > 20_000


def test_thousand_nodes_become_interactive(visit, tmp_path, capsys):
    page = render_html(synthetic_network(1000), tmp_path / "big.html")
    v = visit(page, timeout_ms=120_000)
    assert_clean(v)
    assert v.js("cdkg.network.body.nodeIndices.length") == 1000
    assert v.js("cdkg.network.physics.options.enabled") is False
    layout_ms = v.js("cdkg.layoutMs")
    with capsys.disabled():
        print(f"\n1,000-node page: interactive {v.seconds:.2f} s after navigation (layout {layout_ms} ms)")
    assert v.search("实体500") == ["id:e0500"]


# The names written on the canvas, each with the number of dark (text-coloured) pixels inside its box.
LABEL_INK = """() => {
    const canvas = document.querySelector("#network canvas");
    const ratio = canvas.width / canvas.clientWidth;
    const ctx = canvas.getContext("2d");
    return cdkg.labels.map(l => {
        const d = ctx.getImageData(Math.round(l.x * ratio), Math.round(l.y * ratio),
                                   Math.max(1, Math.round(l.w * ratio)), Math.max(1, Math.round(l.h * ratio))).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 90 && d[i + 1] < 90 && d[i + 2] < 90 && d[i + 3] > 200) ink++;
        return {...l, ink: ink / (ratio * ratio), width: canvas.clientWidth, height: canvas.clientHeight};
    });
}"""


def overlapping(labels):
    return [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]]


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)])
def test_overview_names_the_most_connected_entities_legibly(visit, site_dist, size):
    v = visit(site_dist / "graph.html", size=size)
    assert_clean(v)
    labels = v.js(LABEL_INK)
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / f"overview-{size[0]}x{size[1]}.png"))
    assert len(labels) >= 30
    assert {label["px"] for label in labels} == {13}          # written at 13 px whatever the zoom
    assert overlapping(labels) == []
    assert all(0 <= l["x"] and l["x"] + l["w"] <= l["width"] and 0 <= l["y"] and l["y"] + l["h"] <= l["height"]
               for l in labels)
    # Text is really there: each box holds dark strokes in proportion to its length.
    assert [l["text"] for l in labels if l["ink"] < 3 * len(l["text"])] == []
    names = {l["text"] for l in labels}
    assert {"CAC", "SAMR", "Alibaba Group", "State Council"} <= names  # the four most connected
    assert all(len(t) <= 28 for t in names)


def test_overview_cuts_long_names_on_the_canvas_and_shows_them_whole(visit, site_dist):
    v = visit(site_dist / "graph.html")
    v.search("Measures for Cybersecurity Review (2021)")
    assert "Measures for Cybersecurity…" in {l["text"] for l in v.js("cdkg.labels")}
    assert v.page.inner_text("#details h2") == "Measures for Cybersecurity Review (2021)"
    link = v.js("[...document.querySelectorAll('#details ul.sources a')].map(a => a.href)")
    assert link and all(href.startswith("https://") or href.startswith("http://") for href in link)


def test_an_address_with_an_entity_id_opens_on_that_entity(visit, site_dist):
    v = visit(site_dist / "graph.html", fragment="#id:taobao")
    assert v.js("cdkg.network.getSelectedNodes()") == ["id:taobao"]
    assert v.page.inner_text("#details h2") == "Taobao"
    v.js("window.location.hash = '#id:cac'")
    v.page.wait_for_timeout(100)
    assert v.js("cdkg.network.getSelectedNodes()") == ["id:cac"]
    v.js("window.location.hash = '#%E0%A4%A'")  # not a valid escape: nothing happens, no error
    v.page.wait_for_timeout(100)
    assert v.js("cdkg.network.getSelectedNodes()") == ["id:cac"]
    assert_clean(v)


# -- the skip rule ----------------------------------------------------------------------------

def test_missing_browser_skips_locally_but_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        unavailable("no browser")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        unavailable("no browser")
