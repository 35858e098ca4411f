"""The static site ``dist/site/``: a page per entity, class, source and indicator, a timeline and charts.

It works offline, from ``file://`` or served, with relative links and no remote
request: see :mod:`graph.site.pages` for the layout, :mod:`graph.site.data` for
what each page shows and :mod:`graph.site.draw` for the static drawings.
"""

from __future__ import annotations

from pathlib import Path

from .data import SiteData
from .pages import compile_templates, write_site

__all__ = ["site_step", "SiteData", "write_site", "warm_up"]


def warm_up() -> None:
    """Compile every template now (the build does it in a thread before it forks the site's process)."""
    compile_templates()


def site_step(build, staging) -> str:
    """Pipeline step: write ``site/`` from the tables the build already made (``build.tables.facts``).

    Parameters
    ----------
    build : graph.pipeline.Build
        The build result: its tables and its store.
    staging : pathlib.Path
        The folder the build is writing into.

    Returns
    -------
    str
        A one-line summary for the build log.
    """
    counts = write_site(SiteData(build.tables.facts, build.store), Path(staging) / "site")
    return (f"site/: {counts['entities']} entity pages, {counts['indicators']} indicators, "
            f"{counts['sources']} sources, {counts['classes']} classes, {counts['marks']} timeline marks")


site_step.step_name = "site"
site_step.warm_up = warm_up
