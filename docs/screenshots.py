"""Take the README's screenshots: the explorer's overview, an entity page and the timeline.

Reads a built ``dist/`` (``cdkg build`` first) and writes ``docs/overview.jpg`` (JPEG: the canvas is large as PNG),
``docs/site-entity.png`` and ``docs/site-timeline.png`` with Debian's Chromium through
playwright (never ``playwright install``).

Example:
    .venv/bin/python docs/screenshots.py --dist dist
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = [("graph.html", "overview.jpg", None, (1280, 720)),
         ("site/id/alibaba-group.html", "site-entity.png", None, (1100, 720)),
         ("site/timeline.html", "site-timeline.png", {"issuer": "id:samr"}, (1100, 720))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--dist", type=Path, default=DOCS.parent / "dist", help="a built dist/ folder")
    parser.add_argument("--out", type=Path, default=DOCS, help="where to write the PNGs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_path, name, filters, (width, height) in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto((args.dist / page_path).resolve().as_uri())
            page.wait_for_selector("html[data-ready=true]", state="attached")
            if filters:
                page.select_option("#f-issuer", filters["issuer"])
            if name.endswith(".jpg"):
                page.screenshot(path=str(args.out / name), type="jpeg", quality=80)
            else:
                page.screenshot(path=str(args.out / name))
            print(f"wrote {args.out / name}")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
