"""Survey tables and codebooks for the indicators: read, pool the teachers, know the labels.

Why a module of its own: the indicator catalogue names *populations*, not files. Four of them
are one table each; « enseignants » is the two teacher surveys (premier and second degré)
stacked with a ``degre`` column, which is how « all teachers » figures are estimated. The two
samples are independent, so their strata and PSUs are prefixed by the table name to stay
distinct: the pooled variance is then the sum of the two surveys' variances, as it should be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import polars as pl

from egn_analytics.generations import tables_folder

#: Survey tables written by ``egn build`` (``enquete_<name>.parquet``).
SURVEY_TABLES = (
    "eleves_2d",
    "parents_2d",
    "enseignants_1d",
    "enseignants_2d",
    "chefs_etablissement",
)
#: Populations made of several independent surveys, with the value of ``degre`` of each.
POOLED: dict[str, dict[str, int]] = {"enseignants": {"enseignants_1d": 1, "enseignants_2d": 2}}
#: Every population a catalogue row may name.
POPULATIONS = (*SURVEY_TABLES, *POOLED)
#: Value labels of the ``degre`` column added when pooling.
DEGRE_LABELS = {1: "Premier degré", 2: "Second degré"}

CODEBOOK_SCHEMA = pl.Schema(
    {
        "variable": pl.String(),
        "libelle": pl.String(),
        "type": pl.String(),
        "modalites": pl.List(pl.Struct({"code": pl.Int64(), "libelle": pl.String()})),
    }
)
_DESIGN_COLUMNS = ("strate", "uai", "id", "poids", "fpc", "nb_unites_etab")


def table_key(name: str) -> str:
    """``"enquete_eleves_2d"`` and ``"eleves_2d"`` name the same table."""
    return name.removeprefix("enquete_")


def members(population: str) -> tuple[str, ...]:
    """The survey tables a population is made of."""
    return tuple(POOLED.get(population, {population: 0}))


def _degre_codebook_row() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "variable": ["degre"],
            "libelle": ["Degré d'enseignement"],
            "type": ["catégorielle"],
            "modalites": [[{"code": k, "libelle": v} for k, v in DEGRE_LABELS.items()]],
        },
        schema=CODEBOOK_SCHEMA,
    )


def pool(population: str, frames: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Stack the member tables of a pooled population, strata and PSUs kept distinct."""
    parts = [
        frames[table].with_columns(
            (pl.lit(f"{table}/") + pl.col("strate").cast(pl.String)).alias("strate"),
            (pl.lit(f"{table}/") + pl.col("uai").cast(pl.String)).alias("uai"),
            pl.lit(degre, dtype=pl.Int64).alias("degre"),
        )
        for table, degre in POOLED[population].items()
    ]
    return pl.concat(parts, how="diagonal_relaxed")


def pool_codebooks(population: str, books: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One codebook for a pooled population: the members' variables, plus ``degre``."""
    stacked = pl.concat([books[t].cast(CODEBOOK_SCHEMA) for t in POOLED[population]])
    return pl.concat(
        [stacked.unique("variable", keep="first", maintain_order=True), _degre_codebook_row()]
    )


def questionnaire_codebooks() -> dict[str, pl.DataFrame]:
    """Codebooks of the DEPP 2020 questionnaires as the product knows them (no data needed).

    Why from :mod:`egn_analytics.synth.survey`: the generator holds the one description of the
    questionnaires (variables, value labels) the embedded data follow, so the catalogue can be
    checked on a machine without any data. Real files are checked again against their own
    codebooks when indicators are computed.
    """
    from egn_analytics.synth.survey import DESIGN_LABELS, codebook
    from egn_analytics.synth.survey import POPULATIONS as QUESTIONNAIRES

    frame = pl.DataFrame(
        schema={
            "id": pl.String, "strate": pl.String, "uai": pl.String, "poids": pl.Float64,
            "fpc": pl.Float64, "nb_unites_etab": pl.Int64, "code_academie": pl.String,
            "code_region_academique": pl.String, "type_etab": pl.Int64, "secteur": pl.Int64,
            "ep": pl.Int64, "densite": pl.Int64, "ips": pl.Float64,
        }
    )  # fmt: skip
    books: dict[str, pl.DataFrame] = {}
    for questionnaire in QUESTIONNAIRES:
        assert questionnaire.covariates is not None
        columns = questionnaire.covariates(frame, np.random.default_rng(0)).schema
        design = {c: columns[c] for c in DESIGN_LABELS if c in columns}  # the files' order
        schema = pl.Schema({**design, **{item.name: pl.Int64() for item in questionnaire.items}})
        books[questionnaire.key] = _parse_modalites(codebook(questionnaire, schema))
    return books


def _parse_modalites(book: pl.DataFrame) -> pl.DataFrame:
    """``"1 = Oui | 2 = Non"`` (the raw codebook's text form) → list of ``{code, libelle}``."""
    pairs = (
        pl.col("modalites")
        .str.split(" | ")
        .list.eval(
            pl.struct(
                pl.element()
                .str.split_exact(" = ", 1)
                .struct.field("field_0")
                .cast(pl.Int64)
                .alias("code"),
                pl.element().str.split_exact(" = ", 1).struct.field("field_1").alias("libelle"),
            )
        )
    )
    return book.with_columns(pairs.alias("modalites")).cast(CODEBOOK_SCHEMA)


def read_tables(
    names: Iterable[str], processed_dir: str | Path
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """``enquete_<name>.parquet`` and its codebook for each name, from ``processed_dir``."""
    folder = Path(processed_dir)
    out: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    for name in names:
        data = folder / f"enquete_{name}.parquet"
        book = folder / f"enquete_{name}_dictionnaire.parquet"
        if not data.is_file():
            raise FileNotFoundError(
                f"table d'enquête introuvable : {data} (lancez `make build` ou `egn build`)"
            )
        out[name] = (
            pl.read_parquet(data),
            pl.read_parquet(book) if book.is_file() else questionnaire_codebooks()[name],
        )
    return out


def resolve(
    populations: Iterable[str],
    tables: Mapping[str, pl.DataFrame] | None,
    processed_dir: str | Path | None,
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Respondents and codebook of each population, pooled populations stacked.

    ``tables`` maps a table name (``eleves_2d`` or ``enquete_eleves_2d``) to its respondents,
    and optionally ``<name>_dictionnaire`` to its codebook (else the product's questionnaire).
    Without ``tables``, they are read from ``processed_dir`` (default: the settings').
    """
    wanted = list(dict.fromkeys(populations))
    needed = list(dict.fromkeys(t for p in wanted for t in members(p)))
    if tables is None:
        found = read_tables(needed, tables_folder(processed_dir))
    else:
        given = {table_key(k): v for k, v in tables.items()}
        missing = [t for t in needed if t not in given]
        if missing:
            raise KeyError(f"table(s) d'enquête absente(s) : {', '.join(missing)}")
        reference: dict[str, pl.DataFrame] | None = None
        found = {}
        for t in needed:
            book = given.get(f"{t}_dictionnaire")
            if book is None:
                reference = reference or questionnaire_codebooks()
                book = reference[t]
            found[t] = (given[t], book)
    out: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    for p in wanted:
        if p in POOLED:
            frames = {t: found[t][0] for t in POOLED[p]}
            books = {t: found[t][1] for t in POOLED[p]}
            out[p] = (pool(p, frames), pool_codebooks(p, books))
        else:
            out[p] = found[p]
    for p, (frame, _) in out.items():
        absent = [c for c in _DESIGN_COLUMNS if c not in frame.columns]
        if absent:
            raise ValueError(
                f"population {p} : colonne(s) de plan absente(s) : {', '.join(absent)}"
            )
    return out


def read_etablissements(
    tables: Mapping[str, pl.DataFrame] | None, processed_dir: str | Path | None
) -> pl.DataFrame | None:
    """The établissements table the weights are calibrated on, when there is one.

    From ``tables["etablissements"]``, else ``etablissements.parquet`` in ``processed_dir``
    (default: the settings'); None when neither exists (estimates then use the file's weights).
    """
    if tables is not None:
        return tables.get("etablissements")
    path = tables_folder(processed_dir) / "etablissements.parquet"
    return pl.read_parquet(path) if path.is_file() else None


def population_margins(population: str, etablissements: pl.DataFrame) -> list[pl.DataFrame]:
    """Calibration margins (académie, sector, EP) of a population, pooled ones by degree.

    For a pooled population each margin is crossed with ``degre``: raking on those is raking
    each independent survey on its own margins, which is what DEPP does.
    """
    from egn_analytics.survey import depp_margins

    if population not in POOLED:
        return depp_margins(etablissements, population)
    per_table = [
        [m.with_columns(pl.lit(degre, dtype=pl.Int64).alias("degre")) for m in
         depp_margins(etablissements, table)]
        for table, degre in POOLED[population].items()
    ]  # fmt: skip
    return [
        pl.concat([margins[i] for margins in per_table]).select(
            "degre", pl.exclude("degre", "Freq"), "Freq"
        )
        for i in range(len(per_table[0]))
    ]
