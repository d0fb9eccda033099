"""Pseudonymisation of user identifiers and statistical-secret masking.

Pseudonymisation (:func:`pseudonymise`)
---------------------------------------
A raw identifier (an ENT login such as ``jdupont42``) is replaced by a **keyed hash**:
``BLAKE2b(identifier, key=K, digest_size=16)`` written as 32 hexadecimal characters. The same
identifier gives the same pseudonym under the same key (so a user can be followed across files,
months and re-runs), a different key gives unrelated pseudonyms, and without the key nobody can
rebuild the table login → pseudonym by hashing a list of likely logins (which an unkeyed hash
such as SHA-256 of ``jdupont42`` would allow in seconds: logins are short and guessable).

The key ``K`` is looked up by :func:`load_key`, in this order:

1. ``EGN_PSEUDO_KEY``: the key itself, hexadecimal (at least 32 hex digits) or any text;
2. ``EGN_PSEUDO_KEY_FILE``: a file holding the key (hex text, other text, or raw bytes);
3. otherwise the default key file ``~/.config/egn-analytics/pseudo.key`` (``$XDG_CONFIG_HOME``
   is honoured). **If it does not exist, a random 256-bit key is created there**, with mode
   0600 in a 0700 folder, and a warning says so: back it up, or the pseudonyms of the next
   ingestion will not match those of the previous ones.

A key file must live **outside the data folder** (``egn_analytics.config.get_settings()
.data_dir``): the data folder is what gets copied, shared and archived, and a key travelling
with the pseudonymised data would undo the pseudonymisation. :func:`load_key` refuses such a
file with :class:`PseudoKeyError`. A key shorter than 16 bytes is refused as well.

Cost: the hash is computed once per **distinct** identifier of a batch (a Python loop over
the distinct values, about 0.6 µs each; there is no vectorised keyed BLAKE2b in Polars), then
joined back onto the rows. A batch of 1 million events has about 150,000 distinct logins.

Statistical secret (:func:`mask_small_cells`)
---------------------------------------------
Cells computed on fewer than ``threshold`` units are not published: their value columns are set
to null and a ``statut`` column says « masqué » (« diffusable » otherwise). This is primary
masking only; when margins are published too, complementary masking is the caller's job.
The threshold defaults to the product's one rule (:class:`egn_analytics.survey.secret.SecretRule`,
``secret_min_respondents`` of ``[tool.egn]``), and « masqué » is that module's word. The
survey estimates keep their own status column (``status``: published, fragile, masked), which
a count of units cannot have: it has no coefficient of variation, hence no « fragile ».
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, overload

import polars as pl

from egn_analytics.config import get_settings

logger = logging.getLogger(__name__)

KEY_ENV = "EGN_PSEUDO_KEY"
KEY_FILE_ENV = "EGN_PSEUDO_KEY_FILE"
DIGEST_SIZE = 16  # bytes → 32 hex characters
MIN_KEY_BYTES = 16
MAX_KEY_BYTES = 64  # BLAKE2b's limit; longer text keys are first hashed down to 64 bytes
STATUT_COL = "statut"
#: The survey secret's « masqué » (egn_analytics.survey.secret.MASKED_LABEL; a test checks that
#: they agree: that module loads scipy, which the loaders importing this one never need).
MASQUE = "masqué"
DIFFUSABLE = "diffusable"
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2}){16,}$")


class PseudoKeyError(ValueError):
    """The pseudonymisation key cannot be used (missing file, inside the data folder, short)."""


@dataclass(frozen=True, slots=True)
class PseudoKey:
    """A pseudonymisation key; the secret never appears in ``repr`` or in logs."""

    secret: bytes = field(repr=False)
    source: str  # "EGN_PSEUDO_KEY" or the key file's path

    @property
    def fingerprint(self) -> str:
        """A short keyed digest of a constant: names the key (meta files, cache keys) safely."""
        return hashlib.blake2b(
            b"egn-analytics:empreinte-de-cle", key=self.secret, digest_size=8
        ).hexdigest()

    def hasher(self) -> hashlib.blake2b:
        """A keyed BLAKE2b object; ``copy()`` it per value (skips re-absorbing the key)."""
        return hashlib.blake2b(key=self.secret, digest_size=DIGEST_SIZE)


def default_key_file() -> Path:
    """``~/.config/egn-analytics/pseudo.key`` (or under ``$XDG_CONFIG_HOME``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "egn-analytics" / "pseudo.key"


def _key_bytes(raw: bytes, where: str) -> bytes:
    """Hex text → bytes; other text or bytes as they are; > 64 bytes → BLAKE2b-512 of them."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = None
    if text is not None:
        raw = bytes.fromhex(text) if _HEX.match(text) else text.encode("utf-8")
    if len(raw) < MIN_KEY_BYTES:
        raise PseudoKeyError(
            f"clé de pseudonymisation trop courte ({where} : {len(raw)} octets, "
            f"{MIN_KEY_BYTES} au moins ; par exemple : python -c "
            '"import secrets; print(secrets.token_hex(32))")'
        )
    if len(raw) > MAX_KEY_BYTES:
        raw = hashlib.blake2b(raw, digest_size=MAX_KEY_BYTES).digest()
    return raw


def _check_outside_data_dir(path: Path, data_dir: Path | None) -> Path:
    resolved = path.expanduser().resolve()
    data = (data_dir if data_dir is not None else get_settings().data_dir).expanduser().resolve()
    if resolved == data or resolved.is_relative_to(data):
        raise PseudoKeyError(
            f"fichier de clé de pseudonymisation refusé : {resolved} est dans le dossier de "
            f"données ({data}) ; placez-le ailleurs (par exemple {default_key_file()})"
        )
    return resolved


def _create_default_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it meanwhile: use theirs
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    logger.warning(
        "clé de pseudonymisation créée : %s (mode 0600). Sauvegardez-la : sans elle, les "
        "pseudonymes des prochaines ingestions ne correspondront plus aux précédents.",
        path,
    )


def load_key(*, data_dir: Path | None = None) -> PseudoKey:
    """The pseudonymisation key (environment, key file, or the default file, created if absent).

    ``data_dir`` overrides the data folder a key file must stay out of (tests); by default it
    is ``get_settings().data_dir``. Raises :class:`PseudoKeyError` with one clear line.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return PseudoKey(_key_bytes(env.encode("utf-8"), KEY_ENV), KEY_ENV)
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        path = _check_outside_data_dir(Path(named), data_dir)
        if not path.is_file():
            raise PseudoKeyError(
                f"fichier de clé de pseudonymisation introuvable : {path} ({KEY_FILE_ENV})"
            )
        return PseudoKey(_key_bytes(path.read_bytes(), str(path)), str(path))
    path = _check_outside_data_dir(default_key_file(), data_dir)
    if not path.exists():
        _create_default_key(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PseudoKeyError(
            f"fichier de clé de pseudonymisation trop ouvert ({oct(mode)}) : {path} ; "
            f"chmod 600 {path}"
        )
    return PseudoKey(_key_bytes(path.read_bytes(), str(path)), str(path))


def _pseudonymise_series(values: pl.Series, key: PseudoKey) -> pl.Series:
    """Hash the distinct values once each, then join the pseudonyms back onto the rows."""
    text = values.cast(pl.String)
    distinct = text.drop_nulls().unique()
    base = key.hasher()
    digests = []
    for value in distinct.to_list():  # one iteration per DISTINCT identifier, not per row
        h = base.copy()  # the key block is absorbed once, in ``base``
        h.update(value.encode("utf-8"))
        digests.append(h.hexdigest())
    mapping = pl.DataFrame(
        {"__valeur": distinct, "__pseudo": pl.Series(digests, dtype=pl.String)},
        schema={"__valeur": pl.String, "__pseudo": pl.String},
    )
    out = (
        text.rename("__valeur")
        .to_frame()
        .join(mapping, on="__valeur", how="left", maintain_order="left")
        .get_column("__pseudo")
    )
    return out.rename(values.name)


@overload
def pseudonymise(values: pl.Series, key: PseudoKey | None = None) -> pl.Series: ...
@overload
def pseudonymise(values: pl.Expr, key: PseudoKey | None = None) -> pl.Expr: ...
def pseudonymise(values: pl.Series | pl.Expr, key: PseudoKey | None = None) -> pl.Series | pl.Expr:
    """Keyed BLAKE2b-128 pseudonyms (32 hex characters) of ``values``; nulls stay null.

    ``values`` is a Series (returns a Series of the same name and length) or an expression
    (returns an expression, usable in lazy and streaming queries: the mapping is elementwise,
    so each chunk can be hashed on its own). Non-string values are cast to strings first.
    ``key`` defaults to :func:`load_key` (which may create the default key file: see the
    module docstring).
    """
    k = key if key is not None else load_key()
    if isinstance(values, pl.Expr):
        return values.map_batches(
            lambda s: _pseudonymise_series(s, k), return_dtype=pl.String, is_elementwise=True
        )
    return _pseudonymise_series(values, k)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def mask_small_cells(
    df: Frame,
    count_col: str,
    threshold: int | None = None,
    *,
    value_cols: Sequence[str] | None = None,
    status_col: str = STATUT_COL,
) -> Frame:
    """Statistical secret: null the values of cells counted on fewer than ``threshold`` units.

    A cell is masked when ``count_col`` is below ``threshold`` or null (its size cannot be
    checked). ``threshold`` defaults to the configured rule's ``min_respondents`` (read where
    the survey estimates read it). ``value_cols`` (default: ``count_col`` and every other
    numeric column) become null on masked rows; ``status_col`` says « masqué » or
    « diffusable ». A row already marked « masqué » by an earlier call stays masked. Works on
    DataFrames and LazyFrames alike.
    """
    if threshold is None:
        # imported here: the survey package loads scipy, which the loaders never need
        from egn_analytics.survey.secret import SecretRule

        threshold = SecretRule.from_settings().min_respondents
    schema = df.collect_schema()
    if count_col not in schema:
        raise KeyError(f"colonne d'effectif absente : {count_col}")
    if value_cols is None:
        value_cols = [count_col] + [
            c for c, t in schema.items() if c not in (count_col, status_col) and t.is_numeric()
        ]
    masked = pl.col(count_col).is_null() | (pl.col(count_col) < threshold)
    if status_col in schema:
        masked = masked | (pl.col(status_col) == MASQUE).fill_null(False)
    return (
        df.with_columns(masked.alias("__masque"))
        .with_columns(
            *(
                pl.when(pl.col("__masque")).then(None).otherwise(pl.col(c)).alias(c)
                for c in value_cols
            ),
            pl.when(pl.col("__masque"))
            .then(pl.lit(MASQUE))
            .otherwise(pl.lit(DIFFUSABLE))
            .alias(status_col),
        )
        .drop("__masque")
    )
