"""Generator of the embedded synthetic raw dataset (seeded, deterministic, scalable).

``generate(out_dir)`` writes every source family in the raw formats real users bring, then a
``manifest.json`` listing each file with its size, row count and content hash, and a French
notice that the data are synthetic. Same seed and options → byte-identical files.
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egn_analytics import SYNTHETIC_NOTICE
from egn_analytics.io import write_text_atomic
from egn_analytics.synth.common import GENERATOR_VERSION, SYNTHETIC_TAG, FileRecord

MANIFEST = "manifest.json"
FAMILIES: tuple[str, ...] = ("etablissements", "enquetes", "ent", "cned", "textes", "calendrier")
#: ENT events at scale 1 (the embedded default); ``egn synth --ent-events`` overrides.
DEFAULT_ENT_EVENTS = 2_000_000

README_TEXT = f"""{SYNTHETIC_NOTICE}

Ce dossier a été écrit par le générateur d'EGN Analytics (`egn synth` / `make data`).
Chaque fichier porte la mention {SYNTHETIC_TAG} dans son nom ; `manifest.json` en donne la liste,
la taille, le nombre de lignes, l'empreinte SHA-256, la graine et l'échelle.

Les chiffres agrégés (taux pondérés des enquêtes, ordres de grandeur des ENT et du CNED) sont
calés sur des chiffres publiés (DEPP 2020, INSEE, ministère) ; les individus, établissements,
identifiants et textes sont inventés. Ne pas diffuser comme des données réelles.
"""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``generate`` wrote (also serialised to ``manifest.json``)."""

    out_dir: Path
    seed: int
    scale: float
    ent_events: int
    ent_format: str
    files: tuple[FileRecord, ...]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "synthetic": True,
            "notice": SYNTHETIC_NOTICE,
            "generator_version": GENERATOR_VERSION,
            "seed": self.seed,
            "scale": self.scale,
            "ent_events": self.ent_events,
            "ent_format": self.ent_format,
            "files": [f.as_dict() for f in self.files],
        }


def generate(
    out_dir: str | Path,
    seed: int = 2020,
    scale: float = 1.0,
    ent_events: int | None = None,
    ent_format: str = "csv.gz",
    families: tuple[str, ...] = FAMILIES,
) -> Manifest:
    """Write the synthetic raw dataset to ``out_dir`` and return its manifest.

    ``scale`` multiplies the number of établissements, survey samples, texts and (unless
    ``ent_events`` is given) ENT events; 1.0 is national size for the directory and the
    published sizes for the surveys and texts.
    """
    from egn_analytics.synth.calendar_export import write_calendar
    from egn_analytics.synth.cned import write_cned
    from egn_analytics.synth.ent import write_ent
    from egn_analytics.synth.etablissements import make_etablissements, write_etablissements
    from egn_analytics.synth.survey import write_surveys
    from egn_analytics.synth.texts import write_texts

    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"l'échelle doit être positive (reçu {scale})")
    if ent_format not in {"csv.gz", "csv", "parquet", "jsonl"}:
        raise ValueError(f"format ENT inconnu : {ent_format!r} (csv.gz, csv, parquet, jsonl)")
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"famille(s) inconnue(s) : {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    out = Path(out_dir)
    n_events = int(ent_events if ent_events is not None else round(DEFAULT_ENT_EVENTS * scale))
    prev = (
        read_manifest(out)
        if set(families) != set(FAMILIES) and (out / MANIFEST).is_file()
        else None
    )
    if prev is not None:
        # A partial run joins files of an earlier run: same seed and scale, or the survey
        # samples would not match the directory file they were drawn from.
        if (prev["seed"], prev["scale"]) != (seed, scale):
            raise ValueError(
                f"--only : graine {seed} / échelle {scale:g} différentes du manifeste existant "
                f"({prev['seed']} / {prev['scale']:g}) ; régénérez tout le dossier"
            )
        if "ent" not in families:
            n_events, ent_format = int(prev["ent_events"]), str(prev["ent_format"])
    out.mkdir(parents=True, exist_ok=True)
    # The directory is the frame of the surveys and the ENT users: built once, when needed.
    directory = functools.cache(lambda: make_etablissements(seed, scale))
    records: list[FileRecord] = []
    if "etablissements" in families:
        records.append(write_etablissements(directory(), out))
    if "enquetes" in families:
        records += write_surveys(directory(), out, seed, scale)
    if "ent" in families:
        records += write_ent(directory(), out, seed, n_events, ent_format)
    if "cned" in families:
        records += write_cned(out, seed)
    if "textes" in families:
        records += write_texts(out, seed, scale)
    if "calendrier" in families:
        records.append(write_calendar(out))
    if prev is not None:
        # A partial run (``--only``) keeps the records of the families it did not rewrite.
        kept = [
            FileRecord(**f)
            for f in prev["files"]
            if f["family"] not in families and (out / f["path"]).is_file()
        ]
        records += kept
    write_text_atomic(out / f"LISEZMOI_{SYNTHETIC_TAG}.txt", README_TEXT)
    manifest = Manifest(
        out, seed, scale, n_events, ent_format, tuple(sorted(records, key=lambda r: r.path)),
        time.perf_counter() - start,
    )  # fmt: skip
    write_text_atomic(
        out / MANIFEST, json.dumps(manifest.as_dict(), ensure_ascii=False, indent=2) + "\n"
    )
    return manifest


def read_manifest(raw_dir: str | Path) -> dict[str, Any]:
    """The manifest of a generated folder; ``FileNotFoundError`` names the expected path."""
    path = Path(raw_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path} introuvable : lancez `make data` ou `egn synth`")
    return dict(json.loads(path.read_text(encoding="utf-8")))


__all__ = ["DEFAULT_ENT_EVENTS", "MANIFEST", "Manifest", "generate", "read_manifest"]
