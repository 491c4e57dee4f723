"""The README's offline demo: its fine-tuning part runs with the estimator's defaults."""

import warnings


def test_finetuning_demo_runs_offline_with_the_defaults():
    from skcausalmix._demo import run_finetuning_demo

    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the bundled-checkpoint fallback warning, offline
        scores = run_finetuning_demo(out=lines.append)
    assert set(scores) == {"zero-shot", "fine-tuned", "CausalMix fine-tuned"}
    assert all(0.5 < s <= 1 for s in scores.values())
    text = "\n".join(lines)
    # The demo reads the rate from the checkpoint, not from a warning's text.
    from skcausalmix.finetuning._checkpoint import SMALL_LEARNING_RATE

    assert f"learning rate {SMALL_LEARNING_RATE:g} (the checkpoint's own)" in text
    assert "kept step" in text
