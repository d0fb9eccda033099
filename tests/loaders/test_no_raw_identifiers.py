"""Raw identifiers never leave a loader, errors included.

An ENT log with CR-only line ends (or no header row) used to fail with a message quoting the
offending "header": all the logins of the file landed in ``qualite.json``, on the « Données »
page and on the console (one such line held 766 logins). Here bad ENT logs — CR-only line
ends, no header, a truncated line, a shifted row, too many fields, a quote left open, a cp1252
line, a broken JSON line — go through ``egn ingest ent-logs`` and through ``registry.build`` on
a raw folder laid out like ``egn synth``'s, and every login of the input is looked for in the
CLI's stdout and stderr, the Python logs, ``qualite.json`` and the bytes of every file written
under the output folders. The real Moodle export (CR-only, user names) goes the same way, and
the consultation loader (authors' pseudonyms) is checked for the same leak.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.loaders import LoadError, consultation, ent_logs, registry

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "real-world"
MOODLE = REAL / "logs" / "moodle-udheit2018" / "Course_Activity_Obfuscated.csv"
DECIDIM = REAL / "consultation" / "decidim-granddebat-2019" / "commentaires_debats.csv"
HEADER = b"horodatage;login;profil;uai;projet_ent;service;url;statut_http;duree_ms"


@pytest.fixture(autouse=True)
def pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGN_PSEUDO_KEY", "5e" * 32)
    monkeypatch.delenv("EGN_PSEUDO_KEY_FILE", raising=False)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes], set[str]]:
    """The ENT part of ``egn synth`` (400 events), its logs as one 400-row file, its logins."""
    from egn_analytics.synth.ent import AUDIENCE_FILE, LOG_DIR, write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    root = tmp_path_factory.mktemp("synth")
    write_ent(make_etablissements(2020, 0.02), root, 2020, 400, "csv")
    rows: list[bytes] = []
    for path in sorted((root / LOG_DIR).iterdir()):
        header, *body = path.read_bytes().rstrip(b"\n").split(b"\n")
        assert header == HEADER
        rows += body
    logins = set(
        pl.read_csv(io.BytesIO(b"\n".join([HEADER, *rows])), separator=";", infer_schema=False)[
            "login"
        ].to_list()
    )
    assert len(rows) == 400 and len(logins) > 50
    return root / AUDIENCE_FILE, rows, logins


def _cut(rows: list[bytes], at: int, keep: int) -> list[bytes]:
    """Row ``at`` cut after its first ``keep`` fields (a truncated line in the middle)."""
    fields = rows[at].split(b";")
    return [*rows[:at], b";".join(fields[:keep]), *rows[at + 1 :]]


def _field(rows: list[bytes], at: int, index: int, fn: Callable[[bytes], bytes]) -> list[bytes]:
    fields = rows[at].split(b";")
    fields[index] = fn(fields[index])
    return [*rows[:at], b";".join(fields), *rows[at + 1 :]]


def _jsonl(rows: list[bytes]) -> bytes:
    names = HEADER.decode().split(";")
    records = [dict(zip(names, r.decode().split(";"), strict=True)) for r in rows]
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines[200] = lines[200][:-30]  # a line cut inside a value: "… "login": "jdupont…
    return b"\n".join(lines) + b"\n"


def _cp1252_line(rows: list[bytes]) -> list[bytes]:
    at = next(i for i in range(200, 400) if not rows[i].isascii())
    return [*rows[:at], rows[at].decode().encode("cp1252"), *rows[at + 1 :]]


def _csv(rows: list[bytes], *, header: bool = True, eol: bytes = b"\n") -> bytes:
    return eol.join([HEADER, *rows] if header else rows) + eol


#: name → (content from the 400 rows, pattern the error must match, or None when it loads).
CASES: dict[str, tuple[Callable[[list[bytes]], bytes], str | None]] = {
    "cr_seules.csv": (
        lambda r: _csv(r, eol=b"\r"),
        r"cr_seules\.csv \(ligne 1\) : fins de ligne CR seules",
    ),
    "sans_entete.csv": (
        lambda r: _csv(r, header=False),
        r"sans_entete\.csv \(ligne 1\) : en-tête attendu absent",
    ),
    "ligne_tronquee.csv": (lambda r: _csv(_cut(r, 150, 3)), None),
    # The horodatage field is missing: Polars pads the row and the login moves left.
    "ligne_decalee.csv": (lambda r: _csv([*r[:180], r[180].split(b";", 1)[1], *r[181:]]), None),
    "champs_en_trop.csv": (
        lambda r: _csv(_field(r, 120, 6, lambda v: v + b";en-trop")),
        r"champs_en_trop\.csv : CSV mal formé \(ligne 122\) : 10 champs pour 9 colonnes",
    ),
    "guillemet_ouvert.csv": (
        lambda r: _csv(_field(r, 300, 6, lambda v: b'"' + v)),
        r"guillemet_ouvert\.csv : CSV mal formé \(ligne 302\) : un champ s'étend",
    ),
    # A quote opened in one URL and closed two lines later: the rows between are swallowed.
    "guillemet_avale.csv": (
        lambda r: _csv(_field(_field(r, 60, 6, lambda v: b'"' + v), 62, 6, lambda v: v + b'"')),
        None,
    ),
    "ligne_cp1252.csv": (
        lambda r: _csv(_cp1252_line(r)),
        r"ligne_cp1252\.csv : encodage invalide \(UTF-8\) à la ligne \d+",
    ),
    "casse.jsonl": (_jsonl, r"casse\.jsonl : JSON lines mal formé \(ligne 201\)"),
}


def _written(folder: Path) -> bytes:
    """The bytes of every file under ``folder`` (symbolic links followed: build generations),
    and for Parquet files their decoded text values too (pages are compressed)."""
    blobs = []
    for base, _, files in os.walk(folder, followlinks=True):
        for name in sorted(files):
            path = Path(base) / name
            blobs.append(path.read_bytes())
            if name.endswith(".parquet"):
                frame = pl.read_parquet(path).select(pl.all().cast(pl.String))
                blobs.append("\n".join(frame.unpivot()["value"].drop_nulls()).encode())
    return b"\n".join(blobs)


def _leaks(blob: bytes, identifiers: set[str]) -> list[str]:
    encodings = ("utf-8", "cp1252")
    return sorted(
        i for i in identifiers if any(i.encode(e, errors="ignore") in blob for e in encodings)
    )


def _run_everywhere(
    path: Path, audience: Path | None, tmp: Path, caplog: pytest.LogCaptureFixture
) -> tuple[bytes, dict[str, object], str]:
    """``egn ingest ent-logs`` and ``registry.build`` on ``path``; everything they let out."""
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(app, ["ingest", "ent-logs", str(path), "--out", str(tmp / "cli")])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    raw = tmp / "raw"
    (raw / "ent" / "logs").mkdir(parents=True)
    shutil.copy(path, raw / "ent" / "logs" / path.name)
    if audience is not None:
        shutil.copy(audience, raw / "ent" / audience.name)
    summaries = registry.build(raw, tmp / "processed")
    (report,) = [p for p in (tmp / "processed").rglob(registry.QUALITY_REPORT)]
    ent = next(s for s in summaries if s["type"] == "ent-logs")
    logs = "\n".join(
        f"{r.getMessage()}\n{r.exc_text or ''}\n{r.stack_info or ''}" for r in caplog.records
    )
    blob = b"\n".join(
        [
            result.stdout.encode(),
            result.stderr.encode(),
            logs.encode(),
            report.read_bytes(),
            _written(tmp / "cli"),
            _written(tmp / "processed"),
        ]
    )
    return blob, ent, result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("name", list(CASES))
def test_bad_ent_logs_never_let_a_login_out(
    name: str,
    synth: tuple[Path, list[bytes], set[str]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    audience, rows, logins = synth
    make, pattern = CASES[name]
    path = tmp_path / "entree" / name
    path.parent.mkdir()
    path.write_bytes(make(rows))
    blob, summary, stderr = _run_everywhere(path, audience, tmp_path, caplog)
    assert _leaks(blob, logins) == []
    if pattern is None:  # it loads: bad rows are rejects, with reasons, and no login
        assert "erreur" not in summary, summary
        assert summary["lignes_lues"] == summary["acceptees"] + summary["rejetees"]
        assert summary["rejetees"] >= 1
    else:  # one line naming the file and the problem, in the report and on stderr
        assert re.match(pattern, str(summary.get("erreur", ""))), summary
        assert stderr.startswith("erreur : ") and name in stderr
        assert stderr.count("\n") == 1


@pytest.mark.integration
def test_rejects_of_shifted_and_swallowed_rows_keep_no_raw_text(
    synth: tuple[Path, list[bytes], set[str]], tmp_path: Path
) -> None:
    _, rows, logins = synth
    shifted = tmp_path / "decale.csv"
    shifted.write_bytes(CASES["ligne_decalee.csv"][0](rows))
    res = ent_logs.load_result(shifted)
    (row,) = res.rejects.filter(pl.col("_ligne") == 182).iter_rows(named=True)
    assert row["horodatage"] is None  # it held the login
    assert row["uai"] is not None  # after the login: kept (it shows why the row is rejected)
    swallowed = tmp_path / "avale.csv"
    swallowed.write_bytes(CASES["guillemet_avale.csv"][0](rows))
    res = ent_logs.load_result(swallowed)
    assert res.rows_read == 398  # rows 62 to 64 read as one record
    (row,) = res.rejects.filter(pl.col("_ligne") == 62).iter_rows(named=True)
    assert row["_motif"].startswith("champ sur plusieurs lignes (guillemet mal fermé ?)")
    assert {row[c] for c in ("horodatage", "url", "service", "uai")} == {None}
    values = res.data.select(pl.col(pl.String)).unpivot()["value"]
    assert not values.is_in(list(logins)).any()
    assert not values.str.contains("\n", literal=True).any()


@pytest.mark.integration
def test_real_moodle_export_cr_only_names_no_user(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The real Moodle log (CR-only line ends): its user names never appear anywhere."""
    text = MOODLE.read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    users = {r[2] for r in records[1:] if len(r) > 2 and len(r[2]) >= 4}
    assert len(users) > 50
    blob, summary, _ = _run_everywhere(MOODLE, None, tmp_path, caplog)
    assert _leaks(blob, users) == []
    assert "fins de ligne CR seules" in str(summary["erreur"])


def test_consultation_export_without_header_quotes_no_author(tmp_path: Path) -> None:
    """Decidim's real comments export, header row lost: no author name in the error."""
    text = DECIDIM.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    authors = {r[4] for r in records[1:] if len(r) > 4 and len(r[4]) >= 4}
    assert len(authors) > 20
    path = tmp_path / "export.csv"
    path.write_text(text.split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(LoadError) as err:
        consultation.load_result(path)
    assert str(err.value).startswith("export.csv (ligne 1) : en-tête attendu absent")
    assert _leaks(str(err.value).encode(), authors) == []


def test_polars_errors_are_rewritten_without_content(tmp_path: Path) -> None:
    """A CSV Polars refuses with a message quoting the rows: the core says line and problem."""
    from egn_analytics.loaders import ent_audience

    path = tmp_path / "audience.csv"
    path.write_text(
        'mois;projet_ent;profil;service;visites\n2020-03;"jdupont42 secret;élève;x;1\n'
        "2020-04;PCN;élève;x;2\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as err:
        ent_audience.load_result(path)
    assert "jdupont42" not in str(err.value) and "CSV mal formé" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
