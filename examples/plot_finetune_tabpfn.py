"""
Fine-tuning TabPFN with causal synthetic data
=============================================

:class:`~skcausalmix.finetuning.CausalMixTabPFNClassifier` fine-tunes TabPFN on 128
real rows plus as many rows from a causal model of them, with early stopping on the
log-loss of a real validation split. ``eval_set`` records a held-out score at every
validation check (for monitoring only), so we can see whether validation tracks it.

This example uses the small checkpoint bundled with skcausalmix, so it runs offline on
a CPU; ``model_path="auto"`` takes TabPFN's official weights where they can be had.
Every other setting is the default: the learning rate is the checkpoint's own.
"""

# %%
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skcausalmix.finetuning import CausalMixTabPFNClassifier
from skcausalmix.plotting import plot_history

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=128, stratify=y,
                                                    random_state=0)
clf = CausalMixTabPFNClassifier(model_path="bundled", random_state=0)
clf.fit(X_train, y_train, eval_set=(X_test, y_test))
print(f"kept step {clf.best_iter_} of {clf.n_iter_} ({clf.stop_reason_}), "
      f"{clf.n_synthetic_} synthetic rows, learning rate {clf.learning_rate_:g}")
print(f"test ROC-AUC {roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]):.4f}")

# %%
fig = plot_history(clf, metric="log_loss")

# %%
# The fine-tuned weights load in plain TabPFN: ``clf.save_model("tuned.safetensors")``,
# then ``TabPFNClassifier(model_path="tuned.safetensors")``.
