"""Settings and paths, resolved from environment variables first, then the repository layout.

Why a module and not constants scattered in code: every path the product reads or writes is
decided here, so a statistician can point the whole product at their own data folder with one
variable (``EGN_DATA_DIR``) and nothing depends on the current working directory. Nothing here
does I/O at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings. Build it with :func:`get_settings` (cached) or directly in tests."""

    data_dir: Path
    seed: int = 2020
    scale: float = 1.0
    secret_min_respondents: int = 30
    secret_max_cv: float = 0.20

    @property
    def raw_dir(self) -> Path:
        """Raw files, immutable once written (the embedded synthetic set lives here)."""
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        """Tables written by ``egn build``: a link to the current build generation.

        Write here (``egn build`` publishes a new generation, ``egn ingest`` adds a table);
        to read several tables of one build, pin the generation first with
        :func:`egn_analytics.generations.current_generation`.
        """
        return self.data_dir / "processed"

    @property
    def cache_dir(self) -> Path:
        """diskcache folder for the dashboards."""
        return self.data_dir / "cache"


def _pyproject_defaults() -> dict[str, str | int | float]:
    """Read ``[tool.egn]`` from pyproject.toml when running from a source checkout."""
    path = REPO_DIR / "pyproject.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return dict(tomllib.load(fh).get("tool", {}).get("egn", {}))


@cache
def get_settings() -> Settings:
    """Settings from ``EGN_*`` environment variables, else ``[tool.egn]``, else defaults."""
    defaults = _pyproject_defaults()
    data_dir = Path(os.environ.get("EGN_DATA_DIR", REPO_DIR / "data")).expanduser().resolve()
    return Settings(
        data_dir=data_dir,
        seed=int(os.environ.get("EGN_SEED", defaults.get("default_seed", 2020))),
        scale=float(os.environ.get("EGN_SCALE", defaults.get("default_scale", 1.0))),
        secret_min_respondents=int(defaults.get("secret_min_respondents", 30)),
        secret_max_cv=float(defaults.get("secret_max_cv", 0.20)),
    )
