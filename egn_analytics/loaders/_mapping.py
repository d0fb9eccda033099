"""Declared column layouts: which file column plays which role, and constants a file lacks.

Why: a real export rarely uses our column names (a Moodle log says ``Time`` where we read
``horodatage``, an académie's annuaire says ``RNE`` where we read ``uai``), and a file may lack
a column that is one value for the whole file (the établissement of a platform, a year).
Every loader takes the same two declarations, checked the same way:

* ``mapping`` — ``{role: column}``: the file's column ``column`` (matched on its written name,
  trimmed, BOM dropped; exactly, else ignoring case) plays ``role``. It wins over a column that
  our aliases would have recognised for that role, which is kept aside under
  ``« <nom> (non retenue) »``, never mixed in. Unmapped columns are kept as read.
* ``constants`` — ``{role: value}``: ``role`` holds ``value`` on every row (a column of that
  name in the file is set aside in the same way).

:func:`declare` checks the roles before anything is read (unknown role, empty column name or
value, a role both mapped and set: one French line listing the roles the loader knows);
:func:`match_columns` finds the declared columns in a header (a column that is absent is one
line naming it and the file); :func:`apply_mapping` renames a frame read with every column as
a string and adds the constants, before the loader's own validation, so a renamed header gives
exactly the table of our header. :func:`read_mapping_file` reads the same declaration from a
TOML file (``[map]`` and ``[set]`` tables), as ``egn ingest --mapping FILE.toml`` does.

The declaration is part of the loader's options, and so of the registry's cache key (the
dictionaries themselves, never a file name): another mapping is another table.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.loaders._core import META_COLS, LoadError

#: Suffix of a file column set aside because a declared column or constant took its role.
SET_ASIDE = " (non retenue)"


@dataclass(frozen=True, slots=True)
class Declared:
    """A checked declaration: ``columns`` (role → file column) and ``constants`` (role → value)."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    #: How a role is written by users when it differs from our column (``login`` →
    #: ``id_utilisateur``): used in messages and in the summary.
    names: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns or self.constants)

    def shown(self, role: str) -> str:
        """The role as the user writes it."""
        return self.names.get(role, role)

    def record(self) -> dict[str, Any]:
        """The summary's record of the declaration (column names and constants, no data)."""
        out: dict[str, Any] = {}
        if self.columns:
            out["correspondance"] = {self.shown(k): v for k, v in self.columns.items()}
        if self.constants:
            out["constantes"] = dict(self.constants)
        return out


def _fail(path: str | Path | None, message: str) -> ValueError:
    """A declaration error: a :class:`LoadError` naming the file when known, else ValueError."""
    return LoadError(path, message) if path is not None else ValueError(message)


def declare(
    mapping: Mapping[str, str] | None,
    constants: Mapping[str, str] | None,
    roles: Sequence[str],
    *,
    constant_roles: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    also: Sequence[str] = (),
    path: str | Path | None = None,
) -> Declared:
    """Check ``mapping`` and ``constants`` against the loader's ``roles`` (one French line).

    ``constant_roles``: the roles a constant may fill (default: all; an identity or a time is
    per row). ``names``: our column → the name users write (``login`` → ``id_utilisateur``),
    accepted in place of the column. ``also``: constants the loader reads itself (listed in the
    message, e.g. ``annee``). ``path``: the input, named by the error (a :class:`LoadError`,
    which is a ``ValueError``).
    """
    names = dict(names or {})
    written = {v: k for k, v in names.items()}
    known = list(dict.fromkeys(roles))
    fixed_ok = list(dict.fromkeys(constant_roles if constant_roles is not None else known))

    def role_of(target: str) -> str:
        t = target.strip()
        return written.get(t, t)

    def listing(candidates: Iterable[str]) -> str:
        return ", ".join(dict.fromkeys([*also, *(names.get(r, r) for r in candidates)]))

    ours: dict[str, str] = {}
    for target, source in (mapping or {}).items():
        role = role_of(target)
        if role not in known:
            raise _fail(path, f"--map {target}=… : cible inconnue (possibles : {listing(known)})")
        if not str(source).strip():
            raise _fail(path, f"--map {target}= : nom de colonne vide")
        if role in ours:
            raise _fail(path, f"--map {names.get(role, role)} : déclaré deux fois")
        ours[role] = str(source).strip()
    fixed: dict[str, str] = {}
    for target, value in (constants or {}).items():
        role = role_of(target)
        if role not in fixed_ok:
            raise _fail(
                path, f"--set {target}=… : cible impossible (possibles : {listing(fixed_ok)})"
            )
        if role in ours:
            raise _fail(path, f"{role} : déclaré à la fois par --map et par --set")
        if not str(value).strip():
            raise _fail(path, f"--set {target}= : valeur vide")
        fixed[role] = str(value).strip()
    return Declared(ours, fixed, names)


def _clean(name: str) -> str:
    return name.replace("\ufeff", "").strip()


def match_columns(
    path: str | Path,
    header: Sequence[str],
    declared: Declared,
    *,
    quote_header: bool = True,
) -> dict[int, str]:
    """Position (0-based) of each declared column in ``header`` → its role.

    A column is matched on its written name, exactly, else ignoring case. An absent column is
    one :class:`LoadError` naming it as the user wrote it and the file; the header is listed
    only with ``quote_header`` (the ENT logs never quote theirs: in a file without a header it
    is a row of data, logins included).
    """
    found: dict[int, str] = {}
    for role, source in declared.columns.items():
        target = declared.shown(role)
        match = [i for i, n in enumerate(header) if _clean(n) == source] or [
            i for i, n in enumerate(header) if _clean(n).lower() == source.lower()
        ]
        if not match:
            listed = ""
            if quote_header:
                shown = [_clean(n) for n in header[:20]]
                listed = f" : {', '.join(shown)}{'…' if len(header) > 20 else ''}"
            raise LoadError(
                path,
                f"colonne « {source} » absente (--map {target}={source}) ; le fichier a "
                f"{len(header)} colonne(s){listed}",
                row=1,
            )
        if len(match) > 1:
            raise LoadError(path, f"colonne « {source} » en double (--map {target})", row=1)
        if match[0] in found:
            other = declared.shown(found[match[0]])
            raise LoadError(
                path,
                f"colonne « {source} » déclarée pour deux cibles ({other} et {target})",
                row=1,
            )
        found[match[0]] = role
    return found


def apply_mapping(
    frame: pl.DataFrame,
    path: str | Path,
    declared: Declared,
    header: Sequence[str] | None = None,
    *,
    column_of: Mapping[str, str] | None = None,
    quote_header: bool = True,
) -> pl.DataFrame:
    """``frame`` with the declared columns renamed to their role and the constants added.

    ``frame``: a table read with every value a string, its data columns in the file's order
    (bookkeeping columns such as ``_source`` anywhere); ``header``: those columns' names as
    written in the file (default: the frame's). ``column_of``: role → the column name the
    loader reads it under, when that is not the role itself (the calendar reads the export's
    folded header). A column already holding a declared role is set aside (renamed
    ``« <nom> (non retenue) »``): the declaration wins and nothing is mixed. ``quote_header``:
    see :func:`match_columns` (off where a first line may be a row of personal data).
    """
    if not declared:
        return frame
    names = {r: (column_of or {}).get(r, r) for r in (*declared.columns, *declared.constants)}
    data = [c for c in frame.columns if c not in META_COLS]
    written = list(header) if header is not None and len(header) == len(data) else data
    positions = match_columns(path, written, declared, quote_header=quote_header)
    taken = set(names.values())
    rename: dict[str, str] = {}
    for i, col in enumerate(data):
        if i in positions:
            rename[col] = names[positions[i]]
        elif col in taken:
            rename[col] = f"{col}{SET_ASIDE}"
    out = frame.rename(rename)
    return out.with_columns(
        pl.lit(value, dtype=pl.String).alias(names[role])
        for role, value in declared.constants.items()
    )


def read_mapping_file(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """``(mapping, constants)`` from a TOML file with a ``[map]`` and/or a ``[set]`` table.

    Why a file: a layout declared once is reused by every ingestion of the same platform's
    exports, and kept beside them. Values are strings (a number is taken as written: ``annee =
    2018`` is ``"2018"``); any other table or key is an error naming the file.

    ::

        [map]
        horodatage = "Time"
        id_utilisateur = "User full name"

        [set]
        uai = "0750001U"
        annee = 2018
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise LoadError(path, "fichier de correspondance introuvable") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(
            path, f"fichier de correspondance illisible ({type(exc).__name__})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(path, f"TOML invalide : {exc}") from None
    unknown = [k for k in data if k not in ("map", "set")]
    if unknown:
        raise LoadError(
            path, f"section(s) inconnue(s) : {', '.join(unknown)} (attendu [map] et [set])"
        )
    if not data:
        raise LoadError(path, "aucune section [map] ni [set]")
    out: list[dict[str, str]] = []
    for section in ("map", "set"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise LoadError(path, f'[{section}] doit être une table (CIBLE = "…")')
        pairs: dict[str, str] = {}
        for key, value in table.items():
            if isinstance(value, dict | list | bool):
                raise LoadError(path, f"[{section}] {key} : valeur texte ou nombre attendue")
            pairs[str(key)] = str(value)
        out.append(pairs)
    return out[0], out[1]


def _has(header: Sequence[str], source: str) -> bool:
    return any(_clean(n) == source or _clean(n).lower() == source.lower() for n in header)


def present(declared: Declared, header: Sequence[str]) -> Declared:
    """The part of ``declared`` a file of a folder takes: its columns found in ``header``.

    Why: a folder of exports (consultation, corpus) holds files of different layouts; a
    declared column applies to the files that have it, and constants to every file. That a
    declared column is in at least one file is checked by :func:`refuse_unused`.
    """
    columns = {r: c for r, c in declared.columns.items() if _has(header, c)}
    return Declared(columns, dict(declared.constants), dict(declared.names))


def refuse_unused(
    path: str | Path,
    declared: Declared,
    headers: Iterable[Sequence[str]],
    *,
    quote_header: bool = False,
) -> None:
    """``LoadError`` naming a declared column that no file of the folder ``path`` has.

    One file: the message of any loader (its columns quoted only with ``quote_header``: a
    consultation export without a header would show a participant's row)."""
    seen = list(headers)
    if len(seen) == 1:
        decl = Declared(declared.columns, names=declared.names)
        match_columns(path, seen[0], decl, quote_header=quote_header)
        return
    for role, source in declared.columns.items():
        if not any(_has(h, source) for h in seen):
            raise LoadError(
                path,
                f"colonne « {source} » absente (--map {declared.shown(role)}={source}) : "
                f"aucun des {len(seen)} fichier(s) tabulaire(s) ne l'a",
            )
