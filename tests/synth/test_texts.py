"""Tests of the synthetic text corpus (``egn_analytics.synth.texts``).

Most tests run at scale 0.02 (a fraction of a second); the published volumes are checked on one
full-scale run shared by the ``integration`` tests (about 2 s).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.synth import texts
from egn_analytics.synth.common import FileRecord
from egn_analytics.synth.texts import QUESTIONS, write_texts

SEED = 2020
SMALL = 0.02

RETEX_SCHEMA = {
    "id_retex": pl.String, "academie": pl.String, "code_academie": pl.String, "date": pl.Date,
    "type_auteur": pl.String, "niveau": pl.String, "titre": pl.String, "texte": pl.String,
}  # fmt: skip
QUESTIONNAIRE_SCHEMA = {
    "id_reponse": pl.String, "date": pl.Date, "profil": pl.String, "academie": pl.String,
    **dict.fromkeys(QUESTIONS, pl.String), "texte_libre": pl.String,
}  # fmt: skip
PROPOSITIONS_SCHEMA = {
    "id_proposition": pl.String, "date": pl.Date, "auteur_pseudo": pl.String,
    "profil": pl.String, "titre": pl.String, "texte": pl.String,
}  # fmt: skip
COMMENTAIRES_SCHEMA = {
    "id_commentaire": pl.String, "id_proposition": pl.String, "date": pl.Date,
    "auteur_pseudo": pl.String, "texte": pl.String,
}  # fmt: skip
SOUTIENS_SCHEMA = {
    "id_soutien": pl.String, "id_proposition": pl.String, "auteur_pseudo": pl.String,
    "date": pl.Date,
}  # fmt: skip
INDEX_SCHEMA = {
    "fichier": pl.String, "type_contributeur": pl.String, "contributeur": pl.String,
    "region_academique": pl.String, "date": pl.Date, "titre": pl.String,
}  # fmt: skip
TRUTH_SCHEMA = {"source": pl.String, "id": pl.String, "theme": pl.Int64, "propositions": pl.String}

CSV_SCHEMAS = {
    "retex/retex_SYNTHETIQUE.csv": RETEX_SCHEMA,
    "consultation/questionnaire_SYNTHETIQUE.csv": QUESTIONNAIRE_SCHEMA,
    "consultation/propositions_SYNTHETIQUE.csv": PROPOSITIONS_SCHEMA,
    "consultation/commentaires_SYNTHETIQUE.csv": COMMENTAIRES_SCHEMA,
    "consultation/soutiens_SYNTHETIQUE.csv": SOUTIENS_SCHEMA,
    "syntheses/index_SYNTHETIQUE.csv": INDEX_SCHEMA,
    "verite_terrain_SYNTHETIQUE.csv": TRUTH_SCHEMA,
}

FRENCH_WORDS = re.compile(r"\b(les|des|pour|une|est|nous|il|avec|dans|la|le|de)\b", re.IGNORECASE)


class Corpus:
    """One generated corpus, with typed readers for its files."""

    def __init__(self, out_dir: Path, records: list[FileRecord]) -> None:
        self.out_dir = out_dir
        self.root = out_dir / "textes"
        self.records = records

    def csv(self, rel: str) -> pl.DataFrame:
        return pl.read_csv(self.root / rel, separator=";", schema=CSV_SCHEMAS[rel])

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.out_dir).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("texts_small")
    return Corpus(out, write_texts(out, SEED, SMALL))


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("texts_full")
    return Corpus(out, write_texts(out, SEED, 1.0))


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))


# ----------------------------------------------------------------------------------- counts


def test_counts_at_small_scale(small: Corpus) -> None:
    assert small.csv("retex/retex_SYNTHETIQUE.csv").height == 26
    assert small.csv("consultation/questionnaire_SYNTHETIQUE.csv").height == 537
    assert small.csv("consultation/propositions_SYNTHETIQUE.csv").height == 13
    assert small.csv("consultation/commentaires_SYNTHETIQUE.csv").height == 48
    assert small.csv("consultation/soutiens_SYNTHETIQUE.csv").height == 64
    index = small.csv("syntheses/index_SYNTHETIQUE.csv")
    assert index["type_contributeur"].value_counts().sort("type_contributeur").rows() == [
        ("partenaire", 1),
        ("région académique", 1),
    ]
    assert len(list((small.root / "syntheses").glob("*.txt"))) == 2
    assert len(list((small.root / "retex" / "documents").iterdir())) == 3  # minimum of 3


def test_tiny_scale_works(tmp_path: Path) -> None:
    records = write_texts(tmp_path, 7, 0.01)
    rows = {r.path: r.rows for r in records}
    assert rows["textes/retex/retex_SYNTHETIQUE.csv"] == 13
    assert rows["textes/consultation/questionnaire_SYNTHETIQUE.csv"] == 268
    assert rows["textes/consultation/propositions_SYNTHETIQUE.csv"] == 7


def test_invalid_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        write_texts(tmp_path, SEED, 0.0)


# ---------------------------------------------------------------------------------- records


def test_records_describe_every_written_file(small: Corpus) -> None:
    on_disk = set(small.files())
    by_path = {r.path: r for r in small.records}
    assert set(by_path) == on_disk
    for path, rec in by_path.items():
        data = (small.out_dir / path).read_bytes()
        assert rec.family == "textes"
        assert "SYNTHETIQUE" in Path(path).name
        assert rec.bytes == len(data)
        assert rec.sha256 == hashlib.sha256(data).hexdigest()
        assert rec.format == Path(path).suffix.lstrip(".")
        assert rec.description
        if rec.format == "csv":
            assert rec.rows == pl.read_csv(data, separator=";", infer_schema=False).height
        else:
            assert rec.rows is None
    assert [r.path for r in small.records] == sorted(by_path)


def test_readme_says_data_are_synthetic(small: Corpus) -> None:
    text = (small.root / "LISEZMOI_SYNTHETIQUE.txt").read_text(encoding="utf-8")
    assert "SYNTHÉTIQUES" in text
    assert "aucune personne" in text


# ----------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(small: Corpus, tmp_path: Path) -> None:
    again = Corpus(tmp_path, write_texts(tmp_path, SEED, SMALL))
    assert again.files() == small.files()
    assert [r.as_dict() for r in again.records] == [r.as_dict() for r in small.records]


def test_other_seed_gives_other_texts(small: Corpus, tmp_path: Path) -> None:
    other = Corpus(tmp_path, write_texts(tmp_path, SEED + 1, SMALL))
    for rel in ("retex/retex_SYNTHETIQUE.csv", "consultation/commentaires_SYNTHETIQUE.csv"):
        assert (other.root / rel).read_bytes() != (small.root / rel).read_bytes()


def test_rewriting_at_another_scale_removes_stale_documents(tmp_path: Path) -> None:
    write_texts(tmp_path, SEED, 0.1)
    write_texts(tmp_path, SEED, SMALL)
    docs = list((tmp_path / "textes" / "retex" / "documents").iterdir())
    assert len(docs) == 3
    assert len(list((tmp_path / "textes" / "syntheses").glob("*.txt"))) == 2


# --------------------------------------------------------------------------------- formats


def test_csv_files_are_valid_with_explicit_schemas(small: Corpus) -> None:
    for rel, schema in CSV_SCHEMAS.items():
        frame = small.csv(rel)
        assert frame.columns == list(schema), rel
        assert frame.height > 0, rel
        first_id = frame.columns[0]
        assert frame[first_id].null_count() == 0, rel
        if rel != "verite_terrain_SYNTHETIQUE.csv":
            assert frame[first_id].is_unique().all(), rel
            assert frame[first_id].is_sorted(), rel


def test_retex_fields(small: Corpus) -> None:
    retex = small.csv("retex/retex_SYNTHETIQUE.csv")
    assert retex["date"].min() >= texts.RETEX_START
    assert retex["date"].max() <= texts.RETEX_END
    assert set(retex["niveau"]) <= {"1er degré", "2nd degré", "transversal"}
    assert retex["code_academie"].str.contains(r"^\d{2}$").all()
    words = retex["texte"].str.split(" ").list.len()
    assert words.min() >= 60
    assert words.max() <= 400


def test_retex_documents_copy_csv_rows(small: Corpus) -> None:
    retex = small.csv("retex/retex_SYNTHETIQUE.csv")
    by_id = {r["id_retex"]: r for r in retex.iter_rows(named=True)}
    docs = sorted((small.root / "retex" / "documents").iterdir())
    assert {d.suffix for d in docs} == {".md", ".txt"}
    for doc in docs:
        content = doc.read_text(encoding="utf-8")
        ident = re.search(r"Identifiant : (RETEX-\d{4})", content)
        assert ident is not None
        row = by_id[ident.group(1)]
        assert f"Académie : {row['academie']}" in content
        assert "Date : " in content
        assert row["titre"] in content
        assert row["texte"] in content


def test_questionnaire_closed_answers_and_free_text(small: Corpus) -> None:
    quest = small.csv("consultation/questionnaire_SYNTHETIQUE.csv")
    share = quest["texte_libre"].is_not_null().mean()
    assert share is not None
    assert 0.08 < share < 0.25
    assert quest["profil"].null_count() == 0
    # Skip logic: pupils and parents are asked about following lessons, staff about teaching.
    pupil_side = quest.filter(pl.col("profil").is_in(["élève", "parent"]))
    assert pupil_side[texts.Q_CONTINUITE].null_count() == pupil_side.height
    staff = quest.filter(pl.col("profil") == "enseignant")
    assert staff[texts.Q_SUIVI].null_count() == staff.height
    assert set(quest[texts.Q_EQUIPEMENT].drop_nulls()) <= set(texts._EQUIPEMENT)


# ------------------------------------------------------------------------------ platform


def test_comments_point_to_existing_earlier_proposals(small: Corpus) -> None:
    props = small.csv("consultation/propositions_SYNTHETIQUE.csv")
    comments = small.csv("consultation/commentaires_SYNTHETIQUE.csv")
    joined = comments.join(
        props.select("id_proposition", pl.col("date").alias("date_proposition")),
        on="id_proposition",
        how="left",
    )
    assert joined["date_proposition"].null_count() == 0
    assert (joined["date"] >= joined["date_proposition"]).all()


def test_supports_are_unique_later_and_not_self_votes(small: Corpus) -> None:
    props = small.csv("consultation/propositions_SYNTHETIQUE.csv")
    supports = small.csv("consultation/soutiens_SYNTHETIQUE.csv")
    joined = supports.join(
        props.select(
            "id_proposition", pl.col("date").alias("dp"), pl.col("auteur_pseudo").alias("a")
        ),
        on="id_proposition",
        how="left",
    )
    assert joined["dp"].null_count() == 0
    assert (joined["date"] >= joined["dp"]).all()
    assert (joined["auteur_pseudo"] != joined["a"]).all()
    assert not supports.select("id_proposition", "auteur_pseudo").is_duplicated().any()


# ---------------------------------------------------------------------------- ground truth


def _document_ids(corpus: Corpus) -> list[tuple[str, str]]:
    quest = corpus.csv("consultation/questionnaire_SYNTHETIQUE.csv")
    ids = [("retex", i) for i in corpus.csv("retex/retex_SYNTHETIQUE.csv")["id_retex"]]
    ids += [
        ("questionnaire", i)
        for i in quest.filter(pl.col("texte_libre").is_not_null())["id_reponse"]
    ]
    ids += [
        ("proposition", i)
        for i in corpus.csv("consultation/propositions_SYNTHETIQUE.csv")["id_proposition"]
    ]
    ids += [
        ("commentaire", i)
        for i in corpus.csv("consultation/commentaires_SYNTHETIQUE.csv")["id_commentaire"]
    ]
    ids += [("synthese", i) for i in corpus.csv("syntheses/index_SYNTHETIQUE.csv")["fichier"]]
    return ids


def test_ground_truth_covers_every_document_once(small: Corpus) -> None:
    truth = small.csv("verite_terrain_SYNTHETIQUE.csv")
    pairs = list(zip(truth["source"], truth["id"], strict=True))
    assert len(pairs) == len(set(pairs))
    assert sorted(pairs) == sorted(_document_ids(small))


def test_ground_truth_labels_are_consistent(small: Corpus) -> None:
    truth = small.csv("verite_terrain_SYNTHETIQUE.csv")
    catalog = texts._catalog()
    for theme, props in zip(truth["theme"], truth["propositions"], strict=True):
        numbers = [int(x) for x in props.split("|")]
        assert all(1 <= n <= 40 for n in numbers)
        assert len(numbers) == len(set(numbers))
        assert theme == catalog.props[numbers[0]].theme
        assert 1 <= theme <= 5


# ------------------------------------------------------------------------------------ text


def _all_texts(corpus: Corpus) -> list[str]:
    out = list(corpus.csv("retex/retex_SYNTHETIQUE.csv")["texte"])
    out += list(
        corpus.csv("consultation/questionnaire_SYNTHETIQUE.csv")["texte_libre"].drop_nulls()
    )
    out += list(corpus.csv("consultation/propositions_SYNTHETIQUE.csv")["texte"])
    out += list(corpus.csv("consultation/commentaires_SYNTHETIQUE.csv")["texte"])
    out += [p.read_text(encoding="utf-8") for p in (corpus.root / "syntheses").glob("*.txt")]
    return out


def test_texts_are_french_and_varied(small: Corpus) -> None:
    corpus = _all_texts(small)
    french = sum(len(FRENCH_WORDS.findall(t)) >= 2 for t in corpus)
    assert french / len(corpus) > 0.95
    assert len(set(corpus)) > 0.95 * len(corpus)  # short answers may coincide, as in real data
    long = [t for t in corpus if len(t.split()) >= 60]
    assert len(set(long)) == len(long)
    joined = " ".join(corpus)
    for word in ("élèves", "confinement", "numérique"):
        assert word in joined


def test_every_template_fills_with_every_noun_phrase() -> None:
    catalog = texts._catalog()
    draw = texts._Draw(texts.rng_for(0, "test"))
    for num, bank in catalog.props.items():
        assert len(bank.templates) >= 3, num
        assert len(bank.mots) >= 4, num
        for template in (*bank.templates, *bank.libelle_templates):
            for mot in bank.mots:
                sentence = template.format_map(texts._Slots(draw, catalog, "transversal", (mot,)))
                assert "{" not in sentence
                assert sentence.endswith((".", "!", "?")), sentence
    for name, pool in catalog.generic.items():
        if name.startswith("fill."):
            continue
        for template in pool:
            template.format_map(texts._Slots(draw, catalog, "2nd", (), {"nom": "X"}))


# ------------------------------------------------------------------------------ full scale


@pytest.mark.integration
def test_published_counts_at_full_scale(full: Corpus) -> None:
    rows = {r.path.removeprefix("textes/"): r.rows for r in full.records}
    assert rows["retex/retex_SYNTHETIQUE.csv"] == 1300
    assert rows["consultation/questionnaire_SYNTHETIQUE.csv"] == 26839
    assert rows["consultation/propositions_SYNTHETIQUE.csv"] == 670
    assert rows["consultation/commentaires_SYNTHETIQUE.csv"] == 2380
    assert rows["consultation/soutiens_SYNTHETIQUE.csv"] == 3214
    assert rows["syntheses/index_SYNTHETIQUE.csv"] == 42
    index = full.csv("syntheses/index_SYNTHETIQUE.csv")
    counts = dict(index["type_contributeur"].value_counts().iter_rows())
    assert counts == {"partenaire": 21, "région académique": 21}
    regional = index.filter(pl.col("type_contributeur") == "région académique")
    assert regional["region_academique"].null_count() == 0
    assert regional["region_academique"].n_unique() == 18
    docs = list((full.root / "retex" / "documents").iterdir())
    assert len(docs) == 65  # 5 % of 1,300


@pytest.mark.integration
def test_full_scale_ground_truth(full: Corpus) -> None:
    truth = full.csv("verite_terrain_SYNTHETIQUE.csv")
    mains = truth["propositions"].str.split("|").list.first().cast(pl.Int64)
    mentioned = truth["propositions"].str.split("|").explode().cast(pl.Int64)
    assert sorted(mentioned.unique()) == list(range(1, 41))
    counts = mains.value_counts()["count"]
    assert counts.max() > 10 * counts.min()  # Zipf-like, not uniform
    assert sorted(_document_ids(full)) == sorted(zip(truth["source"], truth["id"], strict=True))


@pytest.mark.integration
def test_proposition_18_raised_by_12_regions(full: Corpus) -> None:
    truth = full.csv("verite_terrain_SYNTHETIQUE.csv").filter(pl.col("source") == "synthese")
    index = full.csv("syntheses/index_SYNTHETIQUE.csv")
    regional = truth.join(index, left_on="id", right_on="fichier").filter(
        pl.col("type_contributeur") == "région académique"
    )
    with_18 = regional.filter(pl.col("propositions").str.split("|").list.contains("18"))
    assert with_18["region_academique"].n_unique() == 12


@pytest.mark.integration
def test_full_scale_lengths(full: Corpus) -> None:
    words = full.csv("retex/retex_SYNTHETIQUE.csv")["texte"].str.split(" ").list.len()
    assert words.min() >= 60
    assert words.max() <= 400
    for path in (full.root / "syntheses").glob("*.txt"):
        n = len(path.read_text(encoding="utf-8").split())
        assert 400 <= n <= 1500, path.name
    quest = full.csv("consultation/questionnaire_SYNTHETIQUE.csv")
    share = quest["texte_libre"].is_not_null().mean()
    assert share is not None
    assert 0.13 < share < 0.17
