"""EGN Analytics: indicators of continuité pédagogique and équipement numérique (EGN 2020).

The package never imports :mod:`dash`; dashboards live in the sibling ``dashboards`` package.
Sub-packages are imported lazily by the user (``from egn_analytics import reference``) so that
``import egn_analytics`` stays cheap in notebooks.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egn-analytics")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

SYNTHETIC_NOTICE = (
    "Données synthétiques : générées par EGN Analytics, calées sur des chiffres publiés, "
    "elles ne décrivent aucune personne ni aucun établissement réel."
)

__all__ = ["SYNTHETIC_NOTICE", "__version__"]
