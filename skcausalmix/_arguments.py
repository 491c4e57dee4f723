"""Argument types of the command lines and the scripts, so that a bad value reads the same everywhere.

Each takes the text argparse got and returns the value, or raises
``argparse.ArgumentTypeError`` (argparse turns it into a usage error).
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


def share(text):
    """A share between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid float") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, got {text}")
    return value


def share_or_count(text):
    """A share of rows strictly between 0 and 1 ("0.2"), or a number of rows ("30")."""
    if text.isdigit():
        return positive_int(text, "a share between 0 and 1 or a positive number of rows")
    value = positive(float)(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1 or a whole number of rows, got {text!r}")
    return value


def positive_ints(text, minimum=1):
    """A comma-separated list of integers of at least ``minimum`` ("64,128")."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if not parts or not all(t.isdigit() and int(t) >= minimum for t in parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers of at least {minimum}, got {text!r}")
    return [int(t) for t in parts]


def seed_list(text):
    """Seeds: a comma-separated list of non-negative integers ("0,3,7")."""
    return positive_ints(text, minimum=0)


def table_shapes(text):
    """A comma-separated list of rows x columns ("200x10,1000x20")."""
    shapes = []
    for part in filter(None, (t.strip() for t in text.split(","))):
        rows, _, cols = part.partition("x")
        try:
            shapes.append((positive_int(rows), positive_int(cols)))
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"expected shapes such as 200x10, got {part!r}") from None
    if not shapes:
        raise argparse.ArgumentTypeError(f"expected shapes such as 200x10, got {text!r}")
    return shapes


def count_or_auto(text):
    """An ensemble size: 'auto' (the checkpoint's own) or a positive integer."""
    return text if text == "auto" else positive_int(text, "'auto' or a positive integer")


def auto_or(parse):
    """'auto', or what ``parse`` reads (e.g. ``auto_or(positive(float))`` for a learning rate)."""
    def parse_or_auto(text):
        return text if text == "auto" else parse(text)
    return parse_or_auto


def positive_floats(text):
    """A comma-separated list of positive numbers ("0.5,1")."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    try:
        values = [float(t) for t in parts]
    except ValueError:
        values = []
    if not values or not all(v > 0 for v in values):  # NaN fails too
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers, got {text!r}")
    return values


def existing_file(text):
    """The path of a file that exists (an earlier run's output, say)."""
    from pathlib import Path

    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return text
