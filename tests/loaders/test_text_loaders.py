"""Text loaders (corpus, consultation) on handmade fixtures and on the generated texts."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egn_analytics.loaders import LoadError, LoadResult, consultation, corpus
from egn_analytics.loaders.registry import ingest
from egn_analytics.schemas.texts import ReponseSchema

FIX = Path(__file__).parent / "fixtures" / "texts"
CORPUS = FIX / "corpus"
CONSULTATION = FIX / "consultation"


def _pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF whose text layer holds ``lines`` (Helvetica, WinAnsi)."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "14 TL", "72 760 Td"] if lines else []
    ops += [f"({esc(line)}) Tj T*" for line in lines]
    ops += ["ET"] if lines else []
    stream = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _rows(res: LoadResult, key: str) -> dict[str, dict[str, object]]:
    return {r[key]: r for r in res.data.iter_rows(named=True)}


def _motifs(res: LoadResult, key: str) -> dict[str, str]:
    return dict(res.rejects.select(key, "_motif").iter_rows())


def _reconciled(res: LoadResult) -> None:
    assert res.rows_read == res.data.height + res.rejects.height


# --------------------------------------------------------------------------- corpus


def test_corpus_folder_quirks_and_rejects() -> None:
    res = corpus.load_result(CORPUS)
    _reconciled(res)
    # 6 export rows + 6 loose files (docs, an .odt) + 2 syntheses; notice, ground truth and the
    # consultation export are skipped.
    assert res.rows_read == 14 - 1
    assert res.data["id_document"].to_list() == [
        "RETEX-0001", "RETEX-0002", "RETEX-0003", "RETEX-0006", "RETEX-0004",
        "note_terrain.txt", "contribution_fnpe.txt", "retour_normandie.txt",
    ]  # fmt: skip
    ok = _rows(res, "id_document")
    # cp1252 export, dd/mm/yyyy, Caen and ROUEN → Normandie (70).
    caen = ok["RETEX-0001"]
    assert (caen["code_academie"], caen["academie"]) == ("70", "Normandie")
    assert caen["region_academique"] == "Normandie" and caen["code_region_academique"] == "28"
    assert caen["date"] == date(2020, 3, 16)
    assert caen["titre"] == "Continuité à Caen" and caen["niveau"] == "1er degré"
    assert (caen["source"], caen["format"], caen["fichier"]) == ("retex", "csv", "export_retex.csv")
    assert ok["RETEX-0002"]["code_academie"] == "70"
    assert ok["RETEX-0002"]["texte"] == (
        "Les familles ont reçu des fiches papier ; certaines n'avaient pas d'imprimante.\n"
        "Deuxième paragraphe."
    )
    # Unknown académie: the text is kept, the code is null and the reason is in « alerte ».
    unknown = ok["RETEX-0003"]
    assert unknown["code_academie"] is None and unknown["academie"] is None
    assert unknown["alerte"] == "académie inconnue (« Atlantide »)"
    assert ok["RETEX-0006"]["code_academie"] == "08" and ok["RETEX-0006"]["academie"] == "Grenoble"
    assert all(ok[k]["alerte"] is None for k in ok if k != "RETEX-0003")
    # The loose copy of RETEX-0004 replaces its export row, whose date is impossible.
    copie = ok["RETEX-0004"]
    assert copie["fichier"] == "documents/RETEX-0004_copie.txt" and copie["format"] == "txt"
    assert str(copie["date"]) == "2020-02-28" and copie["titre"] == "Date corrigée"
    assert (copie["type_auteur"], copie["niveau"]) == ("CPE", "2nd degré")
    assert copie["texte"] == "Le 28 février existe bien."
    # A document without header (BOM, CRLF): the whole text, its first line as the title.
    note = ok["note_terrain.txt"]
    assert note["source"] == "autre" and note["titre"] == "Note de terrain du 12 mai"
    assert note["texte"] == "Note de terrain du 12 mai\n\nLa reprise s'est bien passée à l'école."
    assert note["date"] is None and note["academie"] is None
    # Syntheses: metadata from the index, else from the header (« 1er octobre 2020 »).
    fnpe = ok["contribution_fnpe.txt"]
    assert (fnpe["source"], fnpe["type_auteur"], str(fnpe["date"])) == (
        "synthese", "partenaire", "2020-10-24",
    )  # fmt: skip
    assert fnpe["titre"] == "Contribution de la FNPE"
    normandie = ok["retour_normandie.txt"]
    assert str(normandie["date"]) == "2020-10-01"
    assert normandie["region_academique"] == "Normandie" and normandie["academie"] is None
    assert normandie["titre"] == "Retour de la région académique Normandie : synthèse"
    assert normandie["texte"] == "Organisation de la concertation\n16 réunions ont été organisées."

    rejects = res.rejects.select("fichier", "_ligne", "_motif").rows()
    # ``_ligne`` is the line of the file where the record starts: RETEX-0002's text spans
    # lines 3 and 4, so RETEX-0004 is on line 6 (record count + 1 said 5).
    assert rejects == [
        ("export_retex.csv", 6, "date impossible ; document en double"),
        ("export_retex.csv", 7, "texte vide"),
        ("documents/RETEX-0002.md", None, "document en double"),
        ("documents/compte_rendu.odt", None, "format non pris en charge"),
        ("documents/vide.md", None, "texte vide"),
    ]
    # The duplicate is the same text as the export row it repeats.
    dup = res.rejects.filter(pl.col("fichier") == "documents/RETEX-0002.md").row(0, named=True)
    assert dup["texte"] == ok["RETEX-0002"]["texte"]
    assert dup["academie"] == "Rouen" and dup["date"] == "2020-04-02"
    assert res.summary()["motifs"] == {
        "document en double": 2, "texte vide": 2, "date impossible": 1,
        "format non pris en charge": 1,
    }  # fmt: skip


def test_corpus_load_is_lazy_and_typed() -> None:
    lf = corpus.load(CORPUS)
    assert isinstance(lf, pl.LazyFrame)
    schema = lf.collect_schema()
    assert schema["date"] == pl.Date
    assert isinstance(schema["source"], pl.Enum) and isinstance(schema["format"], pl.Enum)
    assert schema["code_academie"] == pl.String


def test_corpus_docx_and_pdf(tmp_path: Path) -> None:
    import docx
    from pypdf import PdfReader, PdfWriter

    folder = tmp_path / "docs"
    folder.mkdir()
    document = docx.Document()
    for line in ("Titre : Un RETEX en docx", "Académie : Caen", "Date : 02/04/2020",
                 "Auteur : IEN (1er degré)", "", "Les écoles ont prêté des tablettes.",
                 "Deuxième paragraphe."):  # fmt: skip
        document.add_paragraph(line)
    document.save(str(folder / "retex_caen.docx"))
    (folder / "retour.pdf").write_bytes(
        _pdf_bytes(
            [
                "Titre : Retour en PDF",
                "Académie : Rouen",
                "Date : 2020-05-12",
                "",
                "Le texte du PDF (couche texte).",
            ]
        )
    )
    (folder / "scan.pdf").write_bytes(_pdf_bytes([]))  # no text layer
    (folder / "abime.docx").write_bytes(b"PK\x03\x04 this is not a complete zip archive")
    (folder / "tronque.pdf").write_bytes(_pdf_bytes(["Titre : x"])[:60])
    writer = PdfWriter(clone_from=io.BytesIO(_pdf_bytes(["Secret"])))
    writer.encrypt(user_password="motdepasse", algorithm="RC4-128")
    with (folder / "chiffre.pdf").open("wb") as fh:
        writer.write(fh)
    (folder / "binaire.txt").write_bytes(b"\x00\x01\x02\x03 binary")

    res = corpus.load_result(folder)
    _reconciled(res)
    assert res.rows_read == 7
    ok = _rows(res, "id_document")
    assert set(ok) == {"retex_caen.docx", "retour.pdf"}
    d = ok["retex_caen.docx"]
    assert (d["titre"], d["code_academie"], str(d["date"])) == (
        "Un RETEX en docx",
        "70",
        "2020-04-02",
    )
    assert (d["type_auteur"], d["niveau"], d["format"]) == ("IEN", "1er degré", "docx")
    assert d["texte"] == "Les écoles ont prêté des tablettes.\nDeuxième paragraphe."
    p = ok["retour.pdf"]
    assert (p["titre"], p["code_academie"], str(p["date"])) == ("Retour en PDF", "70", "2020-05-12")
    assert p["texte"] == "Le texte du PDF (couche texte)." and p["format"] == "pdf"
    assert _motifs(res, "id_document") == {
        "abime.docx": "fichier illisible (docx)",
        "binaire.txt": "fichier illisible (binaire)",
        "chiffre.pdf": "pdf chiffré",
        "scan.pdf": "pdf sans couche texte",
        "tronque.pdf": "fichier illisible (pdf)",
    }
    detail = res.rejects.filter(pl.col("id_document") == "abime.docx")["_detail"].item()
    assert detail  # the library's message is kept for the user
    assert PdfReader(str(folder / "retour.pdf")).pages  # the fixture itself is a valid PDF


def test_corpus_json_exports(tmp_path: Path) -> None:
    records = [
        {"id": "RETEX-0100", "texte": "Un texte.", "academie": "caen", "date": "2020-04-01",
         "auteur": "parent (2nd degré)", "tags": ["a", "b"]},
        {"id": "RETEX-0101", "texte": "Un autre.", "code_academie": 8, "date": "01/04/2020"},
    ]  # fmt: skip
    (tmp_path / "export.json").write_text(
        json.dumps({"documents": records}, ensure_ascii=False), encoding="utf-8"
    )
    res = corpus.load_result(tmp_path / "export.json")
    ok = _rows(res, "id_document")
    assert ok["RETEX-0100"]["code_academie"] == "70" and ok["RETEX-0100"]["format"] == "json"
    assert (ok["RETEX-0100"]["type_auteur"], ok["RETEX-0100"]["niveau"]) == ("parent", "2nd degré")
    assert ok["RETEX-0101"]["code_academie"] == "08"  # a JSON number, zero-padded
    assert str(ok["RETEX-0101"]["date"]) == "2020-04-01"
    assert {r["source"] for r in ok.values()} == {"retex"}

    lines = tmp_path / "export.jsonl"
    lines.write_text(
        '{"texte": "Sans identifiant", "titre": "T"}\n{"texte": "", "titre": "Vide"}\n',
        encoding="utf-8",
    )
    res = corpus.load_result(lines)
    _reconciled(res)
    assert res.data.select("id_document", "source", "format").rows() == [
        ("export.jsonl#1", "autre", "jsonl")
    ]
    assert _motifs(res, "titre") == {"Vide": "texte vide"}


def test_corpus_single_files_and_errors(tmp_path: Path) -> None:
    one = corpus.load_result(CORPUS / "documents" / "RETEX-0002.md")
    assert one.data.select("id_document", "fichier", "format").rows() == [
        ("RETEX-0002", "RETEX-0002.md", "md")
    ]
    export = corpus.load_result(CORPUS / "export_retex.csv")
    assert (export.rows_read, export.data.height) == (6, 4)  # RETEX-0004 has no copy here
    assert _motifs(export, "id_document") == {
        "RETEX-0004": "date impossible",
        "RETEX-0005": "texte vide",
    }

    with pytest.raises(
        LoadError, match=r"propositions\.csv \(ligne 1\) : colonnes inconnues.*consultation"
    ):
        corpus.load_result(CORPUS / "propositions.csv")
    empty = tmp_path / "vide"
    empty.mkdir()
    with pytest.raises(LoadError, match="aucun document"):
        corpus.load_result(empty)
    with pytest.raises(LoadError, match="introuvable"):
        corpus.load_result(tmp_path / "absent")
    # Encoding override: honoured, and a name Python does not know is one clear line.
    forced = corpus.load_result(CORPUS / "export_retex.csv", encoding="cp1252", separator=";")
    assert forced.data["titre"].to_list() == export.data["titre"].to_list()
    with pytest.raises(LoadError, match="encodage inconnu : 'latin-42'"):
        corpus.load_result(CORPUS, encoding="latin-42")
    with pytest.raises(LoadError, match="encodage inconnu"):
        consultation.load_results(CONSULTATION, encoding="latin-42")

    # In a folder, an unreadable export stops the load (documents would be silently missing).
    folder = tmp_path / "dossier"
    shutil.copytree(CORPUS / "documents", folder)
    (folder / "stats.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"^stats\.csv \(ligne 1\) : colonnes inconnues"):
        corpus.load_result(folder)
    (folder / "stats.csv").unlink()
    (folder / "export.csv.gz").write_bytes(gzip.compress(b"id;texte\nR1;abc\n")[:20])
    with pytest.raises(LoadError, match=r"^export\.csv\.gz : fichier illisible ou tronqué"):
        corpus.load_result(folder)
    (folder / "export.csv.gz").unlink()
    (folder / "export.json").write_text('[{"texte": "a"}, {"texte": ', encoding="utf-8")
    with pytest.raises(LoadError, match=r"^export\.json \(ligne 1\) : JSON mal formé"):
        corpus.load_result(folder)
    (folder / "export.json").unlink()
    (folder / "export.csv").write_text('id;texte\nR1;"abc\nR2;def\n', encoding="utf-8")
    with pytest.raises(LoadError, match=r"^export\.csv"):
        corpus.load_result(folder)


def test_corpus_ingest_writes_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = ingest("corpus", CORPUS, out)
    assert (summary["lignes_lues"], summary["acceptees"], summary["rejetees"]) == (13, 8, 5)
    assert pl.read_parquet(out / "documents.parquet").height == 8
    assert pl.read_parquet(out / "documents.rejects.parquet").height == 5
    assert ingest("corpus", CORPUS, out)["cache"] is True


# --------------------------------------------------------------------------- consultation


def test_consultation_tables_and_links() -> None:
    results = consultation.load_results(CONSULTATION)
    assert list(results) == [
        "consultation_reponses", "consultation_propositions", "consultation_commentaires",
        "consultation_soutiens",
    ]  # fmt: skip
    for res in results.values():
        _reconciled(res)

    rep = results["consultation_reponses"]
    assert rep.data.columns == [
        "id_reponse", "date", "profil", "academie", "code_academie", "alerte", "texte_libre",
        "Avez-vous pu suivre les cours à distance ?", "Quel outil avez-vous le plus utilisé ?",
    ]  # fmt: skip
    assert rep.data.select("id_reponse", "code_academie", "alerte").rows() == [
        ("Q-1", "70", None),
        ("Q-2", None, "académie inconnue (« Atlantide »)"),
        ("Q-3", None, None),
    ]
    assert rep.data["Avez-vous pu suivre les cours à distance ?"].to_list() == [
        "Oui, régulièrement", "Rarement", None,
    ]  # fmt: skip
    assert rep.rejects.select("_ligne", "_motif").rows() == [
        (5, "clé en double (id_reponse)"),
        (6, "date impossible"),
    ]

    props = results["consultation_propositions"]  # cp1252, ',' and « Date de dépôt »
    assert props.data.select("id_proposition", "auteur_pseudo", "titre").rows() == [
        ("P-1", "prof_a", "Du wifi dans les écoles"),
        ("P-2", "parent_b", "Des ordinateurs prêtés"),
    ]
    assert str(props.data["date"][1]) == "2020-07-05"
    assert _motifs(props, "titre") == {
        "Doublon": "clé en double (id_proposition)",
        None: "texte vide",
    }

    com = results["consultation_commentaires"]
    assert com.data.select("id_commentaire", "date").rows() == [
        ("C-1", date(2020, 7, 2)),
        ("C-6", date(2020, 8, 2)),  # dd/mm/yyyy
    ]
    assert com.rejects.select("id_commentaire", "_motif").rows() == [
        ("C-2", "proposition inconnue"),
        ("C-3", "date antérieure à la proposition"),
        ("C-4", "proposition rejetée"),
        ("C-1", "clé en double (id_commentaire)"),
    ]

    sup = results["consultation_soutiens"]
    assert sup.data["id_soutien"].to_list() == ["S-1", "S-5"]
    assert _motifs(sup, "id_soutien") == {
        "S-2": "soutien en double",
        "S-3": "proposition inconnue",
        "S-4": "date antérieure à la proposition",
    }
    # Every accepted comment and support joins an accepted proposal.
    accepted = set(props.data["id_proposition"])
    assert set(com.data["id_proposition"]) <= accepted
    assert set(sup.data["id_proposition"]) <= accepted


def test_consultation_load_result_extras_and_lazy_load() -> None:
    res = consultation.load_result(CONSULTATION)
    assert res.table == "consultation_reponses" and res.data.height == 3
    assert sorted(res.extra) == [
        "consultation_commentaires", "consultation_commentaires.rejects",
        "consultation_propositions", "consultation_propositions.rejects",
        "consultation_soutiens", "consultation_soutiens.rejects",
    ]  # fmt: skip
    assert res.extra["consultation_commentaires.rejects"].height == 4
    assert res.sources == ("export_1.csv", "export_2.csv", "export_3.csv", "export_4.csv")
    lf = consultation.load(CONSULTATION, table="consultation_commentaires")
    assert lf.collect_schema()["date"] == pl.Date
    with pytest.raises(ValueError, match="table inconnue"):
        consultation.load(CONSULTATION, table="autre")


def test_consultation_ingest_writes_every_table_with_its_rejects(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = ingest("consultation", CONSULTATION, out)
    assert summary["table"] == "consultation_reponses" and summary["cache"] is False
    counts = {
        t["table"]: (t["lignes_lues"], t["acceptees"], t["rejetees"]) for t in summary["tables"]
    }
    assert counts == {
        "consultation_reponses": (5, 3, 2),
        "consultation_propositions": (4, 2, 2),
        "consultation_commentaires": (6, 2, 4),
        "consultation_soutiens": (5, 2, 3),
    }
    for table, (_, accepted, rejected) in counts.items():
        assert pl.read_parquet(out / f"{table}.parquet").height == accepted
        assert pl.read_parquet(out / f"{table}.rejects.parquet").height == rejected
        assert (out / f"{table}.meta.json").is_file()
    again = ingest("consultation", CONSULTATION, out)
    assert again["cache"] is True and len(again["tables"]) == 4


def test_consultation_recognition_and_errors(tmp_path: Path) -> None:
    # Recognised by columns; a generic « id » column falls back on the file name.
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(CONSULTATION / "export_2.csv", folder / "a.csv")
    (folder / "commentaires_platforme.csv").write_text(
        "id;id_proposition;date;texte\nK1;P-1;2020-07-02;Bien.\n", encoding="utf-8"
    )
    results = consultation.load_results(folder)
    assert results["consultation_commentaires"].data["id_commentaire"].to_list() == ["K1"]
    assert results["consultation_reponses"].rows_read == 0  # no questionnaire: empty table
    assert results["consultation_reponses"].data.columns == list(ReponseSchema.columns())

    (folder / "notes.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(
        LoadError, match=r"^notes\.csv \(ligne 1\) : export de la consultation non reconnu"
    ):
        consultation.load_results(folder)

    alone = tmp_path / "seul"
    alone.mkdir()
    shutil.copy(CONSULTATION / "export_3.csv", alone / "export_3.csv")
    with pytest.raises(LoadError, match="aucun export des propositions"):
        consultation.load_results(alone)
    empty = tmp_path / "vide"
    empty.mkdir()
    with pytest.raises(LoadError, match="aucun export"):
        consultation.load_results(empty)


# --------------------------------------------------------------------------- generated data


@pytest.fixture(scope="module")
def generated() -> Iterator[Path]:
    from egn_analytics.synth.texts import write_texts

    with tempfile.TemporaryDirectory() as tmp:
        write_texts(Path(tmp), 2020, 0.02)
        yield Path(tmp) / "textes"


def test_generated_corpus_loads_without_rejects(generated: Path) -> None:
    from egn_analytics.synth import texts

    n_retex = texts._scaled(texts.N_RETEX, 0.02)
    n_syn = texts._scaled(texts.N_SYNTHESES_PARTENAIRES, 0.02) + texts._scaled(
        texts.N_SYNTHESES_REGIONS, 0.02
    )
    assert (n_retex, n_syn) == (26, 2)
    truth = pl.read_csv(generated / "verite_terrain_SYNTHETIQUE.csv", separator=";")

    export = corpus.load_result(generated / "retex" / "retex_SYNTHETIQUE.csv")
    assert (export.rows_read, export.data.height, export.rejects.height) == (26, 26, 0)
    assert export.data["id_document"].to_list() == [f"RETEX-{i:04d}" for i in range(1, 27)]
    raw = pl.read_csv(
        generated / "retex" / "retex_SYNTHETIQUE.csv", separator=";", infer_schema=False
    )
    assert export.data["code_academie"].to_list() == raw["code_academie"].to_list()
    assert export.data["texte"].to_list() == raw["texte"].to_list()

    syntheses = corpus.load_result(generated / "syntheses")
    assert (syntheses.rows_read, syntheses.data.height, syntheses.rejects.height) == (2, 2, 0)
    assert set(syntheses.data["source"]) == {"synthese"}
    index = pl.read_csv(generated / "syntheses" / "index_SYNTHETIQUE.csv", separator=";")
    got = syntheses.data.sort("id_document")
    assert got["id_document"].to_list() == index["fichier"].to_list()
    assert got["titre"].to_list() == index["titre"].to_list()
    assert got["type_auteur"].to_list() == index["type_contributeur"].to_list()
    assert got["date"].cast(pl.String).to_list() == index["date"].to_list()

    loose = corpus.load_result(generated / "retex" / "documents")
    assert (loose.rows_read, loose.data.height, loose.rejects.height) == (3, 3, 0)
    by_id = _rows(export, "id_document")
    for row in loose.data.iter_rows(named=True):  # .md (ISO) and .txt (dd/mm/yyyy) headers
        twin = by_id[row["id_document"]]
        for col in ("titre", "texte", "code_academie", "date", "type_auteur", "niveau"):
            assert row[col] == twin[col], (row["id_document"], col)

    # The whole folder: loose RETEX are copies of export rows → « document en double »;
    # consultation exports, ground truth and notice are not documents.
    full = corpus.load_result(generated)
    _reconciled(full)
    assert (full.rows_read, full.data.height) == (26 + 3 + 2, 26 + 2)
    assert full.summary()["motifs"] == {"document en double": 3}
    assert set(full.data["id_document"]) <= set(truth["id"])


def test_generated_consultation_loads_without_rejects(generated: Path) -> None:
    from egn_analytics.synth import texts

    expected = {
        "consultation_reponses": texts._scaled(texts.N_QUESTIONNAIRE, 0.02),
        "consultation_propositions": texts._scaled(texts.N_PROPOSITIONS, 0.02),
        "consultation_commentaires": texts._scaled(texts.N_COMMENTAIRES, 0.02),
        "consultation_soutiens": texts._scaled(texts.N_SOUTIENS, 0.02),
    }
    assert list(expected.values()) == [537, 13, 48, 64]
    results = consultation.load_results(generated / "consultation")
    for table, n in expected.items():
        res = results[table]
        assert (res.rows_read, res.data.height, res.rejects.height) == (n, n, 0), table
    reponses = results["consultation_reponses"].data
    assert reponses.width == 7 + len(texts.QUESTIONS)
    assert reponses.columns[7:] == list(texts.QUESTIONS)
    raw = pl.read_csv(
        generated / "consultation" / "questionnaire_SYNTHETIQUE.csv", separator=";",
        infer_schema=False,
    )  # fmt: skip
    assert reponses["academie"].null_count() == raw["academie"].null_count()
    assert reponses["alerte"].null_count() == reponses.height


# --------------------------------------------------------------------------- robustness


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400),
    name=st.sampled_from(["x.csv", "x.txt", "x.md", "x.json", "x.jsonl", "x.docx", "x.pdf"]),
)
def test_random_bytes_never_give_a_raw_traceback(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / name).write_bytes(data)
        for load in (corpus.load_result, consultation.load_results):
            try:
                out = load(folder)
            except LoadError:
                continue
            for res in out.values() if isinstance(out, dict) else [out]:
                _reconciled(res)
