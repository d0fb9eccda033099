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
  is drawn as ``r = floor(A * U**ALPHA)`` so a few users make most visits.
* events come in visits (a login page, then a main service with detours, requests tens of
  seconds apart), so each day has far fewer distinct users than events. Visits of a day are
  split over (profile, day type, hour) by a multinomial draw; visit lengths are exchangeable and
  sum exactly to the day's share of ``n_events`` (the total is exact).
* a day is produced in hour blocks of about ``_MAX_CHUNK_ROWS`` events, already in time order.
  Three threads work at once: numpy draws the next block, an encoder turns the previous one
  into text or Arrow (polars, GIL released), a sink compresses and writes; one-slot queues
  between them bound the memory whatever ``n_events``.

Determinism: every day draws from its own generator ``rng_for(seed, "ent.jour.<date>")``; block
boundaries depend only on counts, never on the output format; gzip streams carry mtime 0 and no
file name. Same inputs give byte-identical files (with the same zlib and pyarrow versions).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from egn_analytics.io import atomic_path, sha256_file, write_text_atomic
from egn_analytics.reference import academies, calendar
from egn_analytics.stages import Stage
from egn_analytics.synth.common import (
    SYNTHETIC_MARK,
    SYNTHETIC_TAG,
    FileRecord,
    relative,
    rng_for,
    write_csv_table,
)

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
SUMMER_START = dt.date(2020, 7, 4)
#: Calibration of the national audience table: ENT visits from the closure (16 March) to the end
#: of the school year (3 July), lycées having stayed mostly closed; published: « plus de 550
#: millions ». The 2013 measure (≈ 13 million visits a month) cannot hold in January 2020 as
#: well: with the x3 jump it would give ≈ 100 million visits over that period.
AUDIENCE_WINDOW = (CLOSURE_START, dt.date(2020, 7, 3))
AUDIENCE_WINDOW_VISITS = 580e6
#: Pupils in France in 2019-2020, used to bring the établissement sample to national scale.
NATIONAL_PUPILS = 12_400_000

_MAX_CHUNK_ROWS = 500_000  # rows generated at once (bounded memory)
_BATCH_ROWS = 600_000  # small days are grouped into write batches / parquet row groups
_ALPHA = 3.0  # heavy tail of user activity (the top 1 % of accounts make ≈ 20 % of visits)
_DST_DAY = dt.date(2020, 3, 29)  # 02:00 local → 03:00, +01:00 → +02:00


# --- tables of the model ------------------------------------------------------------------
def _grid(text: str, shape: tuple[int, ...]) -> np.ndarray:
    """Numbers laid out in a docstring-like block (keeps long tables readable and short-lined)."""
    return np.array([float(v) for v in text.split()]).reshape(shape)


def _norm_rows(a: np.ndarray) -> np.ndarray:
    return a / a.sum(axis=-1, keepdims=True)


# Context of a (académie, day): 0 school day, 1 weekend or public holiday, 2 holiday weekday,
# 3 holiday weekend. Regime classes: 0 before the crisis, 1 crisis (closure and reopening),
# 2 summer. Ratios are relative to a school day of the same regime; columns are the profiles
# élève, parent, enseignant, personnel.
_CTX_RATIO = _grid(
    """
    1    1    1    1     0.30 0.40 0.30 0.04   0.10 0.15 0.20 0.30   0.06 0.10 0.10 0.02
    1    1    1    1     0.50 0.55 0.50 0.06   0.22 0.25 0.30 0.35   0.15 0.18 0.18 0.03
    1    1    1    1     0.03 0.04 0.05 0.02   0.04 0.05 0.10 0.25   0.03 0.04 0.05 0.02
    """,
    (3, 4, 4),
)
#: Weekday factor (Monday..Sunday) on school days: Monday catch-up, quieter Wednesday and Friday.
_WEEKDAY = np.array([1.08, 1.0, 0.9, 1.0, 0.92, 1.0, 1.0])
#: Events per account and per school day before the crisis: [profile, niveau (école, 2nd degré)].
_RATE = np.array([[0.12, 1.0], [0.10, 0.22], [0.9, 2.6], [2.0, 3.0]])
#: Level of a school day in the first closure week, per profile (x the pre-crisis level);
#: calibrated so that the week of 16 March is ≈ x3 the January-February school weeks.
_CLOSURE_LEVEL = np.array([2.75, 3.3, 2.75, 1.85])
#: Share of accounts that are active at all, per regime class and profile.
_ACTIVE = np.array([[0.75, 0.45, 0.90, 0.90], [0.93, 0.75, 0.97, 0.95], [0.30, 0.20, 0.55, 0.80]])

# Hourly profiles (0 h .. 23 h, two lines of 12 hours per profile, profiles in PROFILS order).
_H_PRE_SCHOOL = _grid(
    """
    0.2  0.08 0.04 0.03 0.03 0.1  1.0  4.6  3.4  2.4  2.6  2.8
    4.2  3.4  2.6  2.6  3.2  5.6  6.6  6.4  5.0  2.8  0.9  0.35
    0.15 0.06 0.03 0.02 0.03 0.15 1.3  3.4  2.4  1.8  1.8  2.0
    3.0  2.6  2.0  2.0  2.4  3.4  4.8  5.6  5.4  3.8  1.5  0.5
    0.2  0.06 0.03 0.02 0.05 0.3  2.4  6.0  4.6  3.6  3.6  3.4
    4.4  4.0  3.6  3.6  4.2  5.0  4.8  4.4  4.4  3.6  1.8  0.7
    0.03 0.01 0.01 0.01 0.02 0.1  0.8  5.0  8.0  8.0  7.5  6.0
    4.0  5.5  7.5  7.5  6.5  4.5  2.0  1.0  0.5  0.3  0.1  0.05
    """,
    (4, 24),
)
_H_PRE_OFF = _grid(
    """
    0.3  0.15 0.08 0.04 0.03 0.03 0.1  0.4  1.0  2.0  2.8  3.0
    2.6  2.6  3.2  3.6  4.0  4.4  5.0  5.2  4.6  3.2  1.4  0.6
    0.2  0.08 0.04 0.03 0.03 0.05 0.2  0.8  1.8  2.6  3.0  2.8
    2.2  2.2  2.6  2.8  3.0  3.4  4.2  5.0  5.2  4.0  1.8  0.6
    0.3  0.1  0.04 0.03 0.03 0.05 0.3  1.0  2.4  3.4  3.8  3.4
    2.4  2.6  3.4  3.8  4.0  4.2  4.2  4.2  4.6  4.2  2.4  0.9
    0.03 0.01 0.01 0.01 0.01 0.05 0.3  1.5  4.0  5.0  5.0  4.0
    2.5  3.0  4.0  4.0  3.5  2.5  1.5  1.0  0.5  0.3  0.1  0.05
    """,
    (4, 24),
)
_H_CRISIS_SCHOOL = _grid(
    """
    0.9  0.45 0.25 0.15 0.1  0.15 0.5  1.6  3.6  4.4  4.6  4.0
    2.8  3.0  4.0  4.2  4.0  4.4  5.6  6.4  6.6  5.8  3.8  2.2
    0.6  0.3  0.15 0.1  0.08 0.15 0.8  2.4  3.4  3.2  2.8  2.4
    2.4  2.6  2.8  2.8  3.0  3.6  5.0  6.2  6.4  5.4  3.4  1.6
    0.9  0.4  0.2  0.1  0.1  0.3  1.6  4.0  5.4  5.6  5.4  4.2
    3.0  3.6  4.8  5.0  4.8  5.0  5.4  5.6  6.0  5.6  3.8  2.0
    0.1  0.04 0.02 0.01 0.02 0.15 0.8  4.5  7.5  7.8  7.2  5.8
    4.2  5.5  7.2  7.2  6.4  4.8  2.6  1.5  1.0  0.7  0.4  0.2
    """,
    (4, 24),
)
#: Crisis days: homework spills over the evening (18 h - 22 h) and the night (22 h - 6 h);
#: off days keep the pre-crisis shape with these later hours.
_LATE = np.array([2.4] * 6 + [1.0] * 12 + [1.25] * 4 + [2.4] * 2)
_EVENING = np.array([1.0] * 18 + [1.25] * 4 + [1.0] * 2)
#: [hour class (0 pre and summer, 1 crisis), day type (0 school, 1 off), profile, hour]
_HOURS = np.stack(
    [
        np.stack([_norm_rows(_H_PRE_SCHOOL), _norm_rows(_H_PRE_OFF)]),
        np.stack([_norm_rows(_H_CRISIS_SCHOOL * _EVENING), _norm_rows(_H_PRE_OFF * _LATE)]),
    ]
)

#: Service mix before the crisis, per profile (columns in SERVICES order).
_SERVICE_PRE = _grid(
    """
    0.26 0.10 0.22 0.22 0.08 0.02  0.005 0.095
    0.30 0.12 0.16 0.32 0.02 0.005 0.0   0.075
    0.18 0.20 0.24 0.16 0.09 0.05  0.01  0.07
    0.25 0.30 0.05 0.25 0.02 0.05  0.0   0.08
    """,
    (4, 8),
)
#: Growth of each service during the closure (absolute usage, x): pedagogical resources +226 %,
#: storage and sharing +530 % (published); the portal entry (first) absorbs the rest so that a
#: profile whose total grows x3 sees exactly these factors.
_SERVICE_GROWTH = np.array([0.0, 3.6, 3.3, 1.5, 3.26, 6.3, 20.0, 2.0])


def _crisis_service_mix() -> np.ndarray:
    mix = _SERVICE_PRE * _SERVICE_GROWTH / 3.0
    mix[:, 0] = np.maximum(1.0 - mix[:, 1:].sum(axis=1), 0.05)
    return _norm_rows(mix)


_SERVICE_MIX = np.stack([_norm_rows(_SERVICE_PRE), _crisis_service_mix()])
_PAGES_PER_VISIT = np.array([1.6, 3.5, 4.0, 3.8, 5.0, 4.5, 2.5, 2.0])
_URLS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("/auth/login", 0.35), ("/cas/login", 0.15), ("/portail/accueil", 0.4),
     ("/auth/logout", 0.1)),
    (("/messagerie/boite-de-reception", 0.5), ("/messagerie/message", 0.35),
     ("/messagerie/nouveau", 0.15)),
    (("/cahier-de-textes/agenda", 0.5), ("/cahier-de-textes/seance", 0.3),
     ("/cahier-de-textes/travail-a-faire", 0.2)),
    (("/vie-scolaire/notes", 0.45), ("/vie-scolaire/absences", 0.25),
     ("/vie-scolaire/emploi-du-temps", 0.3)),
    (("/ressources/mediacentre", 0.5), ("/ressources/gar/acces", 0.3),
     ("/ressources/manuels", 0.2)),
    (("/espace-documentaire/fichiers", 0.5), ("/espace-documentaire/depot", 0.3),
     ("/espace-documentaire/partage", 0.2)),
    (("/classe-virtuelle/rejoindre", 0.6), ("/classe-virtuelle/salle", 0.4)),
    (("/actualites", 0.7), ("/actualites/article", 0.3)),
)  # fmt: skip
_URL_LIST = [u for service in _URLS for u, _ in service]
_URL_SERVICE = np.array([s for s, service in enumerate(_URLS) for _ in service])
_URL_SHARE = np.array([p for service in _URLS for _, p in service])
#: Non-5xx status mix per service: 200, 302, 304, 404 (the portal and the GAR redirect a lot).
_STATUS_OK = _grid(
    """
    0.55 0.38 0.05 0.02   0.90 0.03 0.06 0.01   0.90 0.03 0.06 0.01   0.90 0.03 0.06 0.01
    0.85 0.10 0.04 0.01   0.90 0.03 0.06 0.01   0.90 0.03 0.06 0.01   0.90 0.03 0.06 0.01
    """,
    (8, 4),
)
#: 5xx mix (500, 502, 503, 504) on ordinary days and under the 16-18 March overload.
_STATUS_5XX = np.array([[0.40, 0.30, 0.20, 0.10], [0.05, 0.35, 0.35, 0.25]])
_P5XX_BASE = 0.0015
_DUREE_MEDIAN_MS = np.array([180.0, 250.0, 300.0, 350.0, 450.0, 700.0, 900.0, 150.0])
#: Response time of non-200 answers: uniform in [low, low + span] ms, per status index.
_DUREE_OTHER = np.array(
    [[0, 0], [40, 60], [10, 30], [15, 40], [200, 1800], [30, 2970], [5, 75], [30000, 30000]],
    dtype=np.float64,
)


class _Categorical:
    """Vectorised draws from one of several categorical laws, chosen per row by a key.

    Each law's CDF is shifted by its key so one ``searchsorted`` on the flattened table serves
    every row at once (no Python loop over keys).
    """

    def __init__(self, probs: np.ndarray) -> None:
        probs = np.atleast_2d(np.asarray(probs, dtype=np.float64))
        self.k = probs.shape[1]
        cdf = np.cumsum(probs, axis=1)
        cdf = cdf / np.where(cdf[:, -1:] > 0, cdf[:, -1:], 1.0)
        self.flat = (cdf + np.arange(probs.shape[0])[:, None]).ravel()

    def draw(self, rng: np.random.Generator, key: np.ndarray | int, n: int) -> np.ndarray:
        x = key + rng.random(n)
        idx = np.searchsorted(self.flat, x, side="right") - np.asarray(key) * self.k
        return np.clip(idx, 0, self.k - 1)


#: (service, url) jointly, per [service-mix class][profile]; the url gives the service back.
_URL_GIVEN_PROFILE = [
    _Categorical(_SERVICE_MIX[c][:, _URL_SERVICE] * _URL_SHARE[None, :]) for c in (0, 1)
]
_URL_GIVEN_SERVICE = _Categorical(
    np.where(_URL_SERVICE[None, :] == np.arange(len(_URLS))[:, None], _URL_SHARE[None, :], 0.0)
)
#: Main service of a visit (what the audience measure counts): the mix, with few visits that
#: stop at the portal. [service-mix class, profile, service]
_MAIN_MIX = _norm_rows(_SERVICE_MIX * np.array([0.3, 1, 1, 1, 1, 1, 1, 1]))
_MAIN_SERVICE = [_Categorical(_MAIN_MIX[c]) for c in (0, 1)]
#: Share of a visit's pages in its main service (the others are detours drawn from the mix).
_STICKINESS = 0.7
#: Login page of a project's first request (some ENTs go through a CAS, others not).
_LOGIN_URL = np.array([_URL_LIST.index("/auth/login"), _URL_LIST.index("/cas/login")])
#: Mean requests per visit and mean seconds between two requests, per regime class.
_VISIT_EVENTS = (5.0, 6.5, 4.0)
_GAP_SECONDS = (25.0, 35.0, 25.0)
_STATUS_OK_CAT = _Categorical(_STATUS_OK)
_STATUS_5XX_CAT = _Categorical(_STATUS_5XX)


# --- logins ------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    """A word list written as running text (reads better than 300 quoted literals)."""
    return text.split()


_FIRST_NAMES = _words(
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
)
_SURNAMES = _words(
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
)


@dataclass(frozen=True, slots=True)
class _Logins:
    """Bijection user id → login (``jdupont42``, ``m.martin7``, ``lea.bernard3``).

    ``s = (a * id + b) mod N`` permutes the ids (``gcd(a, N) = 1``); ``s`` splits into a
    format (3 conventions), a stem (initial or first name, surname) and a disambiguation
    number. Every piece can be read back from the string (a one-letter initial, a dot or not,
    a digit suffix), so two ids never share a login, and nothing is stored per user.
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
        # Number 0 is the bare stem (the first « jdupont »), then 2, 3, ... as ENTs do.
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

    def parts(self, user_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stem and number indices of each user's login (integers, cheap to carry around)."""
        s = (self.a * user_id.astype(np.int64) + self.b) % self.n_users
        fmt = s % 3
        v = s // 3
        count = self.stem_count[fmt]
        return self.stem_offset[fmt] + v % count, v // count

    def logins(self, user_id: np.ndarray) -> pl.Series:
        stem, num = self.parts(user_id)
        return (self.stems.gather(stem) + self.numbers.gather(num)).alias("login")


# --- the model ----------------------------------------------------------------------------
@dataclass(slots=True)
class _Model:
    """Everything the daily intensity needs, as flat numpy arrays over cells and académies.

    A cell is one (profile, établissement) pair, profile-major: cell = profile * E + etab.
    """

    days: list[dt.date]
    n_etab: int
    n_acad: int
    uai: pl.Series
    projets: list[str]
    etab_projet: np.ndarray  # (E,) index into projets
    cell_size: np.ndarray  # (C,) accounts
    cell_base: np.ndarray  # (C,) size x rate x établissement and project factors
    cell_equity: np.ndarray  # (C,) share of the crisis surge reached (EP, IPS); 1 for staff
    cell_acad: np.ndarray  # (C,) académie index
    cell_profil: np.ndarray  # (C,) profile index
    cell_key: np.ndarray  # (C,) profile * n_acad + académie
    oise_cells: np.ndarray  # indices of cells in the Oise (closed from 2 March)
    user_offset: np.ndarray  # (C,) first global user id of each cell
    ctx: np.ndarray  # (n_days, n_acad) context code
    projet_saturation: np.ndarray  # (P,) sensitivity to the 16 March overload
    logins: _Logins

    @property
    def n_cells(self) -> int:
        return int(self.cell_size.shape[0])


def _regime(day: dt.date) -> int:
    """Regime class: 0 before the crisis, 1 crisis (from the 14 March weekend), 2 summer."""
    if day >= SUMMER_START:
        return 2
    if day >= dt.date(2020, 3, 14):
        return 1
    return 0


def _interp_date(day: dt.date, points: list[tuple[dt.date, float]]) -> float:
    xs = [p.toordinal() for p, _ in points]
    return float(np.interp(day.toordinal(), xs, [v for _, v in points]))


#: The days between the announcement (12 March, evening) and the closure: everyone prepares.
_EVE_OF_CLOSURE = {
    dt.date(2020, 3, 12): (1.1, 1.15, 1.3, 1.2),
    dt.date(2020, 3, 13): (1.6, 1.8, 2.2, 1.8),
    dt.date(2020, 3, 14): (2.2, 2.4, 3.4, 1.6),
    dt.date(2020, 3, 15): (2.2, 2.4, 3.4, 1.6),
}


def _level(day: dt.date) -> np.ndarray:
    """School-day level per profile relative to a pre-crisis school day (national)."""
    if day in _EVE_OF_CLOSURE:
        return np.array(_EVE_OF_CLOSURE[day])
    if CLOSURE_START <= day <= CLOSURE_END:  # slow fatigue through the closure
        return _CLOSURE_LEVEL * _interp_date(day, [(CLOSURE_START, 1.0), (CLOSURE_END, 0.88)])
    if CLOSURE_END < day < SUMMER_START:  # déconfinement: gradual return towards normal
        f = _interp_date(
            day,
            [
                (dt.date(2020, 5, 11), 0.9),
                (dt.date(2020, 6, 2), 0.5),
                (dt.date(2020, 6, 22), 0.3),
                (dt.date(2020, 7, 3), 0.2),
            ],
        )
        return 1.0 + (_CLOSURE_LEVEL * 0.88 - 1.0) * f
    return np.ones(4)


def _build_model(etab: pl.DataFrame, seed: int) -> _Model:
    rng = rng_for(seed, "ent.modele")
    ent = etab.filter(pl.col("projet_ent").is_not_null()).sort("uai")
    days = pl.date_range(START, END, "1d", eager=True).to_list()
    acads = sorted(academies().get_column("code_academie").to_list())
    acad_idx = {c: i for i, c in enumerate(acads)}

    cal = calendar(START, END).sort("code_academie", "date")
    weekend = (cal.get_column("weekday") >= 6) | cal.get_column("jour_ferie").is_not_null()
    holiday = cal.get_column("vacances").is_not_null()
    ctx_flat = np.where(holiday.to_numpy(), 2, 0) + weekend.to_numpy().astype(np.int64)
    ctx = np.ascontiguousarray(ctx_flat.reshape(len(acads), len(days)).T)

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
    # Digital divide: the crisis surge reaches fewer pupils and parents in EP and low-IPS schools.
    equity = np.clip(
        ep_factor.to_numpy() * (1 + 0.008 * (ent.get_column("ips").to_numpy() - 103)), 0.5, 1.3
    )
    sizes = np.stack(
        [eleves, np.round(1.5 * eleves), enseignants, 1 + np.round(0.12 * enseignants)]
    ).astype(np.int64)  # (4, E)
    etab_factor = rng.lognormal(0.0, 0.45, n_e)
    projet_factor = rng.lognormal(0.0, 0.25, len(projets))
    saturation = np.clip(rng.lognormal(-0.2, 0.5, len(projets)), 0.15, 1.8)
    base = sizes * _RATE[:, niveau] * (etab_factor * projet_factor[etab_projet])[None, :]
    cell_profil = np.repeat(np.arange(4), n_e)
    cell_acad = np.tile(e_acad, 4)
    size_flat = sizes.ravel()
    return _Model(
        days=days,
        n_etab=n_e,
        n_acad=len(acads),
        uai=ent.get_column("uai"),
        projets=projets,
        etab_projet=etab_projet,
        cell_size=size_flat,
        cell_base=base.ravel(),
        cell_equity=np.concatenate([equity, equity, np.ones(2 * n_e)]),
        cell_acad=cell_acad,
        cell_profil=cell_profil,
        cell_key=cell_profil * len(acads) + cell_acad,
        oise_cells=np.flatnonzero(np.tile(oise, 4)),
        user_offset=np.concatenate([[0], np.cumsum(size_flat)[:-1]]).astype(np.int64),
        ctx=ctx,
        projet_saturation=saturation,
        logins=_Logins.build(int(size_flat.sum()), rng_for(seed, "ent.logins")),
    )


def _day_weights(model: _Model, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected volume of every cell on day ``i`` (relative units) and whether it is off school."""
    day = model.days[i]
    regime = _regime(day)
    ctx_acad = model.ctx[i]  # (n_acad,)
    # Context ratio and weekday factor per (profile, académie): a tiny table, one gather per cell.
    ratio = _CTX_RATIO[regime][ctx_acad, :].T * np.where(ctx_acad == 0, _WEEKDAY[day.weekday()], 1)
    surge = _level(day) - 1.0  # (4,)
    w = model.cell_base * ratio.ravel()[model.cell_key]
    if surge.any():
        w *= 1.0 + surge[model.cell_profil] * model.cell_equity
    if dt.date(2020, 3, 2) <= day < CLOSURE_START and model.oise_cells.size:
        # The Oise closed its schools two weeks before the rest of the country.
        oc = model.oise_cells
        oise_level = 1.0 + (_CLOSURE_LEVEL - 1.0)[model.cell_profil[oc]] * model.cell_equity[oc]
        w[oc] = model.cell_base[oc] * ratio.ravel()[model.cell_key[oc]] * oise_level
    return w, (ctx_acad != 0)[model.cell_acad]


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


def _p5xx(day: dt.date, hour: np.ndarray, projet: np.ndarray, sat: np.ndarray) -> np.ndarray | None:
    """Probability of a 5xx answer on overload days (None on ordinary days).

    16 March: a large share in 8 h - 11 h, more for some projects (``sat``); fewer on 17-18 March.
    """
    peak = (hour >= 8) & (hour < 12)
    if day == dt.date(2020, 3, 16):
        shoulder = (hour == 7) | (hour == 12) | (hour == 13)
        load = np.where(peak, 0.45, np.where(shoulder, 0.15, 0.04))
    elif day == dt.date(2020, 3, 17):
        load = np.where(peak, 0.12, 0.02)
    elif day == dt.date(2020, 3, 18):
        load = np.where(peak, 0.05, 0.0)
    else:
        return None
    return np.minimum(_P5XX_BASE + load * sat[projet], 0.85)


def _hour_blocks(counts_by_hour: np.ndarray, max_rows: int) -> list[tuple[int, int]]:
    """Consecutive hour ranges holding at most ``max_rows`` events (one hour at least)."""
    blocks: list[tuple[int, int]] = []
    start, acc = 0, 0
    for h, c in enumerate(counts_by_hour.tolist()):
        if acc and acc + c > max_rows:
            blocks.append((start, h))
            start, acc = h, 0
        acc += c
    blocks.append((start, 24))
    return blocks


def _sample_sorted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn in proportion to ``weights``, returned sorted.

    Large draws use a multinomial (cost in the number of categories), small ones sorted
    uniforms and a ``searchsorted`` (cost in the number of draws).
    """
    k = weights.shape[0]
    total = weights.sum()
    if n * 8 >= k:
        counts = rng.multinomial(n, weights / total)
        return np.repeat(np.arange(k), counts)
    gaps = rng.standard_exponential(n + 1)
    u = np.cumsum(gaps)[:-1] / gaps.sum()
    idx = np.searchsorted(np.cumsum(weights), u * total, side="right")
    return np.minimum(idx, k - 1)


def _generate_day(model: _Model, i: int, n_day: int, seed: int) -> Iterator[dict[str, Any]]:
    """Events of day ``i`` in time order, in blocks of whole hours (integer codes only).

    Events come in visits: a user logs in (first request on the login page), then browses a
    main service with detours; requests are a few tens of seconds apart. Visits are spread over
    (profile, day type, hour) groups by a multinomial draw; visit lengths are exchangeable and
    sum exactly to ``n_day``.
    """
    if n_day <= 0:
        return
    day = model.days[i]
    rng = rng_for(seed, f"ent.jour.{day.isoformat()}")
    regime = _regime(day)
    crisis = 1 if regime == 1 else 0
    w, off = _day_weights(model, i)
    n_e = model.n_etab
    # 8 groups = (day type, profile); a cell's weight counts in the group of its day type.
    wg = np.stack([np.where(off, 0.0, w), np.where(off, w, 0.0)]).reshape(8, n_e)
    hours = _HOURS[crisis].copy()  # (2 day types, 4 profiles, 24)
    if regime == 2:
        hours[0] = hours[1]  # summer: every day is an off day
    if day == _DST_DAY:
        hours[..., 2] = 0.0  # 02:00-03:00 local time does not exist that night
        hours = _norm_rows(hours)
    q = wg.sum(axis=1)[:, None] * hours.reshape(8, 24)  # (group, hour)
    mean_len = _VISIT_EVENTS[regime]
    n_visits = int(min(n_day, max(1, round(n_day / mean_len))))
    visits = rng.multinomial(n_visits, (q / q.sum()).ravel()).reshape(8, 24)
    extra = rng.standard_exponential(n_visits)
    lengths = 1 + rng.multinomial(n_day - n_visits, extra / extra.sum())
    active = np.maximum(1.0, np.round(model.cell_size * _ACTIVE[regime][model.cell_profil]))
    gap = _GAP_SECONDS[regime]
    slow = 1.3 if crisis else 1.0
    taken = 0

    for h0, h1 in _hour_blocks(visits.sum(axis=0) * mean_len, _MAX_CHUNK_ROWS):
        per_group = visits[:, h0:h1]
        v_g = per_group.sum(axis=1)
        nv = int(v_g.sum())
        if nv == 0:
            continue
        # Visits: cell (sorted within its group), hour, user, main service, length.
        cell_v = np.concatenate(
            [(g % 4) * n_e + _sample_sorted(rng, wg[g], int(v_g[g])) for g in range(8) if v_g[g]]
        )
        group = np.repeat(np.arange(8), v_g)
        hour_v = h0 + _Categorical(per_group).draw(rng, group, nv)
        profil_v = cell_v // n_e
        rank = (active[cell_v] * rng.random(nv) ** _ALPHA).astype(np.int64)
        user_v = model.user_offset[cell_v] + np.minimum(rank, model.cell_size[cell_v] - 1)
        main_v = _MAIN_SERVICE[crisis].draw(rng, profil_v, nv)
        length = lengths[taken : taken + nv]
        taken += nv
        # Requests of each visit: offsets from the first one, the visit kept inside its hour.
        n = int(length.sum())
        visit = np.repeat(np.arange(nv), length)
        first = np.cumsum(length) - length
        pos = np.arange(n) - first[visit]
        gaps = np.minimum(rng.exponential(gap, n), 600.0)
        gaps[first] = 0.0
        offset = np.cumsum(gaps)
        offset -= offset[first][visit]
        span = offset[first + length - 1]
        squeeze = np.minimum(1.0, 3000.0 / np.maximum(span, 1.0))
        offset *= squeeze[visit]
        start = rng.random(nv) * (3600.0 - span * squeeze)
        sec_in_hour = (start[visit] + offset).astype(np.uint16)
        # Time order with two stable O(n) radix passes instead of a comparison sort.
        order = np.argsort(sec_in_hour, kind="stable")
        order = order[np.argsort(hour_v.astype(np.uint8)[visit[order]], kind="stable")]
        visit, pos = visit[order], pos[order]
        hour = hour_v[visit]
        sec = (hour * 3600 + sec_in_hour[order]).astype(np.int32)

        cell = cell_v[visit]
        etab = cell % n_e
        profil = profil_v[visit]
        projet = model.etab_projet[etab]
        # Page: mostly the visit's main service, sometimes a detour; the first is the login.
        url = np.where(
            rng.random(n) < _STICKINESS,
            _URL_GIVEN_SERVICE.draw(rng, main_v[visit], n),
            _URL_GIVEN_PROFILE[crisis].draw(rng, profil, n),
        )
        url = np.where(pos == 0, _LOGIN_URL[projet % 2], url)
        service = _URL_SERVICE[url]
        status = _STATUS_OK_CAT.draw(rng, service, n)
        p5 = _p5xx(day, hour, projet, model.projet_saturation)
        if p5 is None:
            err = np.flatnonzero(rng.random(n) < _P5XX_BASE)
        else:
            err = np.flatnonzero(rng.random(n) < p5)
        status[err] = 4 + _STATUS_5XX_CAT.draw(rng, 0 if p5 is None else 1, err.size)
        # Response time: log-normal per service, slower during the crisis and under overload.
        duree = _DUREE_MEDIAN_MS[service] * np.exp(0.7 * rng.standard_normal(n)) * slow
        if p5 is not None:
            duree *= np.where(p5 > 0.05, 3.0, 1.0)
        other = np.flatnonzero(status != 0)
        st = status[other]
        duree[other] = _DUREE_OTHER[st, 0] + _DUREE_OTHER[st, 1] * rng.random(other.size)
        yield {
            "sec": sec,
            "user": user_v[visit],
            "profil": profil.astype(np.uint32),
            "etab": etab.astype(np.uint32),
            "projet": projet.astype(np.uint32),
            "url": url.astype(np.uint32),
            "service": service.astype(np.uint32),
            "statut_http": np.asarray(STATUTS, np.int16)[status],
            "duree_ms": np.round(duree).astype(np.int32),
        }


# --- output ------------------------------------------------------------------------------
_HMS = pl.Series(
    [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)],
    dtype=pl.String,
)
_PROFIL_S = pl.Series(PROFILS, dtype=pl.String)
_SERVICE_S = pl.Series(SERVICES, dtype=pl.String)
_URL_S = pl.Series(_URL_LIST, dtype=pl.String)
LOG_COLUMNS = (
    "horodatage", "login", "profil", "uai", "projet_ent", "service", "url", "statut_http",
    "duree_ms",
)  # fmt: skip


def _to_output(model: _Model, day: dt.date, block: dict[str, Any], fmt: str) -> pl.DataFrame:
    """Integer block → output rows: text timestamps with offset, or tz-aware datetimes (Parquet).

    Runs in the writer thread: polars releases the GIL, so it overlaps the next block's draws.
    """
    stem, num = model.logins.parts(block["user"])
    df = pl.DataFrame(
        {
            "sec": block["sec"],
            "stem": stem,
            "num": num,
            "profil": block["profil"],
            "etab": block["etab"],
            "projet": block["projet"],
            "service": block["service"],
            "url": block["url"],
            "statut_http": block["statut_http"],
            "duree_ms": block["duree_ms"],
        }
    )
    sec = pl.col("sec")
    if day < _DST_DAY:
        offset = pl.lit(3600)
    elif day == _DST_DAY:
        offset = pl.when(sec < 7200).then(pl.lit(3600)).otherwise(pl.lit(7200))
    else:
        offset = pl.lit(7200)
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
            [pl.lit(f"{day.isoformat()}T"), pl.lit(_HMS).gather(sec), text_offset]
        )
    return df.select(
        horodatage.alias("horodatage"),
        (pl.lit(model.logins.stems).gather("stem") + pl.lit(model.logins.numbers).gather("num"))
        .alias("login"),
        pl.lit(_PROFIL_S).gather("profil").alias("profil"),
        pl.lit(model.uai).gather("etab").alias("uai"),
        pl.lit(pl.Series(model.projets, dtype=pl.String)).gather("projet").alias("projet_ent"),
        pl.lit(_SERVICE_S).gather("service").alias("service"),
        pl.lit(_URL_S).gather("url").alias("url"),
        pl.col("statut_http"),
        pl.col("duree_ms"),
    )  # fmt: skip


_PARQUET_SCHEMA = pa.schema(
    [
        ("horodatage", pa.timestamp("ms", tz=TIMEZONE)),
        ("login", pa.large_string()),
        ("profil", pa.large_string()),
        ("uai", pa.large_string()),
        ("projet_ent", pa.large_string()),
        ("service", pa.large_string()),
        ("url", pa.large_string()),
        ("statut_http", pa.int16()),
        ("duree_ms", pa.int32()),
    ]
)


class _MonthWriter:
    """One month's file: ``encode`` turns a batch into bytes or an Arrow table (CPU-bound, run in
    the encoder thread), ``sink`` appends it (compression and disk, run in the sink thread)."""

    def __init__(self, path: Path, fmt: str, model: _Model) -> None:
        self.fmt = fmt
        self.model = model
        self.rows = 0
        self._fh: BinaryIO | None = None
        self._pq: pq.ParquetWriter | None = None
        self._z: Any = None
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(
                path, _PARQUET_SCHEMA, compression="zstd", compression_level=1
            )
        else:
            self._fh = path.open("wb")
            if fmt == "csv.gz":
                # wbits 31: a gzip member whose header has mtime 0 and no file name.
                self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)

    def encode(self, batch: list[tuple[dt.date, dict[str, Any]]]) -> pa.Table | bytes:
        frames = [_to_output(self.model, day, block, self.fmt) for day, block in batch]
        if self.fmt == "parquet":
            df = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
            return df.to_arrow().cast(_PARQUET_SCHEMA)
        buf = io.BytesIO()
        for df in frames:
            if self.fmt == "jsonl":
                df.write_ndjson(buf)
            else:
                df.write_csv(buf, separator=CSV_SEPARATOR, include_header=self.rows == 0)
            self.rows += df.height
        return buf.getvalue()

    def sink(self, payload: pa.Table | bytes) -> None:
        if isinstance(payload, pa.Table):
            assert self._pq is not None
            self._pq.write_table(payload, row_group_size=max(payload.num_rows, 1))
            self.rows += payload.num_rows
            return
        assert self._fh is not None
        self._fh.write(self._z.compress(payload) if self._z is not None else payload)

    def close(self) -> None:
        if self._pq is not None:
            if self.rows == 0:
                self._pq.write_table(_PARQUET_SCHEMA.empty_table())
            self._pq.close()
            return
        assert self._fh is not None
        if self.rows == 0 and self.fmt != "jsonl":
            self.sink((CSV_SEPARATOR.join(LOG_COLUMNS) + "\n").encode())
        if self._z is not None:
            self._fh.write(self._z.flush())
        self._fh.close()


def log_file_name(month: int, fmt: str) -> str:
    """Relative path of a month's log file, e.g. ``ent/logs/ent_evenements_2020-03_...csv.gz``."""
    return f"{LOG_DIR}/ent_evenements_2020-{month:02d}_{SYNTHETIC_TAG}.{fmt}"


_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet")


def _write_logs(
    model: _Model, out_dir: Path, seed: int, n_events: int, fmt: str
) -> list[FileRecord]:
    per_day = _allocate(n_events, _day_totals(model))
    months = list(range(START.month, END.month + 1))
    dests = [out_dir / log_file_name(m, fmt) for m in months]
    writers: list[_MonthWriter] = []
    with contextlib.ExitStack() as files:
        encoder, sinker = Stage("ent-encodage"), Stage("ent-ecriture")
        stages_open = True

        def send(writer: _MonthWriter, batch: list[tuple[dt.date, dict[str, Any]]]) -> None:
            def encode() -> None:
                payload = writer.encode(batch)
                sinker.submit(lambda: writer.sink(payload))

            encoder.submit(encode)

        def finish(writer: _MonthWriter) -> None:
            encoder.submit(lambda: sinker.submit(writer.close))

        try:
            for month, dest in zip(months, dests, strict=True):
                writer = _MonthWriter(files.enter_context(atomic_path(dest)), fmt, model)
                writers.append(writer)
                batch: list[tuple[dt.date, dict[str, Any]]] = []
                batch_rows = 0
                for i, day in enumerate(model.days):
                    if day.month != month:
                        continue
                    for block in _generate_day(model, i, int(per_day[i]), seed):
                        rows = block["sec"].shape[0]
                        if batch and batch_rows + rows > _BATCH_ROWS:
                            send(writer, batch)
                            batch, batch_rows = [], 0
                        batch.append((day, block))
                        batch_rows += rows
                if batch:
                    send(writer, batch)
                finish(writer)
            encoder.close()
            sinker.close()
            stages_open = False
        finally:
            if stages_open:  # an error: stop the threads before the temporary files go
                with contextlib.suppress(BaseException):
                    encoder.close()
                with contextlib.suppress(BaseException):
                    sinker.close()
    return [
        FileRecord(
            path=relative(dest, out_dir),
            family="ent",
            description=(
                f"Journaux bruts d'événements des ENT, {_MOIS[month - 1]} 2020 (une ligne "
                "par requête ; identifiants de connexion bruts, à pseudonymiser)"
            ),
            format=fmt,
            rows=writer.rows,
            bytes=dest.stat().st_size,
            sha256=sha256_file(dest),
        )
        for month, dest, writer in zip(months, dests, writers, strict=True)
    ]


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
        mix_days = _MAIN_MIX[crisis[sel].astype(np.int64)]  # (days, 4, 8)
        prof = np.repeat(np.arange(4), n_p)
        v_s = (v_m[:, :, None] * mix_days[:, prof, :]).sum(axis=0)  # (4P, 8)
        ppv = _PAGES_PER_VISIT[None, :] * np.where(crisis[sel].mean() > 0.5, 1.25, 1.0)
        w_act = v_m.sum(axis=0)
        act_m = np.where(w_act > 0, (active[sel] * v_m).sum(axis=0) / np.maximum(w_act, 1e-12), 0)
        uniq = _unique_visitors(v_s, (act_m * pool_scale)[:, None])
        n_rows = 4 * n_p * len(SERVICES)
        frames.append(
            pl.DataFrame(
                {
                    "mois": [f"2020-{m:02d}"] * n_rows,
                    "projet_ent": [p for p in model.projets for _ in SERVICES] * 4,
                    "profil": [p for p in PROFILS for _ in range(n_p * len(SERVICES))],
                    "service": list(SERVICES) * (4 * n_p),
                    "visites": np.round(v_s).astype(np.int64).ravel(),
                    "visiteurs_uniques": np.round(uniq).astype(np.int64).ravel(),
                    "pages": np.round(v_s * ppv).astype(np.int64).ravel(),
                    "donnees": [SYNTHETIC_TAG] * n_rows,
                }
            )
        )
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
    description = (
        "Mesure d'audience mensuelle des ENT (visites, visiteurs uniques, pages) par projet, "
        "profil et service, à l'échelle nationale"
    )
    return write_csv_table(table, dest, out_dir, "ent", description)


def _readme_text(fmt: str, n_events: int) -> str:
    """French notice of the ENT folder (what the files are, columns, pseudonymisation)."""
    total = f"{n_events:,}".replace(",", " ")
    if fmt == "parquet":
        horodatage = "horodatage : date et heure, type horodatage avec fuseau Europe/Paris"
        layout = "Parquet"
    else:
        horodatage = (
            "horodatage : date et heure locales ISO 8601 avec décalage UTC\n"
            "  (2020-03-16T08:01:07+01:00 ; +02:00 après le passage à l'heure d'été du 29 mars)"
        )
        layout = (
            "JSON, une ligne par objet" if fmt == "jsonl" else f"séparateur « {CSV_SEPARATOR} »"
        )
    lo, hi = AUDIENCE_WINDOW
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
            f"logs/ent_evenements_2020-MM_{SYNTHETIC_TAG}.{fmt} : un fichier par mois",
            f"  ({layout}, UTF-8), une ligne par requête HTTP, triées par horodatage ;",
            f"  {total} événements au total. Une visite commence par la page de connexion",
            "  puis enchaîne quelques pages à quelques dizaines de secondes d'intervalle.",
            f"audience_mensuelle_ent_2020_{SYNTHETIC_TAG}.csv : mesure d'audience mensuelle",
            "  « telle que publiée » par les fournisseurs (séparateur « ; »), à l'échelle",
            "  nationale et indépendante du nombre d'événements des journaux. Les visites sont",
            f"  calées sur {AUDIENCE_WINDOW_VISITS / 1e6:.0f} millions du {lo:%d/%m} au "
            f"{hi:%d/%m/%Y} ; les autres mois",
            "  en découlent par le même modèle que les journaux (la mesure de 2013, environ",
            "  13 millions de visites par mois, n'est pas reprise pour janvier 2020).",
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
            f"pages, donnees (toujours {SYNTHETIC_TAG})",
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
    write_text_atomic(readme, _readme_text(fmt, n_events))
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
