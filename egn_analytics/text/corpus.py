"""One table of every text-bearing contribution, and the labels to evaluate a classifier.

Why: the consultation arrives as five processed tables (RETEX and syntheses in ``documents``,
questionnaire answers with free text, forum proposals, comments). Every text method reads the
same long table, with the same ``id`` the ground truth and the drill-down use, and with the
territory when the source has one, so a figure can be traced back to its texts.

The labels (``verite_terrain*.csv``) are read by a separate function and never joined into the
processed tables: a classifier is evaluated against them, it must not see them by accident.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.loaders._core import LoadResult, read_delimited, validate
from egn_analytics.reference import academies
from egn_analytics.schemas.texts import LabelSchema

#: French labels of the sources, in display order.
SOURCE_LABELS: dict[str, str] = {
    "retex": "RETEX",
    "questionnaire": "Questionnaire (texte libre)",
    "proposition": "Propositions du forum",
    "commentaire": "Commentaires du forum",
    "synthese": "Synthèses",
}

TEXTS_SCHEMA = pl.Schema(
    {
        "id": pl.String(),
        "source": pl.Enum(list(SOURCE_LABELS)),
        "titre": pl.String(),
        "texte": pl.String(),
        "code_academie": pl.String(),
        "academie": pl.String(),
        "code_region_academique": pl.String(),
        "region_academique": pl.String(),
        "profil": pl.String(),
        "date": pl.Date(),
    }
)

_TABLES = (
    "documents",
    "consultation_reponses",
    "consultation_propositions",
    "consultation_commentaires",
)


class CorpusNotBuiltError(FileNotFoundError):
    """A processed text table is missing: ``egn build`` was not run on this data folder."""


def _read(folder: Path, table: str) -> pl.LazyFrame:
    path = folder / f"{table}.parquet"
    if not path.exists():
        raise CorpusNotBuiltError(
            f"table {table}.parquet absente de {folder} : lancez « egn build » pour la construire"
        )
    return pl.scan_parquet(path)


def load_texts(processed_dir: str | Path | None = None) -> pl.DataFrame:
    """All contributions with a text: :data:`TEXTS_SCHEMA`, one row per contribution.

    Forum proposals are read as « titre. texte »; questionnaire answers without free text are
    left out. The région académique comes from the académie where the source has none.
    """
    folder = (
        Path(processed_dir)
        if processed_dir is not None
        else current_generation(get_settings().processed_dir)
    )
    ref = academies().select("code_academie", "code_region_academique", "region_academique")
    null = pl.lit(None, dtype=pl.String)
    docs = _read(folder, "documents").select(
        pl.col("id_document").alias("id"),
        pl.col("source").cast(pl.String).replace({"autre": "retex"}),
        pl.col("titre"),
        pl.col("texte"),
        pl.col("code_academie"),
        pl.col("academie"),
        pl.col("code_region_academique"),
        pl.col("region_academique"),
        pl.col("type_auteur").alias("profil"),
        pl.col("date"),
    )
    answers = (
        _read(folder, "consultation_reponses")
        .filter(pl.col("texte_libre").str.strip_chars().str.len_chars() > 0)
        .join(ref.lazy(), on="code_academie", how="left")
        .select(
            pl.col("id_reponse").alias("id"),
            pl.lit("questionnaire").alias("source"),
            null.alias("titre"),
            pl.col("texte_libre").alias("texte"),
            "code_academie",
            "academie",
            "code_region_academique",
            "region_academique",
            "profil",
            "date",
        )
    )
    proposals = _read(folder, "consultation_propositions").select(
        pl.col("id_proposition").alias("id"),
        pl.lit("proposition").alias("source"),
        pl.col("titre"),
        # « titre. texte », but a title that ends its own sentence (« … vote blanc ? ») keeps
        # its mark and takes a space only (it read « ?. » with Decidim's debates).
        pl.concat_str(
            [
                pl.when(pl.col("texte").is_null() | pl.col("titre").str.contains(r"[.!?…:;]\s*$"))
                .then(pl.col("titre"))
                .otherwise(pl.col("titre") + "."),
                pl.col("texte"),
            ],
            separator=" ",
            ignore_nulls=True,
        ).alias("texte"),
        null.alias("code_academie"),
        null.alias("academie"),
        null.alias("code_region_academique"),
        null.alias("region_academique"),
        "profil",
        "date",
    )
    comments = _read(folder, "consultation_commentaires").select(
        pl.col("id_commentaire").alias("id"),
        pl.lit("commentaire").alias("source"),
        null.alias("titre"),
        "texte",
        null.alias("code_academie"),
        null.alias("academie"),
        null.alias("code_region_academique"),
        null.alias("region_academique"),
        null.alias("profil"),
        "date",
    )
    frames = [docs, answers, proposals, comments]
    return pl.concat(
        [f.cast(dict(TEXTS_SCHEMA)) for f in frames],  # type: ignore[arg-type]
        how="vertical",
    ).collect()


def find_labels(raw_dir: str | Path | None = None) -> Path | None:
    """The ground-truth file of the raw folder (``textes/verite_terrain*.csv``), if any."""
    folder = Path(raw_dir) if raw_dir is not None else get_settings().raw_dir
    found = sorted((folder / "textes").glob("verite_terrain*.csv"))
    return found[0] if found else None


def read_labels(path: str | Path) -> LoadResult:
    """Read a labels file with the loaders' machinery: accepted rows and rejects with reasons.

    The file is ``;``- (or ``,``-) separated with ``id``, ``theme`` (1–5) and ``propositions``
    (numbers 1–40 separated by ``|``, main first); encoding and separator are detected as for
    any source file. A row with an empty id, a bad theme or proposition, a duplicated id or
    fewer fields than the header goes to ``rejects`` with its line and reason (lines read =
    accepted + rejected). A file that cannot be read at all raises :class:`LoadError` (one
    line naming the file and the row).
    """
    raw = read_delimited(path, required=("id", "theme", "propositions"))
    props = pl.col("propositions").str.strip_chars().str.split("|")
    typed = raw.select(
        pl.col("id").str.strip_chars(),
        pl.col("theme").str.strip_chars().cast(pl.Int8, strict=False),
        props.list.eval(pl.element().str.strip_chars().cast(pl.Int8, strict=False)),
    )
    # On the typed list: a number that did not cast (« x », « 300 ») is null there.
    bad_number = (
        pl.col("propositions")
        .list.eval(pl.element().is_null() | ~pl.element().is_between(1, 40))
        .list.any()
    )
    return validate(
        raw,
        typed,
        LabelSchema,
        key=("id",),
        checks=[("numéro de proposition hors de 1 à 40 (propositions)", bad_number)],
        table="etiquettes",
    )


def load_labels(path: str | Path) -> pl.DataFrame:
    """The accepted rows of :func:`read_labels`: ``id``, ``theme`` (Int8), ``propositions``
    (List[Int8], main first). Rejected rows are in ``read_labels(path).rejects``."""
    return read_labels(path).data
