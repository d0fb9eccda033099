"""Survey estimation: our Taylor engine vs svy (PyPI) on the same estimates, in the same run.

Peer: `svy <https://svylab.com/docs>`_ (Polars-native, Rust kernels; the maintained successor of
``samplics``, which is archived and says so on import). Both engines get the same Polars frames
and the same design. Each engine runs once on the smallest table (warm-up: imports, thread
pools, caches), then ``--repeat`` times on the workload (best time kept); the results of the
last timed run of each are checked against each other::

    .venv/bin/python benchmarks/bench_survey.py            # 5 survey tables + the catalogue
    .venv/bin/python benchmarks/bench_survey.py --quick    # one table (CI)

Two workloads:

* **tables** — for each DEPP survey table (``enquete_*.parquet``), the share of every level of
  every categorical answer variable of its codebook (the codebook's categorical variables minus
  the breakdown and frame columns) by each breakdown: ensemble, ``code_academie``,
  ``code_region_academique``, ``secteur``, ``ep``, ``type_etab``, ``sexe`` and
  ``milieu_social`` where present. One-stage design in both engines, PSU = établissement
  drawn in strata with its fpc: ours ``SurveyDesign(df, ids="uai", strata="strate",
  weights="poids", fpc="fpc").proportion(variables, by=b)``, svy
  ``Sample(df, Design(stratum="strate", psu="uai", wgt="poids", pop_size="fpc"))
  .estimation.prop(variables, by=b, drop_nulls=True)`` then ``to_polars()``. One call per
  (table, breakdown) in each engine; design construction is timed in both.
* **catalogue** — :func:`egn_analytics.indicators.compute_catalogue` (every indicator ×
  breakdown × domain, the tidy table with labels and reading sentences) on preloaded tables,
  against svy computing the same means: the indicator columns are rebuilt from the public
  catalogue (``variable`` in ``niveaux`` → 0/1, null when unanswered; ``moyenne`` → the value),
  the two teacher surveys are stacked with strata and PSUs prefixed by the table name (as the
  catalogue pools them), and svy gets the catalogue's two-stage design:
  ``Design(stratum="strate", psu="uai", ssu="id", wgt="poids",
  pop_size=PopSize(psu="fpc", ssu="nb_unites_etab"), singleton="center")`` (R's
  ``lonely.psu = "adjust"`` for strata with one PSU, which the catalogue uses). Our side does
  more than the estimates (domain labels, ``lecture`` sentences, the output schema): the ratio
  is conservative. ``--quick`` restricts it to the indicators of the chosen table's population.

Agreement (both workloads): the same estimate keys on both sides; point estimates within
1e-9 (absolute, scaled by the value when above 1); standard errors within 1e-6 relative; the
numbers of respondents ``n`` equal. Both engines compute R ``survey``'s Taylor variance
(domains as ``svyby``: the full design kept, ``n_h`` counted on the full sample; fpc
``1 - n_h/N_h`` at each stage), so the SEs are compared as they are, with one exception: a PSU
with a single respondent out of several units is lonely at the *second* stage. The catalogue
treats it as R's ``"adjust"``; svy has no rule there (``singleton=`` is about strata with one
PSU) and such a PSU adds nothing within, which is R's ``"remove"``. For a population with such
PSUs (the pooled teachers: primary schools often have one respondent), the catalogue's SEs are
reported against svy's (a printed range of ratios), and the SEs checked to 1e-6 are our
engine's with ``lonely_psu="remove"`` on the same design (computed untimed).
Not compared: intervals (ours: normal by default; svy's ``prop``: logit with Student ``df``),
and svy's ``df`` (ours has no such column).

Printed: per workload and engine, estimates, best seconds and estimates/s, then the ratio
(svy time / our time: > 1 means we are faster) and the agreement; the process exits 1 if the
estimates disagree. Without ``data/processed/enquete_*.parquet`` (``make build``), the tables
are generated in memory by the synthetic survey generator (the same rows, ``fpc`` as Float64).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TABLES = ("chefs_etablissement", "eleves_2d", "enseignants_1d", "enseignants_2d", "parents_2d")
QUICK_TABLE = "chefs_etablissement"
#: Breakdown columns of the tables workload (None = ensemble), kept where the table has them.
BREAKDOWNS: tuple[str | None, ...] = (
    None,
    "code_academie",
    "code_region_academique",
    "secteur",
    "ep",
    "type_etab",
    "sexe",
    "milieu_social",
)
#: Categorical codebook variables that describe the respondent's frame, not answers.
NOT_ANSWERS = frozenset(
    {"type_etab", "secteur", "ep", "densite", "sexe", "niveau", "milieu_social"}
)
#: Teacher surveys stacked into the catalogue's « enseignants » population (value of ``degre``).
POOLED = {"enseignants": {"enseignants_1d": 1, "enseignants_2d": 2}}
EST_TOL = 1e-9
SE_RTOL = 1e-6

Tables = dict[str, tuple[pl.DataFrame, pl.DataFrame]]


# --------------------------------------------------------------------------- data


def load_tables(processed: Path, names: list[str]) -> tuple[Tables, str]:
    """Respondents and codebook of each table, from ``processed`` or generated in memory."""
    files = {n: processed / f"enquete_{n}.parquet" for n in names}
    if all(f.is_file() for f in files.values()):
        out = {}
        for n, f in files.items():
            book = processed / f"enquete_{n}_dictionnaire.parquet"
            out[n] = (pl.read_parquet(f), pl.read_parquet(book))
        return out, str(processed)
    from egn_analytics.indicators import questionnaire_codebooks
    from egn_analytics.synth.etablissements import make_etablissements
    from egn_analytics.synth.survey import POPULATIONS, make_survey

    etab = make_etablissements(2020, 1.0)
    books = questionnaire_codebooks()
    pops = {p.key: p for p in POPULATIONS}
    out = {
        n: (
            make_survey(etab, pops[n], 2020).with_columns(pl.col("fpc").cast(pl.Float64)),
            books[n],
        )
        for n in names
    }
    return out, "générateur synthétique (graine 2020, échelle 1), data/processed absent"


def answer_variables(frame: pl.DataFrame, book: pl.DataFrame) -> list[str]:
    from egn_analytics.survey import codebook_labels

    categorical, _ = codebook_labels(book)
    return [v for v in categorical if v in frame.columns and v not in NOT_ANSWERS]


# --------------------------------------------------------------------------- tables workload


def ours_tables(tables: Tables) -> list[tuple[str, str | None, pl.DataFrame]]:
    from egn_analytics.survey import SecretRule, SurveyDesign

    out: list[tuple[str, str | None, pl.DataFrame]] = []
    for name, (frame, book) in tables.items():
        design = SurveyDesign(
            frame,
            ids="uai",
            strata="strate",
            weights="poids",
            fpc="fpc",
            secret=SecretRule(0, None),
        )
        variables = answer_variables(frame, book)
        out.extend(
            (name, by, design.proportion(variables, by=by))
            for by in BREAKDOWNS
            if by is None or by in frame.columns
        )
    return out


def peer_tables(tables: Tables) -> list[tuple[str, str | None, list[pl.DataFrame]]]:
    import svy

    out = []
    for name, (frame, book) in tables.items():
        sample = svy.Sample(
            frame, svy.Design(stratum="strate", psu="uai", wgt="poids", pop_size="fpc")
        )
        variables = answer_variables(frame, book)
        for by in BREAKDOWNS:
            if by is None or by in frame.columns:
                res = sample.estimation.prop(variables, by=by, drop_nulls=True)
                out.append((name, by, [r.to_polars() for r in _as_list(res)]))
    return out


def _as_list(res: Any) -> list[Any]:
    """svy answers a list of variables with an ``EstimateList`` (a list), one per variable."""
    return list(res) if isinstance(res, list) else [res]


_KEYS = ["table", "breakdown", "domain", "variable", "level"]


def _domain(by: str | None) -> pl.Expr:
    return pl.col(by).cast(pl.String) if by else pl.lit("ensemble")


def tidy_ours_tables(raw: list[tuple[str, str | None, pl.DataFrame]]) -> pl.DataFrame:
    return pl.concat(
        est.select(
            pl.lit(name).alias("table"),
            pl.lit(by or "ensemble").alias("breakdown"),
            _domain(by).alias("domain"),
            "variable",
            pl.col("level").cast(pl.String),
            "estimate",
            "se",
            pl.col("n").cast(pl.Int64),
        )
        for name, by, est in raw
    )


def tidy_peer_tables(raw: list[tuple[str, str | None, list[pl.DataFrame]]]) -> pl.DataFrame:
    parts = []
    for name, by, results in raw:
        for res in results:
            # The level column is named after the variable; the by column after itself.
            variable = next(
                c for c in res.columns if c not in {by, "est", "se", "lci", "uci", "cv", "df", "n"}
            )
            parts.append(
                res.select(
                    pl.lit(name).alias("table"),
                    pl.lit(by or "ensemble").alias("breakdown"),
                    _domain(by).alias("domain"),
                    pl.lit(variable).alias("variable"),
                    pl.col(variable).cast(pl.String).alias("level"),
                    pl.col("est").alias("estimate"),
                    "se",
                    pl.col("n").cast(pl.Int64),
                )
            )
    return pl.concat(parts)


# --------------------------------------------------------------------------- catalogue workload


def _catalogue_inputs(tables: Tables) -> dict[str, pl.DataFrame]:
    inputs: dict[str, pl.DataFrame] = {}
    for name, (frame, book) in tables.items():
        inputs[name] = frame
        inputs[f"{name}_dictionnaire"] = book
    return inputs


def catalogue_ids(tables: Tables) -> list[str]:
    """The catalogue indicators whose population is made of the loaded tables."""
    from egn_analytics.indicators import load_catalogue

    cat = load_catalogue()
    ok = [
        p
        for p in cat["population"].unique().to_list()
        if all(t in tables for t in POOLED.get(p, {p: 0}))
    ]
    return cat.filter(pl.col("population").is_in(ok))["id"].to_list()


def ours_catalogue(inputs: dict[str, pl.DataFrame], ids: list[str]) -> pl.DataFrame:
    from egn_analytics.indicators import compute_catalogue
    from egn_analytics.survey import SecretRule

    return compute_catalogue(inputs, secret=SecretRule(0, None), indicators=ids)


def _population_frame(population: str, tables: Tables) -> pl.DataFrame:
    if population not in POOLED:
        return tables[population][0]
    return pl.concat(
        [
            tables[t][0].with_columns(
                (pl.lit(f"{t}/") + pl.col("strate").cast(pl.String)).alias("strate"),
                (pl.lit(f"{t}/") + pl.col("uai").cast(pl.String)).alias("uai"),
                pl.lit(degre, dtype=pl.Int64).alias("degre"),
            )
            for t, degre in POOLED[population].items()
        ],
        how="diagonal_relaxed",
    )


_IND = "ind__"


def _indicator_column(row: dict[str, Any]) -> pl.Expr:
    source = pl.col(row["variable"])
    if row["mesure"] == "proportion":
        codes = [int(c) for c in row["niveaux"].split("|")]
        value = pl.when(source.is_null()).then(None).otherwise(source.is_in(codes))
        return value.cast(pl.Float64).alias(_IND + row["id"])
    return source.cast(pl.Float64).alias(_IND + row["id"])


def peer_catalogue(tables: Tables, ids: list[str]) -> list[tuple[str, str, str | None, Any]]:
    import svy

    from egn_analytics.indicators import load_breakdowns, load_catalogue

    cat = load_catalogue().filter(pl.col("id").is_in(ids))
    columns = dict(load_breakdowns().select("id", "column").iter_rows())
    out: list[tuple[str, str, str | None, Any]] = []
    for population in cat["population"].unique(maintain_order=True).to_list():
        rows = cat.filter(pl.col("population") == population)
        frame = _population_frame(population, tables).with_columns(
            _indicator_column(r) for r in rows.iter_rows(named=True)
        )
        sample = svy.Sample(
            frame,
            svy.Design(
                stratum="strate",
                psu="uai",
                ssu="id",
                wgt="poids",
                pop_size=svy.PopSize(psu="fpc", ssu="nb_unites_etab"),
                singleton="center",
            ),
        )
        plan = rows.select("id", pl.col("ventilations").str.split("|").alias("bd")).explode("bd")
        for bd in plan["bd"].unique(maintain_order=True).to_list():
            wanted = plan.filter(pl.col("bd") == bd)["id"].to_list()
            by = columns[bd]
            res = sample.estimation.mean([_IND + i for i in wanted], by=by, drop_nulls=True)
            results = _as_list(res)
            out.extend(
                (population, bd, by, (i, r.to_polars()))
                for i, r in zip(wanted, results, strict=True)
            )
    return out


_CAT_KEYS = ["population", "breakdown", "domain_code", "indicator"]


def tidy_ours_catalogue(out: pl.DataFrame) -> pl.DataFrame:
    # A domain with no respondent for an indicator is a masked row (n = 0): no estimate.
    return out.filter(pl.col("n") > 0).select(
        *_CAT_KEYS, "estimate", "se", pl.col("n").cast(pl.Int64)
    )


def tidy_peer_catalogue(raw: list[tuple[str, str, str | None, Any]]) -> pl.DataFrame:
    return pl.concat(
        res.select(
            pl.lit(population).alias("population"),
            pl.lit(bd).alias("breakdown"),
            _domain(by).alias("domain_code"),
            pl.lit(indicator).alias("indicator"),
            pl.col("est").alias("estimate"),
            "se",
            pl.col("n").cast(pl.Int64),
        )
        for population, bd, by, (indicator, res) in raw
    )


def stage2_lonely(frame: pl.DataFrame) -> int:
    """PSUs with a single respondent out of several units: lonely at the second stage."""
    per_psu = frame.group_by("strate", "uai").agg(
        pl.len().alias("m"), pl.col("nb_unites_etab").first().alias("M")
    )
    return per_psu.filter((pl.col("m") == 1) & (pl.col("M") > 1)).height


def ours_remove(tables: Tables, ids: list[str], population: str) -> pl.DataFrame:
    """The catalogue's estimates of one population by our engine, lonely SSUs « remove »."""
    from egn_analytics.indicators import load_breakdowns, load_catalogue
    from egn_analytics.survey import SecretRule, depp_design

    rows = load_catalogue().filter(pl.col("id").is_in(ids) & (pl.col("population") == population))
    columns = dict(load_breakdowns().select("id", "column").iter_rows())
    frame = _population_frame(population, tables).with_columns(
        _indicator_column(r) for r in rows.iter_rows(named=True)
    )
    design = depp_design(frame, secret=SecretRule(0, None), lonely_psu="remove")
    plan = rows.select("id", pl.col("ventilations").str.split("|").alias("bd")).explode("bd")
    parts = []
    for bd in plan["bd"].unique(maintain_order=True).to_list():
        by = columns[bd]
        est = design.mean([_IND + i for i in plan.filter(pl.col("bd") == bd)["id"]], by=by)
        parts.append(
            est.select(
                pl.lit(population).alias("population"),
                pl.lit(bd).alias("breakdown"),
                _domain(by).alias("domain_code"),
                pl.col("variable").str.strip_prefix(_IND).alias("indicator"),
                pl.col("se").alias("se_remove"),
            )
        )
    return pl.concat(parts)


def comparable_catalogue_se(
    ours: pl.DataFrame, peer: pl.DataFrame, tables: Tables, ids: list[str]
) -> pl.DataFrame:
    """The catalogue's rows, with SEs svy can reproduce.

    The catalogue treats a PSU with one respondent out of several units as R's
    ``lonely.psu = "adjust"`` at the second stage. svy has no such rule there (its
    ``singleton=`` applies to strata with one PSU): such a PSU adds nothing to the within-PSU
    term, which is R's (and our) ``"remove"``. For the populations that have such PSUs, the SEs
    compared are those of our engine with ``lonely_psu="remove"`` on the same design (untimed);
    the catalogue's own SEs are reported against svy's as information.
    """
    from egn_analytics.indicators import load_catalogue

    cat = load_catalogue().filter(pl.col("id").is_in(ids))
    for population in cat["population"].unique(maintain_order=True).to_list():
        lonely = stage2_lonely(_population_frame(population, tables))
        if not lonely:
            continue
        alt = ours_remove(tables, ids, population)
        ours = ours.join(alt, on=_CAT_KEYS, how="left").with_columns(
            pl.coalesce("se_remove", "se").alias("se_remove")
        )
        info = (
            ours.filter(pl.col("population") == population)
            .join(peer.select(*_CAT_KEYS, pl.col("se").alias("se_peer")), on=_CAT_KEYS)
            .select((pl.col("se") / pl.col("se_peer")).alias("r"))
            .drop_nans()
            .get_column("r")
        )
        low, high = float(info.min()), float(info.max())  # type: ignore[arg-type]
        print(
            f"# catalogue {population}: {lonely} PSU(s) with one respondent out of several "
            "(second-stage lonely units: « adjust » in the catalogue, no such rule in svy) ; "
            f"catalogue SE / svy SE in [{low:.3f}, {high:.3f}] ; "
            'SEs compared below: ours with lonely_psu="remove" vs svy',
            flush=True,
        )
        ours = ours.with_columns(pl.col("se_remove").alias("se")).drop("se_remove")
    return ours


# --------------------------------------------------------------------------- agreement


def agreement(ours: pl.DataFrame, peer: pl.DataFrame, keys: list[str]) -> dict[str, Any]:
    """Same keys, estimates within EST_TOL, SEs within SE_RTOL relative, equal n."""
    both = ours.join(peer, on=keys, how="full", coalesce=True, suffix="_peer")
    only_ours = both.filter(pl.col("estimate_peer").is_null() & pl.col("estimate").is_not_null())
    only_peer = both.filter(pl.col("estimate").is_null() & pl.col("estimate_peer").is_not_null())
    paired = both.filter(pl.col("estimate").is_not_null() & pl.col("estimate_peer").is_not_null())
    scale = pl.max_horizontal(pl.lit(1.0), pl.col("estimate").abs())
    se_scale = pl.max_horizontal(pl.col("se").abs(), pl.col("se_peer").abs())
    est_diff = (pl.col("estimate") - pl.col("estimate_peer")).abs() / scale
    se_diff = pl.when(se_scale > 0).then((pl.col("se") - pl.col("se_peer")).abs() / se_scale)
    stats = paired.select(
        # NaN on both sides agrees (counted below when on one side only).
        est_diff.fill_nan(0.0).max().alias("est"),
        se_diff.otherwise(0.0).fill_nan(0.0).max().alias("se"),
        (
            (pl.col("se").is_nan() != pl.col("se_peer").is_nan())
            | (pl.col("estimate").is_nan() != pl.col("estimate_peer").is_nan())
        )
        .sum()
        .alias("nan"),
        (pl.col("n") != pl.col("n_peer")).sum().alias("n"),
    ).row(0, named=True)
    ok = (
        only_ours.height == 0
        and only_peer.height == 0
        and paired.height > 0
        and (stats["est"] or 0.0) <= EST_TOL
        and (stats["se"] or 0.0) <= SE_RTOL
        and stats["nan"] == 0
        and stats["n"] == 0
    )
    return {
        "paired": paired.height,
        "only_ours": only_ours.height,
        "only_peer": only_peer.height,
        "max_est_diff": stats["est"] or 0.0,
        "max_se_rel_diff": stats["se"] or 0.0,
        "nan_mismatch": stats["nan"],
        "n_mismatch": stats["n"],
        "ok": ok,
    }


# --------------------------------------------------------------------------- timing


def _best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last run's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def timed(
    ours: Callable[[Tables], Any],
    peer: Callable[[Tables], Any],
    tables: Tables,
    warm: Tables,
    repeat: int,
) -> tuple[float, float, Any, Any]:
    """One warm-up run of each engine on ``warm``, then best of ``repeat`` on ``tables``."""
    ours(warm)
    peer(warm)
    t_ours, raw_ours = _best_of(lambda: ours(tables), repeat)
    t_peer, raw_peer = _best_of(lambda: peer(tables), repeat)
    return t_ours, t_peer, raw_ours, raw_peer


def report(
    label: str, t_ours: float, t_peer: float, rows: tuple[int, int], check: dict[str, Any]
) -> dict[str, Any]:
    rows_ours, rows_peer = rows
    print(
        f"{label:9} ours rows={rows_ours:>6,} seconds={t_ours:7.3f} "
        f"rows/s={rows_ours / t_ours:>9,.0f}\n"
        f"{label:9} svy  rows={rows_peer:>6,} seconds={t_peer:7.3f} "
        f"rows/s={rows_peer / t_peer:>9,.0f}\n"
        f"ratio {label:9} svy_time/ours_time = {t_peer / t_ours:.2f} (>1: we are faster)\n"
        f"agreement {label:9} {'OK' if check['ok'] else 'FAILED'} paired={check['paired']:,} "
        f"only_ours={check['only_ours']} only_svy={check['only_peer']} "
        f"max|Δestimate|={check['max_est_diff']:.1e} max|Δse|/se={check['max_se_rel_diff']:.1e} "
        f"n_mismatch={check['n_mismatch']} nan_mismatch={check['nan_mismatch']}",
        flush=True,
    )
    return {"label": label, "ours": t_ours, "peer": t_peer, "rows": rows_ours, **check}


def bench_tables(tables: Tables, warm: Tables, repeat: int) -> dict[str, Any]:
    t_ours, t_peer, raw_ours, raw_peer = timed(ours_tables, peer_tables, tables, warm, repeat)
    a, b = tidy_ours_tables(raw_ours), tidy_peer_tables(raw_peer)
    return report("tables", t_ours, t_peer, (a.height, b.height), agreement(a, b, _KEYS))


def bench_catalogue(tables: Tables, warm: Tables, repeat: int) -> dict[str, Any] | None:
    ids, warm_ids = catalogue_ids(tables), catalogue_ids(warm)
    if not ids:
        return None
    inputs, warm_inputs = _catalogue_inputs(tables), _catalogue_inputs(warm)

    def ours(t: Tables) -> pl.DataFrame:
        return ours_catalogue(inputs, ids) if t is tables else ours_catalogue(warm_inputs, warm_ids)

    def peer(t: Tables) -> Any:
        return peer_catalogue(t, ids if t is tables else warm_ids)

    t_ours, t_peer, raw_ours, raw_peer = timed(ours, peer, tables, warm, repeat)
    a, b = tidy_ours_catalogue(raw_ours), tidy_peer_catalogue(raw_peer)
    a = comparable_catalogue_se(a, b, tables, ids)
    return report("catalogue", t_ours, t_peer, (a.height, b.height), agreement(a, b, _CAT_KEYS))


def _versions() -> str:
    from importlib.metadata import version

    names = ("egn-analytics", "svy", "svy-rs", "polars", "numpy", "scipy")
    return " ".join(f"{n}={version(n)}" for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"one table ({QUICK_TABLE})")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up")
    parser.add_argument("--processed", type=Path, default=REPO / "data" / "processed")
    parser.add_argument("--no-catalogue", action="store_true", help="tables workload only")
    args = parser.parse_args(argv)

    import svy  # noqa: F401  (imported before any timing, as our own package is)

    names = [QUICK_TABLE] if args.quick else list(TABLES)
    tables, source = load_tables(args.processed, names)
    warm = {QUICK_TABLE: tables[QUICK_TABLE]}
    print(
        f"# {os.cpu_count()} CPU, polars threads={pl.thread_pool_size()} ; {_versions()}\n"
        f"# tables: {', '.join(f'{n} ({tables[n][0].height:,})' for n in names)} ; "
        f"source: {source}\n# best of {args.repeat} after a warm-up run of each engine on "
        f"{QUICK_TABLE}",
        flush=True,
    )
    results = [bench_tables(tables, warm, args.repeat)]
    if not args.no_catalogue:
        cat = bench_catalogue(tables, warm, args.repeat)
        if cat is not None:
            results.append(cat)
    ok = all(r["ok"] for r in results)
    print(f"agreement: {'OK' if ok else 'FAILED'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
