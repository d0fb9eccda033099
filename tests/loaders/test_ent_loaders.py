"""ENT logs (streamed, pseudonymised, partitioned), ENT audience and CNED loaders.

Handmade fixtures in ``fixtures/ent`` carry the real-world quirks: gzip, BOM, ``,`` vs ``;``,
tab and cp1252, JSON lines, export aliases and an extra column, local times with +01:00 and
+02:00 around the DST switch of 29 March 2020, and one bad row per reason.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zoneinfo
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egn_analytics.loaders import LoadError, LoadResult, cned, ent_audience, ent_logs, registry
from egn_analytics.privacy import PseudoKey, pseudonymise

FIX = Path(__file__).parent / "fixtures" / "ent"
KEY_HEX = "5e" * 32
KEY = PseudoKey(bytes.fromhex(KEY_HEX), "test")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.UTC
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGN_PSEUDO_KEY", KEY_HEX)
    monkeypatch.delenv("EGN_PSEUDO_KEY_FILE", raising=False)


def pseudo(login: str) -> str:
    return hashlib.blake2b(login.encode(), key=KEY.secret, digest_size=16).hexdigest()


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


def motifs(res: LoadResult) -> dict[int, str]:
    return dict(res.rejects.select("_ligne", "_motif").iter_rows())


# --------------------------------------------------------------------------- ENT logs


def test_semicolon_gzip_dst_and_every_reject_reason() -> None:
    res = ent_logs.load_result(FIX / "evenements_point_virgule.csv.gz")
    assert (res.rows_read, res.data.height, res.rejects.height) == (14, 5, 9)
    d = res.data
    assert d.schema["horodatage"] == pl.Datetime("us", "Europe/Paris")
    assert d.schema["statut_http"] == pl.Int16 and d.schema["duree_ms"] == pl.Int32
    assert "login" not in d.columns and "login" not in res.rejects.columns
    assert d["horodatage"].to_list() == [
        utc(2020, 3, 16, 7, 0, 0),
        utc(2020, 3, 29, 0, 59, 59),  # 01:59:59+01:00, the last second of winter time
        utc(2020, 3, 29, 1, 0, 0),  # 03:00:00+02:00, one second later
        utc(2020, 3, 16, 7, 15, 0),
        utc(2020, 4, 1, 8, 0, 0),
    ]
    local = d["horodatage"].dt.strftime("%Y-%m-%d %H:%M:%S %z").to_list()
    assert local[1:3] == ["2020-03-29 01:59:59 +0100", "2020-03-29 03:00:00 +0200"]
    assert d["profil"].cast(pl.String).to_list() == ["élève"] * 3 + ["parent"] * 2  # "Parent"
    assert d["uai"].to_list() == ["0750001U"] * 3 + ["0140002B"] * 2  # "0140002b" upper-cased
    assert d["id_utilisateur"].to_list() == [pseudo("jdupont42")] * 3 + [pseudo("m.martin7")] * 2
    assert d["duree_ms"].to_list() == [120, 95, 80, 1500, None]
    assert d["statut_http"].to_list() == [200, 200, 200, 503, 200]
    assert motifs(res) == {
        5: "date impossible",
        6: "profil inconnu",
        7: "statut HTTP invalide",
        8: "statut HTTP invalide",
        9: "UAI invalide",
        10: "clé de contrôle de l'UAI invalide",
        11: "durée négative",
        12: "valeur manquante (login)",
        15: "profil inconnu ; durée négative",
    }
    rej = {r["_ligne"]: r for r in res.rejects.iter_rows(named=True)}
    assert rej[5]["horodatage"] == "2020-02-30T10:00:00+01:00"  # raw text kept
    assert rej[7]["statut_http"] == "abc" and rej[9]["uai"] == "123"
    assert rej[5]["id_utilisateur"] == pseudo("m.martin7")  # the pseudonym, never the login
    assert rej[12]["id_utilisateur"] is None
    assert set(res.rejects["_source"]) == {"evenements_point_virgule.csv.gz"}
    assert res.summary()["motifs"] == {
        "durée négative": 2,
        "profil inconnu": 2,
        "statut HTTP invalide": 2,
        "UAI invalide": 1,
        "clé de contrôle de l'UAI invalide": 1,
        "date impossible": 1,
        "valeur manquante (login)": 1,
    }


def test_bom_comma_aliases_and_timestamp_variants() -> None:
    res = ent_logs.load_result(FIX / "evenements_bom_virgule.csv")
    assert (res.rows_read, res.data.height) == (6, 4)
    d = res.data
    assert d["horodatage"].to_list() == [
        utc(2020, 3, 16, 7, 0, 0),  # "2020-03-16 08:00:00+01:00" (space)
        utc(2020, 3, 16, 7, 0, 0),  # "2020-03-16T07:00:00Z"
        utc(2020, 3, 16, 7, 0, 0, 250_000),  # fractional seconds
        utc(2020, 3, 29, 1, 30, 0),  # no offset: Paris wall-clock time, summer time
    ]
    assert d["url"][0] == "/recherche?q=a,b"  # quoted separator
    assert d["duree_ms"].to_list() == [12, 5, 7, 7]  # "12.4" rounded
    assert d["statut_http"].to_list() == [200, 304, 200, 200]
    assert d["projet_ent"].to_list() == ["PCN", "PCN", "ENT Normandie", "ENT Normandie"]
    assert d["profil"].cast(pl.String).to_list() == ["élève", "élève", "parent", "parent"]
    # Logins are case-sensitive identifiers: "JDupont42" is not "jdupont42".
    assert d["id_utilisateur"].to_list()[:2] == [pseudo("JDupont42"), pseudo("jdupont42")]
    assert motifs(res) == {
        5: "date impossible",  # 29 March 2020 at 02:30 does not exist in Paris
        7: "date hors période plausible",
    }
    assert "adresse_ip" not in res.rejects.columns and "adresse_ip" not in d.columns


def test_json_lines_and_cp1252_tab_gzip() -> None:
    res = ent_logs.load_result(FIX / "evenements.jsonl")
    assert (res.rows_read, res.data.height) == (3, 2)
    assert res.data["horodatage"].to_list() == [utc(2020, 3, 16, 7), utc(2020, 3, 29, 1)]
    assert res.data["duree_ms"].to_list() == [120, None]
    assert motifs(res) == {3: "statut HTTP invalide"}
    assert res.rejects.row(0, named=True)["projet_ent"] is None  # key absent from that line
    res = ent_logs.load_result(FIX / "evenements_cp1252_tab.csv.gz")
    assert (res.rows_read, res.data.height) == (2, 2)
    assert res.data["profil"].cast(pl.String).to_list() == ["élève", "parent"]  # "Élève"
    assert res.data["service"].to_list() == ["ressources pédagogiques", "actualités"]


@pytest.mark.parametrize("at", [65531, 65532, 65535])
def test_utf8_detected_whatever_character_the_sample_cuts(tmp_path: Path, at: int) -> None:
    """The encoding is sniffed on 64 KiB: a 2-byte « é » cut there (or by trimming the
    sample's last bytes, as 65531 did) must not turn a UTF-8 file into cp1252."""
    head = b"horodatage;login;profil;uai;statut_http\n"
    row = "2020-03-16T08:00:00+01:00;u;élève;0750001U;200\n".encode()
    pad = (at - len(head) - row.index("é".encode())) % len(row)
    first = row.replace(b";u;", b";u" + b"x" * pad + b";")
    body = first + row * (70_000 // len(row))
    assert (head + body)[at : at + 2] == "é".encode()
    path = tmp_path / "coupe.csv.gz"
    path.write_bytes(gzip.compress(head + body, mtime=0))
    res = ent_logs.load_result(path)
    assert res.rejects.height == 0
    assert set(res.data["profil"].cast(pl.String)) == {"élève"}


def _handmade_events() -> pl.DataFrame:
    """Events in Paris time around the DST switch, as an export would type them."""
    times = [
        dt.datetime(2020, 3, 28, 23, 59, 0),
        dt.datetime(2020, 3, 29, 1, 59, 59),
        dt.datetime(2020, 3, 29, 3, 0, 0),
        dt.datetime(2020, 4, 2, 18, 30, 15),
    ]
    return pl.DataFrame(
        {
            "horodatage": [t.replace(tzinfo=PARIS) for t in times],
            "login": ["jdupont42", "jdupont42", "m.martin7", "lea.bernard3"],
            "profil": ["élève", "élève", "parent", "enseignant"],
            "uai": ["0750001U", "0750001U", "0140002B", "0760003R"],
            "projet_ent": ["PCN", "PCN", "ENT Normandie", "ENT Normandie"],
            "service": ["messagerie", "cahier de textes", "actualités", "messagerie"],
            "url": ["/m", "/c", "/a", "/m"],
            "statut_http": pl.Series([200, 304, 503, 200], dtype=pl.Int16),
            "duree_ms": pl.Series([10, 20, 30000, 40], dtype=pl.Int32),
        },
        schema_overrides={"horodatage": pl.Datetime("ms", "Europe/Paris")},
    )


def _write_all_formats(df: pl.DataFrame, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = df.with_columns(pl.col("horodatage").dt.to_string("%Y-%m-%dT%H:%M:%S%:z"))
    paths = {k: folder / f"e.{k}" for k in ("parquet", "csv", "csv.gz", "jsonl")}
    df.write_parquet(paths["parquet"])
    text.write_csv(paths["csv"], separator=";")
    paths["csv.gz"].write_bytes(gzip.compress(paths["csv"].read_bytes(), mtime=0))
    text.write_ndjson(paths["jsonl"])
    return paths


def test_every_format_gives_the_same_table(tmp_path: Path) -> None:
    paths = _write_all_formats(_handmade_events(), tmp_path)
    frames = {k: ent_logs.load_result(p).data for k, p in paths.items()}
    for k, frame in frames.items():
        assert frame.equals(frames["parquet"]), k
    assert frames["parquet"]["horodatage"].dt.convert_time_zone("UTC").to_list() == [
        utc(2020, 3, 28, 22, 59, 0),
        utc(2020, 3, 29, 0, 59, 59),
        utc(2020, 3, 29, 1, 0, 0),
        utc(2020, 4, 2, 16, 30, 15),
    ]
    # A Parquet file with naive timestamps: read as Paris wall-clock time.
    naive = _handmade_events().with_columns(pl.col("horodatage").dt.replace_time_zone(None))
    naive.write_parquet(tmp_path / "naive.parquet")
    same = ent_logs.load_result(tmp_path / "naive.parquet").data
    assert same.equals(frames["parquet"])
    # A file named .csv that is in fact gzip: recognised from its first bytes.
    (tmp_path / "masque.csv").write_bytes(paths["csv.gz"].read_bytes())
    assert ent_logs.load_result(tmp_path / "masque.csv").data.equals(frames["parquet"])


def _tree(folder: Path) -> dict[str, bytes]:
    """Published files (temporary ``.*`` folders left out) and their bytes."""
    return {
        rel: p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(".")
    }


def test_ingest_writes_partitions_rejects_and_meta(tmp_path: Path) -> None:
    src = tmp_path / "logs"
    src.mkdir()
    (src / "a.csv.gz").write_bytes((FIX / "evenements_point_virgule.csv.gz").read_bytes())
    (src / "b.jsonl").write_bytes((FIX / "evenements.jsonl").read_bytes())
    (src / "LISEZMOI.txt").write_text("pas des données")  # skipped: not a data file
    out = tmp_path / "processed"
    summary = ent_logs.ingest(src, out, cache_key="k1", batch_rows=3, progress=False)
    assert summary["lignes_lues"] == 17 == summary["acceptees"] + summary["rejetees"]
    assert (summary["acceptees"], summary["rejetees"]) == (7, 10)
    assert summary["sources"] == ["a.csv.gz", "b.jsonl"]
    assert summary["lots"] == 5 + 1  # 14 rows in batches of 3, then 3 rows
    assert summary["cle_cache"] == "k1" and summary["partitions"] == ["mois"]
    assert summary["cle_pseudonymisation"] == KEY.fingerprint
    meta = json.loads((out / "ent_evenements.meta.json").read_text(encoding="utf-8"))
    assert meta == summary
    files = sorted(
        p.relative_to(out).as_posix() for p in (out / "ent_evenements").rglob("*.parquet")
    )
    assert files == [
        "ent_evenements/mois=2020-03/part-0000-00000.parquet",
        "ent_evenements/mois=2020-03/part-0000-00003.parquet",
        "ent_evenements/mois=2020-03/part-0001-00000.parquet",
        "ent_evenements/mois=2020-04/part-0000-00004.parquet",
    ]
    events = ent_logs.scan_events(out / "ent_evenements").collect()
    assert events.height == 7
    assert events.schema["mois"] == pl.String
    assert events.group_by("mois").len().sort("mois").rows() == [("2020-03", 6), ("2020-04", 1)]
    assert ent_logs.load(out / "ent_evenements").collect().height == 7
    rejects = pl.read_parquet(out / "ent_evenements.rejects.parquet")
    assert rejects.height == 10 and "login" not in rejects.columns
    assert rejects.filter(pl.col("_source") == "b.jsonl")["_ligne"].to_list() == [3]
    # No raw login anywhere: not in the bytes (footers, statistics, meta)…
    blob = b"".join(_tree(out).values())
    for login in (b"jdupont42", b"m.martin7", b"lea.bernard3"):
        assert login not in blob
    # … nor in any value once decoded.
    values = set(events.select(pl.col(pl.String)).unpivot()["value"].drop_nulls())
    values |= set(rejects.select(pl.col(pl.String)).unpivot()["value"].drop_nulls())
    assert not values & {"jdupont42", "m.martin7", "lea.bernard3"}
    assert not list(out.glob(".*"))  # no temporary folder left behind


def test_ingest_partitions_by_academie_with_a_reference(tmp_path: Path) -> None:
    ref = tmp_path / "etablissements.parquet"
    pl.DataFrame({"uai": ["0750001U", "0140002B"], "code_academie": ["01", "70"]}).write_parquet(
        ref
    )
    out = tmp_path / "out"
    summary = ent_logs.ingest(
        FIX / "evenements_point_virgule.csv.gz", out, cache_key="k", etablissements=ref
    )
    assert summary["partitions"] == ["mois", "code_academie"]
    assert summary["motifs"]["UAI absent de l'annuaire"] == 4  # 0760003R lines 7, 8, 11, 12
    assert summary["acceptees"] == 5
    events = ent_logs.scan_events(out / "ent_evenements").collect()
    assert events.schema["code_academie"] == pl.String  # "01", never the integer 1
    counts = events.group_by("mois", "code_academie").len().sort("mois", "code_academie")
    assert counts.rows() == [("2020-03", "01", 3), ("2020-03", "70", 1), ("2020-04", "70", 1)]
    assert (out / "ent_evenements" / "mois=2020-03" / "code_academie=01").is_dir()
    res = ent_logs.load_result(FIX / "evenements_point_virgule.csv.gz", etablissements=ref)
    assert motifs(res)[8] == "statut HTTP invalide ; UAI absent de l'annuaire"


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir()
    good = (FIX / "evenements_point_virgule.csv.gz").read_bytes()
    cases = {
        "vide.csv": (b"", r"^vide\.csv : fichier vide$"),
        "bruit.csv": (bytes(range(256)) * 40, r"^bruit\.csv : fichier binaire"),
        "tronque.csv.gz": (good[: len(good) // 2], r"^tronque\.csv\.gz : fichier .*tronqué"),
        "colonnes.csv": (
            b"date;utilisateur_inconnu;x\n2020-03-16;a;b\n",
            r"^colonnes\.csv \(ligne 1\) : colonne\(s\) attendue\(s\) absente\(s\) : "
            r"login, profil, uai, statut_http",
        ),
        "tableau.json": (b'[{"login": "a"}]', r"^tableau\.json : JSON en tableau"),
        "inegal.csv": (
            b"horodatage;login;profil;uai;statut_http\n2020-03-16T08:00:00+01:00;a;parent;"
            b"0750001U;200;en trop\n",
            r"^inegal\.csv : CSV mal formé",
        ),
        "archive.csv": (b"PK\x03\x04" + bytes(100), r"^archive\.csv : archive zip"),
        "faux.parquet": (b"PAR1" + bytes(50), r"^faux\.parquet : Parquet illisible"),
    }
    out = {}
    for name, (content, pattern) in cases.items():
        (folder / name).write_bytes(content)
        out[name] = (folder / name, pattern)
    return out


def test_unreadable_inputs_give_one_line_and_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for path, pattern in _bad_inputs(tmp_path / "bad").values():
        with pytest.raises(LoadError, match=pattern) as err:
            ent_logs.ingest(path, out, cache_key="k", progress=False)
        assert "\n" not in str(err.value)
        assert not out.exists() or not any(out.iterdir())
    with pytest.raises(LoadError, match="introuvable"):
        ent_logs.ingest(tmp_path / "absent", out, cache_key="k")


def test_failure_mid_stream_keeps_the_previous_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ent_logs.ingest(FIX / "evenements.jsonl", out, cache_key="old")
    before = _tree(out)
    src = tmp_path / "logs"
    src.mkdir()
    good = (FIX / "evenements_point_virgule.csv.gz").read_bytes()
    (src / "1_bon.csv.gz").write_bytes(good)
    # Truncated deep inside: the header reads fine, the error comes while streaming.
    big = gzip.compress(gzip.decompress(good) * 2000, mtime=0)
    (src / "2_tronque.csv.gz").write_bytes(big[: len(big) - 200])
    with pytest.raises(LoadError, match=r"^2_tronque\.csv\.gz : fichier illisible ou tronqué"):
        ent_logs.ingest(src, out, cache_key="new", batch_rows=500)
    assert _tree(out) == before
    assert not list(out.glob(".*"))


def test_killed_ingest_leaves_previous_dataset_and_next_run_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ent_logs.ingest(FIX / "evenements.jsonl", out, cache_key="old")
    before = _tree(out)
    script = textwrap.dedent(
        f"""
        import os, signal
        from egn_analytics.loaders import ent_logs
        ent_logs._publish = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
        ent_logs.ingest({str(FIX / "evenements_point_virgule.csv.gz")!r}, {str(out)!r},
                        cache_key="new")
        """
    )
    env = {**os.environ, "EGN_PSEUDO_KEY": KEY_HEX}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, check=False)
    assert proc.returncode == -9
    assert _tree(out) == before  # the dead run's temporary folder is hidden…
    assert len(list(out.glob(".ent_evenements.tmp-*"))) == 1
    summary = ent_logs.ingest(FIX / "evenements_point_virgule.csv.gz", out, cache_key="new")
    assert summary["acceptees"] == 5
    assert not list(out.glob(".*"))  # … and removed by the next run


def test_swap_without_renameat2_and_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ent_logs, "exchange_paths", lambda a, b: False)
    out = tmp_path / "out"
    ent_logs.ingest(FIX / "evenements.jsonl", out, cache_key="a")
    ent_logs.ingest(FIX / "evenements_point_virgule.csv.gz", out, cache_key="b")
    assert ent_logs.scan_events(out / "ent_evenements").collect().height == 5
    # A run killed between its two renames left the old dataset aside: it is put back.
    (out / "ent_evenements").rename(out / ".ent_evenements.precedent")
    ent_logs._recover(out)
    assert ent_logs.scan_events(out / "ent_evenements").collect().height == 5
    assert not (out / ".ent_evenements.precedent").exists()


def test_one_ingestion_at_a_time_per_folder(tmp_path: Path) -> None:
    import fcntl

    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another ingestion is running
        with pytest.raises(LoadError, match="une autre ingestion ENT écrit déjà"):
            ent_logs.ingest(FIX / "evenements.jsonl", tmp_path, cache_key="k")
    finally:
        os.close(fd)
    assert ent_logs.ingest(FIX / "evenements.jsonl", tmp_path, cache_key="k")["acceptees"] == 2


def test_registry_cache_key_and_code_version_follow_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = FIX / "evenements.jsonl"
    summary = registry.ingest("ent-logs", src, tmp_path / "out")
    assert summary["cache"] is False and summary["acceptees"] == 2
    version = ent_logs.CODE_VERSION
    assert version == f"1+cle-{KEY.fingerprint}"
    key = registry.cache_key(registry.input_files(ent_logs, src), registry.code_version(ent_logs))
    meta = json.loads((tmp_path / "out" / "ent_evenements.meta.json").read_text("utf-8"))
    assert meta["cle_cache"] == key
    monkeypatch.setenv("EGN_PSEUDO_KEY", "77" * 32)
    assert version != ent_logs.CODE_VERSION  # another key, another cache key
    assert [p.name for p in registry.input_files(ent_logs, FIX)] == [
        "audience_cp1252.csv",  # a data file by its name (its header would be refused)
        "cned_bom_virgule.csv",
        "evenements.jsonl",
        "evenements_bom_virgule.csv",
        "evenements_cp1252_tab.csv.gz",
        "evenements_point_virgule.csv.gz",
    ]
    with pytest.raises(AttributeError):
        ent_logs.NO_SUCH_THING  # noqa: B018


def test_registry_reuses_unchanged_ent_ingest(tmp_path: Path) -> None:
    registry.ingest("ent-logs", FIX / "evenements.jsonl", tmp_path)
    assert registry.ingest("ent-logs", FIX / "evenements.jsonl", tmp_path)["cache"] is True


def test_inputs_lists_data_files_only(tmp_path: Path) -> None:
    for name in ("b.csv.gz", "a.parquet", "c.jsonl", "LISEZMOI.txt", ".cache.csv"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "d.csv").write_bytes(b"x")
    assert [p.name for p in ent_logs.inputs(tmp_path)] == ["a.parquet", "b.csv.gz", "c.jsonl"]


def test_progress_bar_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ent_logs.ingest(FIX / "evenements.jsonl", tmp_path, cache_key="k", progress=True)
    assert "evenements.jsonl" in capsys.readouterr().err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=st.binary(max_size=400), order=st.permutations(range(9)))
def test_random_bytes_and_shuffled_columns_never_crash(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes, order: list[int]
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    for name, module in (("x.csv", ent_logs), ("y.csv", ent_audience), ("z.csv", cned)):
        (folder / name).write_bytes(blob)
        try:
            res = module.load_result(folder / name)
            assert res.rows_read == res.data.height + res.rejects.height
        except LoadError as exc:
            assert "\n" not in str(exc)
    # The same rows with columns in another order: the same table.
    text = gzip.decompress((FIX / "evenements_point_virgule.csv.gz").read_bytes()).decode()
    rows = [line.split(";") for line in text.splitlines()]
    shuffled = "\n".join(";".join(r[i] for i in order) for r in rows) + "\n"
    (folder / "melange.csv").write_text(shuffled, encoding="utf-8")
    res = ent_logs.load_result(folder / "melange.csv")
    ref = ent_logs.load_result(FIX / "evenements_point_virgule.csv.gz")
    assert res.data.equals(ref.data)
    # The same rejects, but for the privacy rule: a rejected row whose last field is empty
    # may be a record shorter than the header (a login shifted left), so the columns placed
    # before the login in the file keep no raw text (with the login last, row 12 — no login).
    names = rows[0]
    before = [names[i] for i in order[: order.index(1)]]
    empty_last = [n + 1 for n, r in enumerate(rows) if n and r[order[-1]] == ""]
    expected = ref.rejects.drop("_source").with_columns(
        pl.when(pl.col("_ligne").is_in(empty_last)).then(None).otherwise(pl.col(c)).alias(c)
        for c in before
    )
    assert res.rejects.drop("_source").equals(expected)


@pytest.mark.integration
@pytest.mark.parametrize("fmt", ["csv.gz", "csv", "parquet", "jsonl"])
def test_generated_logs_ingest_whole_and_without_logins(tmp_path: Path, fmt: str) -> None:
    from egn_analytics.synth.ent import LOG_DIR, write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    write_ent(make_etablissements(2020, 0.02), tmp_path / "raw", 2020, 50_000, fmt)
    logs = tmp_path / "raw" / LOG_DIR
    out = tmp_path / "out"
    summary = ent_logs.ingest(logs, out, cache_key="k", batch_rows=20_000, progress=False)
    assert summary["lignes_lues"] == 50_000
    assert (summary["acceptees"], summary["rejetees"]) == (50_000, 0)
    assert len(summary["sources"]) == 7 and summary["dossiers"] == 7
    # Raw logins of the input, as the generator wrote them.
    raw = pl.concat(
        [
            pl.read_parquet(p, columns=["login"])
            if fmt == "parquet"
            else (
                pl.read_ndjson(p, schema={"login": pl.String})
                if fmt == "jsonl"
                else pl.read_csv(p, separator=";", columns=["login"], infer_schema=False)
            )
            for p in sorted(logs.iterdir())
        ]
    )["login"]
    logins = set(raw.unique().to_list())
    events = ent_logs.scan_events(out / "ent_evenements").collect()
    assert events.height == 50_000
    assert events["id_utilisateur"].n_unique() == len(logins)
    assert set(events["id_utilisateur"].unique().to_list()) == set(
        pseudonymise(pl.Series(sorted(logins)), KEY).to_list()
    )
    values = set(events.select(pl.col(pl.String)).unpivot()["value"].unique().to_list())
    assert not values & logins
    # Grep the bytes of every output file (Parquet footers and statistics, meta) for the
    # first and last logins (those statistics would show) and a sample of the others.
    blob = b"".join(_tree(out).values())
    ordered = sorted(logins)
    for login in ordered[:50] + ordered[-50:] + ordered[:: max(1, len(ordered) // 300)]:
        assert login.encode() not in blob, login


_MEMORY_SCRIPT = """
import json, sys, threading, psutil
from egn_analytics.loaders import ent_logs
proc = psutil.Process()
def anon():  # resident memory that is not a mapped file (the heap)
    m = proc.memory_info()
    return m.rss - m.shared
base, peak, stop = anon(), [0], threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], anon())
        stop.wait(0.02)
t = threading.Thread(target=sample, daemon=True)
t.start()
s = ent_logs.ingest(sys.argv[1], sys.argv[2], cache_key="k", batch_rows=100_000)
stop.set(); t.join()
print(json.dumps({"growth": max(peak[0], anon()) - base, "rows": s["acceptees"]}))
"""


def _ingest_growth(src: Path, out: Path) -> tuple[int, float]:
    """(rows, peak heap growth in MiB) of an ingestion in a fresh process."""
    env = {**os.environ, "EGN_PSEUDO_KEY": KEY_HEX}
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(src), str(out)],
        env=env, cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["rows"], result["growth"] / 2**20


@pytest.mark.slow
def test_memory_stays_bounded_on_millions_of_events(tmp_path: Path) -> None:
    """5 M events in batches of 100,000: the peak memory is that of ~0.5 M events.

    The history is ten times longer, the memory does not follow: it is set by the batch size
    (plus the fixed cost of the Polars and Arrow runtimes), never by the number of events.
    """
    from egn_analytics.synth.ent import LOG_DIR, write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    n = 5_000_000
    write_ent(make_etablissements(2020, 0.1), tmp_path / "raw", 2020, n, "parquet")
    logs = tmp_path / "raw" / LOG_DIR
    january = sorted(logs.iterdir())[0]
    rows_small, small = _ingest_growth(january, tmp_path / "petit")
    rows_all, full = _ingest_growth(logs, tmp_path / "tout")
    assert rows_all == n and rows_small < n / 8
    # The whole history as one Polars frame would weigh (from one file, scaled):
    sample = pl.read_parquet(january)
    whole = sample.estimated_size() * n / sample.height / 2**20
    assert full < small + 150, (small, full)
    assert full < 600, full
    assert full < whole, (full, whole)


# --------------------------------------------------------------------------- audience, CNED


def test_audience_cp1252_with_rejects() -> None:
    res = ent_audience.load_result(FIX / "audience_cp1252.csv")
    assert (res.rows_read, res.data.height, res.rejects.height) == (8, 2, 6)
    assert res.data.rows() == [
        (dt.date(2020, 3, 1), "PCN", "élève", "messagerie", 1234, 800, 5000, "SYNTHETIQUE"),
        (dt.date(2020, 3, 1), "PCN", "parent", "messagerie", 500, 200, 1500, "SYNTHETIQUE"),
    ]
    assert motifs(res) == {
        4: "date impossible",
        5: "effectif négatif",
        6: "clé en double (mois, projet_ent, profil, service)",
        7: "profil inconnu",
        8: "visiteurs uniques > visites",
        9: "effectif non entier",
    }
    assert res.rejects.filter(pl.col("_ligne") == 9)["service"].item() == "actualités"


def test_cned_bom_comma_with_rejects() -> None:
    res = cned.load_result(FIX / "cned_bom_virgule.csv")
    assert (res.rows_read, res.data.height, res.rejects.height) == (7, 3, 4)
    assert res.data["date"].to_list() == [
        dt.date(2020, 3, 14),
        dt.date(2020, 3, 16),  # "16/03/2020"
        dt.date(2020, 3, 19),
    ]
    assert res.data["inscriptions"].to_list() == [220_000, 230_000, 1_000]  # "1 000"
    assert res.data["inscriptions_ecole"].to_list() == [100_000, 100_000, None]
    assert motifs(res) == {
        4: "date impossible",
        5: "effectif négatif",
        6: "clé en double (date)",
        7: "inscriptions par niveau ≠ total",
    }


def test_audience_and_cned_unreadable(tmp_path: Path) -> None:
    wrong = tmp_path / "autre.csv"
    wrong.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"^autre\.csv \(ligne 1\) : colonne\(s\) attendue"):
        ent_audience.load_result(wrong)
    with pytest.raises(LoadError, match=r"^autre\.csv \(ligne 1\) : colonne\(s\) attendue"):
        cned.load_result(wrong)


@pytest.mark.integration
def test_generated_audience_and_cned_load_without_rejects(tmp_path: Path) -> None:
    from egn_analytics.synth.cned import CNED_FILE, cned_daily, write_cned
    from egn_analytics.synth.ent import AUDIENCE_FILE, write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    write_ent(make_etablissements(2020, 0.02), tmp_path, 2020, 1_000, "csv")
    write_cned(tmp_path, 2020)
    aud = ent_audience.load_result(tmp_path / AUDIENCE_FILE)
    assert aud.rejects.height == 0 and aud.data.height == aud.rows_read > 0
    assert ent_audience.load(tmp_path / AUDIENCE_FILE).collect().equals(aud.data)
    res = cned.load_result(tmp_path / CNED_FILE)
    expected = cned_daily(2020)
    assert res.rejects.height == 0 and res.data.height == expected.height
    assert res.data["inscriptions"].to_list() == expected["inscriptions"].to_list()
    assert res.data["date"].to_list() == expected["date"].to_list()
    summary = registry.ingest("cned", tmp_path / CNED_FILE, tmp_path / "out")
    assert (summary["acceptees"], summary["rejetees"]) == (expected.height, 0)
    assert registry.ingest("cned", tmp_path / CNED_FILE, tmp_path / "out")["cache"] is True


def test_blank_uai_and_huge_duration_are_rejected_not_fatal(tmp_path: Path) -> None:
    rows = [
        {"horodatage": "2020-03-16T08:00:00+01:00", "login": "a1", "profil": "élève",
         "uai": " ", "statut_http": 200, "duree_ms": 10},
        {"horodatage": "2020-03-16T08:00:01+01:00", "login": "a2", "profil": "élève",
         "uai": "0750001U", "statut_http": 200, "duree_ms": 3_000_000_000},
        {"horodatage": "2020-03-16T08:00:02+01:00", "login": "a3", "profil": "élève",
         "uai": "0750001U", "statut_http": 200, "duree_ms": 5},
    ]  # fmt: skip
    path = tmp_path / "evenements.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    res = ent_logs.load_result(path)
    assert res.rows_read == 3 and res.data.height == 1
    reasons = res.rejects["_motif"].to_list()
    assert "valeur manquante (uai)" in reasons[0]
    assert "durée invalide" in reasons[1]
