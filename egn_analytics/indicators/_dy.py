"""A dataframely schema from a polars schema the library already declares.

Why: some indicator tables are exactly a table the library declares elsewhere as polars dtypes
(the survey catalogue's ``OUTPUT_SCHEMA``, the texts' ``TEXTS_SCHEMA`` and
``CLASSIFICATION_SCHEMA``, ``SPECIFICITY_SCHEMA``); writing them a second time as dataframely
columns would make two declarations to keep in step. The class is built from the one
declaration instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dataframely as dy
import polars as pl

_SIMPLE: dict[type[pl.DataType], type[dy.Column]] = {
    pl.String: dy.String,
    pl.Date: dy.Date,
    pl.Boolean: dy.Bool,
    pl.Int8: dy.Int8,
    pl.Int16: dy.Int16,
    pl.Int32: dy.Int32,
    pl.Int64: dy.Int64,
    pl.UInt32: dy.UInt32,
    pl.Float64: dy.Float64,
    pl.Float32: dy.Float32,
}


def column(dtype: pl.DataType | type[pl.DataType], *, nullable: bool = True) -> dy.Column:
    """The dataframely column of a polars dtype (the dtypes the indicator tables use)."""
    kind = dtype if isinstance(dtype, type) else type(dtype)
    if kind in _SIMPLE:
        return _SIMPLE[kind](nullable=nullable)
    if isinstance(dtype, pl.Enum):
        return dy.Enum(list(dtype.categories), nullable=nullable)
    if isinstance(dtype, pl.List):
        inner: Any = dtype.inner
        return dy.List(column(inner, nullable=True), nullable=nullable)
    raise TypeError(f"type polars non pris en charge dans un schéma d'indicateurs : {dtype}")


def schema_from(
    name: str,
    dtypes: Mapping[str, pl.DataType | type[pl.DataType]],
    *,
    required: Iterable[str] = (),
    doc: str = "",
) -> type[dy.Schema]:
    """A dataframely schema class with the columns of ``dtypes`` (``required``: not null)."""
    keys = set(required)
    attributes: dict[str, object] = {
        col: column(dtype, nullable=col not in keys) for col, dtype in dtypes.items()
    }
    attributes["__doc__"] = doc
    attributes["__module__"] = __name__
    return type(name, (dy.Schema,), attributes)
