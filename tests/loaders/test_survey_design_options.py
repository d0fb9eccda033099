"""A survey file that is not a DEPP file, read with a design declared as R's ``svydesign``.

The real NHANES II extract (Stata, value labels, PSUs numbered 1–2 inside each of 31 strata)
is read in place (``../shared`` beside the checkout), through the CLI, and its design rebuilt
from the written table must give R's numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics import cli
from egn_analytics.loaders._core import LoadError
from egn_analytics.loaders.registry import ingest
from egn_analytics.loaders.survey import DESIGN_KEY, design_from_table, load_result
from egn_analytics.survey import SurveyDesign, depp_design

REPO = Path(__file__).resolve().parents[2]
NHANES = REPO.parent / "shared" / "real-world" / "survey" / "nhanes2.dta"
DEPP_CSV = Path(__file__).parent / "fixtures" / "survey" / "enquete_test.csv"

# R 4 / survey, once, on the same file (read with haven, labels dropped):
#   d <- as.data.frame(lapply(haven::read_dta("nhanes2.dta"), function(x) as.vector(unclass(x))))
#   des <- svydesign(ids=~psu, strata=~strata, weights=~finalwgt, nest=TRUE, data=d)
#   svymean(~bpsystol + height, des); svymean(~factor(race), des)   # printed with digits=17
R_MEAN = {
    "bpsystol": (126.94578683144290, 0.60346198088765046),
    "height": (168.45988783280959, 0.14661029651033286),
}
R_RACE = {  # code: (share, SE)
    1: (0.879154450811874044, 0.016688981707340532),
    2: (0.095505919453923546, 0.012749097421634874),
    3: (0.025339629734202365, 0.010542288016842443),
}
TOL = 1e-12  # relative; measured: 2.2e-16 at most (estimates and SEs)


@pytest.fixture(scope="module")
def nhanes_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nhanes")
    args = ["ingest", "survey", str(NHANES), "--ids", "psu", "--strata", "strata"]
    args += ["--weights", "finalwgt", "--nest", "--out", str(out)]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert "10\u202f351" in result.output  # lignes lues, French thousands
    return out


def test_nhanes_table_keeps_the_file_columns_and_records_the_design(nhanes_out: Path) -> None:
    data = pl.read_parquet(nhanes_out / "enquete_nhanes2.parquet")
    assert data.height == 10_351
    assert data.width == 58  # every column, under its own name; nothing added
    assert data.columns[:3] == ["sampl", "strata", "psu"]
    assert {"poids", "strate", "uai", "fpc"}.isdisjoint(data.columns)
    assert data.schema["finalwgt"] == pl.Float64
    assert data.schema["psu"] == pl.String  # an identifier, as DEPP's uai
    assert data.schema["bpsystol"] == pl.Int64
    assert data.schema["height"] == pl.Float64
    meta = json.loads((nhanes_out / "enquete_nhanes2.meta.json").read_text(encoding="utf-8"))
    assert meta[DESIGN_KEY] == {
        "ids": ["psu"],
        "strata": ["strata"],
        "weights": "finalwgt",
        "fpc": [],
        "nest": True,
    }
    assert (meta["lignes_lues"], meta["acceptees"], meta["rejetees"]) == (10_351, 10_351, 0)
    book = pl.read_parquet(nhanes_out / "enquete_nhanes2_dictionnaire.parquet")
    race = book.filter(pl.col("variable") == "race").row(0, named=True)
    assert race["type"] == "catégorielle"
    assert race["libelle"] == "1=white, 2=black, 3=other"
    assert race["modalites"] == [
        {"code": 1, "libelle": "White"},
        {"code": 2, "libelle": "Black"},
        {"code": 3, "libelle": "Other"},
    ]
    labelled = book.filter(pl.col("modalites").is_not_null())["variable"].to_list()
    assert labelled == ["region", "sex", "race", "agegrp", "highlead"]


def test_nhanes_design_rebuilt_from_the_table_gives_r_numbers(nhanes_out: Path) -> None:
    design = design_from_table(nhanes_out / "enquete_nhanes2.parquet")
    means = design.mean(["bpsystol", "height"])
    for row in means.iter_rows(named=True):
        est, se = R_MEAN[row["variable"]]
        assert row["estimate"] == pytest.approx(est, rel=TOL)
        assert row["se"] == pytest.approx(se, rel=TOL)
    shares = design.proportion("race")
    assert shares["level_label"].to_list() == ["White", "Black", "Other"]
    for row in shares.iter_rows(named=True):
        est, se = R_RACE[int(row["level"])]
        assert row["estimate"] == pytest.approx(est, rel=TOL)
        assert row["se"] == pytest.approx(se, rel=TOL)


def test_missing_declared_column_is_one_line_naming_it_and_the_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as exc:
        load_result(NHANES, ids="psu", strata="strata", weights="poids_final", nest=True)
    assert str(exc.value) == "nhanes2.dta : colonne « poids_final » (--weights) absente"
    args = ["ingest", "survey", str(NHANES), "--ids", "psu", "--strata", "strates"]
    result = CliRunner().invoke(cli.app, [*args, "--weights", "finalwgt", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "nhanes2.dta : colonne « strates » (--strata) absente" in result.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_psu_ids_repeated_across_strata_need_nest() -> None:
    with pytest.raises(LoadError, match=r"non emboîtées.*« psu » = « 1 ».*--nest") as exc:
        load_result(NHANES, ids="psu", strata="strata", weights="finalwgt")
    assert exc.value.column == "psu"


CSV = (
    "Reg;Ecole;W;Nh;q;Note\n"
    "A;1;10;5;1;2,5\n"
    "A;2;10;5;2;3\n"
    "A;2;0;5;1;4\n"  # zero weight: kept, as R keeps it
    "B;1;20;4;1;1\n"
    "B;2;-1;4;2;2\n"  # negative weight: rejected
    "B;;20;4;1;1\n"  # no PSU: rejected
    "B;3;20;4;2;5\n"
    "B;3;x;4;1;6\n"  # weight not a number: rejected
)


def _csv(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "autre_plan.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_declared_design_on_a_csv_keeps_columns_and_rejects_bad_design_rows(
    tmp_path: Path,
) -> None:
    res = load_result(_csv(tmp_path), ids="ecole", strata="reg", weights="w", fpc="nh", nest=True)
    assert res.data.columns == ["reg", "ecole", "w", "nh", "q", "note"]
    assert res.data.schema["w"] == pl.Float64
    assert res.data["w"].to_list() == [10.0, 10.0, 0.0, 20.0, 20.0]
    assert res.rejects.select("_ligne", "_motif").rows() == [
        (6, "poids < 0 ou manquant (w)"),
        (7, "valeur manquante (ecole)"),
        (9, "type invalide (w)"),
    ]
    assert res.summary()[DESIGN_KEY]["fpc"] == ["nh"]
    # Without nest, school 1 of A and school 1 of B would be one PSU: refused, as in R.
    with pytest.raises(LoadError, match="--nest"):
        load_result(_csv(tmp_path), ids="ecole", strata="reg", weights="w", fpc="nh")


def test_design_from_table_equals_the_design_built_by_hand(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest("survey", _csv(tmp_path), out, ids=["ecole"], strata=["reg"], weights="w", fpc=["nh"],
           nest=True)  # fmt: skip
    table = pl.read_parquet(out / "enquete_autre_plan.parquet")
    by_hand = SurveyDesign(table, ids="ecole", strata="reg", weights="w", fpc="nh")
    rebuilt = design_from_table(out / "enquete_autre_plan.parquet")
    assert rebuilt.mean("note").equals(by_hand.mean("note"))


def test_an_incoherent_declared_design_is_refused_before_writing(tmp_path: Path) -> None:
    text = CSV.replace("A;2;10;5;2;3", "A;2;10;6;2;3")  # fpc varies in stratum A
    with pytest.raises(LoadError, match=r"autre_plan.csv : plan de sondage déclaré invalide.*nh"):
        load_result(_csv(tmp_path, text), ids="ecole", strata="reg", weights="w", fpc="nh",
                    nest=True)  # fmt: skip


def test_ids_one_means_every_row_is_a_psu(tmp_path: Path) -> None:
    res = load_result(_csv(tmp_path), ids="1", strata="reg", weights="w")
    assert res.summary()[DESIGN_KEY]["ids"] == []
    # ecole is no design column here: its missing value is an answer's, the row is kept.
    assert res.data.height == 6
    assert res.data["ecole"].null_count() == 1


def test_cli_design_options_need_ids_and_a_survey(tmp_path: Path) -> None:
    runner = CliRunner()
    alone = runner.invoke(
        cli.app,
        ["ingest", "survey", str(_csv(tmp_path)), "--strata", "reg", "--out", str(tmp_path)],
    )
    assert alone.exit_code == 2
    assert "donner --ids" in alone.output
    other = runner.invoke(
        cli.app, ["ingest", "calendar", str(_csv(tmp_path)), "--ids", "x", "--out", str(tmp_path)]
    )
    assert other.exit_code == 2
    assert "ne concernent que les enquêtes" in other.output


def test_depp_file_loads_as_before_and_rebuilds_with_depp_design(tmp_path: Path) -> None:
    summary = ingest("survey", DEPP_CSV, tmp_path)
    assert DESIGN_KEY not in summary  # no declared design: the DEPP columns, renamed as ever
    table = tmp_path / "enquete_test.parquet"
    data = pl.read_parquet(table)
    assert data.columns[:5] == ["id", "strate", "uai", "poids", "fpc"]
    codebook = pl.read_parquet(tmp_path / "enquete_test_dictionnaire.parquet")
    expected = depp_design(data, codebook=codebook).proportion("sexe")
    assert design_from_table(table).proportion("sexe").equals(expected)
