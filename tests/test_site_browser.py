"""The static site in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright).

Skipped with the reason where Chromium or playwright is missing, except under CI (``CI`` set),
where that is a failure (the rule and the helpers are those of tests/test_browser.py).
"""

import pytest

from test_browser import Visit, assert_clean, browser, visit  # noqa: F401  (browser and visit are fixtures)


@pytest.fixture(scope="module")
def site(site_dist):
    return site_dist / "site"


def test_entity_page_renders_without_errors_or_remote_requests(visit, site):
    v = visit(site / "id" / "alibaba-group.html")
    assert_clean(v)
    assert v.page.inner_text("h1") == "Alibaba Group 阿里巴巴集团"
    assert v.js("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(47, 72, 88)"  # the stylesheet applies
    assert v.js("document.querySelectorAll('.neighbourhood svg circle.node').length") == 18
    assert v.js("document.querySelector('.neighbourhood svg').getBoundingClientRect().width") == 660


def test_index_search_finds_an_entity_by_its_chinese_name(visit, site):
    v = visit(site / "index.html")
    v.page.fill("#search", "淘宝")
    hrefs = v.js("[...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))")
    assert "id/taobao.html" in hrefs
    v.page.fill("#search", "国家网信办")  # an alias
    names = v.js("[...document.querySelectorAll('#results a')].map(a => a.textContent)")
    assert names[0] == "Cyberspace Administration of China"  # the exact name first, then names containing it
    assert "CAC fine on the operator of Sina Weibo (December 2021)" in names[1:]
    v.page.click("#results li:first-child a")
    v.page.wait_for_selector("html[data-ready=true]", state="attached")
    assert v.page.url.endswith("/site/id/cac.html")
    assert_clean(v)


def test_timeline_renders_marks_and_a_filter_changes_them(visit, site):
    v = visit(site / "timeline.html")
    visible = "document.querySelectorAll('svg a.mark:not(.off)').length"
    total = v.js(visible)
    assert total == v.js("document.querySelectorAll('svg a.mark').length") > 100
    assert v.js("document.querySelector('svg a.mark circle').getBoundingClientRect().width") > 0
    v.page.select_option("#f-issuer", "id:cac")
    by_cac = v.js(visible)
    assert 0 < by_cac < total
    assert v.page.inner_text("#shown") == f"{by_cac} marks"
    v.page.fill("#f-from", "2021")
    v.page.fill("#f-to", "2021")
    in_2021 = v.js("[...document.querySelectorAll('svg a.mark:not(.off)')].map(a => a.dataset.year)")
    assert in_2021 and set(in_2021) == {"2021"} and len(in_2021) < by_cac
    v.page.select_option("#f-issuer", "")
    v.page.fill("#f-from", "")
    v.page.fill("#f-to", "")
    assert v.js(visible) == total
    assert_clean(v)


def test_a_chart_renders(visit, site):
    v = visit(site / "charts.html")
    assert_clean(v)
    charts = v.js("document.querySelectorAll('svg.chart').length")
    assert charts >= 6
    box = v.js("(() => { const r = document.querySelector('svg.chart').getBoundingClientRect(); return [r.width, r.height]; })()")
    assert box == [640, 300]
    assert v.js("document.querySelectorAll('svg.chart circle.dot').length") > 10
    v = visit(site / "id" / "ind-internet-users.html")
    assert v.js("document.querySelector('svg.chart text.unit').textContent") == "persons"
    assert_clean(v)
