"""What held on a date: calendar dates, dated claims and stake histories, versions of laws.

A relation that changes is written as several claims between the same pair,
each with its own dates: ``startDate`` and ``endDate`` say when the relation
began and ended, ``asOf`` when its figure (a stake) was true. On a date, a
pair's claims are read as one history:

* a claim counts once it has begun (its start, or its ``asOf`` when it gives a
  figure, is on or before the date) and until it has ended;
* an end closes the history: claims that began before the latest end on or
  before the date no longer count (an owner that sold out is gone, even though
  its "owner since 2000" claim has no end of its own);
* of the claims that count, the one with the latest figure stands for the pair
  on that date, so the stake is the latest one known then.

>>> parse_date("2021-02-28"), parse_date("2021-02"), parse_date("2021")
('2021-02-28', '2021-02', '2021')
>>> parse_date("2021-02-30")
Traceback (most recent call last):
...
ValueError: 2021-02-30 is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)
>>> after("2022-09", "2022-06-30"), after("2022", "2022-06-30")
(True, False)
"""

from __future__ import annotations

import datetime
import re

import networkx as nx

__all__ = ["parse_date", "after", "today", "current_edges", "select_edges", "version_on"]

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date(text: str) -> str:
    """Check that ``text`` is a real calendar date, year-month or year; return it unchanged.

    >>> parse_date("2020-02-29")
    '2020-02-29'
    >>> parse_date("2021-13")
    Traceback (most recent call last):
    ...
    ValueError: 2021-13 is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)
    """
    m = _DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    try:
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text} is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    return text.strip()


def today() -> str:
    """Today's date as YYYY-MM-DD: the date "now" means when no date is given."""
    return datetime.date.today().isoformat()


def after(value: str, date: str) -> bool:
    """True when the (possibly partial) date ``value`` is later than ``date``, at their shared precision.

    A year is not after a day within it: "2022" may be any day of 2022, so it
    counts as begun on 2022-06-30.
    """
    if not value:
        return False
    n = min(len(value), len(date))
    return value[:n] > date[:n]


def _began(e: dict) -> str:
    """When a claim's truth is first known: its start, else the date of its figure."""
    return e.get("start") or e.get("as_of") or ""


def select_edges(edges: list[tuple], date: str) -> list[tuple]:
    """Of the ``(key, data)`` claims between one pair for one relation, those that hold on ``date``.

    Returns at most one claim when any claim carries a figure (the latest
    figure known on the date), else every claim that holds.

    >>> history = [("owns", {"start": "2000"}), ("owns a", {"as_of": "2022-06-30", "stake": 23.7}),
    ...            ("owns b", {"as_of": "2022-09", "stake": 14.6}), ("owns c", {"as_of": "2024-06", "end": "2024-06"})]
    >>> [k for k, _ in select_edges(history, "2015")], [k for k, _ in select_edges(history, "2022-07")]
    (['owns'], ['owns a'])
    >>> [k for k, _ in select_edges(history, "2023")], select_edges(history, "2025")
    (['owns b'], [])
    """
    ends = [e["end"] for _, e in edges if e.get("end") and not after(e["end"], date)]
    closed = max(ends) if ends else ""
    held = []
    for key, e in edges:
        began = _began(e)
        if after(began, date):
            continue  # not begun, or its figure not yet known
        if e.get("end") and not after(e["end"], date):
            continue  # ended on or before the date
        if closed and not after(began, closed):
            continue  # began before a later exit: the history closed
        held.append((key, e))
    figures = [(k, e) for k, e in held if e.get("stake") is not None]
    if figures:
        return [max(figures, key=lambda ke: (ke[1].get("as_of") or ke[1].get("start") or "", ke[0]))]
    if len(held) > 1 and any(e.get("as_of") for _, e in held):
        return [max(held, key=lambda ke: (_began(ke[1]), ke[0]))]
    return held


def current_edges(g: nx.MultiDiGraph, date: str) -> nx.MultiDiGraph:
    """Remove, in place, every claim edge that does not hold on ``date`` (histories read as above)."""
    groups: dict[tuple, list] = {}
    for u, v, k, e in g.edges(keys=True, data=True):
        groups.setdefault((u, v, e["predicate"]), []).append((k, e))
    for (u, v, _), edges in groups.items():
        keep = {k for k, _ in select_edges(edges, date)}
        for k, _ in edges:
            if k not in keep:
                g.remove_edge(u, v, k)
    return g


def version_on(g: nx.MultiDiGraph, law: str, date: str) -> dict:
    """The version of ``law`` in force on ``date``: the original, or the latest amendment in force by then.

    Each amendment is an instrument of its own with an ``amends`` relation to
    the law; it counts from its effective date (or its adoption date where no
    effective date is published).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("id:law", dates={"effectiveDate": ["2017-06-01"]})
    >>> g.add_node("id:law-amendment-2025", dates={"adoptedDate": ["2025-10-28"], "effectiveDate": ["2026-01-01"]})
    >>> g.add_edge("id:law-amendment-2025", "id:law", key="amends", predicate="amends")
    'amends'
    >>> version_on(g, "id:law", "2025-06-01")["version"], version_on(g, "id:law", "2026-06-01")["version"]
    ('id:law', 'id:law-amendment-2025')
    """
    def effective(node):
        d = g.nodes[node].get("dates", {})
        return (d.get("effectiveDate") or d.get("adoptedDate") or d.get("promulgatedDate") or [""])[0]
    start = effective(law)
    if start and after(start, date):
        return {"law": law, "in_force": False, "version": None, "since": "", "amendments": []}
    amendments = sorted((effective(u), u) for u, _, e in g.in_edges(law, data=True) if e["predicate"] == "amends")
    in_force = [(d, u) for d, u in amendments if d and not after(d, date)]
    since, version = in_force[-1] if in_force else (start, law)
    repealed = (g.nodes[law].get("dates", {}).get("repealedDate") or [""])[0]
    return {"law": law, "in_force": not (repealed and not after(repealed, date)), "version": version,
            "since": since, "amendments": [u for _, u in in_force]}
