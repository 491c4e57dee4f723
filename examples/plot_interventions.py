"""
What if? Interventions and counterfactual rows
==============================================

A fitted :class:`~skcausalmix.scm.StructuralCausalModel` can sample the table under an
intervention, ``sample(do={column: value})``: the column is set, its descendants in the
discovered graph follow through the fitted equations, and every other column keeps its
distribution. ``counterfactual`` asks the same of given rows, each keeping its own noise.

This is not what the data show when one conditions on a value: rows with a high value
of a column also differ in that column's *causes*, and those differences reach other
columns too. The plot sets one column of the wine table to a range of values and compares
the mean of a downstream column under the intervention with its mean among real rows near
that value.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine

from skcausalmix.scm import StructuralCausalModel

data = load_wine(as_frame=True)
X, y = data.data, data.target
scm = StructuralCausalModel(random_state=0).fit(X, y)

# The column with the most descendants, and the descendant it moves most per standard
# deviation: read off the total effects of the fitted (linear) graph.
B = scm.adjacency_.to_numpy()
total = np.linalg.inv(np.eye(len(B)) - B)
n_desc = (np.abs(total) > 1e-12).sum(axis=0) - 1
cause = int(np.argmax(n_desc))
scaled = np.abs(total[:, cause]) * X.iloc[:, cause].std() / X.std().to_numpy()
scaled[cause] = 0
effect = int(np.argmax(scaled))
cause, effect = X.columns[cause], X.columns[effect]
print(f"do({cause}) moves {n_desc.max()} columns; looking at {effect}")
print("path weights:", [(p, c, round(w, 3)) for p, c, w in scm.edges_ if c == effect or p == cause])

# %%
# The mean of ``effect`` under ``do(cause = v)`` for a grid of values, with a band of
# two standard errors; beside it the mean of ``effect`` among the real rows whose
# ``cause`` lies near ``v`` (observational).
grid = np.quantile(X[cause], np.linspace(0.1, 0.9, 9))
means, errors = [], []
for v in grid:
    X_do, _ = scm.sample(2000, do={cause: float(v)}, random_state=0)
    means.append(X_do[effect].mean())
    errors.append(2 * X_do[effect].std() / np.sqrt(len(X_do)))
means, errors = np.array(means), np.array(errors)
order = np.argsort(X[cause].to_numpy())
window = len(X) // 6
near = [X[effect].to_numpy()[order][max(0, i - window // 2): i + window // 2].mean()
        for i in np.searchsorted(X[cause].to_numpy()[order], grid)]

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(X[cause], X[effect], s=8, color="0.75", label="real rows")
ax.plot(grid, near, "s--", color="tab:gray", label=f"real rows near {cause} = v")
ax.plot(grid, means, "o-", color="tab:blue", label=f"under do({cause} = v)")
ax.fill_between(grid, means - errors, means + errors, color="tab:blue", alpha=0.2)
ax.set_xlabel(cause)
ax.set_ylabel(f"mean {effect}")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Counterfactual rows: the first five rows had ``cause`` been at its 90th percentile.
# Each keeps its own residuals, so only ``cause`` and its descendants change.
v = float(grid[-1])
X_cf = scm.counterfactual(X.head(5), y[:5], do={cause: v})
changed = (X_cf != X.head(5)).any()
print(X_cf.loc[:, changed].round(3).to_string())
print("unchanged:", ", ".join(X.columns[~changed.to_numpy()]))
