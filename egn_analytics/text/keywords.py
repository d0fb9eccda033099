"""Keywords of each document (tf-idf) and term co-occurrences with association measures.

Why both: the analyst reading a RETEX wants its handful of telling words (what sets this text
apart from the corpus: tf-idf), and, around a term of interest (« tablette »), the words that
go with it more often than chance would have them (co-occurrence with PMI and Dunning's
log-likelihood, the measures of collocation tools such as AntConc or TXM's cooccurrences).

Both read the long tokens table that :func:`egn_analytics.text.specificities.term_counts`
reads: one row per token occurrence, a document id (and optionally a segment id) and a
``term`` column of normalised lemmas. Null terms (removed stop words, punctuation) are
ignored.

Co-occurrences are counted by presence: a pair of terms co-occurs in a unit (a document or a
segment) if both appear there, whatever their frequencies, so a unit counts at most once per
pair. The counts come from a sparse binary unit × term matrix ``X``: ``Xᵀ X`` holds every pair
count at once, computed by scipy's sparse product — a Python loop over pairs would be
quadratic in the vocabulary of each unit. Terms are coded in sorted order (code point order:
« é » after « z »), so that comparing codes compares terms, and all sorting happens on
integer codes in numpy; strings are only gathered for the rows returned.

Cost, measured on 2 shared cores: for 20,000 units × 5,000 terms (3 million tokens, Zipf
frequencies, 4 million pairs seen in 3 units or more) :func:`cooccurrences` takes 1.5–3 s
(the sparse product is most of it), 0.5 s with ``terms=`` and :func:`keywords` 0.5–0.9 s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy import sparse

KEYWORD_SCHEMA = pl.Schema(
    {
        "term": pl.String(),
        "tf": pl.Int64(),
        "df": pl.Int64(),
        "tfidf": pl.Float64(),
        "rank": pl.Int64(),
    }
)

COOCCURRENCE_SCHEMA = pl.Schema(
    {
        "term_a": pl.String(),
        "term_b": pl.String(),
        "n_ab": pl.Int64(),
        "n_a": pl.Int64(),
        "n_b": pl.Int64(),
        "n_units": pl.Int64(),
        "pmi": pl.Float64(),
        "log_likelihood": pl.Float64(),
    }
)

# Rows of Xᵀ X computed at once: bounds the memory of the product (dense-ish for frequent terms).
_BLOCK_TERMS = 512


def _check_columns(tokens: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in tokens.columns]
    if missing:
        raise ValueError(f"table de tokens sans colonne(s) : {', '.join(missing)}")


def _count_matrix(
    tokens: pl.DataFrame, group_col: str, term_col: str
) -> tuple[sparse.csr_array, pl.Series, pl.Series]:
    """Group × term count matrix, with the group keys and the terms of its rows and columns.

    Rows follow the sorted group keys and columns the sorted terms, so that comparing codes
    compares terms (the pair order ``term_a < term_b``, the ties broken by term). Integer
    codes (a dense rank, an Enum cast) are cheaper than grouping by strings, and scipy sums
    the duplicate (group, term) entries while building the matrix.
    """
    long = tokens.select(
        pl.col(group_col).alias("group"), pl.col(term_col).cast(pl.String).alias("term")
    ).drop_nulls()
    vocab = long["term"].unique().sort()
    groups = long["group"].unique().sort()
    codes = long.select(
        pl.col("group").rank("dense").cast(pl.Int64).sub(1),
        pl.col("term").cast(pl.Enum(vocab)).to_physical().cast(pl.Int64),
    )
    counts = sparse.csr_array(
        (
            np.ones(long.height, dtype=np.int32),
            (codes["group"].to_numpy(), codes["term"].to_numpy()),
        ),
        shape=(groups.len(), vocab.len()),
    )
    return counts, groups, vocab


def keywords(
    tokens: pl.DataFrame,
    *,
    doc_col: str = "id",
    term_col: str = "term",
    top: int = 10,
    min_df: int = 2,
) -> pl.DataFrame:
    """The ``top`` keywords of each document by tf-idf.

    ``tf`` is the term's count in the document, ``df`` the number of documents holding it and
    ``tfidf = tf / len · idf`` with ``len`` the document's length in tokens (all of them,
    including the terms dropped below) and the smoothed ``idf = ln((1 + N) / (1 + df)) + 1``
    of scikit-learn (``smooth_idf=True``; no l2 normalisation), ``N`` the number of
    documents. Terms with ``df < min_df`` are dropped first: a term in one document only is
    most often a typo or a name, and would top every short text. ``rank`` starts at 1; ties
    are broken by term. Columns: ``doc_col`` (its type kept, to join back to the texts) then
    :data:`KEYWORD_SCHEMA`; sorted by document, then rank.
    """
    _check_columns(tokens, (doc_col, term_col))
    if top < 1:
        raise ValueError(f"top doit valoir au moins 1 (reçu : {top})")
    if min_df < 1:
        raise ValueError(f"min_df doit valoir au moins 1 (reçu : {min_df})")
    counts, docs, vocab = _count_matrix(tokens, doc_col, term_col)
    n_docs = counts.shape[0]
    doc_len = counts.sum(axis=1)
    doc_freq = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n_docs) / (1.0 + doc_freq)) + 1.0
    coo = counts.tocoo()  # canonical CSR: by document, then by term
    row, col = coo.coords
    keep = doc_freq[col] >= min_df
    row, col, tf = row[keep], col[keep], coo.data[keep].astype(np.int64)
    tfidf = tf / doc_len[row] * idf[col]
    # Rank within each document; "ordinal" ranks ties in order of appearance, which is the
    # term order (canonical CSR): ties broken by term without a global sort.
    ranked = (
        pl.DataFrame({"row": row, "col": col, "tf": tf, "tfidf": tfidf})
        .with_columns(
            pl.col("tfidf")
            .rank("ordinal", descending=True)
            .over("row")
            .cast(pl.Int64)
            .alias("rank")
        )
        .filter(pl.col("rank") <= top)
        .sort("row", "rank")
    )
    kept_col = ranked["col"].to_numpy()
    return pl.DataFrame(
        {
            doc_col: docs.gather(ranked["row"]),
            "term": vocab.gather(kept_col),
            "tf": ranked["tf"],
            "df": doc_freq[kept_col].astype(np.int64),
            "tfidf": ranked["tfidf"],
            "rank": ranked["rank"],
        },
        schema={doc_col: docs.dtype, **KEYWORD_SCHEMA},
    )


def _association(
    n_ab: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """PMI (log2) and signed log-likelihood G² of each pair's 2 × 2 presence table.

    G² = 2 Σ O ln(O / E) over the four cells (both, a without b, b without a, neither), with
    ``E`` the count expected if the two terms were independent; it is made negative when the
    pair co-occurs less than expected (a repulsion, not an attraction). Computed in its
    entropy form, 2 (Σ O ln O − Σ margins · ln margins + n ln n): every count is an integer
    in [0, n], so ``k ln k`` (0 for k = 0, without a log-of-zero warning) and ``log2 k`` are
    looked up in tables of n + 1 values, instead of evaluating logarithms for millions of
    pairs.
    """
    k = np.arange(n + 1, dtype=np.float64)
    klogk = np.zeros(n + 1)
    klogk[1:] = k[1:] * np.log(k[1:])
    log2 = np.zeros(n + 1)
    log2[1:] = np.log2(k[1:])
    cells = klogk[n_ab] + klogk[n_a - n_ab] + klogk[n_b - n_ab] + klogk[n - n_a - n_b + n_ab]
    margins = klogk[n_a] + klogk[n - n_a] + klogk[n_b] + klogk[n - n_b]
    g2 = np.maximum(2.0 * (cells - margins + klogk[n]), 0.0)  # rounding may leave -1e-12
    # Observed below expected, n_ab < n_a n_b / n, compared exactly in integers.
    log_likelihood = np.where(n_ab * n < n_a * n_b, -g2, g2) + 0.0  # + 0.0: no negative zero
    pmi = log2[n_ab] + log2[n] - log2[n_a] - log2[n_b]
    return pmi, log_likelihood


def _top_order(
    score: np.ndarray, code_a: np.ndarray, code_b: np.ndarray, top: int | None
) -> np.ndarray:
    """Indices of the ``top`` best pairs: score descending, then term_a, then term_b.

    A partial selection first (linear), so that the full sort only sees the candidates: the
    ``top`` best scores and every pair tied with the last of them.
    """
    if top is not None and top < len(score):
        threshold = np.partition(score, len(score) - top)[len(score) - top]
        candidates = np.flatnonzero(score >= threshold)
    else:
        candidates = np.arange(len(score))
    order = np.lexsort((code_b[candidates], code_a[candidates], -score[candidates]))
    return candidates[order][:top]


def cooccurrences(
    tokens: pl.DataFrame,
    *,
    unit_col: str = "id",
    term_col: str = "term",
    min_count: int = 3,
    terms: Sequence[str] | None = None,
    top: int | None = 200,
) -> pl.DataFrame:
    """Pairs of terms found together in the same units, with their association strength.

    ``unit_col`` is the context: the document id, or a segment id for a narrower window
    (segment ids must then be unique across documents). For each pair ``term_a < term_b``
    (lexicographic) present together in at least ``min_count`` units: ``n_ab`` (units with
    both), ``n_a``, ``n_b`` (units with each), ``n_units`` (units in the table), ``pmi =
    log2(n_ab · n_units / (n_a · n_b))`` and ``log_likelihood``, Dunning's G² on the 2 × 2
    presence table, negative for a pair less frequent than under independence. ``terms``
    keeps only the pairs holding one of these terms (« what goes with « tablette » ? »).
    Columns: :data:`COOCCURRENCE_SCHEMA`, sorted by ``log_likelihood`` descending (then by
    the terms), at most ``top`` rows (``None``: all).
    """
    _check_columns(tokens, (unit_col, term_col))
    if min_count < 1:
        raise ValueError(f"min_count doit valoir au moins 1 (reçu : {min_count})")
    if top is not None and top < 1:
        raise ValueError(f"top doit valoir au moins 1, ou None (reçu : {top})")
    counts, _, vocab = _count_matrix(tokens, unit_col, term_col)
    n_units = counts.shape[0]
    counts.data[:] = 1  # presence: a unit counts once per term, and once per pair
    unit_freq = np.bincount(counts.indices, minlength=counts.shape[1])
    # Only terms present in at least min_count units can reach n_ab >= min_count; keeping
    # them in code order keeps the lexicographic order.
    frequent = np.flatnonzero(unit_freq >= min_count)
    x = counts[:, frequent]
    names = vocab.gather(frequent)
    unit_freq = unit_freq[frequent]
    if terms is None:
        row_codes = np.arange(len(frequent))
    else:
        wanted = pl.Series(list(terms), dtype=pl.String).implode()
        row_codes = np.flatnonzero(names.is_in(wanted).to_numpy())
    is_row = np.zeros(len(frequent), dtype=bool)
    is_row[row_codes] = True
    xt = x.T.tocsr()  # term × unit: its rows are the terms' unit sets
    parts_a: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    parts_b: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    parts_n: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(row_codes), _BLOCK_TERMS):
        block = row_codes[start : start + _BLOCK_TERMS]
        # All terms as rows: only the columns from the block on are needed (upper triangle),
        # which halves the product.
        first = int(block[0]) if terms is None else 0
        product = (xt[block] @ x[:, first:]).tocoo()  # co-occurrence counts of the block's terms
        frequent_pair = product.data >= min_count
        a = block[product.coords[0][frequent_pair]]
        b = product.coords[1][frequent_pair].astype(np.int64) + first
        # Each pair once: (a, b) with a < b, unless b is not a row term (then (b, a) is absent).
        keep = (b > a) | ((b != a) & ~is_row[b])
        a, b = a[keep], b[keep]
        parts_a.append(np.minimum(a, b))
        parts_b.append(np.maximum(a, b))
        parts_n.append(product.data[frequent_pair][keep].astype(np.int64))
    code_a = np.concatenate(parts_a)
    code_b = np.concatenate(parts_b)
    n_ab = np.concatenate(parts_n)
    pmi, log_likelihood = _association(n_ab, unit_freq[code_a], unit_freq[code_b], n_units)
    # Sorted in numpy on the codes (their order is the terms'), strings built for the kept rows.
    order = _top_order(log_likelihood, code_a, code_b, top)
    code_a, code_b = code_a[order], code_b[order]
    return pl.DataFrame(
        {
            "term_a": names.gather(code_a),
            "term_b": names.gather(code_b),
            "n_ab": n_ab[order],
            "n_a": unit_freq[code_a].astype(np.int64),
            "n_b": unit_freq[code_b].astype(np.int64),
            "n_units": np.full(len(order), n_units, dtype=np.int64),
            "pmi": pmi[order],
            "log_likelihood": log_likelihood[order],
        },
        schema=COOCCURRENCE_SCHEMA,
    )
