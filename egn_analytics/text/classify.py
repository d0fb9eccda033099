"""Classify contributions into the EGN's 5 themes and 40 propositions, traceably.

Why this design: the ministry classified ~30,000 contributions into its plan with automatic
analysis checked by linguists. A DEPP analyst needs the same, offline, with scores she can read
and a flag on the texts a person should check. Two channels are fused:

* **Seed channel** (always on, no training): each proposition is described by its own wording
  (libellé, axe, theme) and a seed lexicon written by the team (``_data/lexique_propositions.csv``,
  a few expressions per proposition, editable by the user). A text's similarity to each
  description is the cosine of their tf-idf vectors on normalised lemmas (unigrams and
  bigrams, idf learnt on the 40 descriptions, so a text's score never depends on the batch
  it comes in). Similarities become a distribution over propositions with a softmax.
* **Learnt channel** (after :meth:`TextClassifier.fit` on labelled examples): logistic
  regressions on tf-idf features, one multinomial model for the theme and one binary model per
  proposition (multi-label). The learnt probabilities are averaged with the seed scores
  (``learnt_weight``), so a proposition never seen in the examples can still be found.

Long texts are classified per segment (~60 words, whole sentences) as well as whole: the theme
averages the segments (weighted by their words), and a proposition keeps its best score across
the whole text and its segments, so a synthesis that touches ten propositions lists them.

Output contract (:func:`classify`, :meth:`TextClassifier.predict`): one row per text in input
order with ``theme`` (1–5, null when « non classé » below ``theme_threshold``), ``theme_score``,
``theme_2`` / ``theme_2_score`` (the runner-up), ``a_verifier`` (the two are within
``review_margin``, or the text is not classified), ``propositions`` (list of numbers 1–40, best
first) and their ``scores``.

Transverse propositions: 39 (tiers lieux) counts for theme 3 and 40 (offre française) for
theme 5 (:data:`TRANSVERSE_THEME`), an editorial choice the ground truth of the synthetic
corpus shares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import polars as pl

from egn_analytics.reference import propositions as reference_propositions
from egn_analytics.reference import themes as reference_themes
from egn_analytics.text.normalise import normalise, segments

#: Theme that a transverse proposition counts for.
TRANSVERSE_THEME: dict[int, int] = {39: 3, 40: 5}
N_THEMES = 5
N_PROPOSITIONS = 40

CLASSIFICATION_SCHEMA = pl.Schema(
    {
        "theme": pl.Int8(),
        "theme_score": pl.Float64(),
        "theme_2": pl.Int8(),
        "theme_2_score": pl.Float64(),
        "a_verifier": pl.Boolean(),
        "propositions": pl.List(pl.Int8()),
        "scores": pl.List(pl.Float64()),
    }
)


@cache
def lexicon() -> pl.DataFrame:
    """The seed lexicon: ``numero`` (1–40) and ``termes`` (list of French expressions)."""
    raw = files("egn_analytics.text").joinpath("_data/lexique_propositions.csv").read_bytes()
    table = pl.read_csv(raw, separator=";", schema={"numero": pl.Int8, "termes": pl.String})
    return table.with_columns(pl.col("termes").str.split("|"))


def proposition_themes() -> np.ndarray:
    """Theme (1–5) of each proposition 1–40, transverse ones per :data:`TRANSVERSE_THEME`."""
    props = reference_propositions().sort("numero")
    themes = props.select(
        pl.when(pl.col("transverse"))
        .then(pl.col("numero").replace_strict(TRANSVERSE_THEME, default=None))
        .otherwise(pl.col("theme"))
    ).to_series()
    return themes.cast(pl.Int64).to_numpy()


def descriptions(extra_lexicon: pl.DataFrame | None = None) -> pl.DataFrame:
    """The text describing each proposition for the seed channel: wording, axe, theme, lexicon.

    The lexicon is repeated twice so that its expressions weigh as much as the official
    wording, which is abstract (« Mettre en œuvre le référentiel... »).
    """
    lex = lexicon() if extra_lexicon is None else extra_lexicon
    theme_labels = reference_themes().select(
        pl.col("theme").cast(pl.Int64), pl.col("libelle").alias("libelle_theme")
    )
    props = (
        reference_propositions()
        .sort("numero")
        .with_columns(pl.Series("theme_classe", proposition_themes()))
        .join(theme_labels, left_on="theme_classe", right_on="theme", how="left")
        .join(lex.with_columns(pl.col("numero").cast(pl.Int8)), on="numero", how="left")
    )
    lexicon_text = pl.col("termes").list.join(" . ").fill_null("")
    return props.select(
        pl.col("numero").cast(pl.Int64),
        pl.col("theme_classe").alias("theme"),
        pl.concat_str(
            [pl.col("libelle"), pl.col("axe"), pl.col("libelle_theme"), lexicon_text, lexicon_text],
            separator=" . ",
        ).alias("description"),
    )


def _softmax(x: np.ndarray, temperature: float) -> np.ndarray:
    z = x / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix, dtype=np.float64), where=norms > 0)


def _vectorizer(min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=min_df,
        dtype=np.float64,
    )


@dataclass
class TextClassifier:
    """Theme and proposition classifier: seed channel, plus a learnt one after :meth:`fit`.

    Parameters are the decision rules a reviewer may want to move: ``theme_threshold`` (below
    it the text is « non classé »), ``review_margin`` (top two themes closer than this are
    flagged « à vérifier »), ``proposition_threshold`` (minimum fused score of a listed
    proposition, besides the best one) and ``max_propositions``.
    """

    theme_threshold: float = 0.30
    review_margin: float = 0.15
    proposition_threshold: float = 0.30
    relative_threshold: float = 0.5
    max_propositions: int = 4
    temperature: float = 0.05
    learnt_weight: float = 0.8
    segment_words: int = 60
    long_text_words: int = 120
    lexicon_table: pl.DataFrame | None = None
    embedder: Callable[[list[str]], np.ndarray] | None = None
    embedding_weight: float = 0.2
    embedding_temperature: float = 0.05
    _seed: Any = field(default=None, init=False, repr=False)
    _seed_matrix: Any = field(default=None, init=False, repr=False)
    _learnt: dict[str, Any] | None = field(default=None, init=False, repr=False)
    n_examples: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        desc = descriptions(self.lexicon_table)
        normalised = normalise(desc.get_column("description")).to_list()
        self._seed = _vectorizer(min_df=1)
        self._seed_matrix = self._seed.fit_transform(normalised)
        self._desc_embeddings = (
            None
            if self.embedder is None
            else _unit(self.embedder(desc.get_column("description").to_list()))
        )
        self._prop_theme = desc.get_column("theme").to_numpy()
        self._theme_map = np.zeros((N_PROPOSITIONS, N_THEMES))
        self._theme_map[np.arange(N_PROPOSITIONS), self._prop_theme - 1] = 1.0

    @property
    def fitted(self) -> bool:
        """Whether labelled examples were learnt (the learnt channel is on)."""
        return self._learnt is not None

    # ---- learning ---------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str | None] | pl.Series,
        propositions: Sequence[Sequence[int]] | pl.Series,
        themes: Sequence[int | None] | pl.Series | None = None,
    ) -> TextClassifier:
        """Learn from labelled texts: their propositions (main one first) and, if given, themes.

        Without ``themes`` a text's theme is its first proposition's. Raises a French
        ``ValueError`` on unknown proposition numbers or mismatched lengths.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        text_list = list(texts)
        prop_lists = [list(p) if p is not None else [] for p in propositions]
        if len(text_list) != len(prop_lists):
            raise ValueError("fit : autant de listes de propositions que de textes sont attendues")
        flat = {int(p) for ps in prop_lists for p in ps}
        bad = sorted(flat - set(range(1, N_PROPOSITIONS + 1)))
        if bad:
            raise ValueError(f"fit : numéro(s) de proposition inconnu(s) : {bad}")
        if themes is None:
            theme_list = [int(self._prop_theme[ps[0] - 1]) if ps else None for ps in prop_lists]
        else:
            theme_list = [None if t is None else int(t) for t in themes]
            if len(theme_list) != len(text_list):
                raise ValueError("fit : autant de thèmes que de textes sont attendus")
            bad_themes = sorted({t for t in theme_list if t is not None} - set(range(1, 6)))
            if bad_themes:
                raise ValueError(f"fit : thème(s) inconnu(s) : {bad_themes} (1 à 5 attendus)")
        keep = [i for i, (ps, t) in enumerate(zip(prop_lists, theme_list, strict=True)) if ps and t]
        if len(keep) < 10:
            raise ValueError("fit : il faut au moins 10 textes étiquetés")
        normalised = normalise([text_list[i] for i in keep]).to_list()
        vec = _vectorizer(min_df=2)
        try:
            x = vec.fit_transform(normalised)
        except ValueError as exc:  # sklearn: « After pruning, no terms remain »
            raise ValueError(
                "fit : aucun terme n'apparaît dans au moins deux textes étiquetés ; "
                "il faut des exemples plus nombreux ou plus longs"
            ) from exc
        y_theme = np.array([theme_list[i] for i in keep], dtype=np.int64)
        lengths = np.array([len(prop_lists[i]) for i in keep])
        y_props = np.zeros((len(keep), N_PROPOSITIONS), dtype=np.int8)
        values = np.concatenate([np.asarray(prop_lists[i], dtype=np.int64) for i in keep])
        y_props[np.repeat(np.arange(len(keep)), lengths), values - 1] = 1
        learnt: dict[str, Any] = {"vectorizer": vec}
        # liblinear (one-vs-rest, dual coordinate descent) converges in a fraction of a second on
        # sparse tf-idf, where lbfgs iterated for seconds on small separable sets. A label that
        # every example has (or none) teaches nothing: its probability stays constant.
        classes = np.unique(y_theme)
        if len(classes) > 1:
            learnt["theme_model"] = OneVsRestClassifier(
                LogisticRegression(C=10.0, solver="liblinear", random_state=0), n_jobs=1
            ).fit(x, y_theme)
        learnt["theme_constant"] = np.bincount(y_theme - 1, minlength=N_THEMES) / len(y_theme)
        counts = y_props.sum(axis=0)
        both = (counts > 0) & (counts < len(keep))
        learnt["prop_columns"] = np.flatnonzero(both)
        learnt["prop_constant"] = (counts == len(keep)).astype(np.float64)
        if both.any():
            learnt["prop_model"] = OneVsRestClassifier(
                LogisticRegression(
                    C=10.0, solver="liblinear", class_weight="balanced", random_state=0
                ),
                n_jobs=1,
            ).fit(x, y_props[:, both])
        self._learnt = learnt
        self.n_examples = len(keep)
        return self

    # ---- scoring ----------------------------------------------------------------------------
    def _scores(self, raw: list[str], normalised: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Fused theme (n × 5) and proposition (n × 40) scores of texts (raw and normalised)."""
        x_seed = self._seed.transform(normalised)
        sims = np.asarray((x_seed @ self._seed_matrix.T).todense())
        seed_props = _softmax(sims, self.temperature)
        if self.embedder is not None and self._desc_embeddings is not None and raw:
            # Optional embedding channel: similarity of the raw text to each description.
            emb = _unit(np.asarray(self.embedder(raw), dtype=np.float64))
            emb_props = _softmax(emb @ self._desc_embeddings.T, self.embedding_temperature)
            a = self.embedding_weight
            seed_props = (1 - a) * seed_props + a * emb_props
        seed_themes = seed_props @ self._theme_map
        # A text with no word of any description has uniform seed scores: say so with zeros.
        empty = (sims.max(axis=1) <= 0) & (self.embedder is None)
        # An empty text (after normalisation) says nothing, whatever the channels.
        empty |= pl.Series(normalised, dtype=pl.String).str.len_chars().eq(0).to_numpy()
        seed_props[empty] = 0.0
        seed_themes[empty] = 0.0
        # Seed proposition scores on the theme scale: the best proposition gets its theme's score.
        top = seed_props.max(axis=1, keepdims=True)
        seed_rel = np.divide(seed_props, top, out=np.zeros_like(seed_props), where=top > 0)
        seed_prop_scores = seed_rel * seed_themes.max(axis=1, keepdims=True)
        if self._learnt is None:
            return seed_themes, seed_prop_scores
        learnt = self._learnt
        x = learnt["vectorizer"].transform(normalised)
        n = len(normalised)
        theme_proba = np.tile(learnt["theme_constant"], (n, 1))
        if "theme_model" in learnt:
            model = learnt["theme_model"]
            theme_proba[:] = 0.0
            theme_proba[:, model.classes_.astype(np.int64) - 1] = model.predict_proba(x)
        prop_proba = np.tile(learnt["prop_constant"], (n, 1))
        if "prop_model" in learnt:
            prop_proba[:, learnt["prop_columns"]] = learnt["prop_model"].predict_proba(x)
        w = self.learnt_weight
        themes = w * theme_proba + (1 - w) * seed_themes
        props = w * prop_proba + (1 - w) * seed_prop_scores
        # A text with no word the model learnt nor any word of a description (« RAS », « ok »,
        # an empty answer) has only the model's prior to go on: leave it « non classé ».
        unknown = (x.getnnz(axis=1) == 0) & (sims.max(axis=1) <= 0)
        themes[unknown] = 0.0
        props[unknown] = 0.0
        return themes, props

    def scores(self, texts: Sequence[str | None] | pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Theme (n × 5) and proposition (n × 40) scores, with long texts read per segment."""
        theme_s, prop_s, _ = self._segmented_scores(texts)
        return theme_s, prop_s

    def _segmented_scores(
        self, texts: Sequence[str | None] | pl.Series
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`scores` plus the number of segments read in each text (1 for short ones)."""
        series = pl.Series("texte", list(texts), dtype=pl.String).fill_null("")
        n = len(series)
        if n == 0:
            return np.zeros((0, N_THEMES)), np.zeros((0, N_PROPOSITIONS)), np.zeros(0, np.int64)
        frame = pl.DataFrame({"id": np.arange(n, dtype=np.int64), "texte": series})
        words = series.str.count_matches(r"\S+").to_numpy()
        theme_s, prop_s = self._scores(series.to_list(), normalise(series).to_list())
        long_ids = np.flatnonzero(words > self.long_text_words)
        n_segments = np.ones(n, dtype=np.int64)
        if len(long_ids):
            segs = segments(
                frame.filter(pl.col("id").is_in(long_ids)), target_words=self.segment_words
            )
            seg_texts = segs.get_column("texte")
            seg_theme, seg_prop = self._scores(seg_texts.to_list(), normalise(seg_texts).to_list())
            doc = segs.get_column("id").to_numpy()
            n_segments[long_ids] = np.bincount(doc, minlength=n)[long_ids]
            weight = segs.get_column("n_mots").to_numpy().astype(np.float64)
            total = np.bincount(doc, weights=weight, minlength=n)
            for k in range(N_THEMES):
                mean_k = np.bincount(doc, weights=weight * seg_theme[:, k], minlength=n)
                theme_s[long_ids, k] = 0.5 * theme_s[long_ids, k] + 0.5 * (
                    mean_k[long_ids] / total[long_ids]
                )
            best = np.zeros((n, N_PROPOSITIONS))
            np.maximum.at(best, doc, seg_prop)
            prop_s[long_ids] = np.maximum(prop_s[long_ids], best[long_ids])
        return theme_s, prop_s, n_segments

    def predict(self, texts: Sequence[str | None] | pl.Series) -> pl.DataFrame:
        """One row per text, in input order: :data:`CLASSIFICATION_SCHEMA`."""
        theme_s, prop_s, n_segments = self._segmented_scores(texts)
        n = theme_s.shape[0]
        if n == 0:
            return pl.DataFrame(schema=CLASSIFICATION_SCHEMA)
        order = np.argsort(-theme_s, axis=1, kind="stable")
        rows = np.arange(n)
        first, second = order[:, 0], order[:, 1]
        s1, s2 = theme_s[rows, first], theme_s[rows, second]
        classified = s1 >= self.theme_threshold
        prop_order = np.argsort(-prop_s, axis=1, kind="stable")
        prop_sorted = np.take_along_axis(prop_s, prop_order, axis=1)
        floor = np.maximum(self.proposition_threshold, self.relative_threshold * prop_sorted[:, :1])
        # A long text may list one more proposition per extra segment (a synthesis covers many).
        limit = self.max_propositions + n_segments - 1
        keep = (prop_sorted >= floor) & (np.arange(N_PROPOSITIONS)[None, :] < limit[:, None])
        keep[:, 0] = prop_sorted[:, 0] > 0
        keep &= classified[:, None]
        rows_kept, ranks_kept = np.nonzero(keep)
        lists = (
            pl.DataFrame(
                {
                    "row": rows_kept.astype(np.int64),
                    "p": (prop_order[rows_kept, ranks_kept] + 1).astype(np.int8),
                    "s": prop_sorted[rows_kept, ranks_kept],
                }
            )
            .group_by("row", maintain_order=True)
            .agg(pl.col("p").alias("propositions"), pl.col("s").alias("scores"))
        )
        all_rows = pl.DataFrame({"row": np.arange(n, dtype=np.int64)})
        lists = all_rows.join(lists, on="row", how="left", maintain_order="left").with_columns(
            pl.col("propositions").fill_null(pl.lit([], dtype=pl.List(pl.Int8))),
            pl.col("scores").fill_null(pl.lit([], dtype=pl.List(pl.Float64))),
        )
        props_col = lists.get_column("propositions")
        scores_col = lists.get_column("scores")
        return (
            pl.DataFrame(
                {
                    "theme": np.where(classified, first + 1, 0).astype(np.int8),
                    "theme_score": s1,
                    "theme_2": (second + 1).astype(np.int8),
                    "theme_2_score": s2,
                    "a_verifier": (~classified) | (s1 - s2 < self.review_margin),
                    "propositions": props_col,
                    "scores": scores_col,
                }
            )
            .with_columns(
                pl.when(pl.col("theme") == 0).then(None).otherwise(pl.col("theme")).alias("theme"),
                pl.when(pl.col("theme_2_score") > 0).then(pl.col("theme_2")).alias("theme_2"),
                pl.col("propositions").cast(pl.List(pl.Int8)),
                pl.col("scores").cast(pl.List(pl.Float64)),
            )
            .cast(CLASSIFICATION_SCHEMA)
        )


@cache
def _default_classifier() -> TextClassifier:
    return TextClassifier()


def classify(
    texts: Sequence[str | None] | pl.Series, *, classifier: TextClassifier | None = None
) -> pl.DataFrame:
    """Classify ``texts`` into themes and propositions: one row per text, in input order.

    Without ``classifier`` the seed channel alone is used (no training, the plan's own wording
    and the seed lexicon). Pass a :class:`TextClassifier` fitted on labelled examples to use
    them. Columns: :data:`CLASSIFICATION_SCHEMA`.
    """
    model = classifier if classifier is not None else _default_classifier()
    return model.predict(texts)
