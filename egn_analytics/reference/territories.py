"""Territories and user profiles of the ENT usage figures, declared once for every reader.

Why here: the « usages numériques » page, the notebooks, the notes and the indicator stage of
``egn build`` (which precomputes every profile × territory) must agree on what « France », a
région académique, an académie and a profile are, and on their URL values. They are package
nomenclatures (:func:`egn_analytics.reference.academies`), not data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from egn_analytics.reference.nomenclatures import academies

#: Mainland holiday zones, in the order the page lists them.
MAINLAND_ZONES = ("Zone A", "Zone B", "Zone C")
_VOWELS = frozenset("AEIOUYÀÂÉÈÊËÎÏÔÛÙÜaeiouyàâéèêëîïôûùü")


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile as the URL says it (``slug``), as the data say it (``value``; None: all of
    them) and as a sentence says it (``people``: « élèves »)."""

    slug: str
    value: str | None
    label: str
    people: str
    one: str


PROFILES: tuple[Profile, ...] = (
    Profile("eleve", "élève", "Élèves", "élèves", "élève"),
    Profile("parent", "parent", "Parents", "parents", "parent"),
    Profile("enseignant", "enseignant", "Enseignants", "enseignants", "enseignant"),
    Profile("personnel", "personnel", "Personnels", "personnels", "membre du personnel"),
    Profile("tous", None, "Tous les profils", "utilisateurs", "utilisateur"),
)
#: Pupils first: continuity is first a question about them.
DEFAULT_PROFILE = "eleve"

TerritoryKind = Literal["france", "region", "academie"]
FRANCE = "france"
REGION_PREFIX = "region-"
ACADEMIE_PREFIX = "academie-"


def ascii_fold(text: object) -> str:
    """The text without accents (« Île » → « Ile »); ``None`` and ``""`` give ``""``.

    Why here, the one copy: sorting French names (« Île-de-France » with the I) and matching a
    URL value typed without accents are done by the territories, the cards, the pages and the
    notebooks alike, and this module imports nothing of the library's upper layers.
    """
    return unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()


def _de(name: str) -> str:
    """« de Lille », « d'Aix-Marseille », « de La Réunion » (elision before a vowel)."""
    return f"d'{name}" if name[:1] in _VOWELS else f"de {name}"


def _sort_key(text: str) -> str:
    """Alphabetical order a French reader expects: « Île-de-France » with the I."""
    return ascii_fold(text).casefold()


@dataclass(frozen=True, slots=True)
class Territory:
    """France, a région académique or an académie, with the académies and zones it covers."""

    kind: TerritoryKind
    code: str | None
    name: str
    academies: tuple[str, ...]
    zones: tuple[str, ...]

    @property
    def value(self) -> str:
        """Its value in the URL: ``france``, ``region-32`` or ``academie-09``."""
        if self.kind == "region":
            return f"{REGION_PREFIX}{self.code}"
        if self.kind == "academie":
            return f"{ACADEMIE_PREFIX}{self.code}"
        return FRANCE

    @property
    def label(self) -> str:
        """« France », « Région académique Hauts-de-France », « Académie de Lille »."""
        if self.kind == "region":
            return f"Région académique {self.name}"
        if self.kind == "academie":
            return f"Académie {_de(self.name)}"
        return "France"

    @property
    def of(self) -> str:
        """Complement of a noun: « de l'académie de Lille », « de la région académique
        Hauts-de-France », « en France »."""
        if self.kind == "region":
            return f"de la région académique {self.name}"
        if self.kind == "academie":
            return f"de l'académie {_de(self.name)}"
        return "en France"


@lru_cache(maxsize=1)
def territories() -> tuple[Territory, ...]:
    """France, then the régions académiques, then the académies (alphabetical, French order).

    Read once from the package's académies table (a nomenclature, not data).
    """
    rows = list(academies().iter_rows(named=True))
    everything = tuple(sorted(r["code_academie"] for r in rows))
    mainland = tuple(z for z in MAINLAND_ZONES if any(r["zone"] == z for r in rows))
    found: list[Territory] = [Territory("france", None, "France", everything, mainland)]
    regions: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        regions.setdefault(r["code_region_academique"], []).append(r)
    found += sorted(
        (
            Territory(
                "region",
                code,
                members[0]["region_academique"],
                tuple(sorted(m["code_academie"] for m in members)),
                tuple(sorted({m["zone"] for m in members})),
            )
            for code, members in regions.items()
        ),
        key=lambda t: _sort_key(t.name),
    )
    found += sorted(
        (
            Territory(
                "academie", r["code_academie"], r["academie"], (r["code_academie"],), (r["zone"],)
            )
            for r in rows
        ),
        key=lambda t: _sort_key(t.name),
    )
    return tuple(found)


def academy_names() -> dict[str, str]:
    """Académie code → name."""
    return dict(academies().select("code_academie", "academie").iter_rows())


__all__ = [
    "ACADEMIE_PREFIX",
    "DEFAULT_PROFILE",
    "FRANCE",
    "MAINLAND_ZONES",
    "PROFILES",
    "REGION_PREFIX",
    "Profile",
    "Territory",
    "TerritoryKind",
    "academy_names",
    "ascii_fold",
    "territories",
]
