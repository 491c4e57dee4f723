"""The paper's comparison on real datasets, on Dask (see ``--help``).

    python benchmarks/run_benchmark.py --out benchmarks/results/paper \
        --datasets ../shared/datasets --sizes 64,128 --seeds 3

Equivalent to ``skcausalmix benchmark ...``; the harness lives in
``skcausalmix.benchmark`` so that installed users have it too.
"""

import sys

from skcausalmix.benchmark._cli import main

if __name__ == "__main__":
    sys.exit(main())
