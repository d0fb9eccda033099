"""The ENT usage tables of ``egn build``: series, shares and models for every view of the page.

The few passes over the events (daily, regional, national, hourly, errors) are the bases; the
ratios, shares and interrupted time series are derived from them for every profile × territory
the « usages numériques » page offers (:func:`egn_analytics.reference.territories`,
:data:`egn_analytics.reference.PROFILES`), so the page only filters.

Definitions are the library's (:mod:`egn_analytics.usage`); each table's comment says which
function gives it. Enumerated tables carry their selection: ``territoire`` is the territory's
URL value (``france``, ``region-<code>``, ``academie-<code>``); ``profil`` is the data's word
(« élève », « tous » for all profiles pooled) in the ratio and desynchronisation tables, which
already had it, and the profile's URL slug (``eleve``, ``tous``) in the ITS tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import dataframely as dy
import polars as pl

from egn_analytics.indicators.stage import IndicatorSpec, StageContext

#: Inputs in the generation: the ingested events, the établissements, the CNED series.
EVENTS = "ent_evenements/mois=*/**/*.parquet"
ETABLISSEMENTS = "etablissements.parquet"
CNED = "cned_quotidien.parquet"
_EVENT_INPUTS = (EVENTS, ETABLISSEMENTS)
_NO_EVENTS = "pas d'évènements ENT (ent_evenements) ou pas de table des établissements"
_CODE = ("egn_analytics.usage", "egn_analytics.reference")
#: The ITS variable the page shows.
ITS_VALUE = "visites"
#: The closure ratio's metric the page shows.
RATIO_METRIC = "visites"
#: ``profil`` of the rows where every profile is pooled.
ALL_PROFILES = "tous"


# ------------------------------------------------------------------------------ schemas -----


class QuotidienSchema(dy.Schema):
    """``usages_quotidien`` (:func:`egn_analytics.usage.daily_table`): day × académie × profile."""

    jour = dy.Date()
    code_academie = dy.String(nullable=True)
    profil = dy.String(nullable=True)
    evenements = dy.Int64(nullable=True)
    visites = dy.Int64(nullable=True)
    utilisateurs = dy.Int64(nullable=True)


class RegionsSchema(dy.Schema):
    """``usages_regions`` (``usage_by`` région × profile): exact distinct users per région."""

    jour = dy.Date()
    code_region_academique = dy.String(nullable=True)
    profil = dy.String(nullable=True)
    evenements = dy.Int64(nullable=True)
    visites = dy.Int64(nullable=True)
    utilisateurs = dy.Int64(nullable=True)


class NationalSchema(dy.Schema):
    """``usages_national`` (:func:`egn_analytics.usage.national_daily`): France per day × profile."""

    jour = dy.Date()
    profil = dy.String(nullable=True)
    evenements = dy.Int64(nullable=True)
    visites = dy.Int64(nullable=True)
    utilisateurs = dy.Int64(nullable=True)


class HoraireSchema(dy.Schema):
    """``usages_horaire`` (``hourly_events``): events per day × académie × profile × hour."""

    jour = dy.Date()
    code_academie = dy.String(nullable=True)
    profil = dy.String(nullable=True)
    heure = dy.Int8(nullable=True)
    evenements = dy.Int64(nullable=True)


class ErreursSchema(dy.Schema):
    """``usages_erreurs`` (``error_rates``): HTTP 4xx and 5xx shares per day and ENT project."""

    jour = dy.Date()
    projet_ent = dy.String(nullable=True)
    evenements = dy.Int64(nullable=True)
    erreurs_4xx = dy.Int64(nullable=True)
    erreurs_5xx = dy.Int64(nullable=True)
    part_4xx = dy.Float64(nullable=True)
    part_5xx = dy.Float64(nullable=True)


class SaturationSchema(dy.Schema):
    """``usages_saturation`` (``saturation``): 5xx share of 16 March 2020 by ENT project."""

    projet_ent = dy.String(nullable=True)
    evenements_jour = dy.Int64(nullable=True)
    part_5xx_jour = dy.Float64(nullable=True)
    part_5xx_reference = dy.Float64(nullable=True)
    ecart_points = dy.Float64(nullable=True)
    ratio = dy.Float64(nullable=True)


class ProjetsSchema(dy.Schema):
    """``usages_projets``: établissements with an ENT project, per académie and project."""

    code_academie = dy.String(nullable=True)
    code_region_academique = dy.String(nullable=True)
    projet_ent = dy.String()
    etablissements = dy.Int64()


class CnedSchema(dy.Schema):
    """``usages_cned`` (``cned_vs_ent``): the CNED daily series beside the ENT national one."""

    jour = dy.Date()
    ent_evenements = dy.Int64(nullable=True)
    ent_visites = dy.Int64(nullable=True)
    ent_utilisateurs = dy.Int64(nullable=True)
    cned_inscriptions = dy.Int64(nullable=True)
    cned_utilisateurs_cumules = dy.Int64(nullable=True)
    cned_classes_virtuelles = dy.Int64(nullable=True)


class RatioSchema(dy.Schema):
    """``usages_ratio`` (``closure_ratio`` of visits) by académie, for each profile and for all
    of them pooled (``profil`` « tous »); null where the school calendar is unknown (DROM)."""

    code_academie = dy.String(nullable=True)
    profil = dy.String()
    zone = dy.String(nullable=True)
    jours_reference = dy.Int64(nullable=True)
    reference = dy.Float64(nullable=True)
    jours_fermeture = dy.Int64(nullable=True)
    fermeture = dy.Float64(nullable=True)
    jours_vacances_fermeture = dy.Int64(nullable=True)
    ratio = dy.Float64(nullable=True)


class DesynchronisationSchema(dy.Schema):
    """``usages_desynchronisation`` (``desynchronisation``): evening, night and weekend shares
    before and during the closure, for every territory × profile (« tous » included)."""

    territoire = dy.String()
    profil = dy.String()
    periode = dy.String(nullable=True)
    evenements = dy.Int64(nullable=True)
    part_soir = dy.Float64(nullable=True)
    part_nuit = dy.Float64(nullable=True)
    part_weekend = dy.Float64(nullable=True)


class ItsSchema(dy.Schema):
    """``usages_its`` (``models.its``, one fit per territory × profile): level and slope
    changes at the closure and the reopening, with their 95 % intervals."""

    territoire = dy.String()
    profil = dy.String()
    variable = dy.String(nullable=True)
    rupture = dy.Date(nullable=True)
    effet = dy.String(nullable=True)
    libelle = dy.String(nullable=True)
    evenement = dy.String(nullable=True)
    estimate = dy.Float64(nullable=True)
    se = dy.Float64(nullable=True)
    ci_lower = dy.Float64(nullable=True)
    ci_upper = dy.Float64(nullable=True)
    p_value = dy.Float64(nullable=True)
    relative_change = dy.Float64(nullable=True)
    relative_ci_lower = dy.Float64(nullable=True)
    relative_ci_upper = dy.Float64(nullable=True)
    n_days = dy.Int64(nullable=True)
    calendrier_complet = dy.Bool(nullable=True)
    methode = dy.String(nullable=True)


class ItsAjusteSchema(dy.Schema):
    """``usages_its_ajuste`` (``models.its_fitted`` of the same fits): observed, fitted and
    counterfactual values per day."""

    territoire = dy.String()
    profil = dy.String()
    jour = dy.Date()
    observed = dy.Float64(nullable=True)
    fitted = dy.Float64(nullable=True)
    counterfactual = dy.Float64(nullable=True)
    vacances = dy.Float64(nullable=True)


class ItsAbsentsSchema(dy.Schema):
    """``usages_its_absents``: the territory × profile combinations without a fit, and why
    (too few data: the model's own French reason), so a page can say it."""

    territoire = dy.String()
    profil = dy.String()
    raison = dy.String()


# ------------------------------------------------------------------------------ bases -------


def _events(context: StageContext) -> tuple[str, str]:
    return (
        str(context.generation / "ent_evenements"),
        str(context.generation / ETABLISSEMENTS),
    )


def compute_usages_quotidien(context: StageContext) -> pl.DataFrame:
    """Day × académie × profile (:func:`egn_analytics.usage.daily_table`)."""
    from egn_analytics.usage import daily_table

    return daily_table(*_events(context))


def compute_usages_regions(context: StageContext) -> pl.DataFrame:
    """Day × région académique × profile, distinct users exact for the région."""
    from egn_analytics.usage import usage_by

    return usage_by(*_events(context), by=["code_region_academique", "profil"])


def compute_usages_national(context: StageContext) -> pl.DataFrame:
    """Day × profile for France, distinct users exact."""
    from egn_analytics.usage import national_daily

    return national_daily(*_events(context))


def compute_usages_horaire(context: StageContext) -> pl.DataFrame:
    """Events per day × académie × profile × local hour."""
    from egn_analytics.usage.indicators import hourly_events

    return hourly_events(*_events(context))


def compute_usages_erreurs(context: StageContext) -> pl.DataFrame:
    """HTTP error shares per day and ENT project."""
    from egn_analytics.usage.indicators import error_rates

    return error_rates(*_events(context))


def compute_usages_saturation(context: StageContext) -> pl.DataFrame:
    """5xx share of the incident day against the reference period, by ENT project."""
    from egn_analytics.usage.indicators import saturation

    return saturation(context.table("usages_erreurs"))


def compute_usages_projets(context: StageContext) -> pl.DataFrame:
    """Établissements with an ENT project, per académie and project."""
    columns = ["code_academie", "code_region_academique", "projet_ent"]
    return (
        pl.read_parquet(context.generation / ETABLISSEMENTS, columns=columns)
        .filter(pl.col("projet_ent").is_not_null())
        .group_by(columns)
        .agg(pl.len().alias("etablissements"))
        .sort("code_academie", "projet_ent")
    )


def compute_usages_cned(context: StageContext) -> pl.DataFrame:
    """The CNED daily series beside the ENT national one."""
    from egn_analytics.usage.indicators import cned_vs_ent

    return cned_vs_ent(context.generation / CNED, context.table("usages_national"))


# ------------------------------------------------------------------------------ every view --


def _academies(territory: object) -> tuple[str, ...]:
    """The académies a view filters on: none for France (every event, as the page asks)."""
    from egn_analytics.reference import Territory

    assert isinstance(territory, Territory)
    return () if territory.kind == "france" else territory.academies


def compute_usages_ratio(context: StageContext) -> pl.DataFrame:
    """Closure ratio of visits by académie for each profile, then all profiles pooled."""
    from egn_analytics.reference import PROFILES
    from egn_analytics.usage.indicators import closure_ratio

    daily = context.table("usages_quotidien")
    by_profile = closure_ratio(daily, RATIO_METRIC, by_profil=True)
    parts = [
        by_profile.filter(pl.col("profil") == profile.value)
        if profile.value
        else closure_ratio(daily, RATIO_METRIC, by_profil=False).with_columns(
            pl.lit(ALL_PROFILES).alias("profil")
        )
        for profile in PROFILES
    ]
    columns = list(RatioSchema.column_names())
    return pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")


def compute_usages_desynchronisation(context: StageContext) -> pl.DataFrame:
    """Evening, night and weekend shares for every territory × profile."""
    from egn_analytics.reference import PROFILES, territories
    from egn_analytics.usage.indicators import desynchronisation

    hourly = context.table("usages_horaire")
    parts = []
    for territory in territories():
        academies = _academies(territory)
        local = hourly.filter(pl.col("code_academie").is_in(academies)) if academies else hourly
        for profile in PROFILES:
            selected = (
                local.filter(pl.col("profil") == profile.value)
                if profile.value
                else local.with_columns(pl.lit(ALL_PROFILES).alias("profil"))
            )
            parts.append(
                desynchronisation(hourly=selected).with_columns(
                    pl.lit(territory.value).alias("territoire")
                )
            )
    columns = list(DesynchronisationSchema.column_names())
    return pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")


def daily_of(whole: pl.DataFrame, profile: str, academies: Sequence[str]) -> pl.DataFrame:
    """The daily table of one profile (« »: all) and some académies (none: all).

    The models lay a series on the days from its first to its last row, and a day without
    events has no row: a sparse selection would lose its empty weeks. Two zero rows, on the
    first and the last day of the whole table, keep it on the data's full period (the
    dashboard's rule, reproduced exactly so the numbers are the same).
    """
    daily = whole
    if profile:
        daily = daily.filter(pl.col("profil") == profile)
    if academies:
        daily = daily.filter(pl.col("code_academie").is_in(list(academies)))
    if daily.is_empty():
        raise ValueError("aucune activité ENT pour ce profil sur ce territoire")
    first = daily.row(0, named=True)
    edges = pl.DataFrame(
        {
            "jour": [whole["jour"].min(), whole["jour"].max()],
            "code_academie": [first["code_academie"]] * 2,
            "profil": [first["profil"]] * 2,
        },
        schema={"jour": pl.Date, "code_academie": pl.String, "profil": pl.String},
    ).with_columns(pl.lit(0, pl.Int64).alias(c) for c in ("evenements", "visites", "utilisateurs"))
    return pl.concat([daily, edges.select(daily.columns)], how="vertical_relaxed")


def compute_usages_its(context: StageContext) -> dict[str, pl.DataFrame]:
    """One ITS fit per territory × profile: coefficients, fitted values, and the combinations
    left without a fit (too few data) with the model's reason."""
    from egn_analytics.reference import ITS_BREAKS, PROFILES, territories
    from egn_analytics.usage.models import its, its_fitted

    whole = context.table("usages_quotidien")
    coefficients, fitted, absents = [], [], []
    for territory in territories():
        academies = _academies(territory)
        for profile in PROFILES:
            labels = [
                pl.lit(territory.value).alias("territoire"),
                pl.lit(profile.slug).alias("profil"),
            ]
            try:
                series = daily_of(whole, profile.value or "", academies)
                coef = its(series, ITS_VALUE, by=None, breaks=ITS_BREAKS)
                fit = its_fitted(series, ITS_VALUE, by=None, breaks=ITS_BREAKS)
            except ValueError as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                absents.append(
                    {"territoire": territory.value, "profil": profile.slug, "raison": reason}
                )
                context.skipped.append(absents[-1])
                continue
            coefficients.append(coef.with_columns(labels))
            fitted.append(fit.with_columns(labels))

    def stack(parts: list[pl.DataFrame], schema: type[dy.Schema]) -> pl.DataFrame:
        columns = list(schema.column_names())
        if not parts:
            return pl.DataFrame(schema=polars_types(schema))
        return pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")

    return {
        "usages_its": stack(coefficients, ItsSchema),
        "usages_its_ajuste": stack(fitted, ItsAjusteSchema),
        "usages_its_absents": pl.DataFrame(absents, schema=polars_types(ItsAbsentsSchema)),
    }


def polars_types(schema: type[dy.Schema]) -> dict[str, pl.DataType]:
    """The polars dtypes of a schema (for empty frames)."""
    return {name: col.dtype for name, col in schema.columns().items()}


def _base(
    name: str, schema: type[dy.Schema], compute: object, inputs: tuple[str, ...] = _EVENT_INPUTS
) -> IndicatorSpec:
    return IndicatorSpec(
        name=name,
        schema=schema,
        compute=compute,  # type: ignore[arg-type]
        inputs=inputs,
        required=inputs,
        absent=_NO_EVENTS,
        code=_CODE,
    )


SPECS: tuple[IndicatorSpec, ...] = (
    _base("usages_quotidien", QuotidienSchema, compute_usages_quotidien),
    _base("usages_regions", RegionsSchema, compute_usages_regions),
    _base("usages_national", NationalSchema, compute_usages_national),
    _base("usages_horaire", HoraireSchema, compute_usages_horaire),
    _base("usages_erreurs", ErreursSchema, compute_usages_erreurs),
    IndicatorSpec(
        name="usages_saturation",
        schema=SaturationSchema,
        compute=compute_usages_saturation,
        depends=("usages_erreurs",),
        code=_CODE,
    ),
    IndicatorSpec(
        name="usages_projets",
        schema=ProjetsSchema,
        compute=compute_usages_projets,
        inputs=(ETABLISSEMENTS,),
        required=(ETABLISSEMENTS, EVENTS),
        absent=_NO_EVENTS,
        code=_CODE,
    ),
    IndicatorSpec(
        name="usages_cned",
        schema=CnedSchema,
        compute=compute_usages_cned,
        inputs=(CNED,),
        required=(CNED,),
        absent="pas de série CNED (cned_quotidien) dans cette construction",
        depends=("usages_national",),
        code=_CODE,
    ),
    IndicatorSpec(
        name="usages_ratio",
        schema=RatioSchema,
        compute=compute_usages_ratio,
        depends=("usages_quotidien",),
        code=_CODE,
    ),
    IndicatorSpec(
        name="usages_desynchronisation",
        schema=DesynchronisationSchema,
        compute=compute_usages_desynchronisation,
        depends=("usages_horaire",),
        code=_CODE,
    ),
    IndicatorSpec(
        name="usages_its",
        schema=ItsSchema,
        compute=compute_usages_its,
        depends=("usages_quotidien",),
        code=_CODE,
        extra={"usages_its_ajuste": ItsAjusteSchema, "usages_its_absents": ItsAbsentsSchema},
    ),
)
