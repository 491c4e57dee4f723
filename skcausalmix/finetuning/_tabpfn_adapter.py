"""Every use of tabpfn's fine-tuning internals, in one place.

A tabpfn upgrade that moves these pieces should only touch this file.
"""

import copy
import warnings
from dataclasses import asdict

import numpy as np


def new_classifier(model_spec, *, n_estimators, device, random_state, fit_mode,
                   ignore_pretraining_limits=False, settings=None):
    """A ``TabPFNClassifier`` on a checkpoint path or on in-memory weights.

    ``settings`` override the checkpoint's inference settings (the ensemble).
    """
    from tabpfn import TabPFNClassifier

    return TabPFNClassifier(
        model_path=model_spec,
        n_estimators=n_estimators,
        device=device,
        random_state=random_state,
        fit_mode=fit_mode,
        ignore_pretraining_limits=ignore_pretraining_limits,
        # Our loop hands tabpfn plain tables; text and date expansion would show
        # the final model features its weights were not tuned on.
        inference_config={"TRANSFORM_TEXT": False, "TRANSFORM_DATES": False, **(settings or {})},
    )


def trainable_classifier(model_path, *, n_estimators, device, random_state,
                         ignore_pretraining_limits=False):
    """The classifier whose weights the loop updates (tabpfn's "batched" mode)."""
    clf = new_classifier(str(model_path), n_estimators=n_estimators, device=device,
                         random_state=random_state, fit_mode="batched",
                         ignore_pretraining_limits=ignore_pretraining_limits)
    clf._initialize_model_variables()
    # Our own copy of the weights: tabpfn may share built models between
    # estimators (TABPFN_MODEL_CACHE_SIZE), and fine-tuning changes them in place.
    clf.models_[0] = copy.deepcopy(clf.models_[0])
    return clf


def checkpoint_limits(model_path):
    """:func:`model_limits` of a checkpoint file, read without fitting (and without a copy of the weights)."""
    clf = new_classifier(str(model_path), n_estimators=1, device="cpu", random_state=0, fit_mode="batched")
    clf._initialize_model_variables()
    return model_limits(clf)


def network(clf):
    """The torch module holding the weights."""
    return clf.models_[0]


def model_limits(clf):
    """(max classes, max rows, max features, max CPU rows) of a loaded model."""
    config = clf.configs_[0]
    inference = clf.inference_config_
    max_classes = min(getattr(config, "max_num_classes", 10) or 10, inference.MAX_NUMBER_OF_CLASSES)
    return (max_classes, inference.MAX_NUMBER_OF_SAMPLES, inference.MAX_NUMBER_OF_FEATURES,
            inference.MAX_CPU_SAMPLES)


def frozen_copy(clf, *, n_estimators, device, random_state, ignore_pretraining_limits=False,
                settings=None):
    """An inference classifier on a copy of ``clf``'s current weights."""
    from tabpfn import ModelSpecs

    spec = ModelSpecs(
        model=copy.deepcopy(network(clf)),
        architecture_config=copy.deepcopy(clf.configs_[0]),
        inference_config=copy.deepcopy(clf.inference_config_),
    )
    return new_classifier(spec, n_estimators=n_estimators, device=device,
                          random_state=random_state, fit_mode="fit_preprocessors",
                          ignore_pretraining_limits=ignore_pretraining_limits, settings=settings)


def preprocess_configs(clf):
    """The checkpoint's own preprocessing configurations of a loaded classifier."""
    return list(clf.inference_config_.PREPROCESS_TRANSFORMS)


def episode_batch(clf, X_context, y_context, X_query, y_query, seed):
    """Preprocess one context/query episode exactly as tabpfn's own loop does.

    The rows keep their roles: tabpfn's splitter is replaced by a positional
    split, so what we put in the context is the context.
    """
    import pandas as pd
    from tabpfn.finetuning.data_util import (
        get_preprocessed_dataset_chunks,
        meta_dataset_collator,
    )

    n_context = len(y_context)
    if isinstance(X_context, pd.DataFrame):
        X = pd.concat([X_context, X_query], ignore_index=True)
    else:
        X = np.concatenate([X_context, X_query])
    y = np.concatenate([y_context, y_query])

    def positional_split(X_all, y_all, stratify=None):
        return X_all[:n_context], X_all[n_context:], y_all[:n_context], y_all[n_context:]

    datasets = get_preprocessed_dataset_chunks(
        clf, X, y, split_fn=positional_split, max_data_size=None, model_type="classifier",
        equal_split_size=True, data_shuffle_seed=seed, preprocessing_random_state=seed,
        shuffle=False,
    )
    with warnings.catch_warnings():
        # tabpfn wraps read-only arrays in tensors it never writes to.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return meta_dataset_collator([datasets[0]])


def episode_loss(clf, batch):
    """Cross-entropy of the query rows given the context (mean over estimators)."""
    import torch
    from tabpfn.architectures.interface import PerformanceOptions

    clf.fit_from_preprocessed(
        batch.X_context, batch.y_context, batch.cat_indices, batch.configs,
        performance_options=PerformanceOptions(use_chunkwise_inference=False),
    )
    logits = clf.forward(batch.X_query, return_raw_logits=True)  # Q x B x E x L
    n_query, n_batch, n_est, n_classes = logits.shape
    logits = logits.permute(1, 2, 3, 0).reshape(n_batch * n_est, n_classes, n_query)
    target = batch.y_query.repeat(n_batch * n_est, 1).to(logits.device).long()
    return torch.nn.functional.cross_entropy(logits, target)


def context_has_query_labels(batch):
    """tabpfn cannot learn a class that is absent from the context."""
    import torch

    ctx = torch.unique(torch.cat([t.reshape(-1) for t in batch.y_context]))
    qry = torch.unique(batch.y_query.reshape(-1))
    return bool(torch.isin(qry, ctx).all())


def checkpoint_dict(clf):
    """A plain checkpoint dict (state_dict, config, architecture, inference config).

    For a ``frozen_copy`` the inference config is the checkpoint's own, not
    the one its ``settings`` made.
    """
    from tabpfn import ModelSpecs
    from tabpfn.model_loading import _resolve_architecture_name

    from ._checkpoint import plain_state_dict

    config = clf.configs_[0]
    spec = clf.model_path
    own = spec.inference_config if isinstance(spec, ModelSpecs) else clf.inference_config_
    return {
        "state_dict": plain_state_dict(network(clf)),
        "config": asdict(config),
        "architecture_name": _resolve_architecture_name(config),
        "inference_config": asdict(own),
    }


def load_weights(clf, state_dict):
    network(clf).load_state_dict(state_dict)


# ------------------------------------------------------------------ TabEBM
# TabEBM's inference settings: no feature transforms, no shifts, no fingerprint, so that
# SGLD's gradients are with respect to the features themselves.
TABEBM_SETTINGS = {"FINGERPRINT_FEATURE": False, "FEATURE_SHIFT_METHOD": None, "CLASS_SHIFT_METHOD": None}


def tabebm_generator(model_path, *, device, random_state):
    """``tabebm.TabEBM`` on the checkpoint ``model_path``, running on tabpfn 9.

    TabEBM (2025.8) was written for tabpfn 2: it imports ``tabpfn.config`` and
    ``tabpfn.utils.meta_dataset_collator`` (moved), builds a classifier that
    downloads the official weights, and calls ``get_preprocessed_datasets``,
    ``fit_from_preprocessed`` without ``performance_options`` and
    ``forward(..., return_logits=True)``. The imports get stand-ins and its
    ``model`` is replaced by one on ``model_path`` that answers those calls; the
    rest (surrogate negatives, SGLD, the energy) is TabEBM's own code, quirks
    included: its energy reshapes the ``(1, classes, rows)`` logits that tabpfn 9
    returns to ``(rows, classes)`` rather than transposing them, and that is kept.
    """
    _install_tabebm_imports()
    from tabebm.TabEBM import TabEBM
    from tabpfn.preprocessing.configs import PreprocessorConfig

    ebm = TabEBM()
    ebm.device = device
    settings = {**TABEBM_SETTINGS, "PREPROCESS_TRANSFORMS": [PreprocessorConfig(name="none")]}
    clf = new_classifier(str(model_path), n_estimators=1, device=device, random_state=random_state,
                         fit_mode="batched", settings=settings)
    ebm.model = _TabEBMModel(clf)
    return ebm


def _install_tabebm_imports():
    import sys
    import types

    import tabpfn.utils
    from tabpfn.preprocessing.configs import PreprocessorConfig

    if "tabpfn.config" not in sys.modules:
        module = types.ModuleType("tabpfn.config")
        # TabEBM's own classifier is replaced before it loads anything: its settings only need building.
        module.ModelInterfaceConfig = dict
        module.PreprocessorConfig = PreprocessorConfig
        sys.modules["tabpfn.config"] = module
    if not hasattr(tabpfn.utils, "meta_dataset_collator"):
        tabpfn.utils.meta_dataset_collator = _tuple_collator


def _tuple_collator(batch):
    """tabpfn 9's collated episode as the tuple tabpfn 2 returned."""
    from tabpfn.finetuning.data_util import meta_dataset_collator

    b = meta_dataset_collator(batch)
    return b.X_context, b.X_query, b.y_context, b.y_query, b.cat_indices, b.configs


class _TabEBMModel:
    """The calls TabEBM makes on its classifier, answered by tabpfn 9's."""

    def __init__(self, clf):
        self.clf = clf

    def get_preprocessed_datasets(self, X, y, split_fn, max_data_size):
        from tabpfn.finetuning.data_util import get_preprocessed_dataset_chunks

        return get_preprocessed_dataset_chunks(
            self.clf, X, y, split_fn=split_fn, max_data_size=max_data_size, model_type="classifier",
            equal_split_size=True, data_shuffle_seed=0, preprocessing_random_state=0, shuffle=False,
            # TabEBM's split keeps every row in the context: there is nothing to stratify.
            force_no_stratify=True)

    def fit_from_preprocessed(self, X, y, cat_ix, configs):
        from tabpfn.architectures.interface import PerformanceOptions

        fitted = self.clf.fit_from_preprocessed(
            X, y, cat_ix, configs, performance_options=PerformanceOptions(use_chunkwise_inference=False))
        # SGLD differentiates with respect to the rows, never the weights.
        network(self.clf).requires_grad_(False)
        return fitted

    def forward(self, X, return_logits=True):
        return self.clf.forward(X, return_logits=return_logits)
