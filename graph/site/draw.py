"""Geometry of the site's static drawings: a neighbourhood, the timeline, an indicator's chart.

Each function returns plain numbers and strings; the templates turn them into SVG
(autoescaped), so no drawing needs a script or a library from anywhere.

>>> ticks(0, 1_108_000_000)[:3]
[0, 250000000, 500000000]
>>> short("Personal Information Protection Law", 20)
'Personal Informatio…'
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from .data import fraction_of_year

__all__ = ["neighbourhood", "timeline_layout", "chart", "ticks", "short"]


def short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def neighbourhood(entity: dict, limit: int = 18, size: int = 420) -> dict:
    """The entity in the middle, its neighbours (one per other entity, at most ``limit``) on a circle."""
    others: dict[str, dict] = {}
    for r in entity["relations"]:
        o = others.setdefault(r["other"], {"id": r["other"], "label": r["other_label"], "page": r["other_page"],
                                           "predicates": set()})
        o["predicates"].add(("→ " if r["direction"] == "out" else "← ") + r["predicate"])
    shown = sorted(others.values(), key=lambda o: (o["label"].lower(), o["id"]))[:limit]
    c, width = size / 2, size + 240
    cx = width / 2
    radius = size / 2 - 60
    nodes = []
    for i, o in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        x, y = round(cx + radius * math.cos(angle), 1), round(c + radius * math.sin(angle), 1)
        nodes.append({**o, "x": x, "y": y, "text": short(o["label"], 22), "predicates": ", ".join(sorted(o["predicates"])),
                      "anchor": "start" if x > cx + 1 else ("end" if x < cx - 1 else "middle")})
    return {"size": size, "width": width, "c": c, "cx": cx, "nodes": nodes, "more": len(others) - len(shown),
            "text": short(entity["label"] or entity["id"], 26)}


def timeline_layout(marks: list[dict], width: int = 1100, row: int = 14) -> dict:
    """Marks placed on a time axis, one band per lane, stacked in rows so that none overlap."""
    years = [fraction_of_year(m["date"]) for m in marks] + [fraction_of_year(m["end"]) for m in marks if m["end"]]
    years = [y for y in years if y is not None] or [2000.0, 2001.0]
    first, last = math.floor(min(years)), math.floor(max(years)) + 1
    left, right = 120, width - 20
    scale = (right - left) / max(last - first, 1)
    x_of = lambda y: round(left + (y - first) * scale, 1)  # noqa: E731
    lanes, top, placed = [], 30, []
    for lane in ("instruments", "enforcement", "events", "campaigns", "listings"):
        in_lane = [m for m in marks if m["lane"] == lane]
        if not in_lane:
            continue
        ends: list[float] = []  # the right edge of the last mark in each row
        for m in in_lane:
            x = x_of(fraction_of_year(m["date"]))
            x2 = x_of(fraction_of_year(m["end"])) if m["end"] and fraction_of_year(m["end"]) else x
            r = next((i for i, e in enumerate(ends) if e + 8 <= x), len(ends))
            if r == len(ends):
                ends.append(0.0)
            ends[r] = max(x, x2)
            placed.append({**m, "x": x, "x2": max(x2, x + 4), "y": top + 8 + r * row,
                           "year": m["date"][:4], "issuer_ids": " ".join(i["id"] for i in m["issuers"])})
        height = max(len(ends), 1) * row + 16
        lanes.append({"name": lane, "y": top, "height": height})
        top += height + 6
    axis = [{"x": x_of(y), "year": y} for y in range(first, last + 1)]
    return {"width": width, "height": top + 24, "lanes": lanes, "marks": placed, "axis": axis, "axis_y": top + 4,
            "first": first, "last": last}


def ticks(low: float, high: float, count: int = 5) -> list:
    """Round tick values from ``low`` to at least ``high``."""
    span = (high - low) or abs(high) or 1
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    start = math.floor(low / step) * step
    out, v = [], start
    while v < high + step * 0.999:
        out.append(int(v) if float(v).is_integer() else round(v, 6))
        v += step
    return out


def _number(text: str) -> float | None:
    try:
        return float(Decimal(text))
    except (InvalidOperation, ValueError):
        return None


def _label(v) -> str:
    v = float(v)
    for div, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def chart(indicator: dict, width: int = 640, height: int = 300) -> list[dict]:
    """One chart per unit of an indicator: its observations as points on a period axis, joined by a line."""
    charts = []
    for unit in indicator["units"] or [""]:
        points = [(o, fraction_of_year(o["period"][:10]), _number(o["value"])) for o in indicator["observations"]
                  if o["unit"] == unit]
        points = [(o, x, y) for o, x, y in points if x is not None and y is not None]
        if not points:
            continue
        xs, ys = [x for _, x, _ in points], [y for _, _, y in points]
        x0, x1 = min(xs), max(xs)
        if x1 - x0 < 1:
            x0, x1 = x0 - 0.5, x1 + 0.5
        yt = ticks(min(0.0, min(ys)), max(ys))
        left, right, top, bottom = 70, width - 20, 20, height - 40
        sx = lambda x: round(left + (x - x0) / (x1 - x0) * (right - left), 1)  # noqa: E731
        sy = lambda y: round(bottom - (y - yt[0]) / ((yt[-1] - yt[0]) or 1) * (bottom - top), 1)  # noqa: E731
        dots = [{"x": sx(x), "y": sy(y), "period": o["period"], "value": o["value"], "area": o["area"],
                 "publisher": o["publisher_label"]} for o, x, y in sorted(points, key=lambda p: (p[1], p[0]["id"]))]
        by_area: dict[str, list[str]] = {}
        for d in dots:
            by_area.setdefault(d["area"], []).append(f"{d['x']},{d['y']}")
        xticks = sorted({int(x) for x in xs} | {int(x1)})
        charts.append({"unit": unit, "width": width, "height": height, "left": left, "right": right, "top": top,
                       "bottom": bottom, "dots": dots, "lines": [" ".join(p) for _, p in sorted(by_area.items())],
                       "yticks": [{"y": sy(v), "text": _label(v)} for v in yt],
                       "xticks": [{"x": sx(v), "text": str(v)} for v in xticks if x0 <= v <= x1]})
    return charts
