"""The paper's comparison on real datasets, on Dask (see ``--help``).

    python -m benchmarks.run_benchmark --out runs/paper \
        --datasets ../shared/datasets --sizes 64,128 --seeds 3

The same as ``skcausalmix benchmark ...``, which it runs; the harness lives in
``skcausalmix.benchmark`` so that installed users have it too.
"""

import sys

from skcausalmix.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", *sys.argv[1:]]))
