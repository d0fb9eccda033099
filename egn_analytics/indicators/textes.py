"""The consultation text tables of ``egn build``: classified contributions, tokens, specificities.

The classification (:func:`egn_analytics.text.pipeline.analyse_corpus`, about ten seconds at
scale 1) runs once per build; the specificities are computed for every partition × choice of
sources the « Concertation » page can ask for (:data:`PARTITIONS` × :func:`source_choices`), so
the page only filters. A free-text search stays on demand (it is not enumerable).
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import dataframely as dy
import polars as pl

from egn_analytics.indicators._dy import schema_from
from egn_analytics.indicators.stage import IndicatorSpec, StageContext

#: Processed tables the contributions are read from (:func:`egn_analytics.text.load_texts`).
TEXT_TABLES = (
    "documents.parquet",
    "consultation_reponses.parquet",
    "consultation_propositions.parquet",
    "consultation_commentaires.parquet",
)
#: Partitions of the specificities: the page's value → column of the contributions.
PARTITIONS: dict[str, str] = {
    "themes": "theme",
    "regions": "code_region_academique",
    "sources": "source",
}
#: Terms seen fewer times in the whole corpus carry no evidence (and cost time): left out.
SPECIFICITY_MIN_FREQUENCY = 10
#: Separator of the source codes in the ``sources`` column (« » : every source).
SOURCES_SEPARATOR = "+"
_CODE = ("egn_analytics.text", "egn_analytics.reference")
_NO_TEXTS = "pas de textes (documents et tables de la consultation) dans cette construction"


def _contributions_dtypes() -> dict[str, pl.DataType]:
    from egn_analytics.text.classify import CLASSIFICATION_SCHEMA
    from egn_analytics.text.corpus import TEXTS_SCHEMA

    return {**TEXTS_SCHEMA, **CLASSIFICATION_SCHEMA, "theme_libelle": pl.String()}


#: ``textes_contributions``: every contribution (``TEXTS_SCHEMA``), its classes
#: (``CLASSIFICATION_SCHEMA``) and its theme's label.
ContributionsSchema = schema_from(
    "ContributionsSchema",
    _contributions_dtypes(),
    required=("id", "source"),
    doc="``textes_contributions``: one row per contribution, with its theme and propositions.",
)


class MethodeSchema(dy.Schema):
    """``textes_methode``: one row, how the classes were obtained (the library's French
    sentence), from how many labelled examples, and whether they were evaluated."""

    method = dy.String()
    n_examples = dy.Int64()
    evaluated = dy.Bool()


class EvaluationSchema(dy.Schema):
    """``textes_evaluation``: one row per method (seed only, seed + examples); empty without
    a labels file."""

    methode = dy.String(nullable=True)
    textes = dy.Int64(nullable=True)
    f1_macro_themes = dy.Float64(nullable=True)
    exactitude_themes = dy.Float64(nullable=True)
    f1_macro_propositions = dy.Float64(nullable=True)
    f1_micro_propositions = dy.Float64(nullable=True)
    part_non_classes = dy.Float64(nullable=True)
    part_a_verifier = dy.Float64(nullable=True)


class JetonsSchema(dy.Schema):
    """``textes_jetons`` (``tokens_long``, accents kept): one row per kept word."""

    id = dy.String()
    position = dy.Int64()
    form = dy.String(nullable=True)
    term = dy.String(nullable=True)


def _specificity_dtypes() -> dict[str, pl.DataType]:
    from egn_analytics.text.specificities import SPECIFICITY_SCHEMA

    return {"partition": pl.String(), "sources": pl.String(), **SPECIFICITY_SCHEMA}


#: ``textes_specificites``: Lafon's specificity of every term in every part, for each partition
#: (``themes``, ``regions``, ``sources``) and choice of sources (sorted codes joined by « + »,
#: « » for every source).
SpecificitesSchema = schema_from(
    "SpecificitesSchema",
    _specificity_dtypes(),
    required=("partition", "sources"),
    doc="``textes_specificites``: specificities per partition × choice of sources.",
)


def source_choices() -> list[tuple[str, ...]]:
    """Every choice of sources the page can make: none (all), then each proper subset, sorted.

    The page maps a choice of every source to « all » (``parse_selection``), so the full set
    is not a separate choice.
    """
    from egn_analytics.text.corpus import SOURCE_LABELS

    codes = sorted(SOURCE_LABELS)
    choices: list[tuple[str, ...]] = [()]
    for size in range(1, len(codes)):
        choices += [tuple(c) for c in combinations(codes, size)]
    return choices


def sources_value(sources: tuple[str, ...] | list[str]) -> str:
    """The ``sources`` column's value of a choice: sorted codes joined by « + »."""
    return SOURCES_SEPARATOR.join(sorted(set(sources)))


def _labels(raw: Path) -> list[Path]:
    from egn_analytics.text.corpus import find_labels

    found = find_labels(raw) if Path(raw).is_dir() else None
    return [found] if found is not None else []


def compute_textes_contributions(context: StageContext) -> dict[str, pl.DataFrame]:
    """Classify every contribution; the method and its evaluation come with it."""
    from egn_analytics.text.pipeline import analyse_corpus

    analysis = analyse_corpus(context.generation, context.raw)
    method = pl.DataFrame(
        {
            "method": [analysis.method],
            "n_examples": [analysis.n_examples],
            "evaluated": [analysis.evaluation is not None],
        }
    )
    evaluation = (
        pl.DataFrame(schema={n: c.dtype for n, c in EvaluationSchema.columns().items()})
        if analysis.evaluation is None
        else analysis.evaluation
    )
    return {
        "textes_contributions": analysis.texts,
        "textes_methode": method,
        "textes_evaluation": evaluation,
    }


def compute_textes_jetons(context: StageContext) -> pl.DataFrame:
    """One row per kept word of every contribution, accents kept (for display)."""
    from egn_analytics.text.normalise import tokens_long

    texts = context.table("textes_contributions")
    return tokens_long(texts.select("id", "texte"), fold_accents=False)


def compute_textes_specificites(context: StageContext) -> pl.DataFrame:
    """Specificities for every partition × choice of sources."""
    from egn_analytics.text.specificities import specificities, term_counts

    texts = context.table("textes_contributions")
    tokens = context.table("textes_jetons")
    parts = []
    for partition, column in PARTITIONS.items():
        for sources in source_choices():
            chosen = (
                texts.filter(pl.col("source").cast(pl.String).is_in(list(sources)))
                if sources
                else texts
            )
            labels = chosen.select("id", pl.col(column).cast(pl.String).alias("_part"))
            counts = term_counts(tokens.join(labels, on="id", how="inner"), "_part", "term")
            table = specificities(counts, min_frequency=SPECIFICITY_MIN_FREQUENCY)
            parts.append(
                table.with_columns(
                    pl.lit(partition).alias("partition"),
                    pl.lit(sources_value(sources)).alias("sources"),
                )
            )
    columns = list(SpecificitesSchema.column_names())
    return pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")


SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        name="textes_contributions",
        schema=ContributionsSchema,
        compute=compute_textes_contributions,
        inputs=TEXT_TABLES,
        required=TEXT_TABLES,
        absent=_NO_TEXTS,
        raw_inputs=_labels,
        code=_CODE,
        extra={"textes_methode": MethodeSchema, "textes_evaluation": EvaluationSchema},
    ),
    IndicatorSpec(
        name="textes_jetons",
        schema=JetonsSchema,
        compute=compute_textes_jetons,
        depends=("textes_contributions",),
        code=_CODE,
    ),
    IndicatorSpec(
        name="textes_specificites",
        schema=SpecificitesSchema,
        compute=compute_textes_specificites,
        depends=("textes_contributions", "textes_jetons"),
        code=_CODE,
    ),
)
