"""
Tuning the augmenter with GridSearchCV
======================================

The augmenter is an ordinary pipeline step, so its parameters are tuned like any
other: here the number of synthetic rows per real row, jointly with the
regularisation of a logistic regression. Synthetic rows are generated inside each
training fold only, never from validation folds.
"""

# %%
import pandas as pd
from imblearn.pipeline import make_pipeline
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from skcausalmix.over_sampling import CausalMixAugmenter

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_small, _, y_small, _ = train_test_split(X.iloc[:, :10], y, train_size=100, stratify=y,
                                          random_state=0)
pipe = make_pipeline(CausalMixAugmenter(random_state=0), StandardScaler(),
                     LogisticRegression(max_iter=1000))
grid = GridSearchCV(
    pipe,
    {"causalmixaugmenter__n_synthetic": [0.0, 0.5, 1.0, 2.0],
     "logisticregression__C": [0.1, 1.0]},
    cv=StratifiedKFold(5, shuffle=True, random_state=0), scoring="roc_auc",
)
grid.fit(X_small, y_small)
results = pd.DataFrame(grid.cv_results_)[["params", "mean_test_score", "std_test_score"]]
print(results.sort_values("mean_test_score", ascending=False).to_string(index=False))
print("best:", grid.best_params_)
