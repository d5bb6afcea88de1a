"""The measures' gram vectors in one sparse layout, and what pairs of measures share.

The lineage (ipdash.corpus.lineage) compares a measure with the measures of earlier plans.
At 100,000 measures that is about a million candidate pairs and ten million shared terms:
done as table joins it costs most of the build. Here every measure is a row of one
compressed sparse row layout (scipy.sparse; rows: measures `mid`, columns: grams `gid`)
with the weights the features need aligned to its entries, and

- `blocking_candidates` finds, plan against plan, the pairs sharing a distinctive term
  and keeps each measure's best by Σ IDF² (sparse matrix products: only pairs sharing a
  term are touched);
- `shared_entries` finds, for a list of pairs, the entries both measures have (the
  sorted merge of two sparse rows, done by scipy in C), so that each feature is a sum of
  products over them (`pair_sums`) and the best pair of clauses is one grouping
  (`best_clause_pairs`).

Pure: arrays and Polars frames in, arrays and frames out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

# Columns of the grams frame carried per entry (see lineage.Reading.grams).
ENTRY_VALUES = ("w_terms", "w_phrases", "w_main", "idf", "df", "is_word")
# Pairs are worked through in chunks of this many (their arrays stay in the processor's
# cache), by this many threads: scipy's sparse kernels and numpy's array arithmetic
# release the interpreter lock, so the chunks run side by side.
CHUNK_PAIRS = 50_000
THREADS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class GramVectors:
    """Rows: measures (mid 0 … n-1); entries sorted by mid, then gid. `values`: per entry,
    the columns ENTRY_VALUES. `clause_ptr`, `clause_no`, `clause_w`: per entry, the range
    of its clauses (a gram may occur in several clauses of a measure), each clause's
    number and the gram's weight in that clause's unit vector; `n_clauses`: per
    measure, its highest clause number with a gram, plus one."""

    indptr: np.ndarray
    indices: np.ndarray
    values: dict[str, np.ndarray]
    n_rows: int
    n_grams: int
    clause_ptr: np.ndarray
    clause_no: np.ndarray
    clause_w: np.ndarray
    n_clauses: np.ndarray

    def pattern(self, data: np.ndarray) -> sparse.csr_matrix:
        """The layout with `data` as its values (one per entry). It shares the layout's
        index arrays: never change it in place."""
        return sparse.csr_matrix(
            (data, self.indices, self.indptr), shape=(self.n_rows, self.n_grams), copy=False
        )


def gram_vectors(grams: pl.DataFrame, clause_grams: pl.DataFrame, n_rows: int) -> GramVectors:
    """The layout from the grams frame (mid, gid and ENTRY_VALUES) and the clause weights
    (mid, clause_no, gid, w_clause: every measure and gram of it in the grams frame, in
    each clause it occurs in)."""
    if not bool((_keys(grams).diff().drop_nulls() > 0).all()):
        grams = grams.sort("mid", "gid")
    entries = grams.with_row_index("pos")
    mids = entries["mid"].to_numpy()
    indptr = np.searchsorted(mids, np.arange(n_rows + 1)).astype(np.int64)
    n_grams = int(entries["gid"].max()) + 1 if entries.height else 0
    values = {name: entries[name].cast(pl.Float64).to_numpy(writable=True) for name in ENTRY_VALUES}
    # The clauses in the entries' order: each entry's clauses are the run with its key.
    clauses = clause_grams.sort("mid", "gid", "clause_no")
    clause_keys = _keys(clauses).to_numpy()
    clause_ptr = np.append(np.searchsorted(clause_keys, _keys(entries).to_numpy()), len(clauses))
    n_clauses = np.zeros(n_rows, dtype=np.int64)
    per_measure = clause_grams.group_by("mid").agg(pl.col("clause_no").max() + 1)
    n_clauses[per_measure["mid"].to_numpy()] = per_measure["clause_no"].to_numpy()
    return GramVectors(
        indptr=indptr,
        indices=entries["gid"].to_numpy().astype(np.int32),
        values=values,
        n_rows=n_rows,
        n_grams=n_grams,
        clause_ptr=clause_ptr,
        clause_no=clauses["clause_no"].cast(pl.Int64).to_numpy(),
        clause_w=clauses["w_clause"].to_numpy(),
        n_clauses=n_clauses,
    )


def _keys(frame: pl.DataFrame) -> pl.Series:
    """One sortable integer per (mid, gid)."""
    return frame["mid"].cast(pl.Int64) * (1 << 32) + frame["gid"].cast(pl.Int64)


def _binary(vectors: GramVectors, keep: np.ndarray) -> sparse.csr_matrix:
    """The layout's entries where `keep` (per entry), with value 1 (a copy: dropping
    entries in place would change the layout itself)."""
    matrix = vectors.pattern(keep.astype(np.float64)).copy()
    matrix.eliminate_zeros()
    return matrix


def _best_per_row(block: sparse.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The `n` highest positive entries of each row of `block` (ties: the lower column
    first): their rows and columns."""
    block.sum_duplicates()  # also sorts each row's columns
    block.eliminate_zeros()
    rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    # Highest first, then by row; both sorts stable, so ties keep the column order.
    by_value = np.argsort(-block.data, kind="stable")
    order = by_value[np.argsort(rows[by_value], kind="stable")]
    rank = np.arange(len(order)) - block.indptr[rows[order]]
    keep = order[(rank < n) & (block.data[order] > 0)]
    return rows[keep], block.indices[keep]


def blocking_candidates(
    vectors: GramVectors,
    signature: np.ndarray,
    distinct: np.ndarray,
    plan_rows: dict[int, np.ndarray],
    plan_pairs: list[tuple[int, int]],
    n: int,
) -> pl.DataFrame:
    """For each (plan, earlier plan) and each measure of the plan, the `n` measures of
    the earlier plan sharing the rarest terms with it (ties: the earlier measure first):
    a pair counts when one's signature term (`signature`: per entry) is among the
    other's terms that single measures out in its plan (`distinct`: per entry), and
    scores Σ IDF² over those terms (each once, whichever way it is shared): l, e.
    `plan_rows`: each plan's measures, in increasing order."""
    idf2 = np.zeros(vectors.n_grams)
    idf2[vectors.indices] = vectors.values["idf"] ** 2
    weight = sparse.diags(idf2)
    sig = _binary(vectors, signature)
    dist = _binary(vectors, distinct)
    both = _binary(vectors, signature & distinct)

    def best_of(plans: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        rows_l, rows_e = plan_rows[plans[0]], plan_rows[plans[1]]
        # Terms shared forward, backward, and both ways (counted once): F + B - both.
        cheap = (
            (sig[rows_l] @ weight @ dist[rows_e].T)
            + (dist[rows_l] @ weight @ sig[rows_e].T)
            - (both[rows_l] @ weight @ both[rows_e].T)
        ).tocsr()
        row, col = _best_per_row(cheap, n)
        return rows_l[row], rows_e[col]

    with ThreadPoolExecutor(THREADS) as pool:
        found = list(pool.map(best_of, plan_pairs))
    if not found:
        return pl.DataFrame(schema={"l": pl.Int32, "e": pl.Int32})
    return pl.DataFrame(
        {
            "l": np.concatenate([f[0] for f in found]).astype(np.int32),
            "e": np.concatenate([f[1] for f in found]).astype(np.int32),
        }
    )


@dataclass(frozen=True)
class SharedEntries:
    """The entries both measures of each pair have: `pair` (the pair's row number),
    `left` and `right` (the entry's position in the later and the earlier measure's
    row of the layout); `later_rows`, `earlier_rows`: the pairs' measures."""

    n_pairs: int
    later_rows: np.ndarray
    earlier_rows: np.ndarray
    pair: np.ndarray
    left: np.ndarray
    right: np.ndarray


def shared_entries(vectors: GramVectors, later: np.ndarray, earlier: np.ndarray) -> SharedEntries:
    """The entries the measures `later[i]` and `earlier[i]` share, for every i."""
    positions = np.arange(1, len(vectors.indices) + 1, dtype=np.float64)
    # The elementwise product of two rows keeps the grams both have; carrying an entry's
    # position (plus one: never zero) on one side recovers which entry it was.
    rows_l = vectors.pattern(positions)[later]
    rows_e = vectors.pattern(positions)[earlier]
    left = rows_l.multiply(_ones_like(rows_e)).tocsr()
    right = _ones_like(rows_l).multiply(rows_e).tocsr()
    left.sort_indices()
    right.sort_indices()
    if not (
        np.array_equal(left.indptr, right.indptr) and np.array_equal(left.indices, right.indices)
    ):
        raise AssertionError("the two products of one pattern must agree")
    pair = np.repeat(np.arange(len(later), dtype=np.int64), np.diff(left.indptr))
    return SharedEntries(
        n_pairs=len(later),
        later_rows=later,
        earlier_rows=earlier,
        pair=pair,
        left=left.data.astype(np.int64) - 1,
        right=right.data.astype(np.int64) - 1,
    )


def _ones_like(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    ones = np.ones(len(matrix.data))
    return sparse.csr_matrix((ones, matrix.indices, matrix.indptr), shape=matrix.shape)


def chunked(
    vectors: GramVectors,
    later: np.ndarray,
    earlier: np.ndarray,
    compute: Callable[[SharedEntries], dict[str, np.ndarray]],
) -> tuple[dict[str, np.ndarray], SharedEntries]:
    """`compute` (per pair arrays from the shared entries) for the pairs `later[i]`,
    `earlier[i]`, chunk by chunk in threads; the arrays joined in the pairs' order, and
    all the shared entries (pairs numbered as in `later`)."""
    starts = list(range(0, len(later), CHUNK_PAIRS)) or [0]

    def one(start: int) -> tuple[dict[str, np.ndarray], SharedEntries]:
        stop = start + CHUNK_PAIRS
        shared = shared_entries(vectors, later[start:stop], earlier[start:stop])
        return compute(shared), shared

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(one, starts))
    names = parts[0][0].keys()
    values = {name: np.concatenate([p[0][name] for p in parts]) for name in names}
    shares = [p[1] for p in parts]
    joined = SharedEntries(
        n_pairs=len(later),
        later_rows=later,
        earlier_rows=earlier,
        pair=np.concatenate([s.pair + start for s, start in zip(shares, starts, strict=True)]),
        left=np.concatenate([s.left for s in shares]),
        right=np.concatenate([s.right for s in shares]),
    )
    return values, joined


def pair_sum(shared: SharedEntries, values: np.ndarray) -> np.ndarray:
    """Per pair, the sum of `values` (one per shared entry)."""
    return np.bincount(shared.pair, weights=values, minlength=shared.n_pairs)


def pair_product(vectors: GramVectors, shared: SharedEntries, left: str, right: str) -> np.ndarray:
    """Per pair, Σ over shared grams of the later measure's `left` weight times the
    earlier measure's `right` weight (a cosine when both are unit vectors)."""
    v = vectors.values
    return pair_sum(shared, v[left][shared.left] * v[right][shared.right])


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with `counts`: each item's index repeated count times, and the offset
    0 … count-1 within it."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(counts.sum()) - starts[owner]


def _clause_pairs(
    ptr: np.ndarray, shared: SharedEntries
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per shared entry, every pair of a clause of the later measure and one of the
    earlier measure holding the gram: the two clause rows and the pair. Most grams are
    in one clause on each side; only the others are expanded."""
    count_l = ptr[shared.left + 1] - ptr[shared.left]
    count_e = ptr[shared.right + 1] - ptr[shared.right]
    single = (count_l == 1) & (count_e == 1)
    several = np.flatnonzero(~single)
    entry, offset = _expand(count_l[several])
    clause_l = ptr[shared.left[several[entry]]] + offset
    right = shared.right[several[entry]]
    item, offset = _expand(count_e[several[entry]])
    return (
        np.concatenate([ptr[shared.left[single]], clause_l[item]]),
        np.concatenate([ptr[shared.right[single]], ptr[right[item]] + offset]),
        np.concatenate([shared.pair[single], shared.pair[several[entry][item]]]),
    )


def best_clause_pairs(vectors: GramVectors, shared: SharedEntries) -> np.ndarray:
    """Per pair, the highest cosine between a clause of the later measure and a clause
    of the earlier one (0 when they share nothing). Each pair's clause pairs get a block
    of consecutive slots (clauses of the later × clauses of the earlier measure), so that
    the sums are one bincount and the best of each block one reduceat."""
    clause_l, clause_e, pair = _clause_pairs(vectors.clause_ptr, shared)
    number, weight = vectors.clause_no, vectors.clause_w
    later, earlier = shared.later_rows, shared.earlier_rows
    width = vectors.n_clauses[earlier]
    block = vectors.n_clauses[later] * width
    start = np.cumsum(block) - block
    slot = start[pair] + number[clause_l] * width[pair] + number[clause_e]
    sums = np.bincount(slot, weights=weight[clause_l] * weight[clause_e], minlength=block.sum())
    best = np.zeros(shared.n_pairs)
    filled = block > 0
    if filled.any():
        best[filled] = np.maximum.reduceat(sums, start[filled])
    return best
