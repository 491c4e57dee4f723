"""skcausalmix/_arguments.py: the argument types of the command lines."""

import argparse

import pytest

from skcausalmix._arguments import count_or_auto, non_negative_int, positive, positive_int, share_or_count


def test_good_values():
    assert positive_int("3") == 3 and non_negative_int("0") == 0
    assert positive(float)("1e-4") == 1e-4
    assert count_or_auto("auto") == "auto" and count_or_auto("4") == 4
    assert share_or_count("0.2") == 0.2 and share_or_count("30") == 30 and isinstance(share_or_count("30"), int)


@pytest.mark.parametrize("parse, text, message", [
    (positive_int, "0", "expected a positive integer, got '0'"),
    (positive_int, "2.5", "expected a positive integer"),
    (non_negative_int, "-1", "expected a non-negative integer"),
    (positive(float), "0", "must be positive"),
    (positive(float), "nan", "must be positive"),
    (positive(int), "x", "'x' is not a valid int"),
    (count_or_auto, "0", "'auto' or a positive integer"),
    (share_or_count, "1.5", "share between 0 and 1 or a whole number of rows"),
    (share_or_count, "0", "share between 0 and 1 or a positive number of rows"),
    (share_or_count, "nan", "must be positive"),
])


def test_bad_values_say_what_was_expected(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_finetune_takes_zero_steps_a_validation_count_and_auto():
    # --max-iter 0 (the pretrained weights); --validation-fraction 30 is a count, not the share 30.0.
    from skcausalmix._cli import build_parser

    parse = build_parser().parse_args
    args = parse(["finetune", "t.csv", "-t", "y", "-o", "m.joblib", "--max-iter", "0",
                  "--validation-fraction", "30", "--learning-rate", "auto"])
    assert args.max_iter == 0 and args.validation_fraction == 30 and isinstance(args.validation_fraction, int)
    assert args.learning_rate == "auto"
    assert parse(["finetune", "t.csv", "-t", "y", "-o", "m.joblib", "--learning-rate", "3e-4"]).learning_rate == 3e-4
    # Left out, every tuning option defers to the estimator's own default.
    args = parse(["finetune", "t.csv", "-t", "y", "-o", "m.joblib"])
    assert [args.max_iter, args.learning_rate, args.n_synthetic, args.scoring, args.validation_fraction] == [None] * 5
    with pytest.raises(SystemExit):
        parse(["finetune", "t.csv", "-t", "y", "-o", "m.joblib", "--learning-rate", "fast"])


def test_n_synthetic_is_a_ratio_or_a_count_as_the_augmenter_reads_it():
    from skcausalmix._arguments import ratio_or_count

    assert ratio_or_count("500") == 500 and isinstance(ratio_or_count("500"), int)
    assert ratio_or_count("1.0") == 1.0 and isinstance(ratio_or_count("1.0"), float)
    assert ratio_or_count("0.5") == 0.5
    for bad in ("0", "-1", "0.0", "many", "nan"):
        with pytest.raises(argparse.ArgumentTypeError):
            ratio_or_count(bad)
