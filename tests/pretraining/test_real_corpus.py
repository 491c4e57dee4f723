"""pretraining/real_corpus.py: real tables as pretraining tasks."""

import numpy as np
import pandas as pd
import pytest

from ..conftest import DATASETS
from .conftest import NEEDS_PYDATASET, load_script

pytestmark = pytest.mark.slow  # pretraining steps and corpora: minutes


@pytest.fixture(scope="module")
def corpus():
    return load_script("real_corpus")


def test_encode_keeps_data_columns_and_codes_categories(corpus):
    frame = pd.DataFrame({
        "Unnamed: 0": [f"r{i}" for i in range(6)],   # R's row names
        "id": np.arange(1, 7),                        # a row counter
        "constant": 1.0,
        "name": list("abcdef") * 1,                   # text with a level per row is kept (6 <= 30 levels)
        "x": [0.5, np.inf, 2.0, np.nan, 1.0, 3.5],
        "colour": ["red", "blue", "red", None, "blue", "red"],
    })
    x, categorical = corpus.encode(frame)
    assert x.dtype == np.float32 and x.shape == (6, 3)
    np.testing.assert_array_equal(categorical, [True, False, True])
    np.testing.assert_array_equal(x[:, 1], np.float32([0.5, np.nan, 2.0, np.nan, 1.0, 3.5]))
    np.testing.assert_array_equal(x[:, 2], [0, 1, 0, np.nan, 1, 0])


def test_targets_need_enough_rows_per_class(corpus):
    rng = np.random.RandomState(0)
    x = np.column_stack([
        np.r_[np.zeros(50), np.ones(50)],          # two classes: a target
        np.r_[np.zeros(97), np.ones(3)],           # one class with enough rows: not
        rng.normal(size=100),                      # numbers: a target (binned when drawn)
        rng.randint(0, 4, 100),                    # four levels as a number column
    ]).astype(np.float32)
    assert corpus.targets(x, np.array([True, True, False, True])) == [0, 2, 3]


def test_tasks_are_rows_of_the_table(corpus):
    rng = np.random.RandomState(0)
    n = 200
    table = np.column_stack([rng.normal(size=n), rng.exponential(size=n), rng.randint(0, 3, n),
                             rng.randint(0, 2, n)]).astype(np.float32)
    source = {"name": "t", "x": table, "categorical": np.array([False, False, True, True]),
              "targets": [0, 3]}
    rows_of_table = {tuple(np.round(r[:2], 5)) for r in table}
    for _ in range(20):
        x, y, k = corpus.sample_real_task(rng, source, n_rows=80, n_features=3)
        assert x.shape == (80, 3) and y.shape == (80,) and 2 <= k <= 5
        assert y.min() >= 0 and y.max() < k
        numeric = [j for j in range(3) if not np.isin(x[:, j], [0, 1, 2]).all()]
        assert 1 <= len(numeric) <= 2  # the target's column is never a feature
        if len(numeric) == 2:  # both numeric columns: their pairs are the table's rows
            pairs = {tuple(np.round(r, 5)) for r in x[:, numeric]}
            assert pairs <= rows_of_table or {(b, a) for a, b in pairs} <= rows_of_table


def test_numeric_target_is_cut_into_balanced_classes(corpus):
    rng = np.random.RandomState(1)
    table = np.column_stack([rng.normal(size=300), rng.normal(size=300)]).astype(np.float32)
    source = {"name": "t", "x": table, "categorical": np.array([False, False]), "targets": [0]}
    x, y, k = corpus.sample_real_task(rng, source, n_rows=300, n_features=5, n_classes=3)
    assert k == 3 and np.bincount(y).min() >= 95
    np.testing.assert_array_equal(np.sort(x[:, 0]), np.sort(table[:, 1]))


def test_a_table_with_a_benchmark_column_is_flagged(corpus):
    rng = np.random.RandomState(2)
    shared = np.round(rng.normal(size=(300, 2)), 3).astype(np.float32)
    reference = corpus._fingerprints(shared)
    assert corpus.overlapping_columns(np.column_stack([shared[:, 1], rng.normal(size=300)]), reference) == 1
    # A 150-row subset holds only half the column's values: not caught (the known copies are listed by name).
    assert corpus.overlapping_columns(shared[:150, [1]], reference) == 0
    levels = np.tile(np.arange(1, 11), 30).astype(np.float32)[:, None]  # 1-10 scores are not compared
    assert corpus.overlapping_columns(levels, corpus._fingerprints(levels)) == 0


@NEEDS_PYDATASET
def test_benchmark_data_is_left_out(corpus):
    report = []
    names = {s["name"] for s in corpus.build_sources(DATASETS, report)}
    left_out = dict(report)
    for name in ("MASS/biopsy", "MASS/Pima.tr", "MASS/Pima.te"):
        assert name not in names and "benchmark" in left_out[name]
    assert len(names) > 200
    assert not {s["name"] for s in corpus.build_sources()} & corpus.SAME_AS_BENCHMARK
