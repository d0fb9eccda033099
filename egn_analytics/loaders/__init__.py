"""Loaders: one module per source with the same verbs, ``load`` and ``load_result``.

``load(path) -> polars.LazyFrame`` gives the validated tidy table; ``load_result(path)`` gives
the :class:`~egn_analytics.loaders._core.LoadResult` with its rejects and counts.
"""

from egn_analytics.loaders._core import LoadError, LoadResult

__all__ = ["LoadError", "LoadResult"]
