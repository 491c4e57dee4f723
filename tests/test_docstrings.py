"""Every public parameter and fitted attribute of the public estimators is documented."""

import inspect
import re

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skcausalmix.over_sampling import CausalMixAugmenter, ProportionalOverSampler, WithinClassMixup
from skcausalmix.scm import StructuralCausalModel


def _section(doc, title):
    match = re.search(rf"^{title}\n-+\n(.*?)(?=^[A-Z][A-Za-z ]+\n-+\n|\Z)", doc, re.S | re.M)
    return match.group(1) if match else ""


def _names(section):
    # numpydoc entries: "name : type" (or "a, b : type") at the section's own indentation.
    names = set()
    for line in section.splitlines():
        m = re.match(r"^([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*)(\s:|$)", line)
        if m:
            names.update(n.strip() for n in m.group(1).split(","))
    return names


def _fitted(estimator):
    from imblearn.over_sampling import SMOTE

    X, y = make_classification(n_samples=80, n_features=4, n_informative=3, n_redundant=0,
                               random_state=0)
    if isinstance(estimator, StructuralCausalModel):
        return estimator.fit(X, y)
    if isinstance(estimator, ProportionalOverSampler):
        estimator.set_params(sampler=SMOTE(random_state=0))
    estimator.fit_resample(X, y)
    return estimator


ESTIMATORS = [CausalMixAugmenter(random_state=0), WithinClassMixup(random_state=0),
              ProportionalOverSampler(None), StructuralCausalModel(random_state=0)]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_parameters_and_fitted_attributes_are_documented(estimator):
    doc = inspect.getdoc(type(estimator))
    params = set(inspect.signature(type(estimator).__init__).parameters) - {"self"}
    assert params <= _names(_section(doc, "Parameters")), params - _names(_section(doc, "Parameters"))
    fitted = {k for k in vars(_fitted(estimator)) if k.endswith("_") and not k.startswith("_")}
    assert fitted and _names(_section(doc, "Attributes"))  # the parser found both sides
    missing = fitted - _names(_section(doc, "Attributes"))
    assert not missing, missing


def test_the_classifiers_parameters_and_fitted_attributes_are_documented(tiny_checkpoint):
    from skcausalmix.finetuning import CausalMixTabPFNClassifier

    doc = inspect.getdoc(CausalMixTabPFNClassifier)
    params = set(inspect.signature(CausalMixTabPFNClassifier.__init__).parameters) - {"self"}
    assert params <= _names(_section(doc, "Parameters")), params - _names(_section(doc, "Parameters"))
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, max_iter=2, validation_interval=1,
                                    n_estimators_validation=1, n_estimators_inference=1,
                                    random_state=0).fit(X, y)
    fitted = {k for k in vars(clf) if k.endswith("_") and not k.startswith("_")}
    assert {"history_", "best_iter_", "n_iter_", "learning_rate_"} <= fitted
    missing = fitted - _names(_section(doc, "Attributes"))
    assert not missing, missing
    assert np.isfinite(clf.predict_proba(X)).all()
