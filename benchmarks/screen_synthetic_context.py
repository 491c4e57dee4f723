"""Screen: the bundled model zero-shot with CausalMix synthetic rows added to its context.

    python -m benchmarks.screen_synthetic_context --datasets diabetes,sonar --size 128 --seeds 2 \
        --ratios 0.5,1.0 --out screen.csv

For every dataset and seed (the splits of ``bench_bundled_model``: ``common.split``): the
bundled model as skcausalmix runs it (its ensemble on the columns that vary),
with the training rows alone as its context (``shipped``) and with the
training rows plus ``CausalMixAugmenter(n_synthetic=r)``'s synthetic rows
(``ctx{r}``: ``r`` synthetic rows per real row, class proportions kept; the
augmenter fitted on the training rows only). No weights change: this asks
whether the SCM's rows help in-context prediction by themselves, the reason
``CausalMixTabPFNClassifier`` keeps synthetic rows out of its final context.
``t{r}``: seconds of augmenting plus predicting. ``--summarize CSV [CSV ...]``
prints median / mean per column over datasets (seeds averaged), all and split
at 30 features. Results: ``results/feature_subspaces.md``.
"""

import time
import warnings

from benchmarks.common import (
    DATASETS,
    auc,
    checkpoint_proba,
    inference_settings,
    positive_floats,
    save_row,
    screen_parser,
    split,
    summarize_screen,
)


def screen(names, size, seeds, ratios, out):
    from skcausalmix import CausalMixAugmenter
    from skcausalmix.benchmark import list_datasets, load_dataset
    from skcausalmix.finetuning import resolve_model_path

    path = resolve_model_path("bundled")
    settings, n_members = inference_settings(path, None, "auto")
    rows = []
    for ref in list_datasets(DATASETS, names):
        X, y = load_dataset(ref)
        for seed in range(seeds):
            X_tr, X_te, y_tr, y_te, classes = split(X, y, size, seed, max_test=1000)
            shipped, _ = checkpoint_proba(path, n_members, settings, seed, X_tr, y_tr, X_te)
            row = {"dataset": ref.name, "seed": seed, "shipped": auc(y_te, shipped, classes)}
            for r in ratios:
                t = time.perf_counter()
                X_aug, y_aug = CausalMixAugmenter(n_synthetic=r, random_state=seed).fit_resample(X_tr, y_tr)
                proba, _ = checkpoint_proba(path, n_members, settings, seed, X_aug, y_aug, X_te)
                row[f"t{r:g}"] = time.perf_counter() - t
                row[f"ctx{r:g}"] = auc(y_te, proba, classes)
            save_row(rows, row, out)
    return rows


def main(argv=None):
    parser = screen_parser(__doc__)
    parser.add_argument("--ratios", type=positive_floats, default="0.5,1.0")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize_screen(args.summarize))
        return
    warnings.filterwarnings("ignore")
    names = None if args.datasets == "all" else args.datasets.split(",")
    screen(names, args.size, args.seeds, args.ratios, args.out)


if __name__ == "__main__":
    main()
