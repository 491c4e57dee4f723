"""
Augmenting data for any classifier
==================================

:class:`~skcausalmix.over_sampling.CausalMixAugmenter` is an imbalanced-learn
sampler: put it in front of any estimator in an imbalanced-learn pipeline. Here it adds
one synthetic row per real row for a logistic regression trained on 60 rows of the
breast cancer data, next to no augmentation, SMOTE and within-class mixup. The
synthetic rows are added during ``fit`` only; predictions use the real model.
"""

# %%
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedShuffleSplit, cross_val_score
from sklearn.preprocessing import StandardScaler

from skcausalmix.over_sampling import CausalMixAugmenter, WithinClassMixup

data = load_breast_cancer(as_frame=True)
X, y = data.data.iloc[:, :10], data.target
cv = StratifiedShuffleSplit(n_splits=5, train_size=60, random_state=0)

augmenters = {
    "none": None,
    "SMOTE": SMOTE(random_state=0),
    "mixup": WithinClassMixup(n_synthetic=1.0, random_state=0),
    "CausalMix": CausalMixAugmenter(n_synthetic=1.0, random_state=0),
}
scores = {}
for name, augmenter in augmenters.items():
    steps = [StandardScaler(), LogisticRegression(max_iter=1000)]
    pipe = make_pipeline(*([augmenter] if augmenter is not None else []), *steps)
    scores[name] = cross_val_score(pipe, X, y, cv=cv, scoring="roc_auc").mean()
print(pd.Series(scores, name="mean ROC-AUC").round(4))

# %%
# What do the synthetic rows look like? ``synthetic_mask_`` marks them.
from skcausalmix.plotting import plot_real_vs_synthetic

aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
X_res, y_res = aug.fit_resample(X.iloc[:150], y.iloc[:150])
fig = plot_real_vs_synthetic(X_res[~aug.synthetic_mask_], X_res[aug.synthetic_mask_],
                             max_features=6)
