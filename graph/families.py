"""The families that group the ontology's classes for the eye: legend, colour and shape.

The explorer's overview shows about ten families with names in English and Chinese
instead of every class; the families, their colours and shapes are data, in
``graph/templates/families.toml``.

>>> family_of("Regulator")["name"]
'State bodies'
>>> family_of("Spaceship", ["Spaceship", "Platform"])["key"]
'platform'
>>> family_of("Spaceship")["key"]
'other'
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

__all__ = ["families", "family_of"]

FAMILIES_FILE = Path(__file__).parent / "templates" / "families.toml"


@lru_cache(maxsize=1)
def families() -> tuple[dict, ...]:
    """Every family in legend order, as dicts with ``key``, ``name``, ``name_zh``, ``colour``, ``shape``, ``classes``.

    Examples
    --------
    >>> [f["key"] for f in families()][:3]
    ['state', 'law', 'company']
    >>> families()[-1]["name_zh"]
    '其他'
    """
    with open(FAMILIES_FILE, "rb") as f:
        rows = tomllib.load(f)["family"]
    return tuple({**row, "classes": tuple(row["classes"])} for row in rows)


@lru_cache(maxsize=None)
def _by_class() -> dict[str, dict]:
    return {cls: fam for fam in families() for cls in fam["classes"]}


def family_of(cls: str, types=()) -> dict:
    """The family of an entity whose most specific class is ``cls`` and whose classes are ``types``.

    Parameters
    ----------
    cls : str
        The class local name the entity is drawn as (``"Company"``).
    types : iterable of str
        Its other asserted classes, tried in order when ``cls`` is in no family.

    Returns
    -------
    dict
        The family record; the last family ("other") when no class is listed.
    """
    by_class = _by_class()
    for name in (cls, *types):
        if name in by_class:
            return by_class[name]
    return families()[-1]
