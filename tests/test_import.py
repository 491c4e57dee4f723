import subprocess
import sys


def test_import_is_light_and_fast():
    code = (
        "import time; t = time.perf_counter(); import skcausalmix, sys; "
        "print(time.perf_counter() - t); "
        "print(','.join(m for m in ('lingam', 'torch', 'tabpfn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, heavy = out.stdout.splitlines()
    assert heavy == "", f"import skcausalmix pulled in {heavy}"
    assert float(seconds) < 2.0
