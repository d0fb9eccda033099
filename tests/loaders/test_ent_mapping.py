"""Another platform's usage logs through a declared column mapping (``--map``/``--set``).

The real Moodle export (19,296 events, 113 users, CR-only line ends, English headers, dates
without a year) is read in place: with the mapping and constants it goes through
``egn ingest ent-logs`` into the events dataset and on to the daily table, and none of its
user names appears in any written file or console line. Without a mapping the same file is
still refused (tests/loaders/test_no_raw_identifiers.py); a mapping naming a missing column is
one line naming that column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.loaders import LoadError, ent_logs, registry
from egn_analytics.usage.daily import DEDUP_KEY, daily_table, write_daily

REPO = Path(__file__).resolve().parents[2]
MOODLE = (
    REPO.parent / "shared" / "real-world" / "logs" / "moodle-udheit2018"
) / "Course_Activity_Obfuscated.csv"
#: A valid UAI (check letter of 0750001 is U) standing for the whole platform.
UAI = "0750001U"
MAP = {
    "horodatage": "Time",
    "id_utilisateur": "User full name",
    "url": "Event context",
    "service": "Event name",
}
SET = {"uai": UAI, "profil": "élève", "statut_http": "200", "annee": "2018"}
OURS = "horodatage;login;profil;uai;projet_ent;service;url;statut_http;duree_ms"


@pytest.fixture(autouse=True)
def pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGN_PSEUDO_KEY", "5e" * 32)
    monkeypatch.delenv("EGN_PSEUDO_KEY_FILE", raising=False)


def _cli_args(mapping: dict[str, str], constants: dict[str, str]) -> list[str]:
    args = [a for t, c in mapping.items() for a in ("--map", f"{t}={c}")]
    return args + [a for t, v in constants.items() for a in ("--set", f"{t}={v}")]


def _moodle_users() -> set[str]:
    text = MOODLE.read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0][2] == "User full name"
    return {r[2] for r in records[1:]}


def _written(folder: Path) -> bytes:
    """Every file's bytes under ``folder``, and the text values of Parquet files (compressed
    pages would hide a name from a byte search), as in test_no_raw_identifiers."""
    blobs = []
    for base, _, files in os.walk(folder, followlinks=True):
        for name in sorted(files):
            path = Path(base) / name
            blobs.append(path.read_bytes())
            if name.endswith(".parquet"):
                frame = pl.read_parquet(path).select(pl.all().cast(pl.String))
                blobs.append("\n".join(frame.unpivot()["value"].drop_nulls()).encode())
    return b"\n".join(blobs)


@pytest.mark.integration
def test_real_moodle_export_to_daily_table(tmp_path: Path) -> None:
    users = _moodle_users()
    assert len(users) == 113
    out = tmp_path / "tables"
    result = CliRunner().invoke(
        app, ["ingest", "ent-logs", str(MOODLE), "--out", str(out), *_cli_args(MAP, SET)]
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / f"{ent_logs.TABLE}.meta.json").read_text(encoding="utf-8"))
    assert meta["lignes_lues"] == 19_296 == meta["acceptees"] + meta["rejetees"]
    assert meta["rejetees"] == 0
    assert meta["correspondance"] == MAP
    assert meta["constantes"] == {**SET, "annee": 2018}
    events = ent_logs.scan_events(out / ent_logs.TABLE).collect()
    assert events.height == 19_296
    assert events["id_utilisateur"].n_unique() == 113
    assert events["id_utilisateur"].str.contains(r"^[0-9a-f]{32}$").all()
    assert (events["uai"] == UAI).all() and (events["statut_http"] == 200).all()
    # Dates without a year, in the declared year, Paris wall-clock time (« 11 May, 09:44 »).
    first = events.filter(pl.col("horodatage").dt.strftime("%m-%d %H:%M") == "05-11 09:44")
    assert first.height >= 1
    assert events["horodatage"].dt.year().unique().to_list() == [2018]
    # The daily table: events per day (duplicates counted once) and distinct users per day.
    etab = pl.DataFrame({"uai": [UAI], "code_academie": ["01"]})
    report = write_daily(out / ent_logs.TABLE, tmp_path / "quotidien.parquet", etab)
    daily = pl.read_parquet(tmp_path / "quotidien.parquet")
    assert daily.equals(report.table) and report.unmatched_events == 0
    unique = events.unique(subset=list(DEDUP_KEY))
    assert daily["evenements"].sum() == unique.height
    expected = (
        unique.group_by(pl.col("horodatage").dt.date().alias("jour"))
        .agg(pl.len().alias("evenements"), pl.col("id_utilisateur").n_unique().alias("n"))
        .sort("jour")
    )
    assert daily["jour"].to_list() == expected["jour"].to_list()
    assert daily["evenements"].to_list() == expected["evenements"].to_list()
    assert daily["utilisateurs"].to_list() == expected["n"].to_list()
    assert daily["utilisateurs"].max() <= 113
    # No Moodle user name anywhere: console, dataset, rejects, meta, daily table.
    blob = b"\n".join([result.output.encode(), _written(out), _written(tmp_path)])
    assert sorted(u for u in users if u.encode() in blob) == []


def test_missing_mapped_column_is_one_line_naming_it(tmp_path: Path) -> None:
    users = _moodle_users()
    mapping = {**MAP, "profil": "Role"}
    constants = {k: v for k, v in SET.items() if k != "profil"}
    with pytest.raises(LoadError) as err:
        ent_logs.load_result(MOODLE, mapping=mapping, constants=constants)
    message = str(err.value)
    assert message.startswith(
        "Course_Activity_Obfuscated.csv (ligne 1) : colonne « Role » absente (--map profil=Role)"
    )
    assert "\n" not in message and not [u for u in users if u in message]
    args = ["ingest", "ent-logs", str(MOODLE), "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, *_cli_args(mapping, constants)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "colonne « Role » absente" in result.stderr
    assert not [u for u in users if u in result.output]
    assert not (tmp_path / ent_logs.TABLE).exists()


@pytest.mark.parametrize(
    ("mapping", "constants", "message"),
    [
        ({"adresse_ip": "IP address"}, {}, "--map adresse_ip=… : cible inconnue"),
        (MAP, {**SET, "horodatage": "2018-01-01"}, "--set horodatage=… : cible impossible"),
        (MAP, {**SET, "id_utilisateur": "x"}, "--set id_utilisateur=… : cible impossible"),
        ({**MAP, "uai": "Origin"}, SET, "uai : déclaré à la fois par --map et par --set"),
        (MAP, {**SET, "annee": "18"}, "--set annee=… : année invalide"),
        (MAP, {**SET, "code_academie": "1"}, "--set code_academie=… : code invalide"),
    ],
)
def test_declarations_that_cannot_be_followed(
    mapping: dict[str, str], constants: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        ent_logs.load_result(MOODLE, mapping=mapping, constants=constants)


def _our_layout(tmp_path: Path) -> tuple[Path, Path]:
    """The same six events in our layout (LF) and in another platform's (CR-only)."""
    rows = [
        ("2020-03-16T09:00:00+01:00", "jdupont", "élève", "/cahier", "200"),
        ("2020-03-16T09:10:00+01:00", "jdupont", "élève", "/messagerie", "200"),
        ("2020-03-16T10:00:00+01:00", "mmartin", "enseignant", "/cahier", "404"),
        ("2020-03-17T08:00:00+01:00", "mmartin", "enseignant", "/cahier", "200"),
        ("2020-03-17T08:30:00+01:00", "lbernard", "parent", "/notes", "200"),
        ("2020-03-17T08:31:00+01:00", "", "parent", "/notes", "200"),  # no identity: rejected
    ]
    ours = tmp_path / "ours.csv"
    ours.write_text(
        "\n".join([OURS] + [f"{h};{u};{p};{UAI};PCN;;{url};{s};" for h, u, p, url, s in rows])
        + "\n",
        encoding="utf-8",
    )
    theirs = tmp_path / "theirs.csv"
    theirs.write_bytes(
        "\r".join(
            ["When,Who,Page,Kind,Status"] + [f"{h},{u},{url},{p},{s}" for h, u, p, url, s in rows]
        ).encode()
        + b"\r"
    )
    return ours, theirs


def test_mapped_layout_reads_as_ours(tmp_path: Path) -> None:
    ours, theirs = _our_layout(tmp_path)
    mapping = {
        "horodatage": "When", "id_utilisateur": "who", "url": "Page", "profil": "Kind",
        "statut_http": "Status",
    }  # fmt: skip
    expected = ent_logs.load_result(ours)
    got = ent_logs.load_result(theirs, mapping=mapping, constants={"uai": UAI, "projet_ent": "PCN"})
    assert got.rows_read == expected.rows_read == 6
    assert got.data.equals(expected.data)  # same pseudonyms: the identity is keyed as a login
    assert got.rejects["_ligne"].to_list() == expected.rejects["_ligne"].to_list() == [7]
    assert got.rejects["_motif"].to_list() == ["valeur manquante (login)"]
    # Without a mapping, the CR-only file is still refused, quoting nothing.
    with pytest.raises(LoadError, match=r"\(ligne 1\) : fins de ligne CR seules") as err:
        ent_logs.load_result(theirs)
    assert "jdupont" not in str(err.value) and "mmartin" not in str(err.value)


def test_dates_without_a_year_wait_for_a_declared_one(tmp_path: Path) -> None:
    path = tmp_path / "moodle.csv"
    path.write_text(
        'Time,User\n"16 Mar, 09:00",jdupont\n"29 Feb, 10:00",jdupont\n', encoding="utf-8"
    )
    constants = {"uai": UAI, "profil": "élève", "statut_http": "200"}
    mapping = {"horodatage": "Time", "id_utilisateur": "User"}
    res = ent_logs.load_result(path, mapping=mapping, constants=constants)
    assert res.data.height == 0
    assert res.rejects["_motif"].to_list() == ["date sans année (déclarer --set annee=AAAA)"] * 2
    res = ent_logs.load_result(path, mapping=mapping, constants={**constants, "annee": "2020"})
    assert [str(h) for h in res.data["horodatage"]] == [
        "2020-03-16 09:00:00+01:00",
        "2020-02-29 10:00:00+01:00",
    ]
    res = ent_logs.load_result(path, mapping=mapping, constants={**constants, "annee": "2019"})
    assert res.data.height == 1 and res.rejects["_motif"].to_list() == ["date impossible"]


def test_cli_layout_options(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["ingest", "ent-logs", str(MOODLE), "--out", str(tmp_path)]
    result = runner.invoke(app, [*base, "--map", "horodatage"])
    assert result.exit_code == 2 and "--map attend CIBLE=COLONNE" in result.stderr
    result = runner.invoke(app, [*base, "--set", "uai=1", "--set", "uai=2"])
    assert result.exit_code == 2 and "--set uai donné deux fois" in result.stderr
    survey = ["ingest", "survey", str(MOODLE), "--out", str(tmp_path), "--map", "a=b"]
    result = runner.invoke(app, survey)
    assert result.exit_code == 2 and "--map a=… : cible inconnue" in result.stderr


def test_a_constant_academie_partitions_the_dataset(tmp_path: Path) -> None:
    _, theirs = _our_layout(tmp_path)
    mapping = {
        "horodatage": "When", "id_utilisateur": "Who", "url": "Page", "profil": "Kind",
        "statut_http": "Status",
    }  # fmt: skip
    constants = {"uai": UAI, "code_academie": "01"}
    out = tmp_path / "tables"
    summary = registry.ingest(
        "ent-logs", theirs, out, mapping=mapping, constants=constants, progress=False
    )
    assert summary["partitions"] == ["mois", "code_academie"]
    assert summary["acceptees"] == 5 and summary["rejetees"] == 1
    dataset = out / ent_logs.TABLE
    assert [p.relative_to(dataset).as_posix() for p in sorted(dataset.glob("*/*"))] == [
        "mois=2020-03/code_academie=01"
    ]
    # The académie comes from the partition: the établissement table need not list the UAI.
    other = pl.DataFrame({"uai": ["0000000A"], "code_academie": ["02"]})
    daily = daily_table(dataset, other)
    assert daily.select("jour", "code_academie", "profil", "evenements").rows() == [
        (dt.date(2020, 3, 16), "01", "enseignant", 1),
        (dt.date(2020, 3, 16), "01", "élève", 2),
        (dt.date(2020, 3, 17), "01", "enseignant", 1),
        (dt.date(2020, 3, 17), "01", "parent", 1),
    ]
    # A different option set is a different cache key: the same input is ingested again.
    again = registry.ingest("ent-logs", theirs, out, mapping=mapping, constants={"uai": UAI})
    assert again["cache"] is False and again["partitions"] == ["mois"]
    etab = tmp_path / "etablissements.parquet"
    other.write_parquet(etab)
    with pytest.raises(ValueError, match="--set code_academie et --etablissements"):
        ent_logs.load_result(theirs, mapping=mapping, constants=constants, etablissements=etab)


def test_cr_only_file_with_a_quote_left_open_lets_no_login_out(tmp_path: Path) -> None:
    """Read as lines, a CR-only file is checked like any other: a quote left open swallows
    the next lines (their logins) into one rejected field whose text is not kept, and a quote
    never closed is one line naming where it starts."""
    logins = [f"user{i:03d}" for i in range(10)]
    rows = [f"2020-03-16T09:{i:02d}:00+01:00,{u},/p{i}" for i, u in enumerate(logins)]
    rows[3] = rows[3].replace("/p3", '"/p3')
    rows[5] = rows[5].replace("/p5", '/p5"')
    path = tmp_path / "cr_guillemet.csv"
    path.write_bytes(("\r".join(["When,Who,Page", *rows]) + "\r").encode())
    mapping = {"horodatage": "When", "id_utilisateur": "Who", "url": "Page"}
    constants = {"uai": UAI, "profil": "élève", "statut_http": "200"}
    res = ent_logs.load_result(path, mapping=mapping, constants=constants)
    assert res.rows_read == 8 == res.data.height + res.rejects.height
    assert res.rejects.select("horodatage", "url", "_ligne").rows() == [(None, None, 5)]
    assert res.rejects["_motif"].to_list() == ["champ sur plusieurs lignes (guillemet mal fermé ?)"]
    kept = str(res.rejects.rows()) + str(res.data.rows())
    assert [u for u in logins if u in kept] == []
    path.write_bytes(("\r".join(["When,Who,Page", *rows[:5]]) + "\r").encode())
    with pytest.raises(LoadError) as err:
        ent_logs.load_result(path, mapping=mapping, constants=constants)
    assert str(err.value) == (
        "cr_guillemet.csv : CSV mal formé (ligne 5) : un champ s'étend sur les lignes 5 à 6 "
        "(guillemet mal fermé ?)"
    )
