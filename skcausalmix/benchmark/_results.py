"""The results file of a benchmark folder: one JSON record per run, appended as runs finish."""

import json
from contextlib import contextmanager
from pathlib import Path

RESULTS_FILE = "results.jsonl"


def read_results(out_dir, filename=RESULTS_FILE):
    """All records of ``out_dir/filename`` (the last record of a run wins)."""
    path = Path(out_dir) / filename
    records = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:  # a line cut by a crash
                    continue
                records[rec["run_id"]] = rec
    return list(records.values())


@contextmanager
def results_writer(out_dir):
    """A function that appends a record to ``out_dir/results.jsonl``.

    Each record is flushed as it is written, so that an interrupted benchmark
    keeps every finished run.
    """
    with open(Path(out_dir) / RESULTS_FILE, "a") as sink:
        def write(record):
            sink.write(json.dumps(record) + "\n")
            sink.flush()

        yield write
