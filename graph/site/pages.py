"""Write the static site: Jinja2 templates (autoescape on) filled with :class:`~graph.site.data.SiteData`.

Layout of ``site/``: ``index.html`` (searchable in en, zh and aliases), ``timeline.html``,
``charts.html``, ``id/<slug>.html`` (one per entity and indicator), ``class/<Class>.html``,
``source/<slug>.html``, and ``assets/`` (one stylesheet, one script). Links are relative, so
the site works from ``file://`` and served; every page forbids all but its own folder's
files (a Content-Security-Policy of ``'self'``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..publish import write_over
from .data import SiteData, page_name
from .draw import chart, neighbourhood, timeline_layout

__all__ = ["write_site", "environment", "compile_templates", "CSP", "json_for_script"]

TEMPLATES = Path(__file__).parent.parent / "templates" / "site"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'")
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(obj) -> Markup:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` escaped; keys sorted.

    >>> str(json_for_script({"b": "</script>", "a": "淘宝"}))
    '{"a":"淘宝","b":"\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _ESCAPES[m.group()], text))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, auto_reload=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["words"] = lambda name: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
    env.filters["stake"] = lambda v: f"{float(v):g}%" if v not in (None, "") else ""
    env.globals.update(CSP=CSP, json_for_script=json_for_script)
    return env


def compile_templates() -> None:
    """Load (compile) every template of the site once, so that renders only run them.

    The build calls it in a thread before it forks the site's process
    (:func:`graph.site.warm_up`); :func:`write_site` calls it again, at no
    cost then, before forking its second process.
    """
    env = environment()
    for template in sorted(TEMPLATES.glob("*.html")):
        env.get_template(template.name)


def _cites(env: Environment):
    """The citations macro, remembered per list of citations: a relation's list is shown on both its entities' pages."""
    macro, cache = env.get_template("_macros.html").module.cite, {}

    def cites(sources: list, root: str) -> Markup:
        key = (id(sources), root)
        if key not in cache:
            cache[key] = (macro(sources, root), sources)  # the list is kept, so its id is not reused
        return cache[key][0]
    return cites


def _index(site: SiteData) -> list[dict]:
    rows = [{"p": f"id/{e['page']}.html", "en": e["label"], "zh": e["label_zh"],
             "aka": [*e["aliases"], *(f["name"] for f in e["former_names"])], "c": e["type"]}
            for e in site.entities.values()]
    rows += [{"p": f"id/{i['page']}.html", "en": i["label"], "zh": i["label_zh"], "aka": [], "c": "Indicator"}
             for i in site.indicators.values()]
    return sorted(rows, key=lambda r: (r["en"].lower(), r["p"]))


def main_indicators(site: SiteData, n: int = 6) -> list[dict]:
    """The indicators with the longest series (ties by name): the overview's charts."""
    ranked = sorted((i for i in site.indicators.values() if len(i["observations"]) > 1),
                    key=lambda i: (-len(i["observations"]), i["label"]))
    return ranked[:n]


def write_site(site: SiteData, out: Path) -> dict:
    """Write every page of the site into ``out``; return counts of what was written.

    The class and source pages (over half the files) are written by a forked
    child (:mod:`graph.forked`) while this process writes the rest: on two
    cores the halves overlap. (Creating a file can cost a millisecond on a
    slow disk, more than rendering it: the build writes into the previous
    version's folder, where the files exist, see :mod:`graph.publish`.)
    """
    from .. import forked
    out = Path(out)
    for folder in ("assets", "id", "class", "source"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    compile_templates()  # before the fork, for both processes
    running = forked.start([_part(_render_lists)], site, out)
    counts = _part(_render_pages)(site, out)
    running.wait()
    return {**counts, "classes": len(site.classes), "sources": len(site.sources)}


def _part(render):
    """A step ``(site, out)`` that renders with ``render(site, out, write)`` and writes each page as it comes."""
    def part(site: SiteData, out: Path):
        return render(site, Path(out), write_over)
    part.step_name = f"site ({render.__name__.strip('_').replace('render_', '')})"
    return part


def _render_pages(site: SiteData, out: Path, write) -> dict:
    """The index, timeline and charts, and a page per entity and indicator, in a fixed order."""
    env = environment()
    cites = _cites(env)  # one cache per site, dropped with it
    page = lambda name, target, root, **kw: write(out / target, env.get_template(name).render(root=root, **kw))  # noqa: E731
    for asset in ("site.css", "site.js"):
        write(out / "assets" / asset, (TEMPLATES / asset).read_text(encoding="utf-8"))
    classes = {c: len(v) for c, v in site.classes.items()}
    page("index.html", "index.html", "", index=_index(site), classes=classes, indicators=list(site.indicators.values()),
         entities=len(site.entities), sources=len(site.sources))
    marks = site.timeline()
    issuers = sorted({(i["id"], i["label"]) for m in marks for i in m["issuers"]}, key=lambda i: (i[1].lower(), i[0]))
    page("timeline.html", "timeline.html", "", t=timeline_layout(marks), issuers=issuers,
         mark_classes=sorted({m["class"] for m in marks}))
    main = main_indicators(site)
    page("charts.html", "charts.html", "", indicators=main, charts={i["id"]: chart(i) for i in main},
         all_indicators=list(site.indicators.values()))
    entity = env.get_template("entity.html")
    for e in site.entities.values():
        write(out / "id" / f"{e['page']}.html", entity.render(root="../", e=e, n=neighbourhood(e), cites=cites))
    indicator = env.get_template("indicator.html")
    for i in site.indicators.values():
        write(out / "id" / f"{i['page']}.html", indicator.render(root="../", i=i, charts=chart(i), cites=cites))
    return {"entities": len(site.entities), "indicators": len(site.indicators), "marks": len(marks)}


def _render_lists(site: SiteData, out: Path, write) -> dict:
    """A page per class (its members) and per source (what it supports), in a fixed order."""
    env = environment()
    cls = env.get_template("class.html")
    for c, members in site.classes.items():
        write(out / "class" / f"{page_name(c)}.html", cls.render(root="../", name=c, members=members))
    source = env.get_template("source.html")
    for s in site.sources.values():
        write(out / "source" / f"{s['page']}.html", source.render(root="../", s=s, supports=site.supports.get(s["id"], [])))
    return {"classes": len(site.classes), "sources": len(site.sources)}
