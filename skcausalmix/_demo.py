"""The README's demo: causal augmentation on a real dataset, offline."""

import time

import numpy as np


def run_augmentation_demo(n_train=60, n_splits=5, random_state=0, out=print):
    """Discover the structure of a real dataset and compare augmenters in CV.

    Uses scikit-learn's bundled copy of the Wisconsin breast cancer data
    (569 rows, 30 features), with data-scarce training folds of ``n_train``
    rows, as in fine-tuning on small tables.
    """
    import pandas as pd
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedShuffleSplit, cross_validate
    from sklearn.preprocessing import StandardScaler

    from .over_sampling import CausalMixAugmenter

    data = load_breast_cancer(as_frame=True)
    # SMOTE needs 6 rows of the smaller class (37 %); the test part keeps 100 rows.
    low, high = 20, len(data.target) - 100
    if not low <= n_train <= high:
        raise ValueError(f"n_train must be between {low} and {high} for the demo's {len(data.target)} rows; "
                         f"got {n_train}.")
    # The ten "mean" measurements keep the graph readable.
    X = data.data.iloc[:, :10]
    y = pd.Series(data.target_names[data.target], name="diagnosis")
    out(f"Dataset: breast cancer (scikit-learn), {X.shape[0]} rows x {X.shape[1]} features")

    t0 = time.perf_counter()
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=random_state)
    aug.fit_resample(X, y)
    scm = aug.scm_
    out(f"\nDiscovered causal structure (DirectLiNGAM on class-centred data, "
        f"{time.perf_counter() - t0:.1f} s):")
    out("  causal order: " + " -> ".join(scm.causal_order_))
    # Standardised weights: effect in child SDs per parent SD, comparable across edges.
    sd = X.std()
    edges = sorted(
        ((p, c, w * sd[p] / sd[c]) for p, c, w in scm.edges_), key=lambda e: -abs(e[2])
    )
    out(f"  {len(edges)} edges, strongest first (standardised weights):")
    for parent, child, weight in edges[:12]:
        out(f"    {parent:>24} -> {child:<24} {weight:+.3f}")

    cv = StratifiedShuffleSplit(n_splits=n_splits, train_size=n_train, random_state=random_state)
    methods = {
        "no augmentation": None,
        "SMOTE (balance)": SMOTE(random_state=random_state),
        "CausalMix (balance)": CausalMixAugmenter(random_state=random_state),
        "CausalMix (+100% rows)": CausalMixAugmenter(n_synthetic=1.0, random_state=random_state),
    }
    out(f"\nLogisticRegression, {n_splits} splits of {n_train} training rows, "
        f"tested on the other {len(y) - n_train} rows:")
    out(f"  {'method':<24} {'ROC-AUC':>8} {'± sd':>6} {'accuracy':>9} {'fit s':>7}")
    results = {}
    for name, sampler in methods.items():
        steps = [StandardScaler(), LogisticRegression(max_iter=1000)]
        pipe = make_pipeline(*([sampler] if sampler is not None else []), *steps)
        res = cross_validate(pipe, X, y, cv=cv, scoring=("roc_auc", "accuracy"))
        auc = res["test_roc_auc"]
        results[name] = float(np.mean(auc))
        out(f"  {name:<24} {np.mean(auc):8.4f} {np.std(auc):6.3f} "
            f"{np.mean(res['test_accuracy']):9.4f} {np.mean(res['fit_time']):7.2f}")
    return results


def run_finetuning_demo(n_train=128, random_state=0, out=print):
    """Zero-shot vs fine-tuned vs CausalMix fine-tuned TabPFN on a real dataset.

    Every setting is the estimator's default. The weights are tabpfn's
    official ones when they can be had, else the small checkpoint bundled with
    skcausalmix (offline); ``model_path_`` says which.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    from .finetuning import CausalMixTabPFNClassifier, bundled_model_path
    from .finetuning._checkpoint import stored_finetuning

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, train_size=n_train, stratify=y, random_state=random_state
    )
    out(f"\nFine-tuning TabPFN on {n_train} rows of breast cancer, tested on {len(y_te)} rows.")
    runs = {
        "zero-shot": CausalMixTabPFNClassifier(augmenter=None, max_iter=0, random_state=random_state),
        "fine-tuned": CausalMixTabPFNClassifier(augmenter=None, random_state=random_state),
        "CausalMix fine-tuned": CausalMixTabPFNClassifier(random_state=random_state),
    }
    out(f"  {'method':<22} {'test ROC-AUC':>12} {'test log-loss':>13} {'kept step':>9} "
        f"{'of':>4} {'fit s':>7}")
    scores = {}
    for name, clf in runs.items():
        start = time.perf_counter()
        clf.fit(X_tr, y_tr)
        seconds = time.perf_counter() - start
        proba = clf.predict_proba(X_te)[:, 1]
        scores[name] = roc_auc_score(y_te, proba)
        out(f"  {name:<22} {scores[name]:12.4f} {log_loss(y_te, proba):13.4f} "
            f"{clf.best_iter_:>9} {clf.n_iter_:>4} {seconds:7.1f}")
    if any(c.best_iter_ == 0 and c.n_iter_ > 0 for c in runs.values()):
        out("Kept step 0: no step lowered the validation log-loss, so early stopping kept the "
            "zero-shot weights (they change on most tables: benchmarks/results/finetuning_study.md).")
    bundled = clf.model_path_ == bundled_model_path()
    out(f"Weights: {clf.model_path_.name}" + (
        " (bundled with skcausalmix: the official TabPFN weights are not available here)"
        if bundled else "") + f"; learning rate {clf.learning_rate_:g} ("
        + ("the checkpoint's own)." if stored_finetuning(clf.model_path_) else "tabpfn's default "
           "for weights that name none)."))
    return scores


def run_demo(n_train=60, random_state=0, finetune=True, out=print):
    run_augmentation_demo(n_train=n_train, random_state=random_state, out=out)
    if finetune:
        try:
            import tabpfn  # noqa: F401
        except ImportError:
            out("\n(Install the 'tabpfn' extra to see the fine-tuning part of the demo.)")
            return
        run_finetuning_demo(random_state=random_state, out=out)
