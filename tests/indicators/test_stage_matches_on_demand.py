"""The precomputed indicator tables equal what the library computes on demand for one view.

The dashboard used to compute each view when asked (``dashboards.data_access`` before the
indicator stage): the same library calls on the same tables. For a few views (France and the
pupils, one région, one académie, all profiles) the stage's rows, with their enumeration
columns dropped, must be exactly those on-demand frames (values and dtypes), so switching a
page to :func:`read_indicator` changes no number.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from egn_analytics.generations import current_generation
from egn_analytics.indicators import read_indicator, stage
from egn_analytics.indicators.textes import sources_value
from egn_analytics.indicators.usages import daily_of
from egn_analytics.reference import ITS_BREAKS, PROFILES, territories

pytestmark = [pytest.mark.integration]


def _conform(frame: pl.DataFrame, name: str, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    dtypes = {k: v for k, v in stage.polars_schema(name).items() if k not in drop}
    return frame.select(pl.col(c).cast(t) for c, t in dtypes.items())


def _views() -> list[tuple[str, tuple[str, ...]]]:
    known = {t.value: t for t in territories()}
    region = next(v for v in known if v.startswith("region-"))
    chosen = ["france", region, "academie-09"]
    return [(v, () if v == "france" else known[v].academies) for v in chosen]


def test_usage_views_match(stage_data: Path) -> None:
    from egn_analytics.usage import daily_table
    from egn_analytics.usage.indicators import closure_ratio, desynchronisation, hourly_events
    from egn_analytics.usage.models import its, its_fitted

    folder = current_generation(stage_data / "processed")
    events, etab = folder / "ent_evenements", folder / "etablissements.parquet"
    daily = _conform(daily_table(events, etab), "usages_quotidien")
    assert_frame_equal(read_indicator("usages_quotidien", folder), daily)
    hourly = _conform(hourly_events(events, etab), "usages_horaire")
    pooled = closure_ratio(daily, "visites").with_columns(pl.lit("tous").alias("profil"))
    assert_frame_equal(
        read_indicator("usages_ratio", folder, profil="tous"), _conform(pooled, "usages_ratio")
    )
    for value, academies in _views():
        for profile in (PROFILES[0], PROFILES[-1]):  # élève, tous
            local = hourly.filter(pl.col("code_academie").is_in(academies)) if academies else hourly
            local = (
                local.filter(pl.col("profil") == profile.value)
                if profile.value
                else local.with_columns(pl.lit("tous").alias("profil"))
            )
            desync = read_indicator(
                "usages_desynchronisation", folder, territoire=value, profil=profile.value or "tous"
            ).drop("territoire")
            expected = _conform(
                desynchronisation(hourly=local), "usages_desynchronisation", ("territoire",)
            )
            assert_frame_equal(desync, expected)
            series = daily_of(daily, profile.value or "", academies)
            keys = {"territoire": value, "profil": profile.slug}
            assert_frame_equal(
                read_indicator("usages_its", folder, **keys).drop("territoire", "profil"),
                _conform(
                    its(series, "visites", by=None, breaks=ITS_BREAKS),
                    "usages_its",
                    ("territoire", "profil"),
                ),
            )
            assert_frame_equal(
                read_indicator("usages_its_ajuste", folder, **keys).drop("territoire", "profil"),
                _conform(
                    its_fitted(series, "visites", by=None, breaks=ITS_BREAKS),
                    "usages_its_ajuste",
                    ("territoire", "profil"),
                ),
            )


def test_text_views_match(stage_data: Path) -> None:
    from egn_analytics.text.specificities import specificities, term_counts

    folder = current_generation(stage_data / "processed")
    texts = read_indicator("textes_contributions", folder)
    tokens = read_indicator("textes_jetons", folder)
    for partition, column in (("themes", "theme"), ("regions", "code_region_academique")):
        for sources in [(), ("retex",), ("questionnaire", "retex")]:
            chosen = (
                texts.filter(pl.col("source").cast(pl.String).is_in(list(sources)))
                if sources
                else texts
            )
            parts = chosen.select("id", pl.col(column).cast(pl.String).alias("_part"))
            counts = term_counts(tokens.join(parts, on="id", how="inner"), "_part", "term")
            expected = specificities(counts, min_frequency=10)
            mine = read_indicator(
                "textes_specificites", folder, partition=partition, sources=sources_value(sources)
            ).drop("partition", "sources")
            assert_frame_equal(
                mine, _conform(expected, "textes_specificites", ("partition", "sources"))
            )
