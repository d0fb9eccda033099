"""The one statistical secret: its rule, its vocabulary, and the mask applied again at display."""

from __future__ import annotations

import polars as pl

from egn_analytics import privacy
from egn_analytics.config import get_settings
from egn_analytics.survey import secret
from egn_analytics.viz.formats import NNBSP


def test_one_vocabulary() -> None:
    assert secret.STATUS_LABELS[secret.MASKED] == "masqué (secret statistique)"
    assert secret.SHORT_STATUS_LABELS == {
        "published": "publié",
        "fragile": "fragile",
        "masked": "masqué",
    }
    assert privacy.MASQUE == secret.MASKED_LABEL  # the count mask says « masqué » too
    assert secret.status_label("published") == "publié"
    assert secret.status_label("fragile") == f"fragile (CV > 20{NNBSP}%)"
    assert secret.status_label("à revoir") == "masqué (secret statistique)"
    assert secret.fragile_label(0.3) == f"fragile (CV > 30{NNBSP}%)"


def test_rule_read_once_from_the_settings() -> None:
    settings = get_settings()
    rule = secret.SecretRule.from_settings()
    assert (rule.min_respondents, rule.max_cv) == (
        settings.secret_min_respondents,
        settings.secret_max_cv,
    )


def test_count_mask_defaults_to_the_rule() -> None:
    threshold = secret.SecretRule.from_settings().min_respondents
    df = pl.DataFrame({"effectif": [threshold - 1, threshold], "taux": [0.5, 0.25]})
    out = privacy.mask_small_cells(df, "effectif")
    assert out["statut"].to_list() == ["masqué", "diffusable"]
    assert out["taux"].to_list() == [None, 0.25]


def test_mask_for_display_blanks_whatever_is_not_publishable() -> None:
    table = pl.DataFrame(
        {
            "domain": ["a", "b", "c", "d"],
            "estimate": [0.1, 0.2, 0.3, 0.4],
            "n": [100, 120, 5, 7],
            "lecture": ["x", "y", "z", "w"],
            "status": ["published", "fragile", "masked", None],
        }
    )
    shown = secret.mask_for_display(table)
    assert shown["status"].to_list() == ["published", "fragile", "masked", "masked"]
    assert shown["estimate"].to_list() == [0.1, 0.2, None, None]
    assert shown["n"].to_list() == [100, 120, None, None]
    assert shown["lecture"].to_list() == ["x", "y", None, None]
    assert shown["domain"].to_list() == ["a", "b", "c", "d"]
