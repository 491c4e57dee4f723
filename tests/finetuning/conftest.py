import pytest
from sklearn.datasets import make_classification


@pytest.fixture
def small_data():
    X, y = make_classification(
        n_samples=90, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    return X, y


FAST = dict(
    max_iter=4, validation_interval=2, warmup_iter=0, n_estimators_validation=1,
    n_estimators_inference=1, context_size=48, query_size=16, random_state=0,
)
