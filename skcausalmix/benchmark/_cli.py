"""The ``skcausalmix benchmark`` command: its options and what it runs.

``skcausalmix._cli`` parses the command line and reports errors, whichever way
the command is started (``skcausalmix benchmark``, ``python -m
skcausalmix.benchmark``, ``benchmarks/run_benchmark.py``).
"""

from dataclasses import fields
from pathlib import Path

from .._arguments import auto_or, count_or_auto, positive_int
from ._methods import AUGMENTERS, CLASSIC_MODELS, DEFAULT_AUGMENTERS, DEFAULT_FINETUNE_METHODS, FINETUNE_METHODS
from ._report import write_report
from ._results import RESULTS_FILE
from ._runner import BenchmarkConfig, run_benchmark

DESCRIPTION = """Compare zero-shot TabPFN, standard fine-tuning, CausalMix fine-tuning and
other augmenters (one fine-tuning loop; only the data differ), plus a classic track
(augmenter -> LogisticRegression / RandomForest / HistGradientBoosting). Every
(dataset, size, seed, method) run is a Dask task; results are appended to
OUT/results.jsonl as they finish and a rerun skips finished runs. OUT/report.md and
plots are written at the end (or with --report-only)."""


def _list(kind=str):
    def parse(text):
        if text.lower() in ("", "none"):
            return []
        return [kind(t.strip()) for t in text.split(",") if t.strip()]
    return parse


def _seeds(text):
    # "5" means seeds 0..4; "0,3,7" lists them.
    return list(range(int(text))) if "," not in text and text.isdigit() else _list(int)(text)


def add_arguments(parser):
    d = BenchmarkConfig()
    a = parser.add_argument
    a("--out", required=True, help="output folder (results.jsonl, report.md, plots)")
    a("--datasets", default=None,
      help="folder with manifest.json and CSVs, 'openml:ID,ID' (task ids) or "
           "'openml-suite:NAME' (required unless --report-only)")
    a("--names", type=_list(), default=None, help="comma-separated dataset names (default: all)")
    a("--sizes", type=_list(int), default=d.sizes, help="training sizes (default: 64,128,256)")
    a("--seeds", type=_seeds, default=d.seeds, help="a count (3 = seeds 0,1,2) or a list")
    a("--methods", type=_list(), default=list(DEFAULT_FINETUNE_METHODS),
      help=f"fine-tuning methods, 'none' to skip; from {', '.join(FINETUNE_METHODS)}")
    a("--classic-augmenters", type=_list(), default=list(DEFAULT_AUGMENTERS),
      help=f"classic-track augmenters, 'none' to skip the track; from {', '.join(AUGMENTERS)}")
    a("--classic-models", type=_list(), default=list(CLASSIC_MODELS),
      help=f"classic-track models; from {', '.join(CLASSIC_MODELS)}")
    a("--classic-mode", choices=["augment", "balance"], default=d.classic_mode,
      help="classic track: 'augment' adds one synthetic row per real row (class proportions kept), "
           "'balance' brings every class up to the largest (default: %(default)s)")
    a("--model", dest="model_path", default=d.model_path,
      help="TabPFN checkpoint: a file, 'bundled' or 'auto' (default: %(default)s)")
    a("--validation-fraction", type=float, default=d.validation_fraction,
      help="share of the training rows held out for validation (default: %(default)s)")
    for name, kind in (("max_test", int), ("max_features", int), ("max_classes", int)):
        a("--" + name.replace("_", "-"), dest=name, type=kind, default=getattr(d, name),
          help=f"(default: {getattr(d, name)})")
    a("--max-curve-test", type=int, default=d.max_curve_test,
      help="test rows scored at every validation check for the val-test curve, a stratified part "
           "of the test set; final scores use all of it (default: %(default)s)")
    # Fine-tuning settings: left out, the classifier's own defaults.
    for name, kind in (("max_iter", int), ("learning_rate", auto_or(float)), ("n_iter_no_change", int),
                       ("n_synthetic", float), ("context_size", int), ("query_size", int),
                       ("n_estimators_validation", count_or_auto),
                       ("n_estimators_inference", count_or_auto), ("time_limit", float)):
        a("--" + name.replace("_", "-"), dest=name, type=kind, default=None,
          help="(default: CausalMixTabPFNClassifier's)")
    a("--scoring", choices=["log_loss", "roc_auc"], default=None,
      help="early-stopping score (default: CausalMixTabPFNClassifier's)")
    a("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster)")
    a("--workers", type=positive_int, default=2, help="LocalCluster worker processes (default: 2)")
    a("--retry-failed", action="store_true", help="run failed runs again")
    a("--report-only", action="store_true", help="only rewrite the report from the results")
    a("--no-progress", action="store_true", help="no progress bar")
    return parser


def run(args):
    """Run the benchmark, or only rewrite its report, as the parsed ``args`` say."""
    if args.report_only:
        if not (Path(args.out) / RESULTS_FILE).is_file():
            raise FileNotFoundError(f"{args.out}: no {RESULTS_FILE} to report on; run the benchmark "
                                    f"with --out {args.out} first.")
        path = write_report(args.out)
        print(f"report: {path}")
        return 0
    names = {f.name for f in fields(BenchmarkConfig)}
    config = BenchmarkConfig(**{k: v for k, v in vars(args).items() if k in names})
    summary = run_benchmark(config, args.out, scheduler=args.scheduler, n_workers=args.workers,
                            retry_failed=args.retry_failed, progress=not args.no_progress)
    print(f"runs: {summary['planned']} planned, {summary['skipped']} already finished, "
          f"{summary['done']} done now ({summary['failed']} failed, {summary['not_applicable']} not "
          f"applicable); report: {args.out}/report.md")
    return 0
