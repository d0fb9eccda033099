"""The survey indicator catalogue: indicators as data, estimated with the survey design.

Why a catalogue as data (``_data/catalogue_enquetes.csv``) rather than one function per
indicator: an indicator is a *choice* — a variable, the answers counted as a success, a
population, the breakdowns that make sense, a French sentence to read it — not code. Adding
one is adding a CSV row, which a statistician can review without reading Python; the same row
feeds the dashboards, the notebooks and the briefing-note exports, so they cannot disagree.

Files (all ``;``-separated, UTF-8):

* ``catalogue_enquetes.csv`` — one row per indicator: ``id``, ``libelle``, ``theme``
  (``equipement`` | ``continuite``), ``population`` (a survey table — ``eleves_2d``,
  ``parents_2d``, ``enseignants_1d``, ``enseignants_2d``, ``chefs_etablissement`` — or
  ``enseignants``, both teacher surveys pooled with a ``degre`` column), ``variable``,
  ``niveaux`` (codes counted as a success, ``"1|2"``; empty for a mean), ``mesure``
  (``proportion`` | ``moyenne``), ``unite`` (``%`` for a proportion; a mean's unit),
  ``ventilations`` (``|``-separated breakdown ids), ``champ``, ``source`` and ``lecture``, a
  template with ``{valeur}``, ``{domaine}`` (and optionally ``{ic_bas}``, ``{ic_haut}``);
* ``ventilations.csv`` — the breakdowns: id, French label, column, where the domain labels come
  from (the codebook, the académie or région académique nomenclature) and the phrase that puts
  a domain into a sentence (« en REP+ », « de l'académie d'Aix-Marseille »), in display order;
* ``complements.csv`` — the few domains whose phrase the rule gets wrong (« hors éducation
  prioritaire »), for one population or all (``*``).

Estimation: a proportion is the design-based mean of a 0/1 indicator (null where the answer
is missing, so item non-response is excluded, as ``na.rm = TRUE``), a mean that of the
variable; both through :mod:`egn_analytics.survey`, one call per (population, breakdown) for
all that population's indicators at once. Normal (Wald) 95 % intervals, as R's ``confint``;
a proportion's bounds are kept inside [0, 1]. The statistical secret is the engine's.

The IPS class (``classe_ips``) is the one breakdown not read from the respondents: it is the
quartile class of the respondent's établissement, attached by UAI from the établissements
table, and it exists only when that table was built with DEPP's IPS files. It is therefore not
in the catalogue's ``ventilations`` column (which holds what every build can compute) but added
to the populations attached to a collège or lycée (:data:`IPS_POPULATIONS`) when some
établissement has a class; without IPS files the table is exactly what it was. A respondent
whose établissement has no IPS belongs to no class (« IPS non renseigné » is not a domain) but
is counted in « ensemble » and every other breakdown: the four classes add up to the
respondents with an IPS, not to the whole population.
"""

from __future__ import annotations

import numbers
import unicodedata
from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.indicators import _french as fr
from egn_analytics.indicators._tables import (
    POOLED,
    POPULATIONS,
    pool_codebooks,
    population_margins,
    read_etablissements,
    resolve,
    tables_folder,
)
from egn_analytics.survey import MASKED, SecretRule, SurveyDesign, depp_design

CATALOGUE_COLUMNS = (
    "id",
    "libelle",
    "theme",
    "population",
    "variable",
    "niveaux",
    "mesure",
    "unite",
    "ventilations",
    "champ",
    "source",
    "lecture",
)
#: Theme ids and their French labels.
THEMES = {"equipement": "Équipement numérique", "continuite": "Continuité pédagogique"}
MEASURES = ("proportion", "moyenne")
ENSEMBLE = "ensemble"
#: The breakdown by IPS class of the établissement (present only with IPS files).
IPS_BREAKDOWN = "classe_ips"
#: Populations whose respondents are attached to one collège or lycée by their ``uai`` (pupils,
#: and parents through their child's établissement). Teachers and school heads are not: their
#: populations mix écoles and second-degré établissements, whose IPS quarters are not
#: comparable (DEPP computes them per kind of établissement).
IPS_POPULATIONS = ("eleves_2d", "parents_2d")
#: Domain labels of ``classe_ips`` (the établissements table's codes Q1…Q4), as DEPP words them.
IPS_CLASS_LABELS = {
    "Q1": "1er quart (IPS le plus faible)",
    "Q2": "2e quart",
    "Q3": "3e quart",
    "Q4": "4e quart (IPS le plus élevé)",
}

#: The tidy indicator table, column by column (``compute_catalogue``'s contract).
OUTPUT_SCHEMA = pl.Schema(
    {
        "indicator": pl.String,
        "label": pl.String,
        "theme": pl.String,
        "population": pl.String,
        "unit": pl.String,
        "breakdown": pl.String,
        "breakdown_label": pl.String,
        "domain_code": pl.String,
        "domain": pl.String,
        "estimate": pl.Float64,
        "se": pl.Float64,
        "ci_lower": pl.Float64,
        "ci_upper": pl.Float64,
        "n": pl.Int64,
        "cv": pl.Float64,
        "status": pl.String,
        "champ": pl.String,
        "source": pl.String,
        "lecture": pl.String,
    }
)
#: Value columns emptied on a masked row (the secret must hold in every export).
VALUE_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "cv")

#: Prefix of the derived indicator columns added to the respondents before estimation.
_PREFIX = "__indicateur__"
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_BIG = 1_000_000


class CatalogueError(ValueError):
    """The catalogue contradicts itself or the data: one line per faulty row, in French."""


# --------------------------------------------------------------------------- data files


def _read_packaged(name: str) -> pl.DataFrame:
    """A ``;`` CSV of ``_data`` with every column as text (codes stay ``"01"``)."""
    with (files("egn_analytics.indicators") / "_data" / name).open("rb") as fh:
        return pl.read_csv(fh.read(), separator=";", infer_schema=False)


def load_breakdowns() -> pl.DataFrame:
    """The breakdowns, in display order: ``id``, ``label``, ``column``, ``labels``, ``complement``.

    ``column`` is null for ``ensemble``; ``labels`` says where domain labels come from
    (``dictionnaire``: the survey codebook; ``academies`` / ``regions_academiques``:
    :mod:`egn_analytics.reference`); ``complement`` is the phrase template of a domain.
    """
    raw = _read_packaged("ventilations.csv")
    return raw.select(
        pl.col("id"),
        pl.col("libelle").alias("label"),
        pl.col("colonne").alias("column"),
        pl.col("etiquettes").alias("labels"),
        pl.col("complement").fill_null(""),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("order"),
    )


def _complements() -> pl.DataFrame:
    return _read_packaged("complements.csv").rename(
        {"ventilation": "breakdown", "code": "domain_code", "complement": "override"}
    )


def _read_catalogue(source: str | Path | pl.DataFrame | None) -> pl.DataFrame:
    if source is None:
        raw = _read_packaged("catalogue_enquetes.csv")
    elif isinstance(source, pl.DataFrame):
        raw = source
    else:
        raw = pl.read_csv(Path(source), separator=";", infer_schema=False)
    missing = [c for c in CATALOGUE_COLUMNS if c not in raw.columns]
    if missing:
        raise CatalogueError(
            f"catalogue des indicateurs : colonne(s) absente(s) : {', '.join(missing)}"
        )
    return raw.select(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in CATALOGUE_COLUMNS
    ).with_columns(pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("ligne"))


# --------------------------------------------------------------------------- validation


def _codebook_long(codebooks: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """(population, variable, categorical, codes) for every variable of every codebook."""
    frames = [
        book.select(
            pl.lit(pop).alias("population"),
            pl.col("variable"),
            (pl.col("modalites").list.len().fill_null(0) > 0).alias("categorical"),
            pl.col("modalites").list.eval(pl.element().struct.field("code")).alias("codes"),
        )
        for pop, book in codebooks.items()
    ]
    schema = pl.Schema(
        {
            "population": pl.String(),
            "variable": pl.String(),
            "categorical": pl.Boolean(),
            "codes": pl.List(pl.Int64()),
        }
    )
    return pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)


def _with_pooled(codebooks: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    books = dict(codebooks)
    for pop, parts in POOLED.items():
        if pop not in books and all(t in books for t in parts):
            books[pop] = pool_codebooks(pop, books)
    return books


def _problems(cat: pl.DataFrame, codebooks: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """(ligne, id, message) for every problem found, with Polars joins (no loop over rows)."""
    book = _codebook_long(_with_pooled(codebooks))
    known_pops = list(codebooks.keys() & set(POPULATIONS)) + [
        p for p, parts in POOLED.items() if all(t in codebooks for t in parts)
    ]
    bds = load_breakdowns()
    msg: list[pl.DataFrame] = []

    def add(frame: pl.DataFrame, message: pl.Expr) -> None:
        msg.append(frame.select("ligne", "id", message.alias("message")))

    for col in CATALOGUE_COLUMNS:
        if col != "niveaux":
            add(cat.filter(pl.col(col).is_null()), pl.lit(f"champ « {col} » vide"))
    add(cat.filter(pl.col("id").is_duplicated()), pl.lit("identifiant en double"))
    add(
        cat.filter(~pl.col("id").str.contains(_ID_PATTERN)),
        pl.lit("identifiant invalide (minuscules, chiffres et _ seulement)"),
    )
    add(
        cat.filter(~pl.col("theme").is_in(list(THEMES))),
        pl.format("thème inconnu « {} » (attendu : {})", "theme", pl.lit(", ".join(THEMES))),
    )
    add(
        cat.filter(~pl.col("mesure").is_in(MEASURES)),
        pl.format("mesure inconnue « {} » (attendu : proportion, moyenne)", "mesure"),
    )
    add(
        cat.filter(~pl.col("population").is_in(POPULATIONS)),
        pl.format(
            "population inconnue « {} » (connues : {})",
            "population",
            pl.lit(", ".join(POPULATIONS)),
        ),
    )
    known = cat.filter(pl.col("population").is_in(known_pops) & pl.col("variable").is_not_null())
    joined = known.join(book, on=["population", "variable"], how="left")
    add(
        joined.filter(pl.col("categorical").is_null()),
        pl.format("variable inconnue « {} » dans la population {}", "variable", "population"),
    )
    found = joined.filter(pl.col("categorical").is_not_null())
    add(
        found.filter((pl.col("mesure") == "proportion") & ~pl.col("categorical")),
        pl.format("proportion d'une variable sans modalités « {} » (mesure moyenne ?)", "variable"),
    )
    add(
        found.filter((pl.col("mesure") == "moyenne") & pl.col("categorical")),
        pl.format("moyenne d'une variable catégorielle « {} » (mesure proportion ?)", "variable"),
    )
    add(
        cat.filter((pl.col("mesure") == "proportion") & pl.col("niveaux").is_null()),
        pl.lit("proportion sans niveaux comptés (« niveaux » vide)"),
    )
    add(
        cat.filter((pl.col("mesure") == "moyenne") & pl.col("niveaux").is_not_null()),
        pl.lit("moyenne avec des niveaux (« niveaux » doit être vide)"),
    )
    add(
        cat.filter((pl.col("mesure") == "proportion") & (pl.col("unite") != "%")),
        pl.format("unité « {} » pour une proportion (attendu : %)", "unite"),
    )
    levels = (
        found.filter(pl.col("categorical") & pl.col("niveaux").is_not_null())
        .with_columns(pl.col("niveaux").str.split("|").alias("niveau"))
        .explode("niveau")
        .with_columns(pl.col("niveau").str.strip_chars())
        .with_columns(pl.col("niveau").cast(pl.Int64, strict=False).alias("code"))
    )
    add(
        levels.filter(pl.col("code").is_null()),
        pl.format("modalité « {} » non numérique", "niveau"),
    )
    add(
        levels.filter(
            pl.col("code").is_not_null() & ~pl.col("codes").list.contains(pl.col("code"))
        ),
        pl.format(
            "modalité inconnue « {} » pour « {} » (connues : {})",
            "niveau",
            "variable",
            pl.col("codes").list.eval(pl.element().cast(pl.String)).list.join(", "),
        ),
    )
    vents = (
        cat.filter(pl.col("ventilations").is_not_null())
        .with_columns(pl.col("ventilations").str.split("|").alias("breakdown"))
        .explode("breakdown")
        .with_columns(pl.col("breakdown").str.strip_chars())
        .join(bds.select(pl.col("id").alias("breakdown"), "column"), on="breakdown", how="left")
    )
    add(
        vents.filter(~pl.col("breakdown").is_in(bds["id"].to_list())),
        pl.format(
            "ventilation inconnue « {} » (connues : {})",
            "breakdown",
            pl.lit(", ".join(bds["id"].to_list())),
        ),
    )
    add(
        vents.filter(pl.struct("id", "breakdown").is_duplicated()),
        pl.format("ventilation « {} » répétée", "breakdown"),
    )
    absent = (
        vents.filter(pl.col("column").is_not_null() & pl.col("population").is_in(known_pops))
        .join(
            book.select("population", pl.col("variable").alias("column"), "categorical"),
            on=["population", "column"],
            how="left",
        )
        .filter(pl.col("categorical").is_null())
    )
    add(
        absent,
        pl.format(
            "ventilation « {} » impossible : pas de colonne « {} » dans la population {}",
            "breakdown",
            "column",
            "population",
        ),
    )
    holes = (
        cat.filter(pl.col("lecture").is_not_null())
        .with_columns(pl.col("lecture").str.extract_all(r"\{[^{}]*\}").alias("placeholder"))
        .explode("placeholder")
        .filter(pl.col("placeholder").is_not_null())
        .with_columns(pl.col("placeholder").str.strip_chars("{}"))
    )
    add(
        holes.filter(~pl.col("placeholder").is_in(fr.LECTURE_PLACEHOLDERS)),
        pl.concat_str(
            pl.lit("lecture : marque inconnue « {"),
            "placeholder",
            pl.lit("} » (connues : " + ", ".join(fr.LECTURE_PLACEHOLDERS) + ")"),
        ),
    )
    for needed in ("valeur", "domaine"):
        add(
            cat.filter(
                pl.col("lecture").is_not_null()
                & ~pl.col("lecture").str.contains("{" + needed + "}", literal=True)
            ),
            pl.lit(f"lecture : la marque {{{needed}}} manque"),
        )
    return pl.concat(msg).unique(maintain_order=True).sort("ligne", maintain_order=True)


def _raise_problems(problems: pl.DataFrame, where: str) -> None:
    if problems.is_empty():
        return
    lines = problems.select(
        pl.format("- ligne {} ({}) : {}", "ligne", pl.col("id").fill_null("?"), "message")
    ).to_series()
    head = f"catalogue des indicateurs invalide ({where}), {problems.height} problème(s) :"
    raise CatalogueError("\n".join([head, *lines.to_list()]))


def load_catalogue(
    source: str | Path | pl.DataFrame | None = None,
    *,
    codebooks: Mapping[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """The indicator catalogue, validated; :class:`CatalogueError` names every faulty row.

    ``source``: the packaged catalogue by default, or a CSV path / DataFrame with the same
    columns. ``codebooks`` (population or table name → codebook as the survey loader writes
    it) are what variables, answer codes and breakdown columns are checked against; by
    default the questionnaires the product ships (:func:`_tables.questionnaire_codebooks`),
    so the check needs no data. Rows keep the CSV's columns plus ``ligne`` (its line).
    """
    from egn_analytics.indicators._tables import questionnaire_codebooks, table_key

    cat = _read_catalogue(source)
    books = (
        questionnaire_codebooks()
        if codebooks is None
        else {table_key(k): v for k, v in codebooks.items()}
    )
    _raise_problems(_problems(cat, books), "questionnaire" if codebooks is None else "données")
    return cat


def _catalogue(catalogue: str | Path | pl.DataFrame | None) -> pl.DataFrame:
    """The packaged catalogue (checked against the questionnaires), or the caller's as given.

    A caller's catalogue is checked against the codebooks of the data it is computed on,
    which :func:`compute_catalogue` does in any case.
    """
    return load_catalogue() if catalogue is None else _read_catalogue(catalogue)


# --------------------------------------------------------------------------- estimation


def _indicator_exprs(rows: pl.DataFrame) -> list[pl.Expr]:
    """A Float64 column per indicator: 0/1 for a proportion (null if unanswered), the value."""
    exprs = []
    for ind in rows.select("id", "variable", "niveaux", "mesure").iter_rows(named=True):
        source = pl.col(ind["variable"])
        if ind["mesure"] == "proportion":
            codes = [int(c) for c in ind["niveaux"].split("|")]
            value = pl.when(source.is_null()).then(None).otherwise(source.is_in(codes))
            exprs.append(value.cast(pl.Float64).alias(_PREFIX + ind["id"]))
        else:
            exprs.append(source.cast(pl.Float64).alias(_PREFIX + ind["id"]))
    return exprs


def _design(
    frame: pl.DataFrame,
    secret: SecretRule,
    population: str | None = None,
    etablissements: pl.DataFrame | None = None,
) -> SurveyDesign:
    """The DEPP design (two stages, fpc at both), calibrated as DEPP calibrates its weights.

    Many établissements have a single respondent, which makes a one-unit stratum at the second
    stage; ``options(survey.lonely.psu = "adjust")`` is what the survey documentation
    recommends for these files (see :mod:`egn_analytics.synth.survey`). With the
    établissements table, the weights are raked on académie, sector and EP margins (by degree
    for pooled teachers) and the variances account for it.
    """
    design = depp_design(frame, secret=secret, lonely_psu="adjust")
    if etablissements is None or population is None:
        return design
    margins = population_margins(population, etablissements)
    return design.rake(margins, epsilon=1e-10, maxit=100, partial=True)


def _tidy(est: pl.DataFrame, column: str | None, breakdown: str, population: str) -> pl.DataFrame:
    """Engine output → (population, breakdown, domain_code, indicator, values, n, status)."""
    code = pl.col(column).cast(pl.String) if column else pl.lit(ENSEMBLE)
    return est.select(
        pl.lit(population).alias("population"),
        pl.lit(breakdown).alias("breakdown"),
        code.alias("domain_code"),
        pl.col("variable").str.strip_prefix(_PREFIX).alias("indicator"),
        *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in VALUE_COLUMNS],
        pl.col("n").cast(pl.Int64),
        pl.col("status").cast(pl.String),
    ).filter(pl.col("domain_code").is_not_null())


def _label_table(kind: str, column: str | None, book: pl.DataFrame) -> pl.DataFrame:
    """(domain_code, domain, domain_order) of every known value of a breakdown."""
    from egn_analytics import reference

    schema = {"domain_code": pl.String, "domain": pl.String, "domain_order": pl.Int64}
    if kind == "classes_ips":
        table = pl.DataFrame(
            {"domain_code": list(IPS_CLASS_LABELS), "domain": list(IPS_CLASS_LABELS.values())},
            schema={"domain_code": pl.String, "domain": pl.String},
        )
    elif kind == "academies":
        table = reference.academies().select(
            pl.col("code_academie").alias("domain_code"), pl.col("academie").alias("domain")
        )
    elif kind == "regions_academiques":
        table = reference.regions_academiques().select(
            pl.col("code_region_academique").alias("domain_code"),
            pl.col("region_academique").alias("domain"),
        )
    elif kind == "dictionnaire":
        table = (
            book.filter(pl.col("variable") == column)
            .select(pl.col("modalites").explode())
            .drop_nulls()
            .select(
                pl.col("modalites").struct.field("code").cast(pl.String).alias("domain_code"),
                pl.col("modalites").struct.field("libelle").alias("domain"),
            )
        )
    else:
        return pl.DataFrame(
            {"domain_code": [ENSEMBLE], "domain": ["Ensemble"], "domain_order": [0]},
            schema=schema,
        )
    return table.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("domain_order"))


def _domains(
    population: str, frame: pl.DataFrame, book: pl.DataFrame, breakdowns: pl.DataFrame
) -> pl.DataFrame:
    """Every domain of every breakdown present in a population, labelled and ordered.

    Domains are the values observed in the respondents (a codebook level nobody has, such as
    « École » among pupils, is not a domain of that population); a value the labels do not
    know keeps its code as label and comes last.
    """
    parts = []
    for bd in breakdowns.iter_rows(named=True):
        column = bd["column"]
        labels = _label_table(bd["labels"], column, book)
        if column is None:
            observed = labels
        elif column in frame.columns:
            codes = frame.select(pl.col(column).drop_nulls().unique().cast(pl.String))
            observed = (
                codes.rename({column: "domain_code"})
                .join(labels, on="domain_code", how="left")
                .with_columns(
                    pl.col("domain").fill_null(pl.col("domain_code")),
                    pl.col("domain_order").fill_null(_BIG),
                )
            )
        else:
            continue
        parts.append(
            observed.select(
                pl.lit(population).alias("population"),
                pl.lit(bd["id"]).alias("breakdown"),
                "domain_code",
                "domain",
                "domain_order",
            )
        )
    return pl.concat(parts).sort("breakdown", "domain_order", "domain_code")


def _phrase() -> pl.Expr:
    """A domain as words in a sentence (« en REP+ », « de l'académie d'Amiens »), or ""."""
    label = pl.col("domain")
    rule = fr.fill(
        pl.col("complement"),
        {
            "libelle_min": fr.lower_first(label),
            "de_libelle": fr.de_elided(label),
            "libelle": label,
        },
    )
    words = pl.coalesce(pl.col("override"), rule)
    return pl.when(pl.col("breakdown") == ENSEMBLE).then(pl.lit("")).otherwise(pl.lit(" ") + words)


def _with_lecture(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``lecture`` from ``lecture_template``; null where nothing may be read (masked)."""
    bds = load_breakdowns().select(pl.col("id").alias("breakdown"), "complement")
    overrides = _complements()
    specific = overrides.filter(pl.col("population") != "*")
    generic = overrides.filter(pl.col("population") == "*").drop("population")
    frame = (
        frame.join(bds, on="breakdown", how="left")
        .join(specific, on=["population", "breakdown", "domain_code"], how="left")
        .join(generic, on=["breakdown", "domain_code"], how="left", suffix="_all")
        .with_columns(pl.coalesce("override", "override_all").alias("override"))
    )

    def value(col: str) -> pl.Expr:
        return fr.fmt_value(pl.col(col), pl.col("mesure"), pl.col("unit"))

    text = fr.fill(
        pl.col("lecture_template"),
        {
            "valeur": value("estimate"),
            "domaine": _phrase(),
            "ic_bas": value("ci_lower"),
            "ic_haut": value("ci_upper"),
        },
    )
    readable = (pl.col("status") != MASKED) & pl.col("estimate").is_not_null()
    return frame.with_columns(pl.when(readable).then(text).otherwise(None).alias("lecture")).drop(
        "complement", "override", "override_all"
    )


def _select(cat: pl.DataFrame, indicators: Iterable[str] | None) -> pl.DataFrame:
    if indicators is None:
        return cat
    wanted = list(dict.fromkeys([indicators] if isinstance(indicators, str) else indicators))
    unknown = [i for i in wanted if i not in cat["id"].to_list()]
    if unknown:
        raise KeyError(f"indicateur(s) inconnu(s) : {', '.join(unknown)}")
    return cat.filter(pl.col("id").is_in(wanted))


def has_ips_classes(etablissements: pl.DataFrame | None) -> bool:
    """Whether the établissements table carries IPS classes (it was built with IPS files)."""
    return (
        etablissements is not None
        and IPS_BREAKDOWN in etablissements.columns
        and etablissements[IPS_BREAKDOWN].is_not_null().any()
    )


def _with_ips_class(frame: pl.DataFrame, etablissements: pl.DataFrame) -> pl.DataFrame:
    """The respondents with their établissement's ``classe_ips`` (null without IPS), by UAI."""
    classes = (
        etablissements.select(pl.col("uai").cast(pl.String), pl.col(IPS_BREAKDOWN).cast(pl.String))
        .drop_nulls("uai")
        .unique("uai", keep="first", maintain_order=True)
    )
    key = "__uai__"
    return (
        frame.drop(IPS_BREAKDOWN, strict=False)
        .with_columns(pl.col("uai").cast(pl.String).alias(key))
        .join(classes.rename({"uai": key}), on=key, how="left", maintain_order="left")
        .drop(key)
    )


def _plan(cat: pl.DataFrame, breakdowns: Iterable[str] | None, ips: bool = False) -> pl.DataFrame:
    """(id, population, breakdown, breakdown order) for every indicator × applicable breakdown.

    ``ips``: the établissements carry IPS classes, so ``classe_ips`` applies to the indicators
    of :data:`IPS_POPULATIONS` (after their catalogue breakdowns).
    """
    bds = load_breakdowns()
    listed = cat.select(
        "id", "population", pl.col("ventilations").str.split("|").alias("breakdown")
    )
    if ips:
        listed = listed.with_columns(
            pl.when(pl.col("population").is_in(IPS_POPULATIONS))
            .then(pl.col("breakdown").list.concat(pl.lit([IPS_BREAKDOWN])))
            .otherwise(pl.col("breakdown"))
        )
    plan = listed.explode("breakdown").join(
        bds.select(pl.col("id").alias("breakdown"), pl.col("order").alias("bd_order")),
        on="breakdown",
    )
    if breakdowns is not None:
        wanted = [breakdowns] if isinstance(breakdowns, str) else list(breakdowns)
        unknown = [b for b in wanted if b not in bds["id"].to_list()]
        if unknown:
            raise KeyError(f"ventilation(s) inconnue(s) : {', '.join(unknown)}")
        plan = plan.filter(pl.col("breakdown").is_in(wanted))
    return plan


def _check_columns(
    cat: pl.DataFrame, frames: Mapping[str, pl.DataFrame], plan: pl.DataFrame
) -> None:
    """Variables and breakdown columns must be in the respondents, not only in a codebook."""
    bds = load_breakdowns().select(pl.col("id").alias("breakdown"), "column")
    needs = pl.concat(
        [
            cat.select("ligne", "id", "population", pl.col("variable").alias("column")),
            plan.join(bds, on="breakdown")
            .join(cat.select("id", "ligne"), on="id")
            .filter(pl.col("column").is_not_null())
            .select("ligne", "id", "population", "column"),
        ]
    )
    present = pl.concat(
        [pl.DataFrame({"population": p, "column": f.columns}) for p, f in frames.items()]
    ).with_columns(pl.lit(True).alias("present"))
    missing = needs.join(present, on=["population", "column"], how="left").filter(
        pl.col("present").is_null()
    )
    _raise_problems(
        missing.select(
            "ligne",
            "id",
            pl.format(
                "colonne « {} » absente des réponses de la population {}", "column", "population"
            ).alias("message"),
        ).unique(maintain_order=True),
        "données",
    )


def compute_catalogue(
    tables: Mapping[str, pl.DataFrame] | None = None,
    *,
    processed_dir: str | Path | None = None,
    secret: SecretRule | None = None,
    indicators: Iterable[str] | None = None,
    breakdowns: Iterable[str] | None = None,
    catalogue: str | Path | pl.DataFrame | None = None,
    level: float = 0.95,
    calibrate: bool = True,
) -> pl.DataFrame:
    """Every indicator × applicable breakdown × domain: the tidy indicator table.

    ``tables``: survey tables by name (``eleves_2d`` …, optionally ``<name>_dictionnaire``);
    default: read from ``processed_dir`` (default: the settings'). ``secret``: the statistical
    secret (default: ``[tool.egn]``). ``indicators`` / ``breakdowns`` restrict the ids;
    ``catalogue`` replaces the packaged one (a CSV path or a DataFrame with its columns).
    ``calibrate``: rake the weights on the établissements' margins (académie, sector, EP) when
    the établissements table is there (``tables["etablissements"]`` or the processed folder).

    Columns: :data:`OUTPUT_SCHEMA`. Proportions are fractions (0-1), means are in their unit;
    ``domain_code`` is ``"ensemble"`` for the whole population; masked rows have null values
    and a null ``lecture``; a domain with no respondent for an indicator is a masked row with
    ``n = 0``. Sorted by catalogue order, breakdown order, then domain order (codebook order,
    académies and régions académiques in the nomenclature's order).
    """
    cat = _select(_catalogue(catalogue), indicators)
    processed_dir = tables_folder(processed_dir)  # one build for surveys and établissements
    annuaire = read_etablissements(tables, processed_dir)
    ips = has_ips_classes(annuaire)
    plan = _plan(cat, breakdowns, ips)
    populations = cat["population"].unique(maintain_order=True).to_list()
    resolved = resolve(populations, tables, processed_dir)
    if ips:
        assert annuaire is not None
        resolved = {
            p: (_with_ips_class(f, annuaire) if p in IPS_POPULATIONS else f, b)
            for p, (f, b) in resolved.items()
        }
    _raise_problems(_problems(cat, {p: b for p, (_, b) in resolved.items()}), "données")
    _check_columns(cat, {p: f for p, (f, _) in resolved.items()}, plan)
    rule = secret if secret is not None else SecretRule.from_settings()
    bds = load_breakdowns()
    etabs = annuaire if calibrate else None

    estimates: list[pl.DataFrame] = []
    domains: list[pl.DataFrame] = []
    for population in populations:
        frame, book = resolved[population]
        used = bds.filter(
            pl.col("id").is_in(
                plan.filter(pl.col("population") == population)["breakdown"].to_list()
            )
        )
        if used.is_empty():  # no requested breakdown applies to this population
            continue
        rows = cat.filter(pl.col("population") == population)
        design = _design(frame.with_columns(_indicator_exprs(rows)), rule, population, etabs)
        for bd in used.iter_rows(named=True):
            ids = plan.filter(
                (pl.col("population") == population) & (pl.col("breakdown") == bd["id"])
            )
            est = design.mean([_PREFIX + i for i in ids["id"]], by=bd["column"], level=level)
            estimates.append(_tidy(est, bd["column"], bd["id"], population))
        domains.append(_domains(population, frame, book, used))

    meta = cat.select(
        pl.col("id").alias("indicator"),
        pl.col("libelle").alias("label"),
        "theme",
        pl.col("unite").alias("unit"),
        "mesure",
        "champ",
        "source",
        pl.col("lecture").alias("lecture_template"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("ind_order"),
    )
    if not domains:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    skeleton = plan.rename({"id": "indicator"}).join(
        pl.concat(domains), on=["population", "breakdown"]
    )
    out = (
        skeleton.join(
            pl.concat(estimates).drop("population"),
            on=["indicator", "breakdown", "domain_code"],
            how="left",
        )
        .join(meta, on="indicator")
        .join(
            bds.select(pl.col("id").alias("breakdown"), pl.col("label").alias("breakdown_label")),
            on="breakdown",
        )
        .with_columns(
            pl.col("n").fill_null(0),
            pl.col("status").fill_null(MASKED),
        )
    )
    out = _clean_values(out)
    out = _with_lecture(out).sort("ind_order", "bd_order", "domain_order", "domain_code")
    return out.select(pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items())


def _clean_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Proportion bounds inside [0, 1]; every value column null on a masked row."""
    is_prop = pl.col("mesure") == "proportion"
    frame = frame.with_columns(
        pl.when(is_prop).then(pl.col("ci_lower").clip(0.0, 1.0)).otherwise(pl.col("ci_lower")),
        pl.when(is_prop).then(pl.col("ci_upper").clip(0.0, 1.0)).otherwise(pl.col("ci_upper")),
    )
    return frame.with_columns(
        pl.when(pl.col("status") == MASKED).then(None).otherwise(pl.col(c)).alias(c)
        for c in VALUE_COLUMNS
    )


# --------------------------------------------------------------------------- helpers


def _row_of(cat: pl.DataFrame, indicator: str) -> dict[str, Any]:
    found = cat.filter(pl.col("id") == indicator)
    if found.is_empty():
        raise KeyError(f"indicateur inconnu : {indicator!r}")
    return found.row(0, named=True)


def _domain_key(text: str) -> str:
    """A domain name as compared: lower case, no accents, letters, digits and « + » only.

    « Hors Éducation-prioritaire » and « hors education prioritaire » are one key; « REP » and
    « REP+ » stay two, since « + » is what tells them apart.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum() or ch == "+")


def resolve_domain(domains: pl.DataFrame, value: object) -> str | None:
    """The code of the domain ``value`` names among ``domains``, or None if it names none.

    ``domains`` has a ``domain_code`` and a ``domain`` (label) column, as :func:`gap`'s
    domains or a breakdown's rows of :func:`compute_catalogue`'s table. ``value`` is a code
    (``"1"``, ``1``, ``"02"``) or a label (« REP+ »). This is the one place a value is turned
    into a domain, so that :func:`gap` and the dashboards agree on what « the same domain »
    is: a code and its label must compare equal, or a gap between them reads as a real 0.
    The code itself wins; then a label, then a code, compared by :func:`_domain_key`. Codes
    are not padded (« 01 » is not « 1 »). Anything but a string or an integer names nothing.
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        text = str(int(value))  # a NumPy integer too, as a notebook may pass
    else:
        return None
    codes = [str(code) for code in domains.get_column("domain_code").to_list()]
    if text in codes:
        return text
    wanted = _domain_key(text)
    if not wanted:
        return None
    for column in ("domain", "domain_code"):
        names = domains.get_column(column).to_list()
        for code, name in zip(codes, names, strict=True):
            if name is not None and _domain_key(str(name)) == wanted:
                return code
    return None


def _code_for(domains: pl.DataFrame, value: object, breakdown: str) -> tuple[str, str]:
    """A domain given by its code (``1``, ``"02"``) or its label (« REP+ »): (code, label)."""
    code = resolve_domain(domains, value)
    if code is None:
        known = ", ".join(domains.select(pl.format("{} ({})", "domain", "domain_code")).to_series())
        raise ValueError(
            f"« {value} » n'est pas un domaine de la ventilation {breakdown} : {known}"
        )
    label = domains.filter(pl.col("domain_code") == code).get_column("domain")[0]
    return code, str(label)


_GAP_VALUES = ("estimate_a", "estimate_b", "difference", "se", "ci_lower", "ci_upper", "p_value")


def gap(
    indicator: str,
    breakdown: str,
    a: object,
    b: object,
    tables: Mapping[str, pl.DataFrame] | None = None,
    *,
    processed_dir: str | Path | None = None,
    secret: SecretRule | None = None,
    level: float = 0.95,
    catalogue: str | Path | pl.DataFrame | None = None,
    calibrate: bool = True,
) -> pl.DataFrame:
    """Difference ``a − b`` between two domains of a breakdown, with its SE, CI and p-value.

    ``a`` and ``b`` are domain codes (``1``, ``"3"``, ``"02"``) or labels (« REP+ »,
    « Hors éducation prioritaire »), resolved by :func:`resolve_domain`; two names of one
    domain (« REP+ » and ``1``, or one value twice) raise a ValueError rather than give a
    gap of 0 that reads as « no difference ». The two domains share strata, so the variance
    is that of the difference (:meth:`SurveyDesign.compare`), not the sum of two variances.
    One row: ``indicator``, ``label``, ``unit``, ``breakdown``, ``breakdown_label``, ``a``,
    ``domain_a``, ``b``, ``domain_b``, ``estimate_a``, ``estimate_b``, ``difference``, ``se``,
    ``ci_lower``, ``ci_upper``, ``p_value``, ``n_a``, ``n_b``, ``status``.
    """
    cat = _catalogue(catalogue)
    row = _row_of(cat, indicator)
    population = row["population"]
    processed_dir = tables_folder(processed_dir)  # one build for survey and établissements
    annuaire = read_etablissements(tables, processed_dir)
    possible = row["ventilations"].split("|")
    if population in IPS_POPULATIONS and has_ips_classes(annuaire):
        possible.append(IPS_BREAKDOWN)
    if breakdown == ENSEMBLE or breakdown not in possible:
        raise ValueError(
            f"ventilation « {breakdown} » non applicable à {indicator} "
            f"(possibles : {', '.join(possible)}, sauf ensemble)"
        )
    frame, book = resolve([population], tables, processed_dir)[population]
    if breakdown == IPS_BREAKDOWN:
        assert annuaire is not None
        frame = _with_ips_class(frame, annuaire)
    bd = load_breakdowns().filter(pl.col("id") == breakdown)
    column = bd["column"][0]
    domains = _domains(population, frame, book, bd)
    code_a, label_a = _code_for(domains, a, breakdown)
    code_b, label_b = _code_for(domains, b, breakdown)
    if code_a == code_b:  # « REP+ » against « 1 »: the design would answer a gap of 0
        raise ValueError(f"les deux domaines comparés désignent le même domaine : {label_a}")
    dtype = frame.schema[column]
    value_a = pl.Series([code_a]).cast(dtype)[0]
    value_b = pl.Series([code_b]).cast(dtype)[0]
    rule = secret if secret is not None else SecretRule.from_settings()
    etabs = annuaire if calibrate else None
    design = _design(
        frame.with_columns(_indicator_exprs(cat.filter(pl.col("id") == indicator))),
        rule,
        population,
        etabs,
    )
    res = design.compare(_PREFIX + indicator, by=column, a=value_a, b=value_b, level=level)
    bd_label = bd["label"][0]
    return res.select(
        pl.lit(indicator).alias("indicator"),
        pl.lit(row["libelle"]).alias("label"),
        pl.lit(row["unite"]).alias("unit"),
        pl.lit(breakdown).alias("breakdown"),
        pl.lit(bd_label).alias("breakdown_label"),
        pl.lit(code_a).alias("a"),
        pl.lit(label_a).alias("domain_a"),
        pl.lit(code_b).alias("b"),
        pl.lit(label_b).alias("domain_b"),
        *[pl.col(c).cast(pl.Float64) for c in _GAP_VALUES],
        pl.col("n_a").cast(pl.Int64),
        pl.col("n_b").cast(pl.Int64),
        pl.col("status").cast(pl.String),
    )


def lecture_for(
    row: Mapping[str, Any],
    *,
    catalogue: str | Path | pl.DataFrame | None = None,
    with_label: bool = False,
) -> str | None:
    """The « Lecture » sentence of one row of :func:`compute_catalogue`'s table.

    Needs ``indicator``, ``breakdown``, ``domain_code``, ``domain``, ``estimate`` and
    ``status`` (``ci_lower`` / ``ci_upper`` if the template uses them). None for a masked or
    empty row. The sentence is what follows « Lecture : » (chart cards print that label
    themselves); ``with_label=True`` prefixes it, for plain-text exports.
    """
    cat = _catalogue(catalogue)
    meta = _row_of(cat, str(row["indicator"]))
    frame = pl.DataFrame(
        {
            "population": [meta["population"]],
            "breakdown": [row["breakdown"]],
            "domain_code": [str(row["domain_code"])],
            "domain": [row["domain"]],
            "estimate": [row.get("estimate")],
            "ci_lower": [row.get("ci_lower")],
            "ci_upper": [row.get("ci_upper")],
            "status": [row.get("status") or MASKED],
            "mesure": [meta["mesure"]],
            "unit": [meta["unite"]],
            "lecture_template": [meta["lecture"]],
        },
        schema_overrides={c: pl.Float64 for c in ("estimate", "ci_lower", "ci_upper")},
    )
    text = _with_lecture(frame)["lecture"][0]
    if text is None:
        return None
    return f"Lecture{fr.NBSP}: {text}" if with_label else str(text)
