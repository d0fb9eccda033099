"""Reinert / ALCESTE descending hierarchical classification (Iramuteq's « CHD »).

Why this method: the DEPP reads the free-text answers of the consultation and the RETEX with
the tools of French textometry, and the « classification hiérarchique descendante » of
Reinert (1983, 1990), as ALCESTE and Iramuteq run it, is the one their readers know: it sorts
text segments into lexical worlds, each described by the forms that are over-represented in it
(the class « profiles »). This module follows the single classification of Julien Barnier's
``rainette`` R package (a readable reimplementation of Reinert's method and of Iramuteq's
``CHD.R``):

1. the table is segments × terms in presence/absence (a term said twice in a segment counts
   once: Reinert works on co-occurrence, not on frequency);
2. the whole corpus is one class; at each step the class with the most segments is split in
   two:

   a. a correspondence analysis (CA) of its table gives a first axis; segments are ordered by
      their coordinate on it;
   b. every cut of that order into « the first i » vs « the rest » is scored by the Pearson
      chi-square of the 2 × terms table (number of segments of each side containing each
      term); the best cut is kept;
   c. segments are then moved, one at a time, to the other side while a move increases that
      chi-square (the best move first, as ``rainette`` does);
   d. each side keeps the terms present in at least ``min_term_frequency`` of its segments;
      a term strongly tied to one side (contingency coefficient above ``cc_test``) is kept
      only on the side where it is over-represented;

3. splitting stops after ``k - 1`` splits, or earlier when no class can be split.

A segment left without any term (in the corpus, or in the class it belongs to when that class
is split) cannot be placed on the axis: it is unclassified (``classe`` null), as in
``rainette``. Short segments can first be merged with the next segments of the same document
(``min_segment_size``, rainette's ``min_uc_size``: Reinert's « unités de contexte »).

Profiles use Iramuteq's 2 × 2 table (segment in the class or not × term present or not),
Pearson chi-square without continuity correction, signed positive when the term is
over-represented in the class.

Speed: the table is a sparse binary matrix; the CA axis comes from ARPACK on the standardised
residual matrix applied as an operator (never densified unless tiny); the cut scan and the
move scores are vectorised with the identity ``chi2 = N (Σ O²/(R C) − 1)``, so each pass costs
one sparse product.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse, stats
from scipy.sparse.linalg import LinearOperator, svds

#: One row per input segment, in input order.
CLASSES_SCHEMA = pl.Schema({"segment": pl.Int64(), "classe": pl.Int64()})

#: One row per split. Node ids: ``1..K`` are the final classes; ``K + s`` is the class that was
#: split at step ``s`` (so the root, the whole corpus, is ``K + 1``).
TREE_SCHEMA = pl.Schema(
    {
        "split": pl.Int64(),
        "parent": pl.Int64(),
        "left": pl.Int64(),
        "right": pl.Int64(),
        "chi2": pl.Float64(),
        "n_left": pl.Int64(),
        "n_right": pl.Int64(),
    }
)

#: One row per class × term.
PROFILE_SCHEMA = pl.Schema(
    {
        "classe": pl.Int64(),
        "term": pl.String(),
        "n_segments_in_class_with_term": pl.Int64(),
        "n_segments_with_term": pl.Int64(),
        "chi2": pl.Float64(),
        "p_value": pl.Float64(),
    }
)

# Seed of the ARPACK starting vector: the CA axis must not change from one run to the next.
_SEED = 2020
# Below this many cells a class table is densified and given to LAPACK (exact, and faster than
# ARPACK's iterations on tiny tables).
_DENSE_MAX_CELLS = 40_000
# A move must raise the chi-square by more than this (relative) amount: floating-point noise
# must not make segments swap back and forth.
_REL_TOL = 1e-10
# Moves between two full recomputations of the move scores (the others are incremental).
_REFRESH = 64


@dataclass(frozen=True)
class ReinertResult:
    """Outcome of :func:`reinert`.

    ``classes`` (:data:`CLASSES_SCHEMA`): the class of each input segment, ``1..K`` in the
    order of the dendrogram leaves, null when unclassified. ``tree`` (:data:`TREE_SCHEMA`):
    the splits in the order they were made, with the chi-square that justified each one and
    the number of segments on each side. ``profiles`` (:data:`PROFILE_SCHEMA`): every class ×
    kept term, sorted by class then chi-square descending.
    """

    classes: pl.DataFrame
    tree: pl.DataFrame
    profiles: pl.DataFrame

    @property
    def n_classes(self) -> int:
        """Number of terminal classes (may be lower than the requested ``k``)."""
        return self.tree.height + 1

    def top_terms(self, n: int = 10) -> pl.DataFrame:
        """The ``n`` most over-represented terms of each class (positive chi-square only).

        This is what a reader of an Iramuteq report looks at first: the words that name each
        lexical world.
        """
        if n < 1:
            raise ValueError(f"n doit valoir au moins 1 (reçu : {n})")
        return self.profiles.filter(pl.col("chi2") > 0).filter(
            pl.int_range(pl.len()).over("classe") < n
        )


@dataclass(eq=False)
class _Node:
    """A class during the classification: its units (row indices) and its kept terms."""

    members: np.ndarray
    cols: np.ndarray
    splittable: bool = True
    step: int | None = None
    left: _Node | None = field(default=None, repr=False)
    right: _Node | None = field(default=None, repr=False)


def reinert(
    segments: Sequence[Sequence[str]],
    *,
    k: int = 10,
    min_split_members: int = 10,
    min_term_frequency: int = 3,
    max_terms: int | None = 3000,
    cc_test: float = 0.3,
    min_segment_size: int = 0,
    documents: Sequence[Hashable] | None = None,
) -> ReinertResult:
    """Reinert descending hierarchical classification of text segments.

    ``segments``: one list of normalised tokens (lemmas, stop words removed) per segment,
    typically ~40 words each. ``k``: number of terminal classes wanted (``k - 1`` splits; fewer
    classes when no class can be split any more). ``min_split_members``: a class with fewer
    units is not split. ``min_term_frequency``: a term present in fewer segments of the corpus
    is dropped, and, after each split, a term present in fewer segments of a side is dropped
    from that side (rainette's ``tsj``). ``max_terms``: keep only the terms present in the most
    segments (``None``: no limit). ``cc_test``: contingency coefficient above which a term is
    kept only on the side where it is over-represented. ``min_segment_size`` with
    ``documents`` (one id per segment): consecutive segments of the same document are merged
    until each unit holds at least that many distinct kept terms (0 or 1: no merging).
    """
    segments = _check_arguments(
        segments,
        k=k,
        min_split_members=min_split_members,
        min_term_frequency=min_term_frequency,
        max_terms=max_terms,
        cc_test=cc_test,
        min_segment_size=min_segment_size,
        documents=documents,
    )
    x_seg, terms = _presence_matrix(segments, min_term_frequency, max_terms)
    n_seg = x_seg.shape[0]
    if min_segment_size > 1:
        assert documents is not None  # checked above
        unit_of_segment = _merge_units(np.diff(x_seg.indptr), documents, min_segment_size)
    else:
        unit_of_segment = np.arange(n_seg, dtype=np.int64)
    x_unit = _group_rows(x_seg, unit_of_segment)

    leaves, splits = _classify(
        x_unit,
        k=k,
        min_split_members=min_split_members,
        tsj=min_term_frequency,
        cc_test=cc_test,
    )

    class_of_unit = np.full(x_unit.shape[0], -1, dtype=np.int64)
    for position, leaf in enumerate(leaves):
        class_of_unit[leaf.members] = position
    class_of_segment = class_of_unit[unit_of_segment]
    classes = pl.DataFrame(
        {"segment": np.arange(n_seg, dtype=np.int64), "classe": class_of_segment + 1},
        schema=CLASSES_SCHEMA,
    ).with_columns(pl.when(pl.col("classe") > 0).then(pl.col("classe")).alias("classe"))
    segments_per_unit = np.bincount(unit_of_segment, minlength=x_unit.shape[0])
    tree = _tree_frame(leaves, splits, segments_per_unit)
    profiles = _profiles(x_seg, terms, class_of_segment, len(leaves))
    return ReinertResult(classes=classes, tree=tree, profiles=profiles)


# --------------------------------------------------------------------------------------------
# Input checks and table building
# --------------------------------------------------------------------------------------------


def _check_arguments(
    segments: Sequence[Sequence[str]],
    *,
    k: int,
    min_split_members: int,
    min_term_frequency: int,
    max_terms: int | None,
    cc_test: float,
    min_segment_size: int,
    documents: Sequence[Hashable] | None,
) -> list[Sequence[str]]:
    """Reject the inputs that would give a silently wrong classification."""
    if isinstance(segments, str):
        raise ValueError("segments doit être une liste de segments, pas une chaîne")
    segments = list(segments)
    if not segments:
        raise ValueError("aucun segment à classer")
    if any(isinstance(s, str) for s in segments):
        raise ValueError(
            "chaque segment doit être une liste de jetons (lemmes), pas une chaîne de caractères"
        )
    if k < 2:
        raise ValueError(f"k (nombre de classes) doit valoir au moins 2 (reçu : {k})")
    if min_split_members < 3:
        raise ValueError(
            f"min_split_members doit valoir au moins 3 (reçu : {min_split_members}) : "
            "une analyse factorielle demande au moins trois segments"
        )
    if min_term_frequency < 1:
        raise ValueError(f"min_term_frequency doit valoir au moins 1 (reçu : {min_term_frequency})")
    if max_terms is not None and max_terms < 3:
        raise ValueError(f"max_terms doit valoir au moins 3 (reçu : {max_terms})")
    if not 0 < cc_test <= 1:
        raise ValueError(f"cc_test doit être compris entre 0 (exclu) et 1 (reçu : {cc_test})")
    if min_segment_size < 0:
        raise ValueError(f"min_segment_size doit être positif ou nul (reçu : {min_segment_size})")
    if documents is not None and len(documents) != len(segments):
        raise ValueError(
            f"documents doit donner un identifiant par segment ({len(documents)} identifiants "
            f"pour {len(segments)} segments)"
        )
    if min_segment_size > 1 and documents is None:
        raise ValueError(
            "min_segment_size > 1 demande documents : les segments ne sont regroupés "
            "qu'avec les segments suivants du même document"
        )
    return segments


def _presence_matrix(
    segments: Sequence[Sequence[str]], min_term_frequency: int, max_terms: int | None
) -> tuple[sparse.csr_array, list[str]]:
    """Binary segments × kept terms matrix, terms ordered by segment frequency then name."""
    n_seg = len(segments)
    lengths = np.fromiter((len(s) for s in segments), dtype=np.int64, count=n_seg)
    flat = list(itertools.chain.from_iterable(segments))
    pairs = (
        pl.DataFrame(
            {
                "segment": np.repeat(np.arange(n_seg, dtype=np.int64), lengths),
                "term": pl.Series(flat, dtype=pl.String),
            }
        )
        .filter(pl.col("term").is_not_null() & (pl.col("term") != ""))
        .unique()
    )
    vocabulary = (
        pairs.group_by("term")
        .agg(pl.len().alias("df"))
        .filter(pl.col("df") >= min_term_frequency)
        .sort(["df", "term"], descending=[True, False])
    )
    if max_terms is not None:
        vocabulary = vocabulary.head(max_terms)
    if vocabulary.height < 3:
        raise ValueError(
            f"trop peu de termes retenus ({vocabulary.height}) : il en faut au moins 3 présents "
            f"dans {min_term_frequency} segments ou plus (abaisser min_term_frequency ?)"
        )
    vocabulary = vocabulary.with_row_index("term_id")
    kept = pairs.join(vocabulary.select("term", "term_id"), on="term", how="inner")
    rows = kept["segment"].to_numpy()
    cols = kept["term_id"].cast(pl.Int64).to_numpy()
    matrix = sparse.csr_array(
        (np.ones(rows.size, dtype=np.float64), (rows, cols)), shape=(n_seg, vocabulary.height)
    )
    return _compact(matrix), vocabulary["term"].to_list()


def _compact(matrix: sparse.csr_array) -> sparse.csr_array:
    """Canonical CSR with 32-bit indices: half the index memory traffic of every product."""
    matrix.sum_duplicates()
    matrix.sort_indices()
    if matrix.nnz >= np.iinfo(np.int32).max:
        return matrix
    return sparse.csr_array(
        (matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int32)),
        shape=matrix.shape,
    )


def _merge_units(sizes: np.ndarray, documents: Sequence[Hashable], min_size: int) -> np.ndarray:
    """Unit (0-based, increasing) of each segment after merging short segments (rainette).

    Walking the segments in order, a segment with fewer than ``min_size`` distinct terms
    absorbs the next segments of the same document until the unit is big enough; a short tail
    at the end of a document joins the previous unit of that document. Segments are never
    merged across documents: a unit must stay one context.
    """
    n = len(sizes)
    codes: dict[Hashable, int] = {}
    doc = np.fromiter((codes.setdefault(d, len(codes)) for d in documents), np.int64, count=n)
    unit = np.arange(n, dtype=np.int64)
    if n == 0 or bool(np.all(sizes >= min_size)):
        return unit
    index = 0
    while index < n:
        size = int(sizes[index])
        last = index
        while size < min_size:
            if last + 1 < n and doc[last + 1] == doc[last]:
                last += 1
                size += int(sizes[last])
                unit[last] = index
            else:
                if index > 0 and doc[index - 1] == doc[index]:
                    unit[index : last + 1] = unit[index - 1]
                break
        index = last + 1
    return np.unique(unit, return_inverse=True)[1].astype(np.int64)


def _group_rows(x_seg: sparse.csr_array, unit_of_segment: np.ndarray) -> sparse.csr_array:
    """Binary units × terms matrix: a unit contains a term if one of its segments does."""
    n_units = int(unit_of_segment.max()) + 1
    if n_units == x_seg.shape[0]:
        return x_seg
    n_seg = x_seg.shape[0]
    grouping = sparse.csr_array(
        (np.ones(n_seg), (unit_of_segment, np.arange(n_seg))), shape=(n_units, n_seg)
    )
    grouped = sparse.csr_array(grouping @ x_seg)
    grouped.data[:] = 1.0
    return _compact(grouped)


# --------------------------------------------------------------------------------------------
# The classification
# --------------------------------------------------------------------------------------------


def _classify(
    x: sparse.csr_array, *, k: int, min_split_members: int, tsj: int, cc_test: float
) -> tuple[list[_Node], list[tuple[_Node, float]]]:
    """Split the biggest class until there are ``k`` leaves (leaves in dendrogram order)."""
    has_terms = np.flatnonzero(np.diff(x.indptr) > 0)
    root = _Node(members=has_terms, cols=np.arange(x.shape[1]))
    leaves = [root]
    splits: list[tuple[_Node, float]] = []
    while len(splits) < k - 1:
        candidates = [i for i, leaf in enumerate(leaves) if leaf.splittable]
        if not candidates:
            break
        # The biggest class; the first one in dendrogram order on ties (rainette's which.max).
        position = max(candidates, key=lambda i: (leaves[i].members.size, -i))
        node = leaves[position]
        if node.members.size < min_split_members:
            break  # every other class is smaller still
        outcome = _split(x, node.members, node.cols, tsj=tsj, cc_test=cc_test)
        if outcome is None:
            node.splittable = False
            continue
        left, right, chi2 = outcome
        node.left, node.right, node.step = left, right, len(splits) + 1
        leaves[position : position + 1] = [left, right]
        splits.append((node, chi2))
    return leaves, splits


def _split(
    x: sparse.csr_array, members: np.ndarray, cols: np.ndarray, *, tsj: int, cc_test: float
) -> tuple[_Node, _Node, float] | None:
    """Split one class in two (steps a–d of the module docstring); None if it cannot be."""
    table = sparse.csr_array(x[members][:, cols])
    keep_rows = np.diff(table.indptr) > 0
    keep_cols = np.asarray(table.sum(axis=0)).ravel() > 0
    # Units that lost all their terms cannot be placed on the axis: they leave the tree.
    members, cols = members[keep_rows], cols[keep_cols]
    table = _compact(sparse.csr_array(table[keep_rows][:, keep_cols]))
    if table.shape[0] < 3 or table.shape[1] < 3:
        return None
    order = _ca_order(table)
    cut, chi2 = _best_cut(table, order)
    if not np.isfinite(chi2) or chi2 <= _REL_TOL * table.nnz:
        return None  # no lexical contrast inside the class (e.g. identical segments)
    in_left = np.zeros(table.shape[0], dtype=bool)
    in_left[order[: cut + 1]] = True
    in_left = _switch(table, in_left)
    left_counts = table.T @ in_left.astype(np.float64)
    right_counts = np.asarray(table.sum(axis=0)).ravel() - left_counts
    chi2 = _chi2_two_rows(left_counts, right_counts)
    keep_left, keep_right = _select_terms(left_counts, right_counts, tsj=tsj, cc_test=cc_test)
    return (
        _Node(members=members[in_left], cols=cols[keep_left]),
        _Node(members=members[~in_left], cols=cols[keep_right]),
        chi2,
    )


def _ca_order(table: sparse.csr_array) -> np.ndarray:
    """Rows ordered by their coordinate on the first axis of the CA of ``table``.

    The first axis is the top singular vector of ``S = D_r^{-1/2} (P − r cᵀ) D_c^{-1/2}``
    (the trivial axis is removed by the centring). Its sign is fixed (the largest loading is
    positive, the first row on ties) so that left and right do not flip between runs.
    """
    n, p = table.shape
    total = float(table.sum())
    row_mass = np.asarray(table.sum(axis=1)).ravel() / total
    col_mass = np.asarray(table.sum(axis=0)).ravel() / total
    sqrt_r, sqrt_c = np.sqrt(row_mass), np.sqrt(col_mass)
    if n * p <= _DENSE_MAX_CELLS:
        dense = table.toarray() / total
        residuals = (dense - np.outer(row_mass, col_mass)) / np.outer(sqrt_r, sqrt_c)
        axis = np.linalg.svd(residuals, full_matrices=False)[0][:, 0]
    else:

        def matvec(v: np.ndarray) -> np.ndarray:
            v = np.ravel(v)
            return (table @ (v / sqrt_c)) / (total * sqrt_r) - sqrt_r * float(sqrt_c @ v)

        by_term = table.T.tocsr()  # a row-major transpose: the fastest product on this side

        def rmatvec(u: np.ndarray) -> np.ndarray:
            u = np.ravel(u)
            return (by_term @ (u / sqrt_r)) / (total * sqrt_c) - sqrt_c * float(sqrt_r @ u)

        operator = LinearOperator((n, p), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
        v0 = np.random.default_rng(_SEED).uniform(-1.0, 1.0, size=min(n, p))
        left_vectors = svds(operator, k=1, v0=v0, solver="arpack", return_singular_vectors="u")[0]
        axis = left_vectors[:, 0]
    magnitude = np.abs(axis)
    anchor = int(np.argmax(magnitude >= magnitude.max() * (1 - 1e-9)))
    if axis[anchor] < 0:
        axis = -axis
    return np.argsort(axis / sqrt_r, kind="stable")


def _chi2_from_q(q: np.ndarray | float, n1: np.ndarray | float, total: float) -> np.ndarray:
    """Chi-square of a 2 × p table from ``Q = Σ a_j²/t_j`` and the first row total ``N1``.

    With ``b = t − a``: ``chi2 = N (Q/N1 + (N − 2 N1 + Q)/N2 − 1)``. Callers make sure
    ``0 < N1 < N``.
    """
    n2 = total - n1
    return np.asarray(total * (q / n1 + (total - 2 * n1 + q) / n2 - 1.0))


def _best_cut(table: sparse.csr_array, order: np.ndarray) -> tuple[int, float]:
    """Position ``i`` (in ``order``) of the best cut « order[:i+1] vs the rest », and its chi2.

    All cuts are scored at once: when row ``d`` joins the left side, ``Q`` grows by
    ``Σ_{j∈d} (2 a_j + 1)/t_j`` where ``a_j`` counts the earlier rows holding term ``j``,
    i.e. the rank of ``(d, j)`` within column ``j`` once rows are in axis order.
    """
    ordered = table[order].tocsc()
    ordered.sort_indices()
    n = table.shape[0]
    col_totals = np.diff(ordered.indptr).astype(np.float64)
    per_col = np.diff(ordered.indptr)
    col_of_entry = np.repeat(np.arange(table.shape[1]), per_col)
    earlier = np.arange(ordered.nnz) - np.repeat(ordered.indptr[:-1], per_col)
    q_gain = np.bincount(
        ordered.indices, weights=(2.0 * earlier + 1.0) / col_totals[col_of_entry], minlength=n
    )
    q = np.cumsum(q_gain)
    n1 = np.cumsum(np.diff(table.indptr)[order]).astype(np.float64)
    total = float(n1[-1])
    # The last "cut" leaves the right side empty: only n - 1 real cuts.
    scores = _chi2_from_q(q[:-1], n1[:-1], total)
    best = int(np.argmax(scores))
    return best, float(scores[best])


def _switch(table: sparse.csr_array, in_left: np.ndarray) -> np.ndarray:
    """Move single rows to the other side while the best move raises the chi-square.

    Every candidate move is scored at once: for row ``d`` (binary ``x``), leaving the left side
    gives ``Q' = Q − 2 x·(a/t) + x·(1/t)``, joining it ``Q' = Q + 2 x·(a/t) + x·(1/t)``. The
    best move is made (lowest row on ties), as in rainette. ``x·(a/t)`` for all rows is
    updated after a move from the moved row's terms only (a column slice, far cheaper than a
    full product); it is recomputed in full every :data:`_REFRESH` moves, and each move is
    checked against an exact chi-square before it is made, so rounding cannot accept a move
    that does not improve the split.
    """
    in_left = in_left.copy()
    n_rows = table.shape[0]
    by_term = table.tocsc()
    inv_t = 1.0 / np.diff(by_term.indptr).astype(np.float64)
    row_sizes = np.diff(table.indptr).astype(np.float64)
    total = float(row_sizes.sum())
    own = table @ inv_t  # x·(1/t) for each row
    twice_direction = np.where(in_left, -2.0, 2.0)  # 2 × (+1 if the move joins the left side)
    size_change = twice_direction * row_sizes / 2.0  # change of N1 if the row moves
    left_counts = table.T @ in_left.astype(np.float64)
    n_left = int(in_left.sum())
    current = _chi2_of_counts(left_counts, inv_t, total)
    cross = table @ (left_counts * inv_t)
    new_q, new_n1, new_n2 = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows)
    since_refresh = 0
    for _ in range(50 * n_rows):
        # Score of each move, up to the constant factor N: Q' N / (N1' N2') − N1'/N2'.
        q = float(left_counts @ (left_counts * inv_t))
        np.multiply(twice_direction, cross, out=new_q)
        new_q += own
        new_q += q
        np.add(size_change, left_counts.sum(), out=new_n1)
        np.subtract(total, new_n1, out=new_n2)
        with np.errstate(divide="ignore", invalid="ignore"):
            new_q *= total
            new_q /= new_n1
            new_q -= new_n1
            new_q /= new_n2
        # A move that would empty a side is not a split any more.
        if n_left == 1:
            new_q[in_left] = -np.inf
        if n_rows - n_left == 1:
            new_q[~in_left] = -np.inf
        best = int(np.argmax(new_q))
        terms = table.indices[table.indptr[best] : table.indptr[best + 1]]
        step = twice_direction[best] / 2.0
        moved = left_counts.copy()
        moved[terms] += step
        exact = _chi2_of_counts(moved, inv_t, total)
        if not exact > current + _REL_TOL * max(current, 1.0):
            if since_refresh == 0:
                break
            cross = table @ (left_counts * inv_t)  # rounding may have hidden a better move
            since_refresh = 0
            continue
        left_counts, current = moved, exact
        n_left += 1 if step > 0 else -1
        in_left[best] = not in_left[best]
        twice_direction[best] = -twice_direction[best]
        size_change[best] = -size_change[best]
        since_refresh += 1
        if since_refresh >= _REFRESH:
            cross = table @ (left_counts * inv_t)
            since_refresh = 0
        else:
            starts = by_term.indptr[terms]
            lengths = by_term.indptr[terms + 1] - starts
            positions = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            positions += np.arange(positions.size)
            cross += step * np.bincount(
                by_term.indices[positions],
                weights=np.repeat(inv_t[terms], lengths),
                minlength=n_rows,
            )
    return in_left


def _chi2_of_counts(left_counts: np.ndarray, inv_t: np.ndarray, total: float) -> float:
    """Chi-square of the split whose left side holds ``left_counts`` presences per term."""
    n1 = float(left_counts.sum())
    if n1 <= 0 or n1 >= total:
        return 0.0
    return float(_chi2_from_q(float(left_counts @ (left_counts * inv_t)), n1, total))


def _chi2_two_rows(left: np.ndarray, right: np.ndarray) -> float:
    """Pearson chi-square of the 2 × terms table, written the textbook way Σ (O − E)²/E."""
    observed = np.vstack([left, right])
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    return float(((observed - expected) ** 2 / expected).sum())


def _select_terms(
    left: np.ndarray, right: np.ndarray, *, tsj: int, cc_test: float
) -> tuple[np.ndarray, np.ndarray]:
    """Terms each side keeps for its own next splits (rainette's ``select_features``).

    A side keeps the terms present in at least ``tsj`` of its segments; a term whose
    contingency coefficient ``√(χ²/(χ² + n))`` exceeds ``cc_test`` belongs to one side only
    (the one where it is over-represented): it already did its job separating the two.
    """
    totals = left + right
    n_left, n_right = left.sum(), right.sum()
    grand = n_left + n_right
    expected_left = totals * n_left / grand
    expected_right = totals * n_right / grand
    chi2 = (left - expected_left) ** 2 / expected_left + (
        right - expected_right
    ) ** 2 / expected_right
    contingency = np.sqrt(chi2 / (chi2 + totals))
    shared = contingency <= cc_test
    keep_left = (left >= tsj) & (shared | (left > expected_left))
    keep_right = (right >= tsj) & (shared | (right > expected_right))
    return keep_left, keep_right


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def _tree_frame(
    leaves: list[_Node], splits: list[tuple[_Node, float]], segments_per_unit: np.ndarray
) -> pl.DataFrame:
    """The splits, with node ids ``1..K`` for leaves and ``K + s`` for the class split at s."""
    n_leaves = len(leaves)
    leaf_id = {id(leaf): position + 1 for position, leaf in enumerate(leaves)}

    def node_id(node: _Node) -> int:
        return n_leaves + node.step if node.step is not None else leaf_id[id(node)]

    rows = []
    for node, chi2 in splits:
        assert node.left is not None and node.right is not None and node.step is not None
        rows.append(
            {
                "split": node.step,
                "parent": node_id(node),
                "left": node_id(node.left),
                "right": node_id(node.right),
                "chi2": chi2,
                "n_left": int(segments_per_unit[node.left.members].sum()),
                "n_right": int(segments_per_unit[node.right.members].sum()),
            }
        )
    return pl.DataFrame(rows, schema=TREE_SCHEMA)


def _profiles(
    x_seg: sparse.csr_array, terms: list[str], class_of_segment: np.ndarray, n_classes: int
) -> pl.DataFrame:
    """Signed Pearson chi-square of each class × term 2 × 2 table, on classified segments.

    Table: (segment in the class or not) × (term present or not). ``chi2 = N (ad − bc)² /
    (row and column totals)``, positive when the term is over-represented in the class
    (``ad > bc``). Unclassified segments are left out, as Iramuteq does.
    """
    classified = np.flatnonzero(class_of_segment >= 0)
    indicator = sparse.csr_array(
        (np.ones(classified.size), (class_of_segment[classified], classified)),
        shape=(n_classes, x_seg.shape[0]),
    )
    a = np.asarray((indicator @ x_seg).toarray(), dtype=np.float64)  # classes × terms
    class_sizes = np.bincount(class_of_segment[classified], minlength=n_classes).astype(float)
    with_term = a.sum(axis=0)
    total = float(classified.size)
    b = class_sizes[:, None] - a
    c = with_term[None, :] - a
    d = total - class_sizes[:, None] - with_term[None, :] + a
    cross = a * d - b * c
    denominator = (
        class_sizes[:, None]
        * (total - class_sizes[:, None])
        * with_term[None, :]
        * (total - with_term[None, :])
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(denominator > 0, total * cross**2 / denominator, 0.0)
    p_value = stats.chi2.sf(chi2, df=1)
    signed = np.where(cross < 0, -chi2, chi2) + 0.0  # + 0.0: no negative zero
    n_terms = len(terms)
    return pl.DataFrame(
        {
            "classe": np.repeat(np.arange(1, n_classes + 1, dtype=np.int64), n_terms),
            "term": pl.Series(terms * n_classes, dtype=pl.String),
            "n_segments_in_class_with_term": a.ravel().astype(np.int64),
            "n_segments_with_term": np.tile(with_term.astype(np.int64), n_classes),
            "chi2": signed.ravel(),
            "p_value": p_value.ravel(),
        },
        schema=PROFILE_SCHEMA,
    ).sort(["classe", "chi2", "term"], descending=[False, True, False])
