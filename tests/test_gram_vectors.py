"""The sparse layout the lineage computes its pairs with (ipdash.corpus.gram_vectors), on a
hand-made layout of three measures and four grams whose sums can be done by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ipdash.corpus import gram_vectors

# Measure 0 uses grams 0, 1, 2; measure 1 grams 1, 2, 3; measure 2 grams 0, 3. An
# entry's position is its row in this order (0 … 7). IDF per gram: 1, 2, 3, 4.
GRAMS = pl.DataFrame(
    {
        "mid": [0, 0, 0, 1, 1, 1, 2, 2],
        "gid": [0, 1, 2, 1, 2, 3, 0, 3],
        "w_terms": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        "w_phrases": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        "w_main": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
        "idf": [1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 1.0, 4.0],
        "df": [2, 2, 2, 2, 2, 2, 2, 2],
        "is_word": [True, True, False, True, False, True, True, True],
    },
    schema_overrides={"mid": pl.Int32, "gid": pl.Int32},
)
# Measure 0: clause 0 holds grams 0 and 1, clause 1 grams 1 and 2 (gram 1 is in both);
# measure 1: one clause; measure 2: gram 0 in clause 0, gram 3 in clause 1.
CLAUSES = pl.DataFrame(
    {
        "mid": [0, 0, 0, 0, 1, 1, 1, 2, 2],
        "clause_no": [0, 0, 1, 1, 0, 0, 0, 0, 1],
        "gid": [0, 1, 1, 2, 1, 2, 3, 0, 3],
        "w_clause": [0.6, 0.8, 0.6, 0.8, 0.5, 0.5, 0.7, 1.0, 1.0],
    },
    schema_overrides={"mid": pl.Int32, "gid": pl.Int32, "clause_no": pl.Int32},
)


@pytest.fixture
def vectors() -> gram_vectors.GramVectors:
    # Given out of order: the layout sorts its entries by measure and gram.
    return gram_vectors.gram_vectors(GRAMS.reverse(), CLAUSES, 3)


def test_the_layout_is_one_sparse_row_per_measure(vectors):
    assert vectors.indptr.tolist() == [0, 3, 6, 8]
    assert vectors.indices.tolist() == [0, 1, 2, 1, 2, 3, 0, 3]
    assert vectors.values["w_phrases"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert vectors.clause_ptr.tolist() == [0, 1, 3, 4, 5, 6, 7, 8, 9]
    assert vectors.n_clauses.tolist() == [2, 1, 2]


def test_shared_entries_are_the_grams_both_measures_of_a_pair_have(vectors):
    shared = gram_vectors.shared_entries(vectors, np.array([0, 0, 1]), np.array([1, 2, 2]))
    # (0, 1) share grams 1 and 2; (0, 2) gram 0; (1, 2) gram 3.
    assert shared.pair.tolist() == [0, 0, 1, 2]
    assert shared.left.tolist() == [1, 2, 0, 5]
    assert shared.right.tolist() == [3, 4, 6, 7]


def test_a_feature_is_a_sum_of_products_over_the_shared_grams(vectors):
    shared = gram_vectors.shared_entries(vectors, np.array([0, 0, 1]), np.array([1, 2, 2]))
    products = gram_vectors.pair_product(vectors, shared, "w_phrases", "w_phrases")
    assert products.tolist() == [2 * 4 + 3 * 5, 1 * 7, 6 * 8]
    # The later side's main weights against the earlier side's phrase weights.
    assert gram_vectors.pair_product(vectors, shared, "w_main", "w_phrases").tolist() == [
        0.0,
        7.0,
        0.0,
    ]


def test_the_best_clause_pair_is_the_highest_clause_cosine(vectors):
    shared = gram_vectors.shared_entries(vectors, np.array([0, 0, 1]), np.array([1, 2, 2]))
    best = gram_vectors.best_clause_pairs(vectors, shared)
    # (0, 1): clause 0 of measure 0 against measure 1 shares gram 1 (0.8 × 0.5 = 0.4);
    # clause 1 shares grams 1 and 2 (0.6 × 0.5 + 0.8 × 0.5 = 0.7). (0, 2): gram 0 in
    # the first clauses (0.6 × 1.0). (1, 2): gram 3 (0.7 × 1.0).
    assert best.tolist() == pytest.approx([0.7, 0.6, 0.7])


def _candidates(vectors, signature, distinct, n):
    plans = {2003: np.array([0]), 2001: np.array([1, 2])}
    found = gram_vectors.blocking_candidates(vectors, signature, distinct, plans, [(2003, 2001)], n)
    return found.rows()


def test_blocking_keeps_the_pairs_sharing_the_rarest_terms_counting_each_once():
    # Gram 0's IDF is 1.6 here (2.56 squared).
    grams = GRAMS.with_columns(idf=pl.when(pl.col("gid") == 0).then(1.6).otherwise("idf"))
    vectors = gram_vectors.gram_vectors(grams, CLAUSES, 3)
    # Signature terms: grams 0, 1, 2 of measure 0, gram 3 of measure 1, gram 0 of
    # measure 2. Gram 2 singles out nobody in measure 1's plan.
    signature = np.array([True, True, True, False, False, True, True, False])
    distinct = np.array([True, True, True, True, False, True, True, True])
    # (0, 1): measure 0's gram 1 is distinctive in measure 1: 2² = 4; gram 2 is not.
    # (0, 2): gram 0 is a signature term of both and distinctive in both: 2.56, once
    # (counted twice it would be 5.12 and win).
    assert _candidates(vectors, signature, distinct, 1) == [(0, 1)]
    assert _candidates(vectors, signature, distinct, 2) == [(0, 1), (0, 2)]
    # Nothing distinctive shared: no candidate.
    assert _candidates(vectors, np.zeros(8, dtype=bool), distinct, 2) == []


def test_the_layout_does_not_change_when_a_blocking_matrix_drops_entries(vectors):
    before = vectors.indices.copy()
    _candidates(vectors, np.array([False, True] * 4), np.array([True, False] * 4), 3)
    assert vectors.indices.tolist() == before.tolist()


def test_pairs_worked_through_in_chunks_give_what_one_piece_gives(vectors, monkeypatch):
    later, earlier = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 0])

    def sums(shared):
        return {"phrases": gram_vectors.pair_product(vectors, shared, "w_phrases", "w_phrases")}

    whole, shared = gram_vectors.chunked(vectors, later, earlier, sums)
    monkeypatch.setattr(gram_vectors, "CHUNK_PAIRS", 1)
    pieces, shared_pieces = gram_vectors.chunked(vectors, later, earlier, sums)
    assert whole["phrases"].tolist() == pieces["phrases"].tolist() == [23.0, 7.0, 48.0, 7.0]
    assert shared_pieces.pair.tolist() == shared.pair.tolist() == [0, 0, 1, 2, 3]
    assert shared_pieces.left.tolist() == shared.left.tolist()
    empty, _ = gram_vectors.chunked(vectors, later[:0], earlier[:0], sums)
    assert empty["phrases"].tolist() == []
