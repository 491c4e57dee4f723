"""``python -m skcausalmix.benchmark``: the same as ``skcausalmix benchmark``."""

import sys

from .._cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", *sys.argv[1:]]))
