"""French normalisation of contributions: tokens, lemmas, stop words, accents, domain terms.

Why this design: every text method of the package (classification, specificities, keywords,
co-occurrences, Reinert) reads the same normalised tokens, so a term means the same thing in
every table. The work is done column-wise in Polars (lower case, apostrophes, elisions, domain
expressions, tokenisation, stop words) and the lemmatiser runs once per *distinct* token, never
once per occurrence: a corpus of 30,000 contributions has ~20,000 distinct forms for millions
of tokens.

Choices, measured on this machine:

* **Lemmas from simplemma** (dictionary lemmatiser, MIT, offline, pure Python). spaCy 3.8 with
  ``fr_core_news_sm`` lemmatises better in context but needs a tagger pass per text: on 5,000
  contributions it took 27 s against 0.19 s here (``benchmarks/bench_text.py``), and the
  whole classification must stay under 30 s.
* **Domain terms kept whole** (``_data/termes_domaine.csv``): « Ma classe à la maison »,
  « espace numérique de travail » → ``ent``, « tiers-lieux », « continuité pédagogique »...
  become one token before tokenisation, and acronyms (ENT, PIX, CNED, RGPD, CLEMI, ONISEP)
  never go through the lemmatiser.
* **Accents folded after lemmatisation** (``fold_accents=True``): the lemmatiser needs the
  accents, but contributors often drop them (« eleve », « equipement »), so the final term is
  compared without accents. Folding keeps the column readable for a French analyst only
  approximately, so the tables for display use ``fold_accents=False``.
* **Elisions removed** (l', d', qu', jusqu'...), typographic apostrophes unified first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files

import polars as pl

#: Acronyms and names the lemmatiser must leave alone (lower case).
PROTECTED_TERMS: frozenset[str] = frozenset(
    {"ent", "pix", "cned", "rgpd", "clemi", "onisep", "egn", "visio", "canopé", "mooc", "tne"}
)

#: Elided function words removed before tokenisation (after apostrophes are unified).
_ELISION = r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)'"
#: A token: letters or digits (Unicode), with inner hyphens or underscores (domain terms).
_TOKEN = r"[\p{L}\p{N}]+(?:[-_][\p{L}\p{N}]+)*"
_APOSTROPHES = r"[’‘`´ʼ]"


def fold(text: str) -> str:
    """Lower-case ``text`` and drop its accents (« Élève » → « eleve », « œ » → « oe »)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def stop_words() -> frozenset[str]:
    """French stop words (forms and lemmas, accented and folded) from ``_data/mots_vides.txt``."""
    raw = files("egn_analytics.text").joinpath("_data/mots_vides.txt").read_text("utf-8")
    words = {line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(words | {fold(w) for w in words})


@cache
def domain_terms() -> pl.DataFrame:
    """Domain expressions kept as one token: ``expression`` (lower case) → ``terme``.

    Each expression is also matched without its accents, since contributors often drop them.
    Longer expressions come first so that « espaces numériques de travail » wins over shorter
    overlapping ones.
    """
    path = files("egn_analytics.text").joinpath("_data/termes_domaine.csv")
    table = pl.read_csv(
        path.read_bytes(), separator=";", schema={"expression": pl.String, "terme": pl.String}
    )
    folded = table.with_columns(pl.col("expression").map_elements(fold, return_dtype=pl.String))
    both = pl.concat([table, folded]).unique("expression", keep="first", maintain_order=True)
    return both.sort(pl.col("expression").str.len_chars(), descending=True)


def _prepare(texts: pl.Expr) -> pl.Expr:
    """Lower case, unified apostrophes, domain expressions joined, elisions removed."""
    expr = texts.fill_null("").str.to_lowercase().str.replace_all(_APOSTROPHES, "'")
    expr = expr.str.replace_all("aujourd'hui", "aujourdhui", literal=True)
    for expression, term in domain_terms().iter_rows():
        expr = expr.str.replace_all(r"\b" + re.escape(expression) + r"\b", term)
    return expr.str.replace_all(_ELISION, " ")


@cache
def _lemma(token: str) -> str:
    import simplemma

    if token in PROTECTED_TERMS or "_" in token or token.isdigit():
        return token
    if (
        len(token) > 4
        and token.endswith("s")
        and not token.endswith(("us", "ss", "is", "os", "as"))
        and not simplemma.is_known(token, lang="fr")
    ):
        # An unknown plural, often a word that lost its accents (« eleves »): drop the « s »
        # so that it meets its singular once folded.
        token = token[:-1]
    return str(simplemma.lemmatize(token, lang="fr")).lower()


def _lemma_table(forms: Iterable[str], fold_accents: bool) -> pl.DataFrame:
    """Distinct form → term (lemma, accents folded on request), stop words marked."""
    forms = list(forms)
    lemmas = [_lemma(f) for f in forms]
    terms = [fold(lemma) for lemma in lemmas] if fold_accents else lemmas
    stops = stop_words()
    keep = [
        f not in stops and lem not in stops and len(t) > 1 and not t.isdigit()
        for f, lem, t in zip(forms, lemmas, terms, strict=True)
    ]
    return pl.DataFrame(
        {"form": forms, "term": terms, "keep": keep},
        schema={"form": pl.String, "term": pl.String, "keep": pl.Boolean},
    )


def tokens_long(
    texts: pl.DataFrame | pl.LazyFrame,
    *,
    id_col: str = "id",
    text_col: str = "texte",
    lemmatise: bool = True,
    remove_stop_words: bool = True,
    fold_accents: bool = True,
) -> pl.DataFrame:
    """One row per kept token, in reading order: ``id_col``, ``position`` (0-based), ``form``, ``term``.

    This is the long table that :func:`~egn_analytics.text.term_counts`, the keywords and the
    co-occurrences read. ``position`` counts kept tokens only.
    """
    frame = texts.lazy().select(pl.col(id_col), _prepare(pl.col(text_col)).alias("_t"))
    exploded = (
        frame.select(pl.col(id_col), pl.col("_t").str.extract_all(_TOKEN).alias("form"))
        .explode("form")
        .drop_nulls("form")
        .collect()
    )
    forms = exploded.get_column("form").unique()
    if lemmatise:
        table = _lemma_table(forms.to_list(), fold_accents)
    else:
        stops = stop_words()
        values = forms.to_list()
        terms = [fold(v) for v in values] if fold_accents else values
        table = pl.DataFrame(
            {
                "form": values,
                "term": terms,
                "keep": [
                    v not in stops and len(t) > 1 and not t.isdigit()
                    for v, t in zip(values, terms, strict=True)
                ],
            },
            schema={"form": pl.String, "term": pl.String, "keep": pl.Boolean},
        )
    if not remove_stop_words:
        table = table.with_columns(keep=pl.col("term").str.len_chars() > 0)
    joined = exploded.join(table, on="form", how="left", maintain_order="left").filter(
        pl.col("keep")
    )
    return joined.select(
        pl.col(id_col),
        pl.int_range(pl.len()).over(id_col).cast(pl.Int64).alias("position"),
        pl.col("form"),
        pl.col("term"),
    )


def normalise(
    texts: Sequence[str | None] | pl.Series,
    *,
    lemmatise: bool = True,
    remove_stop_words: bool = True,
    fold_accents: bool = True,
) -> pl.Series:
    """Each text as its normalised terms joined by spaces, in input order (null → « »).

    >>> normalise(["Les élèves n'avaient pas d'ordinateur pour l'ENT"]).to_list()
    ['eleve avoir ordinateur ent']
    """
    series = pl.Series("texte", texts, dtype=pl.String)
    frame = pl.DataFrame({"_row": pl.int_range(len(series), eager=True), "texte": series})
    long = tokens_long(
        frame,
        id_col="_row",
        lemmatise=lemmatise,
        remove_stop_words=remove_stop_words,
        fold_accents=fold_accents,
    )
    joined = long.group_by("_row").agg(pl.col("term").str.join(" "))
    out = frame.select("_row").join(joined, on="_row", how="left", maintain_order="left")
    return out.get_column("term").fill_null("").alias("texte_normalise")


def segments(
    texts: pl.DataFrame | pl.LazyFrame,
    *,
    id_col: str = "id",
    text_col: str = "texte",
    target_words: int = 40,
) -> pl.DataFrame:
    """Cut texts into segments of about ``target_words`` words, at sentence ends.

    Why: a long synthesis speaks of many propositions, and Reinert's method classifies
    « segments de texte » of ~40 words (Iramuteq's default). Sentences are kept whole and
    grouped in reading order until a segment reaches ``target_words``; a text shorter than
    that is one segment. A « sentence » longer than twice the target (a text without
    punctuation) is cut every ``target_words`` words instead. Columns: ``id_col``,
    ``segment`` (0-based), ``texte``, ``n_mots``.
    """
    if target_words < 1:
        raise ValueError("target_words doit être un entier positif")
    sentences = (
        texts.lazy()
        .select(
            pl.col(id_col),
            pl.col(text_col)
            .fill_null("")
            .str.replace_all(r"([.!?…;:])\s+", "$1\n")
            .str.split("\n")
            .alias("phrase"),
        )
        .explode("phrase")
        .with_columns(pl.int_range(pl.len()).over(id_col).alias("_p"))
        .with_columns(pl.col("phrase").str.extract_all(r"\S+").alias("_mots"))
        .with_columns(pl.col("_mots").list.len().alias("_n"))
        .explode("_mots")
        .drop_nulls("_mots")
        .with_columns(
            pl.when(pl.col("_n") > 2 * target_words)
            .then(pl.int_range(pl.len()).over(id_col, "_p") // target_words)
            .otherwise(0)
            .alias("_morceau")
        )
        .group_by(id_col, "_p", "_morceau", maintain_order=True)
        .agg(pl.col("_mots").str.join(" ").alias("phrase"), pl.len().cast(pl.Int64).alias("n_mots"))
        .with_columns(
            ((pl.col("n_mots").cum_sum() - pl.col("n_mots")).over(id_col) // target_words).alias(
                "segment"
            )
        )
    )
    grouped = sentences.group_by(id_col, "segment", maintain_order=True).agg(
        pl.col("phrase").str.join(" ").alias("texte"), pl.col("n_mots").sum()
    )
    return (
        grouped.with_columns(pl.col("segment").rank("dense").over(id_col).cast(pl.Int64) - 1)
        .select(id_col, "segment", "texte", "n_mots")
        .collect()
    )
