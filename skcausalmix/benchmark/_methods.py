"""The methods the benchmark compares, built fresh for every run.

Fine-tuning methods all go through :class:`CausalMixTabPFNClassifier`, so
that only the synthetic data differ between them. The classic track puts the
same augmenters in front of classic classifiers in imblearn pipelines.
"""

import pandas as pd

#: name -> CausalMixTabPFNClassifier parameters (the augmenter by name).
FINETUNE_METHODS = {
    "zero-shot": {"augmenter": None, "max_iter": 0},
    # Zero-shot with the validation rows in its context too: what a user without fine-tuning
    # would run on all the rows they have (the fine-tuned methods use them to validate).
    "zero-shot-all": {"augmenter": None, "max_iter": 0},
    "finetune": {"augmenter": None},
    "causalmix": {"augmenter": "causalmix"},
    "causalmix-context": {"augmenter": "causalmix", "synthetic_in": "context"},
    "causalmix-query": {"augmenter": "causalmix", "synthetic_in": "query"},
    # Early stopping on the real validation rows only (the default pools 1:1 synthetic rows
    # with them, the paper's validation).
    "causalmix-realval": {"augmenter": "causalmix", "synthetic_validation": 0},
    "causalmix-ratio2": {"augmenter": "causalmix", "n_synthetic": 2.0},
    # The equations before per-class mechanisms became the default, and real marginals.
    "causalmix-additive": {"augmenter": "causalmix-additive"},
    "causalmix-real": {"augmenter": "causalmix-real"},
    "smote": {"augmenter": "smote"},
    "random-oversampling": {"augmenter": "random-oversampling"},
    "mixup": {"augmenter": "mixup"},
    # The paper's generator baselines (the ``benchmark`` extra).
    "ctgan": {"augmenter": "ctgan"},
    "tabebm": {"augmenter": "tabebm"},
    "gaussian-copula": {"augmenter": "gaussian-copula"},
}
DEFAULT_FINETUNE_METHODS = ("zero-shot", "finetune", "causalmix", "causalmix-context",
                            "causalmix-realval", "smote", "random-oversampling", "mixup")
AUGMENTERS = ("none", "causalmix", "causalmix-additive", "causalmix-real", "smote", "random-oversampling", "mixup",
              "ctgan", "tabebm", "gaussian-copula")
DEFAULT_AUGMENTERS = ("none", "causalmix", "smote", "random-oversampling", "mixup")
CLASSIC_MODELS = ("LogisticRegression", "RandomForest", "HistGradientBoosting")


def make_augmenter(name, ratio=1.0, random_state=None, model_path="bundled"):
    """A sampler adding ``ratio`` synthetic rows per real row (None for "none").

    ``ratio=None`` balances the classes instead (imbalanced-learn's ``sampling_strategy="auto"``:
    every class up to the largest). ``model_path``: the TabPFN checkpoint of a generator that
    uses one (TabEBM), the run's own.
    """
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from ..over_sampling import CausalMixAugmenter, ProportionalOverSampler, WithinClassMixup

    if name == "none":
        return None
    if name == "causalmix":
        return CausalMixAugmenter(n_synthetic=ratio, random_state=random_state)
    if name == "causalmix-additive":
        return CausalMixAugmenter(n_synthetic=ratio, mechanisms="shared", marginals="model",
                                  random_state=random_state)
    if name == "causalmix-real":
        return CausalMixAugmenter(n_synthetic=ratio, marginals="real", random_state=random_state)
    if name == "mixup":
        return WithinClassMixup(n_synthetic=ratio, random_state=random_state)
    if name == "smote":
        return ProportionalOverSampler(SMOTE(random_state=random_state), n_synthetic=ratio)
    if name == "random-oversampling":
        return ProportionalOverSampler(RandomOverSampler(random_state=random_state),
                                       n_synthetic=ratio)
    if name in ("ctgan", "tabebm", "gaussian-copula"):
        from ._generators import CTGANAugmenter, GaussianCopulaAugmenter, TabEBMAugmenter

        if name == "tabebm":
            return TabEBMAugmenter(n_synthetic=ratio, model_path=model_path, random_state=random_state)
        kind = CTGANAugmenter if name == "ctgan" else GaussianCopulaAugmenter
        return kind(n_synthetic=ratio, random_state=random_state)
    raise ValueError(f"Unknown augmenter {name!r}; choose from {AUGMENTERS}.")


def finetune_params(method, ratio=None, random_state=None, model_path="bundled"):
    """CausalMixTabPFNClassifier parameters of a fine-tuning method.

    ``ratio``: synthetic rows per real row; None keeps the classifier's default.
    """
    if method not in FINETUNE_METHODS:
        raise ValueError(f"Unknown method {method!r}; choose from {sorted(FINETUNE_METHODS)}.")
    params = dict(FINETUNE_METHODS[method])
    if ratio is not None:
        params.setdefault("n_synthetic", ratio)
    name = params["augmenter"]
    if name not in (None, "causalmix"):
        params["augmenter"] = make_augmenter(name, params.get("n_synthetic", 1.0), random_state, model_path)
    return params


def classic_pipeline(augmenter, model, X, random_state, balance=False, model_path="bundled"):
    """imblearn pipeline: augmenter (on the raw table) -> encoding -> classifier.

    The augmenter adds one synthetic row per real row, or with ``balance`` brings every
    class up to the largest."""
    from imblearn.pipeline import Pipeline

    steps = [("augment", make_augmenter(augmenter, None if balance else 1.0, random_state, model_path)
              or "passthrough"),
             ("model", classic_models(X, random_state)[model])]
    return Pipeline(steps)


def classic_models(X, random_state=0):
    """Classic classifiers with sensible preprocessing for a raw table ``X``."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    num = [c for c in X.columns if c not in cat]

    # keep_empty_features: a column missing in every training row must not vanish (HistGradientBoosting's
    # categorical mask counts every column).
    def onehot_scaled():
        return make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()), num),
            (make_pipeline(SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                           OneHotEncoder(handle_unknown="ignore", sparse_output=False)), cat),
        )

    def ordinal():
        return make_column_transformer(
            (SimpleImputer(strategy="median", keep_empty_features=True), num),
            (make_pipeline(SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                           OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
             cat),
        )

    return {
        "LogisticRegression": make_pipeline(onehot_scaled(), LogisticRegression(max_iter=2000)),
        "kNN": make_pipeline(onehot_scaled(),
                             KNeighborsClassifier(n_neighbors=15, weights="distance")),
        "RandomForest": make_pipeline(
            ordinal(), RandomForestClassifier(n_estimators=300, random_state=random_state, n_jobs=1)),
        "HistGradientBoosting": make_pipeline(
            ordinal(), HistGradientBoostingClassifier(
                random_state=random_state,
                categorical_features=[False] * len(num) + [True] * len(cat))),
    }
