"""Pseudonymisation (keyed BLAKE2b, key rules) and statistical-secret masking."""

from __future__ import annotations

import hashlib
import logging
import stat
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from egn_analytics import privacy
from egn_analytics.privacy import (
    PseudoKey,
    PseudoKeyError,
    load_key,
    mask_small_cells,
    pseudonymise,
)

KEY_A = PseudoKey(bytes(range(32)), "test-a")
KEY_B = PseudoKey(bytes(range(1, 33)), "test-b")
LOGINS = ["jdupont42", "m.martin7", "lea.bernard3", None, "jdupont42", "élise.muller"]


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No key in the environment; HOME (hence ~/.config) inside tmp, data folder beside it."""
    for var in (privacy.KEY_ENV, privacy.KEY_FILE_ENV, "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_same_key_same_pseudonym_other_key_other() -> None:
    s = pl.Series("login", LOGINS)
    a1, a2, b = pseudonymise(s, KEY_A), pseudonymise(s, KEY_A), pseudonymise(s, KEY_B)
    assert a1.to_list() == a2.to_list()
    assert a1.name == "login" and a1.dtype == pl.String and a1.len() == 6
    assert a1[0] == a1[4]  # same login, same pseudonym
    assert a1.null_count() == 1 and a1[3] is None
    assert a1.n_unique() == 5  # 4 distinct logins + null
    valid = [x for x in a1.to_list() if x is not None]
    assert all(len(x) == 32 and int(x, 16) >= 0 for x in valid)
    # Another key: every pseudonym changes.
    assert all(x != y for x, y in zip(a1.to_list(), b.to_list(), strict=True) if x is not None)
    # Exactly keyed BLAKE2b-128 of the UTF-8 bytes, in hex.
    expected = hashlib.blake2b("élise.muller".encode(), key=bytes(range(32)), digest_size=16)
    assert a1[5] == expected.hexdigest()


def test_raw_logins_never_in_output() -> None:
    s = pl.Series("login", [f"user{i}" for i in range(1000)])
    out = pseudonymise(s, KEY_A)
    text = "\n".join(out.to_list())
    assert not set(out.to_list()) & set(s.to_list())
    assert all(login not in text for login in ("user1", "user999"))


def test_expression_and_streaming_match_series() -> None:
    df = pl.DataFrame({"login": LOGINS})
    lazy = df.lazy().select(pseudonymise(pl.col("login"), KEY_A).alias("id"))
    expected = pseudonymise(df["login"], KEY_A)
    assert lazy.collect()["id"].to_list() == expected.to_list()
    assert lazy.collect(engine="streaming")["id"].to_list() == expected.to_list()
    # Non-string identifiers are hashed through their text.
    ints = pseudonymise(pl.Series([42, None]), KEY_A)
    assert ints[0] == pseudonymise(pl.Series(["42"]), KEY_A)[0] and ints[1] is None


def test_key_from_environment_hex_or_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(privacy.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_ENV, "00" * 16 + "ff" * 16)
    key = load_key()
    assert key.secret == bytes(16) + b"\xff" * 16 and key.source == privacy.KEY_ENV
    assert "ff" not in repr(key)  # the secret never shows in repr
    monkeypatch.setenv(privacy.KEY_ENV, "une phrase secrète assez longue")
    assert load_key().secret == "une phrase secrète assez longue".encode()
    monkeypatch.setenv(privacy.KEY_ENV, "x" * 200)  # longer than BLAKE2b's 64 bytes
    assert len(load_key().secret) == 64
    monkeypatch.setenv(privacy.KEY_ENV, "court")
    with pytest.raises(PseudoKeyError, match=r"trop courte \(EGN_PSEUDO_KEY : 5 octets"):
        load_key()


def test_key_file_outside_the_data_folder(
    no_key_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    inside = data / "raw" / "pseudo.key"
    inside.parent.mkdir(parents=True)
    inside.write_text("ab" * 32 + "\n")
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(inside))
    with pytest.raises(PseudoKeyError, match="est dans le dossier de données") as err:
        load_key(data_dir=data)
    assert "\n" not in str(err.value)
    outside = tmp_path / "secrets" / "pseudo.key"
    outside.parent.mkdir()
    outside.write_text("ab" * 32 + "\n")
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(outside))
    key = load_key(data_dir=data)
    assert key.secret == b"\xab" * 32 and key.source == str(outside.resolve())
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(tmp_path / "absent.key"))
    with pytest.raises(PseudoKeyError, match="introuvable"):
        load_key(data_dir=data)


def test_default_key_file_is_created_once_with_mode_0600(
    no_key_env: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    with caplog.at_level(logging.WARNING, logger="egn_analytics.privacy"):
        first = load_key(data_dir=data)
    path = no_key_env / ".config" / "egn-analytics" / "pseudo.key"
    assert first.source == str(path.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first.secret) == 32
    assert "clé de pseudonymisation créée" in caplog.text
    again = load_key(data_dir=data)  # reused, not regenerated
    assert again.secret == first.secret and again.fingerprint == first.fingerprint
    path.chmod(0o644)
    with pytest.raises(PseudoKeyError, match="trop ouvert"):
        load_key(data_dir=data)


def test_default_key_file_refused_inside_the_data_folder(no_key_env: Path) -> None:
    with pytest.raises(PseudoKeyError, match="dans le dossier de données"):
        load_key(data_dir=no_key_env)  # ~/.config/... would sit inside the data folder
    assert not (no_key_env / ".config").exists()  # refused before creating anything


def test_mask_small_cells() -> None:
    df = pl.DataFrame(
        {
            "academie": ["Paris", "Lyon", "Lille", "Nice"],
            "annee": [2020, 2020, 2020, 2020],
            "effectif": [3, 10, None, 250],
            "taux": [0.5, 0.25, 0.75, 0.1],
        }
    )
    out = mask_small_cells(df, "effectif", 10, value_cols=["effectif", "taux"])
    expected = pl.DataFrame(
        {
            "academie": ["Paris", "Lyon", "Lille", "Nice"],
            "annee": [2020, 2020, 2020, 2020],
            "effectif": [None, 10, None, 250],
            "taux": [None, 0.25, None, 0.1],
            "statut": ["masqué", "diffusable", "masqué", "diffusable"],
        }
    )
    assert_frame_equal(out, expected)
    # Lazy frames too; default value columns = every numeric column; masking is sticky.
    lazy = mask_small_cells(df.lazy(), "effectif", 10).collect()
    assert lazy["annee"].to_list() == [None, 2020, None, 2020]
    again = mask_small_cells(out.with_columns(pl.lit(99).alias("effectif")), "effectif", 10)
    assert again["statut"].to_list() == ["masqué", "diffusable", "masqué", "diffusable"]
    assert df["effectif"].to_list() == [3, 10, None, 250]  # input untouched
    with pytest.raises(KeyError):
        mask_small_cells(df, "absente", 10)
