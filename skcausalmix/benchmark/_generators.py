"""The paper's generator baselines as samplers: CTGAN, SDV's Gaussian copula, TabEBM.

Each adds synthetic rows as :class:`~skcausalmix.over_sampling.CausalMixAugmenter`
does (``n_synthetic`` rows per real row, class proportions kept, real rows first and
unchanged) so that the benchmark compares generators, not class handling. The table
goes to the generator as the SCM encodes it (categorical columns as level codes,
missing cells imputed) and its rows come back through the same decoding (levels,
dtypes, observed ranges, grids), so a generator never invents a level or a dtype.
Generated rows have no missing cells. ``fit_seconds_`` records the generator's time.

The generators live in other packages (``ctgan``, ``sdv``, ``tabebm``: the ``benchmark``
extra), imported when a sampler is fitted.
"""

import contextlib
import io
import os
import time
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..over_sampling._base import BaseAugmenter
from ..scm._table import TableEncoder

LABEL = "__label__"


class _GeneratorAugmenter(BaseAugmenter):
    """Shared by the generator baselines: encoding, class counts, timing."""

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_synthetic=1.0, random_state=None):
        super().__init__(sampling_strategy="auto")
        self.n_synthetic = n_synthetic
        self.random_state = random_state

    def _fit_resample(self, X, y):
        request = self._synthetic_counts(y)
        encoder = TableEncoder()
        Z, _ = encoder.fit_transform(X)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        start = time.perf_counter()
        if request:
            Z_new, y_new = self._generate(Z, np.asarray(y), encoder.categorical_, request, seed)
        else:
            Z_new, y_new = np.zeros((0, Z.shape[1])), np.asarray(y)[:0]
        self.fit_seconds_ = time.perf_counter() - start
        return self._append(X, y, encoder.to_table(Z_new), y_new)

    def _generate(self, Z, y, categorical, request, seed):
        """``(Z_new, y_new)``: ``request[c]`` encoded rows of each class ``c``."""
        raise NotImplementedError


def _frame(Z, categorical, y=None):
    """The encoded table as a DataFrame a generator reads: level codes as text."""
    frame = pd.DataFrame({f"x{j}": (Z[:, j].astype(int).astype(str) if categorical[j] else Z[:, j])
                          for j in range(Z.shape[1])})
    if y is not None:
        frame[LABEL] = y
    return frame


def _matrix(frame, categorical):
    return np.column_stack([pd.to_numeric(frame[f"x{j}"]).to_numpy(dtype=float) for j in range(len(categorical))])


def _seed_everything(seed):
    import torch

    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class CTGANAugmenter(_GeneratorAugmenter):
    """Synthetic rows from CTGAN (``ctgan`` package), conditional on the class.

    CTGAN is fitted on the table with the class as a discrete column; each class's
    rows are drawn with CTGAN's conditional vector set to the class, keeping only
    rows it generates with that class (up to ``max_tries`` rounds). Rows still
    missing after that are the last round's conditioned rows, labelled with the
    class they were asked for; ``n_relabelled_`` counts them.

    Parameters
    ----------
    n_synthetic : float or int, default=1.0
        Synthetic rows per real row (float) or in all (int), split over the
        classes in proportion to their counts.
    epochs : int, default=300
        CTGAN's training epochs (CTGAN's own default).
    batch_size : int, default=500
        CTGAN's batch size (its default; a multiple of its ``pac`` of 10).
    max_tries : int, default=10
        Rounds of conditional sampling per class.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    fit_seconds_ : float
        Seconds to fit CTGAN and sample.
    n_relabelled_ : int
        Rows labelled by the condition rather than by the generator.
    sampling_strategy_ : dict
    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    _parameter_constraints: dict = {
        **_GeneratorAugmenter._parameter_constraints,
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 10, None, closed="left")],
        "max_tries": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, n_synthetic=1.0, epochs=300, batch_size=500, max_tries=10, random_state=None):
        super().__init__(n_synthetic=n_synthetic, random_state=random_state)
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_tries = max_tries

    def _generate(self, Z, y, categorical, request, seed):
        from ctgan import CTGAN

        classes = np.unique(y)
        codes = np.array([f"c{k}" for k in np.searchsorted(classes, y)])
        frame = _frame(Z, categorical, codes)
        discrete = [f"x{j}" for j in np.flatnonzero(categorical)] + [LABEL]
        _seed_everything(seed)
        if self.batch_size % 10:
            raise ValueError(f"batch_size must be a multiple of CTGAN's pac (10); got {self.batch_size}.")
        model = CTGAN(epochs=self.epochs, batch_size=self.batch_size)
        model.set_random_state(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rdt/sklearn convergence chatter on tiny tables
            model.fit(frame, discrete)
        self.n_relabelled_ = 0
        parts, labels = [], []
        for label, count in request.items():
            code = f"c{np.searchsorted(classes, label)}"
            kept = frame.iloc[:0]
            for _ in range(self.max_tries):
                rows = model.sample(2 * count, condition_column=LABEL, condition_value=code)
                kept = pd.concat([kept, rows[rows[LABEL] == code]])
                if len(kept) >= count:
                    break
            short = count - min(count, len(kept))
            self.n_relabelled_ += short
            rows = pd.concat([kept.iloc[:count], rows[rows[LABEL] != code].iloc[:short]])
            parts.append(_matrix(rows, categorical))
            labels.append(np.full(count, label, dtype=y.dtype))
        return np.vstack(parts), np.concatenate(labels)


class GaussianCopulaAugmenter(_GeneratorAugmenter):
    """Synthetic rows from SDV's ``GaussianCopulaSynthesizer``, conditional on the class.

    The copula is fitted on the table with the class as a categorical column and
    sampled with SDV's conditional sampling (``Condition`` on the class), which
    gives every row the class it was asked for, as SDV's users sample it. One
    Gaussian dependence over the whole table carries the class only part of the
    way: on two classes 6 standard deviations apart, the synthetic class means
    lay 2 apart (``tests/benchmark/test_generators.py``).

    Parameters
    ----------
    n_synthetic : float or int, default=1.0
        Synthetic rows per real row (float) or in all (int), split over the
        classes in proportion to their counts.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    fit_seconds_ : float
        Seconds to fit the copula and sample.
    sampling_strategy_ : dict
    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def _generate(self, Z, y, categorical, request, seed):
        from sdv.metadata import Metadata
        from sdv.sampling import Condition
        from sdv.single_table import GaussianCopulaSynthesizer

        classes = np.unique(y)
        frame = _frame(Z, categorical, np.array([f"c{k}" for k in np.searchsorted(classes, y)]))
        # Declared, not detected: detection may take a column of codes for an id.
        columns = {f"x{j}": {"sdtype": "categorical" if categorical[j] else "numerical"} for j in range(Z.shape[1])}
        columns[LABEL] = {"sdtype": "categorical"}
        metadata = Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})
        _seed_everything(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            synth = GaussianCopulaSynthesizer(metadata)
            synth.fit({"table": frame})
            conditions = [Condition(num_rows=count, column_values={LABEL: f"c{np.searchsorted(classes, label)}"})
                          for label, count in request.items()]
            with contextlib.redirect_stderr(io.StringIO()):  # SDV's progress bar, one per call
                rows = synth.sample_from_conditions(conditions)
        if isinstance(rows, dict):  # SDV 2 answers with {table name: rows}
            rows = rows["table"]
        codes = rows[LABEL].str[1:].astype(int).to_numpy()
        # Rejection sampling may come back short (SDV only warns): the counts must be CausalMix's.
        for label, count in request.items():
            got = int((codes == np.searchsorted(classes, label)).sum())
            if got != count:
                raise RuntimeError(f"SDV's conditional sampling gave {got} of the {count} rows asked for class "
                                   f"{label!r}.")
        return _matrix(rows, categorical), classes[codes]


class TabEBMAugmenter(_GeneratorAugmenter):
    """Synthetic rows from TabEBM (``tabebm`` package, the authors' code) on a given checkpoint.

    TabEBM turns a TabPFN classifier of each class against surrogate negatives
    into an energy and samples it by SGLD from noisy real rows of the class. Its
    own code runs; :func:`~skcausalmix.finetuning._tabpfn_adapter.tabebm_generator`
    gives it ``model_path``'s weights and the tabpfn 9 calls in place of the tabpfn 2
    ones it was written for. Features are standardised before and restored after,
    as TabEBM's examples do (its surrogate negatives sit at +-5 in every feature).

    Parameters
    ----------
    n_synthetic : float or int, default=1.0
        Synthetic rows per real row (float) or in all (int), split over the
        classes in proportion to their counts.
    model_path : str or path, default="bundled"
        The TabPFN checkpoint: "bundled" (skcausalmix's) or a file.
    sgld_steps : int, default=200
        SGLD steps (TabEBM's default).
    device : str, default="cpu"
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    fit_seconds_ : float
        Seconds to fit the per-class classifiers and sample.
    sampling_strategy_ : dict
    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    _parameter_constraints: dict = {
        **_GeneratorAugmenter._parameter_constraints,
        "model_path": [str, os.PathLike],
        "sgld_steps": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "mps"}), str],
    }

    def __init__(self, *, n_synthetic=1.0, model_path="bundled", sgld_steps=200, device="cpu",
                 random_state=None):
        super().__init__(n_synthetic=n_synthetic, random_state=random_state)
        self.model_path = model_path
        self.sgld_steps = sgld_steps
        self.device = device

    def _generate(self, Z, y, categorical, request, seed):
        from ..finetuning._model_loading import resolve_model_path
        from ..finetuning._tabpfn_adapter import tabebm_generator

        mean, scale = Z.mean(axis=0), Z.std(axis=0)
        scale[scale == 0] = 1.0
        path = resolve_model_path(self.model_path)
        parts, labels = [], []
        for label, count in request.items():
            # A class's energy needs only its own rows (against TabEBM's surrogate negatives): one
            # generator per class, each asked for that class's count (TabEBM caches its fit by class).
            ebm = tabebm_generator(path, device=self.device, random_state=seed)
            rows = (Z[y == label] - mean) / scale
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                samples = ebm.generate(rows, np.zeros(len(rows), dtype=int), num_samples=count,
                                       sgld_steps=self.sgld_steps, seed=seed)
            parts.append(samples["class_0"] * scale + mean)
            labels.append(np.full(count, label, dtype=y.dtype))
        return np.vstack(parts), np.concatenate(labels)
