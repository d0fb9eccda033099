"""DEPP survey loader on handmade fixtures, in every format a statistician may bring.

The text fixtures are committed (``fixtures/survey``): a ``;`` CSV in UTF-8 with BOM and
decimal commas with its ``_dictionnaire.csv`` beside it, and the same data as a ``,`` CSV in
cp1252 (CRLF) with a codebook passed explicitly. The binary ones (SPSS ``.sav`` / ``.zsav``,
Stata ``.dta``, SAS ``.xpt``, Parquet, Excel ``.xlsx``) are written from the same twelve rows by
a session fixture into a temporary folder, so that the repository stays text-only. xlsxwriter
is not installed, so the ``.xlsx`` is assembled by hand (a zip of five XML parts), which is
what the loader's calamine reader sees from any spreadsheet program. No SAS ``.sas7bdat``
fixture: pyreadstat cannot write that format.

The twelve rows carry: a zero weight, a missing weight, a negative weight together with an
unknown code, an unknown code alone, a duplicate id, text in a numeric column, a missing stratum
and a missing PSU; four rows are valid.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from egn_analytics.loaders import LoadError, LoadResult
from egn_analytics.loaders.survey import inputs, load, load_result, table_name

FIX = Path(__file__).parent / "fixtures" / "survey"
CSV = FIX / "enquete_test.csv"
CSV_CP1252 = FIX / "enquete_test_cp1252.csv"
CODEBOOK = FIX / "enquete_test_dictionnaire.csv"
CODEBOOK_CP1252 = FIX / "dictionnaire_cp1252.csv"

#: The logical content of every fixture (None = empty cell / missing value).
COLUMNS = ["id", "strate", "uai", "poids", "fpc", "sexe", "satisfaction", "heures", "age", "commentaire"]  # fmt: skip
ROWS: list[tuple[object, ...]] = [
    ("R01", "S1", "0750001A", 12.5, 10.0, 1, 2, "6.5", 15, "Très bien"),
    ("R02", "S1", "0750001A", 12.5, 10.0, 2, 1, "7", 16, None),
    ("R03", "S1", "0750002B", 0.0, 10.0, 1, 3, "5", 15, "Poids nul"),
    ("R04", "S1", "0750002B", 8.25, 10.0, 2, 7, "4.5", 17, "Élève absent"),
    ("R02", "S2", "0130001C", 20.0, 4.0, 1, 1, "3", 15, "Doublon"),
    ("R06", "S2", "0130001C", 20.0, 4.0, 1, 2, "abc", 16, "« texte »"),
    ("R07", "S2", "0130002D", None, 4.0, 2, 4, "2", 17, None),
    ("R08", "S2", "0130002D", 16.0, 4.0, None, None, "8", None, "Sans réponse"),
    ("R09", None, "0130002D", 16.0, 4.0, 1, 1, "1", 15, None),
    ("R10", "S2", "0130002D", -3.0, 4.0, 9, 1, "1", 16, None),
    ("R11", "S1", None, 12.5, 10.0, 1, 1, "2", 15, None),
    ("R12", "S2", "0130001C", 20.0, 4.0, 2, 3, "0.5", 18, "Dernière ligne"),
]
LABELS = {
    "id": "Identifiant du répondant",
    "strate": "Strate de tirage",
    "uai": "UAI de l'établissement (unité primaire)",
    "poids": "Poids de sondage",
    "fpc": "Nombre d'établissements de la strate",
    "sexe": "Sexe",
    "satisfaction": "Satisfaction à l'égard de l'enseignement à distance",
    "heures": "Heures de travail scolaire par jour",
    "age": "Âge en années",
    "commentaire": "Commentaire libre",
}
VALUE_LABELS = {
    "sexe": {1: "Fille", 2: "Garçon"},
    "satisfaction": {
        1: "Très satisfait",
        2: "Plutôt satisfait",
        3: "Plutôt pas satisfait",
        4: "Pas du tout satisfait",
    },
}

EXPECTED = pl.DataFrame(
    {
        "id": ["R01", "R02", "R08", "R12"],
        "strate": ["S1", "S1", "S2", "S2"],
        "uai": ["0750001A", "0750001A", "0130002D", "0130001C"],
        "poids": [12.5, 12.5, 16.0, 20.0],
        "fpc": [10.0, 10.0, 4.0, 4.0],
        "sexe": [1, 2, None, 2],
        "satisfaction": [2, 1, None, 3],
        "heures": [6.5, 7.0, 8.0, 0.5],
        "age": [15, 16, None, 18],
        "commentaire": ["Très bien", None, "Sans réponse", "Dernière ligne"],
    },
    schema={
        "id": pl.String,
        "strate": pl.String,
        "uai": pl.String,
        "poids": pl.Float64,
        "fpc": pl.Float64,
        "sexe": pl.Int64,
        "satisfaction": pl.Int64,
        "heures": pl.Float64,
        "age": pl.Int64,
        "commentaire": pl.String,
    },
)
#: Rejected respondents, in file order: (id, reason); the line is the CSV line (header = 1).
EXPECTED_REJECTS = [
    ("R03", 4, "poids ≤ 0 ou manquant"),
    ("R04", 5, "modalité inconnue (satisfaction=7)"),
    ("R02", 6, "clé en double (id)"),
    ("R06", 7, "type invalide (heures)"),
    ("R07", 8, "poids ≤ 0 ou manquant"),
    ("R09", 10, "valeur manquante (strate)"),
    ("R10", 11, "poids ≤ 0 ou manquant ; modalité inconnue (sexe=9)"),
    ("R11", 12, "valeur manquante (uai)"),
]
MODALITE = pl.Struct({"code": pl.Int64, "libelle": pl.String})


def expected_codebook() -> pl.DataFrame:
    kinds = {
        "id": "texte", "strate": "texte", "uai": "texte", "poids": "numérique",
        "fpc": "numérique", "sexe": "catégorielle", "satisfaction": "catégorielle",
        "heures": "numérique", "age": "numérique", "commentaire": "texte",
    }  # fmt: skip
    return pl.DataFrame(
        {
            "variable": COLUMNS,
            "libelle": [LABELS[c] for c in COLUMNS],
            "type": [kinds[c] for c in COLUMNS],
            "modalites": [
                [{"code": k, "libelle": v} for k, v in VALUE_LABELS[c].items()]
                if c in VALUE_LABELS
                else None
                for c in COLUMNS
            ],
        },
        schema={
            "variable": pl.String,
            "libelle": pl.String,
            "type": pl.String,
            "modalites": pl.List(MODALITE),
        },
    )


def check_result(res: LoadResult, first_line: int) -> None:
    """The exact outcome every format must give (``first_line``: line of the first row)."""
    assert res.rows_read == 12 == res.data.height + res.rejects.height
    assert_frame_equal(res.data, EXPECTED)
    shift = first_line - 2
    got = res.rejects.select("id", "_ligne", "_motif").rows()
    assert got == [(i, line + shift, reason) for i, line, reason in EXPECTED_REJECTS]
    assert res.summary()["motifs"] == {
        "poids ≤ 0 ou manquant": 3,
        "clé en double (id)": 1,
        "modalité inconnue (satisfaction=7)": 1,
        "modalité inconnue (sexe=9)": 1,
        "type invalide (heures)": 1,
        "valeur manquante (strate)": 1,
        "valeur manquante (uai)": 1,
    }
    assert_frame_equal(res.extra[f"{res.table}_dictionnaire"], expected_codebook())


# --------------------------------------------------------------------------- text fixtures


def test_semicolon_bom_decimal_comma_with_codebook_beside() -> None:
    res = load_result(CSV)
    check_result(res, first_line=2)
    assert res.table == "enquete_test"
    assert res.sources == ("enquete_test.csv", "enquete_test_dictionnaire.csv")
    # Rejects keep the values as read, decimal comma included.
    r04 = res.rejects.row(1, named=True)
    assert r04["poids"] == "8,25" and r04["satisfaction"] == "7" and r04["_source"] == CSV.name
    assert set(res.rejects.schema.values()) == {pl.String, pl.Int64}  # text + _ligne


def test_comma_cp1252_crlf_with_explicit_codebook() -> None:
    # Comma separator, cp1252, CRLF, a quoted "12,5", codebook headers and types spelled
    # differently (nom, libellé, modalités; numerique, qualitative; "1=Fille|2=Garçon").
    res = load_result(CSV_CP1252, codebook=CODEBOOK_CP1252)
    check_result(res, first_line=2)
    assert res.table == "enquete_test_cp1252"
    assert res.extra.keys() == {"enquete_test_cp1252_dictionnaire"}
    assert res.sources == (CSV_CP1252.name, CODEBOOK_CP1252.name)


def test_encoding_and_separator_can_be_forced() -> None:
    res = load_result(CSV_CP1252, codebook=CODEBOOK_CP1252, encoding="cp1252", separator=",")
    assert_frame_equal(res.data, EXPECTED)
    with pytest.raises(LoadError, match=r"^enquete_test_cp1252\.csv .*poids"):
        load_result(CSV_CP1252, separator=";")  # one single column: no weight column


def test_without_codebook_types_are_inferred(tmp_path: Path) -> None:
    alone = tmp_path / "mes_reponses.csv"
    shutil.copy(CSV, alone)
    res = load_result(alone)
    assert res.table == "enquete_mes_reponses"
    assert res.sources == ("mes_reponses.csv",)
    assert res.data.schema == EXPECTED.schema  # codes are numbers: Int64 all the same
    # No value labels: codes 7 and 9 are not unknown any more.
    reasons = dict(res.rejects.select("id", "_motif").iter_rows())
    assert reasons["R10"] == "poids ≤ 0 ou manquant"
    assert "R04" not in reasons
    assert res.data["id"].to_list() == ["R01", "R02", "R04", "R08", "R12"]
    # heures: most values are numbers, so "abc" is a bad value, not a reason to make it text.
    assert reasons["R06"] == "type invalide (heures)"
    cb = res.extra["enquete_mes_reponses_dictionnaire"]
    assert cb["type"].to_list() == [
        "texte", "texte", "texte", "numérique", "numérique", "numérique", "numérique",
        "numérique", "numérique", "texte",
    ]  # fmt: skip
    assert cb["libelle"].null_count() == cb.height
    assert cb["modalites"].null_count() == cb.height


def test_zero_padded_codes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(
        "id;strate;uai;poids;code_academie;note\n"
        "a;S1;U1;1;01;12\nb;S1;U2;1;10;13,5\nc;S1;U2;1;84;\n",
        encoding="utf-8",
    )
    res = load_result(path)
    assert res.data.schema["code_academie"] == pl.String
    assert res.data["code_academie"].to_list() == ["01", "10", "84"]
    assert res.data.schema["note"] == pl.Float64
    assert res.data["fpc"].to_list() == [None, None, None]  # no fpc column: null fpc
    assert res.data.columns[:5] == ["id", "strate", "uai", "poids", "fpc"]


def test_design_columns_are_named_by_options(tmp_path: Path) -> None:
    path = tmp_path / "autre_enquete.csv"
    path.write_text(
        "ident;Region;Etab;Pond;N_etab;q1\nx1;R1;E1;2,5;3;1\nx2;R1;E2;0;3;2\n", encoding="utf-8"
    )
    res = load_result(path, weight="POND", strata="region", psu="etab", fpc="n_etab")
    assert res.data.columns == ["ident", "strate", "uai", "poids", "fpc", "q1"]
    assert res.data.row(0) == ("x1", "R1", "E1", 2.5, 3.0, 1)
    assert res.rejects.select("_ligne", "_motif").rows() == [(3, "poids ≤ 0 ou manquant")]
    with pytest.raises(LoadError, match=r"colonne\(s\) attendue\(s\) absente\(s\) : poids"):
        load_result(path, strata="region", psu="etab")


def test_load_is_lazy_and_typed() -> None:
    lf = load(CSV)
    assert isinstance(lf, pl.LazyFrame)
    assert lf.collect_schema() == EXPECTED.schema


def test_table_name_and_inputs(tmp_path: Path) -> None:
    assert table_name("depp_continuite_2020_eleves_2d_SYNTHETIQUE.sav") == "enquete_eleves_2d"
    assert table_name("/x/depp_continuite_2020_chefs_etablissement.csv.gz") == (
        "enquete_chefs_etablissement"
    )
    assert table_name("Élèves 3e — vague 2.xlsx") == "enquete_eleves_3e_vague_2"
    assert table_name("enquete_parents.parquet") == "enquete_parents"
    assert inputs(CSV) == [CSV, CODEBOOK]
    assert inputs(CSV_CP1252) == [CSV_CP1252]
    assert inputs(CSV_CP1252, codebook=CODEBOOK_CP1252) == [CSV_CP1252, CODEBOOK_CP1252]


# --------------------------------------------------------------------------- binary formats


def _col_ref(i: int) -> str:
    ref = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        ref = chr(65 + r) + ref
    return ref


def write_xlsx(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    """A minimal .xlsx (one sheet, inline strings, numeric cells as numbers)."""
    ns = "http://schemas.openxmlformats.org"
    lines = []
    for r, row in enumerate([tuple(header), *rows], start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col_ref(c)}{r}"
            if v is None:
                continue
            if isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    parts = {
        "[Content_Types].xml": f'{head}<Types xmlns="{ns}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'{head}<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{head}<workbook xmlns="{ns}/spreadsheetml/2006/main" '
        f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'{head}<worksheet xmlns="{ns}/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def fixture_frame() -> pl.DataFrame:
    """The twelve rows as a binary file stores them: codes as doubles, heures as text."""
    return pl.DataFrame(
        ROWS,
        schema={
            "id": pl.String,
            "strate": pl.String,
            "uai": pl.String,
            "poids": pl.Float64,
            "fpc": pl.Float64,
            "sexe": pl.Float64,
            "satisfaction": pl.Float64,
            "heures": pl.String,  # a character variable holding numbers, as SAS files have
            "age": pl.Float64,
            "commentaire": pl.String,
        },
        orient="row",
    )


@pytest.fixture(scope="session")
def binary_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same twelve rows as .sav, .zsav, .dta (with labels), .xpt, .parquet and .xlsx."""
    import pyreadstat

    out = tmp_path_factory.mktemp("survey_binary")
    df = fixture_frame()
    pdf = df.to_pandas()  # pandas at the edge: pyreadstat writes from pandas
    value_labels: dict[str, dict[int | float, str]] = {
        var: {int(k): v for k, v in labels.items()} for var, labels in VALUE_LABELS.items()
    }
    column_labels: dict[str, str | None] = dict(LABELS)
    paths = {}
    paths["sav"] = out / "enquete_test.sav"
    pyreadstat.write_sav(
        pdf, str(paths["sav"]), column_labels=column_labels, variable_value_labels=value_labels
    )
    paths["zsav"] = out / "enquete_test.zsav"
    pyreadstat.write_sav(
        pdf,
        str(paths["zsav"]),
        column_labels=column_labels,
        variable_value_labels=value_labels,
        compress=True,
    )
    paths["dta"] = out / "enquete_test.dta"
    pyreadstat.write_dta(
        pdf, str(paths["dta"]), column_labels=column_labels, variable_value_labels=value_labels
    )
    # Formats without value labels get the codebook CSV beside them.
    for sub in ("xpt", "parquet", "xlsx"):
        (out / sub).mkdir()
        paths[sub] = out / sub / f"enquete_test.{sub}"
        shutil.copy(CODEBOOK, out / sub / CODEBOOK.name)
    pyreadstat.write_xport(
        pdf, str(paths["xpt"]), column_labels=column_labels, table_name="ENQUETE"
    )
    df.write_parquet(paths["parquet"])
    xlsx_rows = [
        tuple(
            int(v) if isinstance(v, float) and v.is_integer() and c != "poids" else v
            for c, v in zip(COLUMNS, row, strict=True)
        )
        for row in ROWS
    ]
    write_xlsx(paths["xlsx"], COLUMNS, xlsx_rows)
    return paths


@pytest.mark.parametrize("fmt", ["sav", "zsav", "dta", "xpt", "parquet", "xlsx"])
def test_binary_formats_give_the_same_tables(fmt: str, binary_fixtures: dict[str, Path]) -> None:
    res = load_result(binary_fixtures[fmt])
    # Excel rows are numbered like the sheet (header = 1); records of other files from 1.
    check_result(res, first_line=2 if fmt == "xlsx" else 1)
    assert res.table == "enquete_test"


def test_sav_codebook_comes_from_the_file_labels(binary_fixtures: dict[str, Path]) -> None:
    res = load_result(binary_fixtures["sav"])
    assert res.sources == ("enquete_test.sav",)  # no dictionary beside: labels from the .sav
    cb = res.extra["enquete_test_dictionnaire"]
    sat = cb.filter(pl.col("variable") == "satisfaction").row(0, named=True)
    assert sat["libelle"] == "Satisfaction à l'égard de l'enseignement à distance"
    assert sat["modalites"][3] == {"code": 4, "libelle": "Pas du tout satisfait"}
    # Rejects from a binary file: values as text, codes without ".0".
    r10 = res.rejects.filter(pl.col("id") == "R10").row(0, named=True)
    assert (r10["poids"], r10["sexe"], r10["_ligne"]) == ("-3", "9", 10)


def test_codebook_file_wins_over_embedded_labels(
    binary_fixtures: dict[str, Path], tmp_path: Path
) -> None:
    sav = tmp_path / "enquete_test.sav"
    shutil.copy(binary_fixtures["sav"], sav)
    (tmp_path / "enquete_test_dictionnaire.csv").write_text(
        "variable;libelle;type;modalites\nsexe;Sexe déclaré;;1 = F | 2 = G | 9 = Autre\n"
        "commentaire;;;\n",
        encoding="utf-8",
    )
    res = load_result(sav)
    assert res.sources == ("enquete_test.sav", "enquete_test_dictionnaire.csv")
    cb = {r["variable"]: r for r in res.extra["enquete_test_dictionnaire"].iter_rows(named=True)}
    assert cb["sexe"]["libelle"] == "Sexe déclaré"
    assert [m["code"] for m in cb["sexe"]["modalites"]] == [1, 2, 9]
    assert cb["commentaire"]["libelle"] == "Commentaire libre"  # empty cell: .sav label kept
    # Code 9 is now labelled: R10 is rejected for its weight only.
    reasons = dict(res.rejects.select("id", "_motif").iter_rows())
    assert reasons["R10"] == "poids ≤ 0 ou manquant"


def test_column_order_does_not_matter(binary_fixtures: dict[str, Path], tmp_path: Path) -> None:
    shuffled = tmp_path / "enquete_test.parquet"
    order = ["heures", "poids", "commentaire", "uai", "id", "age", "fpc", "strate", "sexe", "satisfaction"]  # fmt: skip
    pl.read_parquet(binary_fixtures["parquet"]).select(order).write_parquet(shuffled)
    shutil.copy(CODEBOOK, tmp_path / CODEBOOK.name)
    res = load_result(shuffled)
    assert res.data.columns == order
    assert_frame_equal(res.data, EXPECTED.select(order))
    assert res.rejects["_motif"].to_list() == [r for _, _, r in EXPECTED_REJECTS]


# --------------------------------------------------------------------------- the design: fpc


def _design_csv(tmp_path: Path, fpc: list[str], name: str = "plan.csv") -> Path:
    path = tmp_path / name
    units = [("S1", "U1"), ("S1", "U2"), ("S1", "U3"), ("S2", "U4"), ("S2", "U5")]
    lines = ["id;strate;uai;poids;fpc"] + [
        f"r{i};{s};{u};2;{f}" for i, ((s, u), f) in enumerate(zip(units, fpc, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fpc", "message"),
    [
        (
            ["2", "2", "2", "9", "9"],
            r"^plan\.csv \(ligne 2, colonne « fpc »\) : plan de sondage incohérent : fpc = 2 < 3 "
            r"unités primaires tirées dans la strate « S1 »$",
        ),
        (
            ["5", "5", "5", "0", "0"],
            r"^plan\.csv \(ligne 5, colonne « fpc »\) : plan de sondage : fpc ≤ 0 \(0\) dans la "
            r"strate « S2 »$",
        ),
        (
            ["5", "5", "6", "9", "9"],
            r"\(ligne 2, colonne « fpc »\) : plan de sondage : fpc non constant dans la strate "
            r"« S1 » \(5 et 6\)$",
        ),
        (
            ["5", "5", "5", "", "9"],
            r"\(ligne 5, colonne « fpc »\) : plan de sondage : fpc manquant alors qu'il est "
            r"renseigné sur d'autres lignes$",
        ),
        (
            ["5", "5", "cinq", "9", "9"],
            r"\(ligne 4, colonne « fpc »\) : plan de sondage : fpc non numérique « cinq »$",
        ),
        (
            ["0,5", "0,5", "0,5", "1", "1"],
            r"fpc = 0,5 < 3 unités primaires tirées dans la strate « S1 » \(fpc doit être "
            r"l'effectif N_h de la strate, pas un taux de sondage\)$",
        ),
    ],
)
def test_incoherent_fpc_is_a_file_level_error(tmp_path: Path, fpc: list[str], message: str) -> None:
    path = _design_csv(tmp_path, fpc)
    with pytest.raises(LoadError, match=message):
        load_result(path)


def test_coherent_or_absent_fpc_loads(tmp_path: Path) -> None:
    res = load_result(_design_csv(tmp_path, ["3", "3", "3", "40", "40"]))
    assert res.data["fpc"].to_list() == [3.0, 3.0, 3.0, 40.0, 40.0]
    res = load_result(_design_csv(tmp_path, ["", "", "", "", ""], "sans_fpc.csv"))
    assert res.data["fpc"].null_count() == 5 and res.rejects.is_empty()


# --------------------------------------------------------------------------- unreadable inputs


NOISE = random.Random(2020).randbytes(2048)  # seeded: the same tests on every xdist worker


def _assert_one_line(exc: pytest.ExceptionInfo[LoadError], name: str) -> None:
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    assert text.startswith(f"{name} ")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", r"^vide\.csv : fichier vide$"),
        ("vide.sav", b"", r"^vide\.sav : fichier vide$"),
        ("bruit.sav", NOISE, r"^bruit\.sav : fichier SPSS illisible ou tronqué \("),
        ("bruit.dta", NOISE, r"^bruit\.dta : fichier Stata illisible ou tronqué \("),
        ("bruit.xpt", NOISE, r"^bruit\.xpt : fichier SAS transport \(XPT\) illisible"),
        ("bruit.sas7bdat", NOISE, r"^bruit\.sas7bdat : fichier SAS illisible"),
        ("bruit.parquet", NOISE, r"^bruit\.parquet : fichier Parquet illisible \("),
        ("bruit.xlsx", NOISE, r"^bruit\.xlsx : classeur Excel illisible \("),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", r"fichier binaire"),
        ("donnees.json", b"{}", r"^donnees\.json : format non reconnu \(\.json\)"),
        ("donnees.gz", b"x", r"format non reconnu \(\.gz\)"),
        (
            "sans_poids.csv",
            b"id;strate;uai;note\n1;S;U;2\n",
            r"^sans_poids\.csv \(ligne 1\) : colonne\(s\) attendue\(s\) absente\(s\) : poids "
            r"\(trouvées : id, strate, uai, note\)$",
        ),
        (
            "x_dictionnaire.csv",
            CODEBOOK.read_bytes(),
            r"c'est un dictionnaire des variables, pas un fichier de microdonnées",
        ),
    ],
)
def test_unreadable_inputs_give_one_clear_line(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message) as exc:
        load_result(path)
    _assert_one_line(exc, name)


def test_truncated_and_bad_binary_files(binary_fixtures: dict[str, Path], tmp_path: Path) -> None:
    for fmt in ("sav", "dta", "parquet", "xlsx"):
        data = binary_fixtures[fmt].read_bytes()
        cut = tmp_path / f"tronque.{fmt}"
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(LoadError, match="illisible") as exc:
            load_result(cut)
        _assert_one_line(exc, cut.name)
    no_weight = tmp_path / "sans_poids.parquet"
    pl.read_parquet(binary_fixtures["parquet"]).drop("poids").write_parquet(no_weight)
    with pytest.raises(
        LoadError, match=r"^sans_poids\.parquet : colonne\(s\) attendue\(s\) absente\(s\) : poids"
    ):
        load_result(no_weight)
    with pytest.raises(LoadError, match=r"^absent\.sav : fichier introuvable$"):
        load_result(tmp_path / "absent.sav")


@pytest.mark.parametrize(
    ("codebook", "message"),
    [
        (
            "variable;libelle;type;modalites\nsexe;Sexe;catégorielle;1 = F | deux = G\n",
            r"^cb\.csv \(ligne 2, colonne « modalites »\) : modalité mal formée « deux = G »",
        ),
        (
            "variable;libelle;type;modalites\nsexe;Sexe;booléen;\n",
            r"^cb\.csv \(ligne 2, colonne « type »\) : type inconnu « booléen »",
        ),
        (
            "variable;libelle\nsexe;Sexe\nSEXE;Sexe\n",
            r"^cb\.csv \(ligne 3, colonne « variable »\) : variable en double « sexe »$",
        ),
        (
            "variable;libelle;type;modalites\nsexe;Sexe;;1 = F | 1 = G\n",
            r"^cb\.csv \(ligne 2, colonne « modalites »\) : code 1 en double pour la variable",
        ),
        ("nom_de_var;libelle\nsexe;Sexe\n", r"^cb\.csv \(ligne 1\) : dictionnaire des variables"),
    ],
)
def test_malformed_codebook(tmp_path: Path, codebook: str, message: str) -> None:
    cb = tmp_path / "cb.csv"
    cb.write_text(codebook, encoding="utf-8")
    with pytest.raises(LoadError, match=message):
        load_result(CSV, codebook=cb)
    with pytest.raises(LoadError, match=r"^absent\.csv : dictionnaire des variables introuvable$"):
        load_result(CSV, codebook=tmp_path / "absent.csv")


def test_random_bytes_never_give_a_raw_traceback(tmp_path: Path) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    suffixes = [".csv", ".sav", ".zsav", ".dta", ".xpt", ".sas7bdat", ".parquet", ".xlsx", ".txt"]

    @hypothesis.settings(max_examples=60, deadline=None, database=None)
    @hypothesis.given(data=st.binary(max_size=600), suffix=st.sampled_from(suffixes))
    def run(data: bytes, suffix: str) -> None:
        path = tmp_path / f"hasard{suffix}"
        path.write_bytes(data)
        try:
            res = load_result(path)
        except LoadError as exc:
            assert "\n" not in str(exc)
        else:  # improbable, but then the invariant must hold
            assert res.rows_read == res.data.height + res.rejects.height

    run()


# --------------------------------------------------------------------------- embedded surveys


@pytest.mark.integration
def test_generated_surveys_csv_and_sav_agree(tmp_path: Path) -> None:
    from egn_analytics.synth.etablissements import make_etablissements
    from egn_analytics.synth.survey import POPULATIONS, write_surveys

    write_surveys(make_etablissements(2020, 0.02), tmp_path, 2020, 0.02)
    folder = tmp_path / "enquetes"
    sav_only = tmp_path / "sav_seul"  # no dictionary beside: the codebook from the .sav alone
    sav_only.mkdir()
    for pop in POPULATIONS:
        stem = f"depp_continuite_2020_{pop.key}_SYNTHETIQUE"
        shutil.copy(folder / f"{stem}.sav", sav_only)
        from_csv = load_result(folder / f"{stem}.csv")
        from_sav = load_result(sav_only / f"{stem}.sav")
        table = f"enquete_{pop.key}"
        assert from_csv.table == from_sav.table == table
        assert from_csv.sources == (f"{stem}.csv", f"{stem}_dictionnaire.csv")
        assert from_sav.sources == (f"{stem}.sav",)
        assert from_csv.rejects.height == 0 and from_sav.rejects.height == 0
        assert from_csv.data.height == from_csv.rows_read > 0
        # Identical tables; the CSV writer rounds weights to 6 decimals.
        assert_frame_equal(from_csv.data.drop("poids"), from_sav.data.drop("poids"))
        assert_frame_equal(
            from_csv.data.select("poids"), from_sav.data.select("poids"), abs_tol=5e-7
        )
        cb_csv = from_csv.extra[f"{table}_dictionnaire"]
        assert_frame_equal(cb_csv, from_sav.extra[f"{table}_dictionnaire"])
        assert cb_csv["variable"].to_list() == from_csv.data.columns
        kinds = dict(cb_csv.select("variable", "type").iter_rows())
        for item in pop.items:
            assert kinds[item.name] == ("numérique" if item.values is None else "catégorielle")
            expected = pl.Int64 if item.values is not None else from_csv.data.schema[item.name]
            assert from_csv.data.schema[item.name] == expected
        assert from_csv.data.schema["strate"] == pl.String
        assert from_csv.data.schema["fpc"] == pl.Float64
