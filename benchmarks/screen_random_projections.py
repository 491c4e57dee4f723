"""Screen: ensemble members on random projections of all columns, added to the bundled model's ensemble.

    python -m benchmarks.screen_random_projections --datasets sonar,musk --size 128 --seeds 2 \
        --dims 5,10,16 --members 16 --out screen.csv

For every dataset and seed (the splits of ``bench_bundled_model``: ``common.split``): the
bundled model as skcausalmix runs it (its 32-member ensemble on the columns
that vary), and ``--members`` extra members, each a one-member
``TabPFNClassifier`` on ``k`` Gaussian random projections of the columns
(ordinal codes for categories, median-imputed, normal-quantile scaled on the
training rows). Columns of the CSV: ``shipped``; ``proj{k}`` (projection
members alone); ``mix{k}`` (all members, averaged by member count);
``half{k}`` (the two ensembles weighted equally); ``t{k}`` (seconds of the
projection members). ``--dims 0`` projects to as many dimensions as columns
(random rotations). ``--summarize CSV [CSV ...]`` prints median / mean per
column over datasets (seeds averaged), all and split at 30 features.
Results: ``results/feature_subspaces.md``.
"""

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer, StandardScaler

from benchmarks.common import (
    DATASETS,
    auc,
    checkpoint_proba,
    inference_settings,
    positive_int,
    save_row,
    screen_parser,
    seed_list,
    split,
    summarize_screen,
)


def numeric(X_tr, X_te):
    """Float matrices for projecting: category codes, median fill, normal scores."""
    X_tr, X_te = pd.DataFrame(X_tr).copy(), pd.DataFrame(X_te).copy()
    for c in X_tr.columns:
        if not pd.api.types.is_numeric_dtype(X_tr[c]):
            levels = pd.Index(X_tr[c].astype("object").dropna().unique())
            for frame in (X_tr, X_te):
                codes = levels.get_indexer(frame[c].astype("object")).astype(float)
                frame[c] = np.where(codes < 0, np.nan, codes)
    a, b = X_tr.to_numpy(float), X_te.to_numpy(float)
    fill = np.nan_to_num(np.nanmedian(a, axis=0))
    a, b = np.where(np.isnan(a), fill, a), np.where(np.isnan(b), fill, b)
    quantile = QuantileTransformer(n_quantiles=min(100, len(a)), output_distribution="normal").fit(a)
    scale = StandardScaler().fit(quantile.transform(a))
    return scale.transform(quantile.transform(a)), scale.transform(quantile.transform(b))


def screen(names, size, seeds, dims, members, out):
    from tabpfn import TabPFNClassifier

    from skcausalmix.benchmark import list_datasets, load_dataset
    from skcausalmix.finetuning import resolve_model_path
    from skcausalmix.finetuning._ensemble import take_columns

    path = resolve_model_path("bundled")
    settings, n_members = inference_settings(path, None, "auto")
    rows = []
    for ref in list_datasets(DATASETS, names):
        X, y = load_dataset(ref)
        for seed in range(seeds):
            X_tr, X_te, y_tr, y_te, classes = split(X, y, size, seed, max_test=1000)
            shipped, keep = checkpoint_proba(path, n_members, settings, seed, X_tr, y_tr, X_te)
            X_tr, X_te = take_columns(X_tr, keep), take_columns(X_te, keep)
            row = {"dataset": ref.name, "seed": seed, "shipped": auc(y_te, shipped, classes)}
            a, b = numeric(X_tr, X_te)
            rng = np.random.RandomState(seed)
            for k in dims:
                t = time.perf_counter()
                probas = []
                for m in range(members):
                    R = rng.standard_normal((a.shape[1], k or a.shape[1])) / np.sqrt(a.shape[1])
                    member = TabPFNClassifier(model_path=str(path), n_estimators=1, device="cpu",
                                              random_state=seed * 100 + m)
                    probas.append(member.fit(a @ R, y_tr).predict_proba(b @ R))
                proj = np.mean(probas, axis=0)
                row[f"t{k}"] = time.perf_counter() - t
                row[f"proj{k}"] = auc(y_te, proj, classes)
                row[f"mix{k}"] = auc(y_te, (shipped * n_members + proj * members) / (n_members + members), classes)
                row[f"half{k}"] = auc(y_te, (shipped + proj) / 2, classes)
            save_row(rows, row, out)
    return rows


def main(argv=None):
    parser = screen_parser(__doc__)
    parser.add_argument("--dims", type=seed_list, default="5,10,16", help="0: as many as columns")
    parser.add_argument("--members", type=positive_int, default=16)
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize_screen(args.summarize))
        return
    warnings.filterwarnings("ignore")
    names = None if args.datasets == "all" else args.datasets.split(",")
    screen(names, args.size, args.seeds, args.dims, args.members, args.out)


if __name__ == "__main__":
    main()
