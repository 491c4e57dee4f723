import json
import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("MPLCONFIGDIR", "/tmp/skcausalmix-mpl")

# Small real tables carried by the tests (see data/README.md): mixed types, text
# columns, missing values, three classes, a wide table.
DATASETS = Path(__file__).resolve().parent / "data"


def sampler_checks(estimators, **kwargs):
    """imblearn's ``parametrize_with_checks``, its checks collected in a list.

    imblearn hands pytest a generator, which pytest deprecates (an error from pytest 10).
    """
    from imblearn.utils.estimator_checks import parametrize_with_checks

    mark = parametrize_with_checks(estimators, **kwargs).mark
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)


def load_table(name, n_rows=None, random_state=0):
    """A real dataset from tests/data as (X DataFrame, y Series)."""
    df = pd.read_csv(DATASETS / f"{name}.csv.gz", dtype={"target": str})
    if n_rows is not None and n_rows < len(df):
        from sklearn.model_selection import train_test_split

        df, _ = train_test_split(
            df, train_size=n_rows, stratify=df["target"], random_state=random_state
        )
        df = df.reset_index(drop=True)
    y = df.pop("target")
    return df, y


@pytest.fixture(scope="session")
def manifest():
    return {d["name"]: d for d in json.loads((DATASETS / "manifest.json").read_text())}


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A small random tabpfn v3 checkpoint, built in tabpfn's format at test time.

    Its zero-initialised output projections are redrawn with small noise so
    that its predictions depend on the input.
    """
    from skcausalmix.finetuning._checkpoint import build_random_checkpoint

    return build_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-v3.safetensors", seed=0)
