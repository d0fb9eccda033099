"""Loaders: one module per source with the same verbs, ``load`` and ``load_result``.

``load(path) -> polars.LazyFrame`` gives the validated tidy table; ``load_result(path)`` gives
the :class:`~egn_analytics.loaders._core.LoadResult` with its rejects and counts. Both take
``mapping={role: column}`` and ``constants={role: value}`` for a file laid out otherwise (the
survey's roles are its DEPP design columns; a svydesign-like design is ``ids``/``weights``);
:func:`read_mapping_file` reads them from the TOML file ``egn ingest --mapping`` takes.
"""

from egn_analytics.loaders._core import LoadError, LoadResult
from egn_analytics.loaders._mapping import read_mapping_file

__all__ = ["LoadError", "LoadResult", "read_mapping_file"]
