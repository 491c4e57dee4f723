"""``python -m skcausalmix`` and the ``skcausalmix`` console script."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
