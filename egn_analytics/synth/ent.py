"""Synthetic raw ENT (espace numérique de travail) event logs, January - July 2020.

Why raw logs and not a ready-made indicator: the product's ENT loader must cope with what
providers actually export (one line per HTTP request, local timestamps with a UTC offset that
changes at the DST switch, raw login identifiers that must be pseudonymised at ingestion,
saturation errors on 16 March 2020). The generator therefore writes request-level files, one per
month, and a separate monthly audience table "as published" at national scale.

Model (shared by the logs and the audience table, so both tell the same story):

* users: one pool per établissement with an ENT project and per profile (élèves, parents about
  1.5 per pupil, enseignants, a few personnels). A user is identified by a global integer id;
  its login is a bijective function of that id (so it is stable and unique) and nothing per user
  is stored: memory does not grow with the number of events.
* intensity: for each day, each (établissement, profile) cell gets an expected volume
  ``pool size x profile rate x établissement and project factors x level(day) x context ratio``
  where the context (school day, weekend or public holiday, holiday weekday, holiday weekend)
  comes from the académie's zone calendar, and the level encodes the crisis (x3 from 16 March,
  holidays inside the closure, déconfinement from 11 May, summer from 4 July).
* activity within a pool is heavy-tailed: the user of rank ``r`` among the ``A`` active accounts
  is drawn as ``r = floor(A * U**ALPHA)`` so a few users produce most events.
* events of a day are split over (hour, profile, day type) by a multinomial draw and produced in
  hour blocks of at most ``_MAX_CHUNK_ROWS`` rows, already in time order; a writer thread encodes
  and compresses one block while the next is generated.

Determinism: every day draws from its own generator ``rng_for(seed, "ent.jour.<date>")``; block
boundaries depend only on counts, never on the output format; gzip streams carry mtime 0 and no
file name. Same inputs give byte-identical files (with the same zlib and pyarrow versions).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from egn_analytics.io import atomic_path, sha256_file, write_text_atomic
from egn_analytics.reference import academies, calendar
from egn_analytics.synth.common import SYNTHETIC_MARK, SYNTHETIC_TAG, FileRecord, relative, rng_for

START = dt.date(2020, 1, 1)
END = dt.date(2020, 7, 31)
FORMATS = ("csv.gz", "csv", "parquet", "jsonl")
LOG_DIR = "ent/logs"
AUDIENCE_FILE = f"ent/audience_mensuelle_ent_2020_{SYNTHETIC_TAG}.csv"
README_FILE = f"ent/LISEZMOI_{SYNTHETIC_TAG}.txt"
CSV_SEPARATOR = ";"
GZIP_LEVEL = 3
TIMEZONE = "Europe/Paris"

PROFILS = ("élève", "parent", "enseignant", "personnel")
SERVICES = (
    "accueil/authentification",
    "messagerie",
    "cahier de textes",
    "vie scolaire/notes",
    "ressources pédagogiques",
    "espace de stockage et partage",
    "classe virtuelle",
    "actualités",
)
STATUTS = (200, 302, 304, 404, 500, 502, 503, 504)

#: Closure of every school (16 March) and eve of the déconfinement (11 May).
CLOSURE_START = dt.date(2020, 3, 16)
CLOSURE_END = dt.date(2020, 5, 10)
#: Calibration of the national audience table: ENT visits from the closure (16 March) to the end
#: of the school year (3 July), lycées having stayed mostly closed; published: « plus de 550
#: millions ». The 2013 measure (≈ 13 million visits a month) cannot hold in January 2020 as
#: well: with the x3 jump it would give ≈ 140 million visits over that period.
AUDIENCE_WINDOW = (CLOSURE_START, dt.date(2020, 7, 3))
AUDIENCE_WINDOW_VISITS = 580e6
#: Pupils in France in 2019-2020, used to bring the établissement sample to national scale.
NATIONAL_PUPILS = 12_400_000

_MAX_CHUNK_ROWS = 1_000_000  # rows generated at once (bounded memory)
_BATCH_ROWS = 500_000  # small days are grouped into write batches / parquet row groups
_ALPHA = 2.2  # heavy tail of user activity (share of the top 1 % of users ≈ 12 %)
_DST_DAY = dt.date(2020, 3, 29)  # 02:00 local → 03:00, +01:00 → +02:00

# --- context and levels -------------------------------------------------------------------
# Context of a (académie, day): 0 school day, 1 weekend or public holiday, 2 holiday weekday,
# 3 holiday weekend. Regime classes: 0 before the crisis, 1 crisis (closure and reopening),
# 2 summer. Ratios are relative to a school day of the same regime, per profile.
_CTX_RATIO = np.array(
    [
        # élève, parent, enseignant, personnel
        [[1, 1, 1, 1], [0.30, 0.40, 0.30, 0.04], [0.10, 0.15, 0.20, 0.30], [0.06, 0.10, 0.10, 0.02]],
        [[1, 1, 1, 1], [0.50, 0.55, 0.50, 0.06], [0.22, 0.25, 0.30, 0.35], [0.15, 0.18, 0.18, 0.03]],
        [[1, 1, 1, 1], [0.03, 0.04, 0.05, 0.02], [0.04, 0.05, 0.10, 0.25], [0.03, 0.04, 0.05, 0.02]],
    ]
)  # fmt: skip
#: Weekday factor (Monday..Sunday) on school days: Monday catch-up, quieter Wednesday and Friday.
_WEEKDAY = np.array([1.08, 1.0, 0.9, 1.0, 0.92, 1.0, 1.0])
#: Events per account and per school day before the crisis: [profile, niveau (école, 2nd degré)].
_RATE = np.array([[0.12, 1.0], [0.10, 0.22], [0.9, 2.6], [2.0, 3.0]])
#: Level of a school day in the first closure week, per profile (× the pre-crisis level).
_CLOSURE_LEVEL = np.array([2.75, 3.3, 2.75, 1.85])
#: Share of accounts that are active at all, per regime class and profile.
_ACTIVE = np.array([[0.75, 0.45, 0.90, 0.90], [0.93, 0.75, 0.97, 0.95], [0.30, 0.20, 0.55, 0.80]])

# --- hourly profiles: [regime class (0 pre, 1 crisis)][day type (0 school, 1 off)][profile] --
_H_PRE_SCHOOL = [
    [0.2, 0.08, 0.04, 0.03, 0.03, 0.1, 1.0, 4.6, 3.4, 2.4, 2.6, 2.8, 4.2, 3.4, 2.6, 2.6, 3.2, 5.6, 6.6, 6.4, 5.0, 2.8, 0.9, 0.35],
    [0.15, 0.06, 0.03, 0.02, 0.03, 0.15, 1.3, 3.4, 2.4, 1.8, 1.8, 2.0, 3.0, 2.6, 2.0, 2.0, 2.4, 3.4, 4.8, 5.6, 5.4, 3.8, 1.5, 0.5],
    [0.2, 0.06, 0.03, 0.02, 0.05, 0.3, 2.4, 6.0, 4.6, 3.6, 3.6, 3.4, 4.4, 4.0, 3.6, 3.6, 4.2, 5.0, 4.8, 4.4, 4.4, 3.6, 1.8, 0.7],
    [0.03, 0.01, 0.01, 0.01, 0.02, 0.1, 0.8, 5.0, 8.0, 8.0, 7.5, 6.0, 4.0, 5.5, 7.5, 7.5, 6.5, 4.5, 2.0, 1.0, 0.5, 0.3, 0.1, 0.05],
]  # fmt: skip
_H_PRE_OFF = [
    [0.3, 0.15, 0.08, 0.04, 0.03, 0.03, 0.1, 0.4, 1.0, 2.0, 2.8, 3.0, 2.6, 2.6, 3.2, 3.6, 4.0, 4.4, 5.0, 5.2, 4.6, 3.2, 1.4, 0.6],
    [0.2, 0.08, 0.04, 0.03, 0.03, 0.05, 0.2, 0.8, 1.8, 2.6, 3.0, 2.8, 2.2, 2.2, 2.6, 2.8, 3.0, 3.4, 4.2, 5.0, 5.2, 4.0, 1.8, 0.6],
    [0.3, 0.1, 0.04, 0.03, 0.03, 0.05, 0.3, 1.0, 2.4, 3.4, 3.8, 3.4, 2.4, 2.6, 3.4, 3.8, 4.0, 4.2, 4.2, 4.2, 4.6, 4.2, 2.4, 0.9],
    [0.03, 0.01, 0.01, 0.01, 0.01, 0.05, 0.3, 1.5, 4.0, 5.0, 5.0, 4.0, 2.5, 3.0, 4.0, 4.0, 3.5, 2.5, 1.5, 1.0, 0.5, 0.3, 0.1, 0.05],
]  # fmt: skip
_H_CRISIS_SCHOOL = [
    [0.9, 0.45, 0.25, 0.15, 0.1, 0.15, 0.5, 1.6, 3.6, 4.4, 4.6, 4.0, 2.8, 3.0, 4.0, 4.2, 4.0, 4.4, 5.6, 6.4, 6.6, 5.8, 3.8, 2.2],
    [0.6, 0.3, 0.15, 0.1, 0.08, 0.15, 0.8, 2.4, 3.4, 3.2, 2.8, 2.4, 2.4, 2.6, 2.8, 2.8, 3.0, 3.6, 5.0, 6.2, 6.4, 5.4, 3.4, 1.6],
    [0.9, 0.4, 0.2, 0.1, 0.1, 0.3, 1.6, 4.0, 5.4, 5.6, 5.4, 4.2, 3.0, 3.6, 4.8, 5.0, 4.8, 5.0, 5.4, 5.6, 6.0, 5.6, 3.8, 2.0],
    [0.1, 0.04, 0.02, 0.01, 0.02, 0.15, 0.8, 4.5, 7.5, 7.8, 7.2, 5.8, 4.2, 5.5, 7.2, 7.2, 6.4, 4.8, 2.6, 1.5, 1.0, 0.7, 0.4, 0.2],
]  # fmt: skip
_LATE = np.array([2.4] * 6 + [1.0] * 12 + [1.2] * 4 + [2.4] * 2)  # crisis off days: later nights


def _norm_rows(a: np.ndarray) -> np.ndarray:
    return a / a.sum(axis=-1, keepdims=True)


_HOURS = np.stack(
    [
        np.stack([_norm_rows(np.array(_H_PRE_SCHOOL)), _norm_rows(np.array(_H_PRE_OFF))]),
        np.stack(
            [_norm_rows(np.array(_H_CRISIS_SCHOOL)), _norm_rows(np.array(_H_PRE_OFF) * _LATE)]
        ),
    ]
)  # shape (2 classes, 2 day types, 4 profiles, 24 hours)

# --- services ----------------------------------------------------------------------------
_SERVICE_PRE = np.array(
    [
        [0.26, 0.10, 0.22, 0.22, 0.08, 0.02, 0.005, 0.095],
        [0.30, 0.12, 0.16, 0.32, 0.02, 0.005, 0.0, 0.075],
        [0.18, 0.20, 0.24, 0.16, 0.09, 0.05, 0.01, 0.07],
        [0.25, 0.30, 0.05, 0.25, 0.02, 0.05, 0.0, 0.08],
    ]
)
#: Growth of each service during the closure (absolute usage, x): pedagogical resources +226 %,
#: storage and sharing +530 % (published); the portal entry absorbs the rest so that a profile
#: whose total grows x3 sees exactly these factors.
_SERVICE_GROWTH = np.array([np.nan, 3.6, 3.3, 1.5, 3.26, 6.3, 20.0, 2.0])


def _crisis_service_mix() -> np.ndarray:
    mix = _SERVICE_PRE * np.nan_to_num(_SERVICE_GROWTH, nan=0.0) / 3.0
    mix[:, 0] = np.maximum(1.0 - mix[:, 1:].sum(axis=1), 0.05)
    return _norm_rows(mix)


_SERVICE_MIX = np.stack([_norm_rows(_SERVICE_PRE), _crisis_service_mix()])
_PAGES_PER_VISIT = np.array([1.6, 3.5, 4.0, 3.8, 5.0, 4.5, 2.5, 2.0])
_URLS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("/auth/login", 0.35), ("/cas/login", 0.15), ("/portail/accueil", 0.4), ("/auth/logout", 0.1)),
    (("/messagerie/boite-de-reception", 0.5), ("/messagerie/message", 0.35), ("/messagerie/nouveau", 0.15)),
    (("/cahier-de-textes/agenda", 0.5), ("/cahier-de-textes/seance", 0.3), ("/cahier-de-textes/travail-a-faire", 0.2)),
    (("/vie-scolaire/notes", 0.45), ("/vie-scolaire/absences", 0.25), ("/vie-scolaire/emploi-du-temps", 0.3)),
    (("/ressources/mediacentre", 0.5), ("/ressources/gar/acces", 0.3), ("/ressources/manuels", 0.2)),
    (("/espace-documentaire/fichiers", 0.5), ("/espace-documentaire/depot", 0.3), ("/espace-documentaire/partage", 0.2)),
    (("/classe-virtuelle/rejoindre", 0.6), ("/classe-virtuelle/salle", 0.4)),
    (("/actualites", 0.7), ("/actualites/article", 0.3)),
)  # fmt: skip
_URL_LIST = tuple(u for service in _URLS for u, _ in service)
#: Non-5xx status mix per service: 200, 302, 304, 404 (portal and GAR redirect a lot).
_STATUS_OK = np.array(
    [[0.55, 0.38, 0.05, 0.02]] + [[0.90, 0.03, 0.06, 0.01]] * 3 + [[0.85, 0.10, 0.04, 0.01]]
    + [[0.90, 0.03, 0.06, 0.01]] * 3
)  # fmt: skip
_STATUS_5XX_NORMAL = np.array([0.40, 0.30, 0.20, 0.10])  # 500, 502, 503, 504
_STATUS_5XX_SATURATED = np.array([0.05, 0.35, 0.35, 0.25])
_P5XX_BASE = 0.0015
_DUREE_MEDIAN_MS = np.array([180.0, 250.0, 300.0, 350.0, 450.0, 700.0, 900.0, 150.0])

# --- logins ------------------------------------------------------------------------------
_FIRST_NAMES = (
    "lea emma jade louise chloe manon ines camille sarah lina hugo lucas louis nathan gabriel "
    "arthur jules tom theo adam raphael noah mathis enzo ethan nolan maxime paul clement thomas "
    "nicolas julien sebastien christophe stephane laurent olivier david pierre jean philippe "
    "frederic eric mathieu antoine alexandre romain vincent francois guillaume marie nathalie "
    "isabelle sylvie catherine sandrine valerie christine celine stephanie aurelie emilie julie "
    "caroline sophie laetitia audrey virginie elodie karine helene anne claire sabrina nadia "
    "fatima amina yasmine mohamed karim mehdi yanis rayan ibrahim sofiane samir leila myriam "
    "anais margaux clara juliette alice zoe rose ambre lola eva mael lena axel leo liam sacha "
    "timeo evan baptiste quentin kevin anthony benjamin florian damien cedric morgane pauline "
    "justine oceane marine yohan dylan killian gaelle wendy"
).split()
_SURNAMES = (
    "martin bernard thomas petit robert richard durand dubois moreau laurent simon michel "
    "lefebvre leroy roux david bertrand morel fournier girard bonnet dupont lambert fontaine "
    "rousseau vincent muller lefevre faure andre mercier blanc guerin boyer garnier chevalier "
    "francois legrand gauthier garcia perrin robin clement morin nicolas henry roussel mathieu "
    "gautier masson marchand duval denis dumont marie lemaire noel meyer dufour meunier brun "
    "blanchard giraud joly riviere lucas brunet gaillard barbier arnaud martinez gerard roche "
    "renard schmitt roy leroux colin vidal caron picard roger fabre aubert lemoine renaud dumas "
    "lacroix olivier philippe bourgeois pierre benoit rey leclerc payet rolland leclercq "
    "guillaume lecomte lopez jean dupuy guillot hubert berger carpentier sanchez dupuis moulin "
    "louis deschamps huet vasseur perez boucher fleury royer klein jacquet adam paris poirier "
    "marty aubry guyot carre charles renault charpentier menard maillard baron bertin bailly "
    "herve schneider fernandez legall collet leger bouvier julien prevost millet perrot daniel "
    "cousin germain breton besson langlois remy legoff pelletier leveque perrier leblanc barre "
    "lebrun marchal weber mallet hamon boulanger jacob monnier michaud rodriguez guichard gillet "
    "etienne grondin poulain tessier chevallier collin chauvin dasilva bouchet gay lemaitre "
    "benard marechal humbert reynaud antoine hoarau perret barthelemy cordier pichon lejeune "
    "gilbert lamy delaunay pasquier carlier laporte"
).split()


@dataclass(frozen=True, slots=True)
class _Logins:
    """Bijection user id → login string (``jdupont42``, ``m.martin7``, ``lea.bernard3``).

    ``s = (a * id + b) mod N`` permutes the ids; ``s`` is split into a format (3), a stem
    (initial or first name, surname) and a disambiguation number. Each piece can be read back
    from the string, so two ids never share a login and nothing is stored per user.
    """

    n_users: int
    a: int
    b: int
    stems: pl.Series
    numbers: pl.Series
    stem_count: np.ndarray  # per format
    stem_offset: np.ndarray  # per format, into ``stems``

    @classmethod
    def build(cls, n_users: int, rng: np.random.Generator) -> _Logins:
        n = max(n_users, 1)
        a = int(rng.integers(n // 3 + 1, n + 1)) if n > 2 else 1
        while math.gcd(a, n) != 1:
            a += 1
        b = int(rng.integers(0, n))
        initials = sorted({f[0] for f in _FIRST_NAMES})
        fmt0 = [i + s for i in initials for s in _SURNAMES]
        fmt1 = [i + "." + s for i in initials for s in _SURNAMES]
        fmt2 = [f + "." + s for f in _FIRST_NAMES for s in _SURNAMES]
        counts = np.array([len(fmt0), len(fmt1), len(fmt2)], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        max_num = n // (3 * int(counts.min())) + 2
        numbers = ["", *(str(k + 1) for k in range(1, max_num + 1))]
        return cls(
            n_users=n,
            a=a,
            b=b,
            stems=pl.Series(fmt0 + fmt1 + fmt2, dtype=pl.String),
            numbers=pl.Series(numbers, dtype=pl.String),
            stem_count=counts,
            stem_offset=offsets,
        )

    def logins(self, user_id: np.ndarray) -> pl.Series:
        s = (self.a * user_id.astype(np.int64) + self.b) % self.n_users
        fmt = s % 3
        v = s // 3
        count = self.stem_count[fmt]
        stem = self.stem_offset[fmt] + v % count
        num = v // count
        return (self.stems.gather(stem) + self.numbers.gather(num)).alias("login")


# --- the model ----------------------------------------------------------------------------
@dataclass(slots=True)
class _Model:
    """Everything the daily intensity needs, as flat numpy arrays over cells and académies."""

    days: list[dt.date]
    n_etab: int
    uai: pl.Series
    projets: list[str]
    etab_projet: np.ndarray  # (E,) index into projets
    cell_size: np.ndarray  # (C,) accounts per (profile, établissement), profile-major
    cell_base: np.ndarray  # (C,) size x rate x établissement and project factors
    cell_equity: np.ndarray  # (C,) share of the crisis surge reached (EP, IPS), 1 for staff
    cell_acad: np.ndarray  # (C,) académie index
    cell_profil: np.ndarray  # (C,) profile index
    cell_oise: np.ndarray  # (C,) établissement in the Oise (closed from 2 March)
    user_offset: np.ndarray  # (C,) first global user id of each cell
    ctx: np.ndarray  # (n_days, n_acad) context code
    projet_saturation: np.ndarray  # (P,) sensitivity to the 16 March overload
    logins: _Logins

    @property
    def n_cells(self) -> int:
        return int(self.cell_size.shape[0])


def _regime(day: dt.date) -> int:
    """Regime class of a day: 0 before the crisis, 1 crisis (from the 14 March weekend), 2 summer."""
    if day >= dt.date(2020, 7, 4):
        return 2
    if day >= dt.date(2020, 3, 14):
        return 1
    return 0


def _interp_date(day: dt.date, points: list[tuple[dt.date, float]]) -> float:
    xs = [p.toordinal() for p, _ in points]
    return float(np.interp(day.toordinal(), xs, [v for _, v in points]))


def _level(day: dt.date) -> np.ndarray:
    """School-day level per profile relative to a pre-crisis school day (national)."""
    if day < dt.date(2020, 3, 12):
        return np.ones(4)
    if day == dt.date(2020, 3, 12):
        return np.array([1.1, 1.15, 1.3, 1.2])
    if day == dt.date(2020, 3, 13):
        return np.array([1.6, 1.8, 2.2, 1.8])
    if day < CLOSURE_START:  # weekend of 14-15 March: everyone prepares
        return np.array([2.2, 2.4, 3.4, 1.6])
    if day <= CLOSURE_END:  # slow fatigue through the closure
        return _CLOSURE_LEVEL * _interp_date(day, [(CLOSURE_START, 1.0), (CLOSURE_END, 0.88)])
    end = _CLOSURE_LEVEL * 0.88
    if day < dt.date(2020, 7, 4):  # déconfinement: gradual return to (almost) normal
        f = _interp_date(
            day,
            [
                (dt.date(2020, 5, 11), 1.0),
                (dt.date(2020, 6, 2), 0.5),
                (dt.date(2020, 6, 22), 0.3),
                (dt.date(2020, 7, 3), 0.2),
            ],
        )
        return 1.0 + (end - 1.0) * f
    return np.ones(4)


def _build_model(etab: pl.DataFrame, seed: int) -> _Model:
    rng = rng_for(seed, "ent.modele")
    ent = etab.filter(pl.col("projet_ent").is_not_null()).sort("uai")
    days = pl.date_range(START, END, "1d", eager=True).to_list()
    acads = academies().get_column("code_academie").sort().to_list()
    acad_idx = {c: i for i, c in enumerate(acads)}

    cal = calendar(START, END).sort("code_academie", "date")
    weekend = (cal.get_column("weekday") >= 6) | cal.get_column("jour_ferie").is_not_null()
    holiday = cal.get_column("vacances").is_not_null()
    ctx_flat = np.where(holiday.to_numpy(), 2, 0) + weekend.to_numpy().astype(np.int64)
    ctx = ctx_flat.reshape(len(acads), len(days)).T.copy()

    n_e = ent.height
    projets = sorted(set(ent.get_column("projet_ent").to_list()))
    p_idx = {p: i for i, p in enumerate(projets)}
    etab_projet = np.array([p_idx[p] for p in ent.get_column("projet_ent").to_list()], np.int64)
    eleves = ent.get_column("eleves").to_numpy().astype(np.float64)
    enseignants = ent.get_column("enseignants").to_numpy().astype(np.float64)
    niveau = (ent.get_column("type") != "Ecole").to_numpy().astype(np.int64)
    e_acad = np.array([acad_idx[c] for c in ent.get_column("code_academie").to_list()], np.int64)
    oise = (ent.get_column("code_departement") == "60").to_numpy()
    ep_factor = ent.get_column("ep").replace_strict(
        {"REP+": 0.72, "REP": 0.85}, default=1.0, return_dtype=pl.Float64
    )
    equity = np.clip(
        ep_factor.to_numpy() * (1 + 0.008 * (ent.get_column("ips").to_numpy() - 103)), 0.5, 1.3
    )

    sizes = np.stack(
        [
            eleves,
            np.round(1.5 * eleves),
            enseignants,
            1 + np.round(0.12 * enseignants),
        ]
    ).astype(np.int64)  # (4, E)
    etab_factor = rng.lognormal(0.0, 0.45, n_e)
    projet_factor = rng.lognormal(0.0, 0.25, len(projets))
    saturation = np.clip(rng.lognormal(-0.2, 0.5, len(projets)), 0.15, 1.8)
    base = sizes * _RATE[:, niveau] * (etab_factor * projet_factor[etab_projet])[None, :]
    cell_equity = np.stack([equity, equity, np.ones(n_e), np.ones(n_e)])
    size_flat = sizes.ravel()
    n_users = int(size_flat.sum())
    return _Model(
        days=days,
        n_etab=n_e,
        uai=ent.get_column("uai"),
        projets=projets,
        etab_projet=etab_projet,
        cell_size=size_flat,
        cell_base=base.ravel(),
        cell_equity=cell_equity.ravel(),
        cell_acad=np.tile(e_acad, 4),
        cell_profil=np.repeat(np.arange(4), n_e),
        cell_oise=np.tile(oise, 4),
        user_offset=np.concatenate([[0], np.cumsum(size_flat)[:-1]]).astype(np.int64),
        ctx=ctx,
        projet_saturation=saturation,
        logins=_Logins.build(n_users, rng_for(seed, "ent.logins")),
    )


def _day_weights(model: _Model, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected volume of every cell on day ``i`` (relative units) and its context code."""
    day = model.days[i]
    regime = _regime(day)
    level = _level(day)[model.cell_profil]
    if dt.date(2020, 3, 2) <= day < CLOSURE_START:  # the Oise closed two weeks earlier
        level = np.where(model.cell_oise, _CLOSURE_LEVEL[model.cell_profil], level)
    level = 1.0 + (level - 1.0) * np.where(level > 1.0, model.cell_equity, 1.0)
    ctx = model.ctx[i][model.cell_acad]
    ratio = _CTX_RATIO[regime][ctx, model.cell_profil]
    weekday = np.where(ctx == 0, _WEEKDAY[day.weekday()], 1.0)
    return model.cell_base * level * ratio * weekday, ctx


def _day_totals(model: _Model) -> np.ndarray:
    return np.array([_day_weights(model, i)[0].sum() for i in range(len(model.days))])


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainders)."""
    if weights.sum() <= 0:
        return np.zeros(weights.shape, np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    rest = total - int(out.sum())
    if rest > 0:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:rest]] += 1
    return out


def _categorical(rng: np.random.Generator, key: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One draw per row from ``probs[key]`` (rows of probabilities), vectorised.

    Each row's CDF is shifted by its key so one ``searchsorted`` on the flattened table serves
    all keys at once.
    """
    n_keys, k = probs.shape
    cdf = np.cumsum(probs, axis=1)
    cdf = cdf / cdf[:, -1:]
    flat = (cdf + np.arange(n_keys)[:, None]).ravel()
    x = key + rng.random(key.shape[0])
    idx = np.searchsorted(flat, x, side="right") - key * k
    return np.clip(idx, 0, k - 1)


def _p5xx(day: dt.date, hour: np.ndarray, projet: np.ndarray, sat: np.ndarray) -> np.ndarray:
    """Probability of a 5xx answer: the 16 March overload (8 h - 11 h), smaller on 17-18 March."""
    peak = (hour >= 8) & (hour < 12)
    shoulder = (hour == 7) | (hour == 12) | (hour == 13)
    if day == dt.date(2020, 3, 16):
        load = np.where(peak, 0.45, np.where(shoulder, 0.15, 0.04))
    elif day == dt.date(2020, 3, 17):
        load = np.where(peak, 0.12, 0.02)
    elif day == dt.date(2020, 3, 18):
        load = np.where(peak, 0.05, 0.0)
    else:
        return np.full(hour.shape, _P5XX_BASE)
    return np.minimum(_P5XX_BASE + load * sat[projet], 0.85)


def _hour_blocks(counts_by_hour: np.ndarray, max_rows: int) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    start, acc = 0, 0
    for h, c in enumerate(counts_by_hour.tolist()):
        if acc and acc + c > max_rows:
            blocks.append((start, h))
            start, acc = h, 0
        acc += c
    blocks.append((start, 24))
    return blocks


def _radix_order(hour: np.ndarray, sec_in_hour: np.ndarray) -> np.ndarray:
    """Time order (stable) with two O(n) radix passes instead of a comparison sort."""
    first = np.argsort(sec_in_hour, kind="stable")
    return first[np.argsort(hour[first], kind="stable")]


def _generate_day(model: _Model, i: int, n_day: int, seed: int) -> Iterator[pl.DataFrame]:
    """Events of day ``i`` in time order, in blocks of whole hours (typed, format-agnostic)."""
    if n_day <= 0:
        return
    day = model.days[i]
    rng = rng_for(seed, f"ent.jour.{day.isoformat()}")
    regime = _regime(day)
    hclass = 0 if regime in (0, 2) else 1
    w, ctx = _day_weights(model, i)
    off = ctx != 0
    n_c = model.n_cells
    n_e = model.n_etab
    # Cumulative weights: school-day cells then off-day cells, profile blocks inside each half.
    cum = np.cumsum(np.concatenate([np.where(off, 0.0, w), np.where(off, w, 0.0)]))
    bounds = np.concatenate([[0.0], cum])[np.arange(0, 2 * n_c + 1, n_e)]
    group_w = np.diff(bounds)  # (8,) = (day type, profile)
    hours = _HOURS[hclass].copy()  # (2, 4, 24)
    if regime == 2:
        hours = _HOURS[0].copy()
        hours[0] = hours[1]  # summer: every day is an off day
    if day == _DST_DAY:
        hours[..., 2] = 0.0  # 02:00-03:00 local does not exist
        hours = _norm_rows(hours)
    q = (group_w.reshape(2, 4)[..., None] * hours).transpose(2, 0, 1).reshape(24, 8)
    counts = rng.multinomial(n_day, (q / q.sum()).ravel()).reshape(24, 8)
    active = np.maximum(1, np.round(model.cell_size * _ACTIVE[regime][model.cell_profil]))
    mix = _SERVICE_MIX[0 if regime in (0, 2) else 1]
    service_boost = 1.3 if regime == 1 else 1.0

    for h0, h1 in _hour_blocks(counts.sum(axis=1), _MAX_CHUNK_ROWS):
        block = counts[h0:h1].ravel()
        n = int(block.sum())
        if n == 0:
            continue
        hour = np.repeat(np.repeat(np.arange(h0, h1), 8), block).astype(np.int64)
        group = np.repeat(np.tile(np.arange(8), h1 - h0), block).astype(np.int64)
        sec_in_hour = rng.integers(0, 3600, n, dtype=np.uint16)
        order = _radix_order(hour.astype(np.uint8), sec_in_hour)
        hour, group, sec_in_hour = hour[order], group[order], sec_in_hour[order]
        sec = hour * 3600 + sec_in_hour
        # Cell (établissement x profile) in proportion to its weight within the group.
        lo, hi = bounds[group], bounds[group + 1]
        x = lo + rng.random(n) * (hi - lo)
        pos = np.clip(np.searchsorted(cum, x, side="right"), group * n_e, group * n_e + n_e - 1)
        cell = pos % n_c
        etab = cell % n_e
        profil = cell // n_e
        # Heavy-tailed choice of the user among the cell's active accounts.
        rank = np.floor(active[cell] * rng.random(n) ** _ALPHA).astype(np.int64)
        user = model.user_offset[cell] + np.minimum(rank, model.cell_size[cell] - 1)
        service = _categorical(rng, profil, mix)
        url_probs = np.zeros((len(_URLS), max(len(u) for u in _URLS)))
        for s, urls in enumerate(_URLS):
            url_probs[s, : len(urls)] = [p for _, p in urls]
        url_local = _categorical(rng, service, url_probs)
        url_offsets = np.cumsum([0] + [len(u) for u in _URLS])[:-1]
        url = url_offsets[service] + url_local
        projet = model.etab_projet[etab]
        p5 = _p5xx(day, hour, projet, model.projet_saturation)
        saturated = p5 > _P5XX_BASE * 2
        is5 = rng.random(n) < p5
        st_ok = _categorical(rng, service, _STATUS_OK)
        st_5 = 4 + np.where(
            saturated,
            _categorical(rng, np.zeros(n, np.int64), _STATUS_5XX_SATURATED[None, :]),
            _categorical(rng, np.zeros(n, np.int64), _STATUS_5XX_NORMAL[None, :]),
        )
        status = np.where(is5, st_5, st_ok)
        # Response time: log-normal per service, slower under load; errors have their own shape.
        load = service_boost * np.where(saturated, 3.0, 1.0)
        duree = _DUREE_MEDIAN_MS[service] * load * np.exp(0.7 * rng.standard_normal(n))
        u = rng.random(n)
        duree = np.select(
            [status == 1, status == 2, status == 3, status == 4, status == 5, status == 6, status == 7],
            [40 + 60 * u, 10 + 30 * u, 15 + 40 * u, 200 + 1800 * u, 30 + 2970 * u, 5 + 75 * u,
             30000 + 30000 * u],
            duree,
        )  # fmt: skip
        yield pl.DataFrame(
            {
                "sec": sec.astype(np.int32),
                "login": model.logins.logins(user),
                "profil": profil.astype(np.uint32),
                "etab": etab.astype(np.uint32),
                "projet": projet.astype(np.uint32),
                "service": service.astype(np.uint32),
                "url": url.astype(np.uint32),
                "statut_http": np.asarray(STATUTS, np.int16)[status],
                "duree_ms": np.round(duree).astype(np.int32),
            }
        )


# --- output ------------------------------------------------------------------------------
_HMS = pl.Series(
    [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)],
    dtype=pl.String,
)


def _utc_offset_seconds(day: dt.date, sec: pl.Expr) -> pl.Expr:
    if day < _DST_DAY:
        return pl.lit(3600, pl.Int64)
    if day == _DST_DAY:
        return pl.when(sec < 7200).then(pl.lit(3600, pl.Int64)).otherwise(pl.lit(7200, pl.Int64))
    return pl.lit(7200, pl.Int64)


def _to_output(model: _Model, day: dt.date, df: pl.DataFrame, fmt: str) -> pl.DataFrame:
    """Typed block → output columns (strings for text formats, tz-aware datetime in Parquet)."""
    sec = pl.col("sec")
    offset = _utc_offset_seconds(day, sec)
    if fmt == "parquet":
        midnight = (day - dt.date(1970, 1, 1)).days * 86400
        horodatage = (
            ((pl.lit(midnight, pl.Int64) + sec.cast(pl.Int64) - offset) * 1000)
            .cast(pl.Datetime("ms", "UTC"))
            .dt.convert_time_zone(TIMEZONE)
        )
    else:
        text_offset = pl.when(offset == 3600).then(pl.lit("+01:00")).otherwise(pl.lit("+02:00"))
        horodatage = pl.concat_str(
            [pl.lit(day.isoformat() + "T"), pl.lit(_HMS).gather(sec), text_offset]
        )

    def enum(col: str, cats: list[str]) -> pl.Expr:
        e = pl.col(col).cat.to(pl.Enum(cats))
        return e.cast(pl.String) if fmt == "parquet" else e

    return df.select(
        horodatage.alias("horodatage"),
        pl.col("login"),
        enum("profil", list(PROFILS)).alias("profil"),
        pl.lit(model.uai).gather(pl.col("etab")).alias("uai"),
        enum("projet", model.projets).alias("projet_ent"),
        enum("service", list(SERVICES)).alias("service"),
        enum("url", list(_URL_LIST)).alias("url"),
        pl.col("statut_http"),
        pl.col("duree_ms"),
    )


_PARQUET_SCHEMA = pa.schema(
    [
        ("horodatage", pa.timestamp("ms", tz=TIMEZONE)),
        ("login", pa.string()),
        ("profil", pa.string()),
        ("uai", pa.string()),
        ("projet_ent", pa.string()),
        ("service", pa.string()),
        ("url", pa.string()),
        ("statut_http", pa.int16()),
        ("duree_ms", pa.int32()),
    ]
)


class _MonthWriter:
    """Streams one month's blocks into one file; every format appends block by block."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.fmt = fmt
        self.rows = 0
        self._fh: BinaryIO | None = None
        self._pq: pq.ParquetWriter | None = None
        self._z: Any = None
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(
                path, _PARQUET_SCHEMA, compression="zstd", compression_level=3
            )
        else:
            self._fh = path.open("wb")
            if fmt == "csv.gz":
                self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # gzip, mtime 0, no name

    def _raw(self, data: bytes) -> None:
        assert self._fh is not None
        self._fh.write(self._z.compress(data) if self._z is not None else data)

    def write(self, df: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            assert self._pq is not None
            self._pq.write_table(df.to_arrow().cast(_PARQUET_SCHEMA), row_group_size=df.height)
        else:
            buf = io.BytesIO()
            if self.fmt == "jsonl":
                df.write_ndjson(buf)
            else:
                df.write_csv(buf, separator=CSV_SEPARATOR, include_header=self.rows == 0)
            self._raw(buf.getvalue())
        self.rows += df.height

    def close(self, header: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            assert self._pq is not None
            if self.rows == 0:
                self._pq.write_table(header.to_arrow().cast(_PARQUET_SCHEMA))
            self._pq.close()
            return
        if self.rows == 0 and self.fmt != "jsonl":
            buf = io.BytesIO()
            header.write_csv(buf, separator=CSV_SEPARATOR)
            self._raw(buf.getvalue())
        assert self._fh is not None
        if self._z is not None:
            self._fh.write(self._z.flush())
        self._fh.close()


class _Pipeline:
    """One background thread encodes and writes while the main thread generates (2 blocks max)."""

    def __init__(self) -> None:
        self._q: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ent-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._q.get()) is not None:
            if self._error is None:
                try:
                    job()
                except BaseException as exc:  # re-raised in the main thread
                    self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._q.put(job)

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def log_file_name(month: int, fmt: str) -> str:
    """Relative path of a month's log file (``ent/logs/ent_evenements_2020-03_SYNTHETIQUE.csv.gz``)."""
    return f"{LOG_DIR}/ent_evenements_2020-{month:02d}_{SYNTHETIC_TAG}.{fmt}"


_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet")


def _write_logs(
    model: _Model, out_dir: Path, seed: int, n_events: int, fmt: str
) -> list[FileRecord]:
    per_day = _allocate(n_events, _day_totals(model))
    empty = _to_output(
        model,
        START,
        pl.DataFrame(
            schema={
                "sec": pl.Int32, "login": pl.String, "profil": pl.UInt32, "etab": pl.UInt32,
                "projet": pl.UInt32, "service": pl.UInt32, "url": pl.UInt32,
                "statut_http": pl.Int16, "duree_ms": pl.Int32,
            }  # fmt: skip
        ),
        fmt,
    )
    records: list[FileRecord] = []
    for month in range(START.month, END.month + 1):
        dest = out_dir / log_file_name(month, fmt)
        day_idx = [i for i, d in enumerate(model.days) if d.month == month]
        with atomic_path(dest) as tmp:
            writer = _MonthWriter(tmp, fmt)
            pipe = _Pipeline()
            pending: list[pl.DataFrame] = []
            pending_rows = 0
            try:
                for i in day_idx:
                    day = model.days[i]
                    for block in _generate_day(model, i, int(per_day[i]), seed):
                        pending.append(_to_output(model, day, block, fmt))
                        pending_rows += block.height
                        if pending_rows >= _BATCH_ROWS:
                            batch = pl.concat(pending) if len(pending) > 1 else pending[0]
                            pipe.submit(lambda b=batch: writer.write(b))
                            pending, pending_rows = [], 0
                if pending:
                    batch = pl.concat(pending) if len(pending) > 1 else pending[0]
                    pipe.submit(lambda b=batch: writer.write(b))
            finally:
                pipe.close()
            writer.close(empty)
        records.append(
            FileRecord(
                path=relative(dest, out_dir),
                family="ent",
                description=(
                    f"Journaux bruts d'événements des ENT, {_MOIS[month - 1]} 2020 "
                    "(une ligne par requête, identifiants de connexion bruts à pseudonymiser)"
                ),
                format=fmt,
                rows=writer.rows,
                bytes=dest.stat().st_size,
                sha256=sha256_file(dest),
            )
        )
    return records


# --- monthly audience table ---------------------------------------------------------------
def _unique_visitors(visits: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Expected distinct users behind ``visits`` drawn from ``active`` heavy-tailed accounts.

    A user at quantile ``x`` of the activity ranking has a visit share ``f(x)/A`` with
    ``f(x) = x**(1/ALPHA - 1) / ALPHA`` (the density of ``U**ALPHA``); the expected number of
    users seen at least once is ``A * ∫ (1 - exp(-V f(x) / A)) dx``.
    """
    edges = np.concatenate([[0.0], np.geomspace(1e-9, 1.0, 400)])
    mid = (edges[:-1] + edges[1:]) / 2
    dx = np.diff(edges)
    f = mid ** (1 / _ALPHA - 1) / _ALPHA
    a = np.maximum(active, 1.0)
    lam = (visits / a)[..., None] * f
    seen = (-np.expm1(-lam) * dx).sum(axis=-1)
    return np.minimum(a * seen, visits)


def _audience(model: _Model) -> pl.DataFrame:
    """National monthly audience per project, profile and service, from the daily model."""
    n_p = len(model.projets)
    cell_projet = np.tile(model.etab_projet, 4)
    key = model.cell_profil * n_p + cell_projet  # (profile, project)
    n_days = len(model.days)
    visits = np.zeros((n_days, 4 * n_p))
    active = np.zeros((n_days, 4 * n_p))
    for i, day in enumerate(model.days):
        w, _ = _day_weights(model, i)
        regime = _regime(day)
        visits[i] = np.bincount(key, w, minlength=4 * n_p)
        act = model.cell_size * _ACTIVE[regime][model.cell_profil]
        active[i] = np.bincount(key, act, minlength=4 * n_p)
    lo, hi = AUDIENCE_WINDOW
    in_window = np.array([lo <= d <= hi for d in model.days])
    visits *= AUDIENCE_WINDOW_VISITS / visits[in_window].sum()
    pool_scale = NATIONAL_PUPILS / max(float(model.cell_size[: model.n_etab].sum()), 1.0)
    months = np.array([d.month for d in model.days])
    crisis = np.array([_regime(d) == 1 for d in model.days])

    frames = []
    for m in range(START.month, END.month + 1):
        sel = months == m
        v_m = visits[sel]  # (days, 4 * P)
        # Service mix per profile, day by day (it changes with the regime).
        mix_days = _SERVICE_MIX[crisis[sel].astype(np.int64)]  # (days, 4, 8)
        prof = np.repeat(np.arange(4), n_p)
        v_s = (v_m[:, :, None] * mix_days[:, prof, :]).sum(axis=0)  # (4P, 8)
        ppv = _PAGES_PER_VISIT[None, :] * np.where(crisis[sel].mean() > 0.5, 1.25, 1.0)
        w_act = v_m.sum(axis=0)
        act_m = np.where(w_act > 0, (active[sel] * v_m).sum(axis=0) / np.maximum(w_act, 1e-12), 0)
        uniq = _unique_visitors(v_s, (act_m * pool_scale)[:, None])
        frames.append(
            pl.DataFrame(
                {
                    "mois": [f"2020-{m:02d}"] * (4 * n_p * 8),
                    "projet_ent": np.repeat(np.tile(np.array(model.projets, dtype=object), 4), 8),
                    "profil": np.repeat(np.array(PROFILS, dtype=object)[prof], 8),
                    "service": np.tile(np.array(SERVICES, dtype=object), 4 * n_p),
                    "visites": np.round(v_s).astype(np.int64).ravel(),
                    "visiteurs_uniques": np.round(uniq).astype(np.int64).ravel(),
                    "pages": np.round(v_s * ppv).astype(np.int64).ravel(),
                },
                schema_overrides={"mois": pl.String, "projet_ent": pl.String, "profil": pl.String,
                                  "service": pl.String},
            )
        )  # fmt: skip
    prof_order = {p: i for i, p in enumerate(PROFILS)}
    serv_order = {s: i for i, s in enumerate(SERVICES)}
    return (
        pl.concat(frames)
        .filter(pl.col("visites") > 0)
        .with_columns(
            pl.col("profil").replace_strict(prof_order, return_dtype=pl.Int64).alias("_p"),
            pl.col("service").replace_strict(serv_order, return_dtype=pl.Int64).alias("_s"),
        )
        .sort("mois", "projet_ent", "_p", "_s")
        .drop("_p", "_s")
    )


def _write_audience(model: _Model, out_dir: Path) -> FileRecord:
    dest = out_dir / AUDIENCE_FILE
    table = _audience(model)
    with atomic_path(dest) as tmp:
        table.write_csv(tmp, separator=";")
    return FileRecord(
        path=relative(dest, out_dir),
        family="ent",
        description=(
            "Mesure d'audience mensuelle des ENT (visites, visiteurs uniques, pages) par projet, "
            "profil et service, à l'échelle nationale"
        ),
        format="csv",
        rows=table.height,
        bytes=dest.stat().st_size,
        sha256=sha256_file(dest),
    )


def _readme_text(horodatage: str, sep: str, fmt: str, n_events: int) -> str:
    total = f"{n_events:,}".replace(",", " ")
    return "\n".join(
        [
            SYNTHETIC_MARK,
            "",
            "Journaux d'événements des espaces numériques de travail (ENT), janvier à juillet 2020",
            "",
            "Ces fichiers sont SYNTHÉTIQUES : ils sont produits par le générateur d'EGN Analytics",
            "pour tester la chaîne de traitement. Ils ne décrivent aucune personne, aucun",
            "établissement ni aucun ENT réels ; les ordres de grandeur s'inspirent des chiffres",
            "publiés (visites multipliées par trois la semaine du 16 mars 2020, saturation le",
            "16 mars, plus de 550 millions de visites pendant la fermeture des écoles).",
            "",
            "Fichiers",
            "",
            f"logs/ent_evenements_2020-MM_{SYNTHETIC_TAG}.{fmt} : un fichier par mois{sep},",
            f"  une ligne par requête, triées par horodatage ; {total} événements au total.",
            f"audience_mensuelle_ent_2020_{SYNTHETIC_TAG}.csv : mesure d'audience mensuelle",
            "  « telle que publiée » par les fournisseurs (séparateur « ; »), à l'échelle",
            "  nationale, indépendante du nombre d'événements des journaux.",
            "",
            "Colonnes des journaux",
            "",
            horodatage,
            "login : identifiant de connexion BRUT (par exemple jdupont42, m.martin7). Il a",
            "  l'apparence d'un identifiant personnel : il doit être pseudonymisé dès l'ingestion",
            "  et ne jamais être conservé ni affiché tel quel. Les identifiants sont fictifs mais",
            "  stables (un utilisateur garde le même identifiant sur toute la période).",
            "profil : élève, parent, enseignant ou personnel",
            "uai : identifiant de l'établissement (annuaire synthétique)",
            "projet_ent : projet ENT de l'établissement",
            "service : " + ", ".join(SERVICES),
            "url : chemin de la page demandée",
            "statut_http : code de réponse HTTP (200, 302, 304, 404, 500, 502, 503, 504)",
            "duree_ms : temps de réponse du serveur, en millisecondes",
            "",
            "Colonnes de la mesure d'audience",
            "",
            "mois (2020-01 à 2020-07), projet_ent, profil, service, visites, visiteurs_uniques,",
            "pages",
            "",
        ]
    )


def write_ent(
    etab: pl.DataFrame, out_dir: Path, seed: int, n_events: int, fmt: str = "csv.gz"
) -> list[FileRecord]:
    """Write the monthly raw ENT logs, the national audience table and the folder notice.

    ``n_events`` is the exact total number of log rows over January - July 2020; the audience
    table does not depend on it. Only établissements with a ``projet_ent`` emit events.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format inconnu {fmt!r} : attendu l'un de {', '.join(FORMATS)}")
    if n_events < 0:
        raise ValueError(f"nombre d'événements négatif : {n_events}")
    out_dir = Path(out_dir)
    model = _build_model(etab, seed)
    if model.n_etab == 0:
        raise ValueError("aucun établissement n'a de projet ENT : pas de journaux à produire")
    records = _write_logs(model, out_dir, seed, n_events, fmt)
    records.append(_write_audience(model, out_dir))
    readme = out_dir / README_FILE
    horodatage = (
        "horodatage : date et heure (fuseau Europe/Paris), type horodatage avec fuseau"
        if fmt == "parquet"
        else "horodatage : date et heure locales ISO 8601 avec décalage UTC "
        "(2020-03-16T08:01:07+01:00 ; +02:00 après le passage à l'heure d'été du 29 mars 2020)"
    )
    sep = "" if fmt in ("parquet", "jsonl") else f" (séparateur « {CSV_SEPARATOR} », UTF-8)"
    write_text_atomic(readme, _readme_text(horodatage, sep, fmt, n_events))
    records.append(
        FileRecord(
            path=relative(readme, out_dir),
            family="ent",
            description="Notice des journaux ENT synthétiques (colonnes, pseudonymisation)",
            format="txt",
            rows=None,
            bytes=readme.stat().st_size,
            sha256=sha256_file(readme),
        )
    )
    return records
