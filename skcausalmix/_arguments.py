"""Argument types of the command lines, so that a bad value reads the same everywhere.

Each takes the text argparse got and returns the value, or raises
``argparse.ArgumentTypeError`` (argparse turns it into a usage error). The
scripts in ``benchmarks/`` and ``pretraining/`` use these and add their own.
"""

import argparse


def positive_int(text, expected="a positive integer"):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return int(text)


def non_negative_int(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def positive(kind):
    """A number of type ``kind`` above 0 (NaN refused)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def share_or_count(text):
    """A share of rows strictly between 0 and 1 ("0.2"), or a number of rows ("30")."""
    if text.isdigit():
        return positive_int(text, "a share between 0 and 1 or a positive number of rows")
    value = positive(float)(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1 or a whole number of rows, got {text!r}")
    return value


def ratio_or_count(text):
    """``n_synthetic`` as the augmenter reads it: rows per real row ("1.0", "0.5") or a count ("500").

    A whole number written without a decimal point is a count, as an int is for the augmenter.
    """
    if text.isdigit():
        return positive_int(text, "rows per real row (e.g. 1.0) or a number of rows (e.g. 500)")
    return positive(float)(text)


def count_or_auto(text):
    """An ensemble size: 'auto' (the checkpoint's own) or a positive integer."""
    return text if text == "auto" else positive_int(text, "'auto' or a positive integer")


def auto_or(parse):
    """'auto', or what ``parse`` reads (e.g. ``auto_or(positive(float))`` for a learning rate)."""
    def parse_or_auto(text):
        return text if text == "auto" else parse(text)
    return parse_or_auto
