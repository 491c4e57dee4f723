"""The ``skcausalmix`` command line: augment, graph, whatif, finetune, predict, demo, benchmark.

Every command reads CSV (optionally gzipped) or Parquet tables, refuses to
overwrite files without ``--force``, and reports bad input as one line on
stderr with a non-zero exit status (1 for bad data or files, 2 for bad
options).
"""

import argparse
import sys
import time
from pathlib import Path

from ._arguments import auto_or, non_negative_int, positive, ratio_or_count, share_or_count

#: finetune's options that map one to one onto CausalMixTabPFNClassifier parameters.
FINETUNE_OPTIONS = ("n_synthetic", "max_iter", "learning_rate", "scoring", "validation_fraction")

MODEL_FORMAT = "skcausalmix-model/1"
TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".parquet", ".pq")


class CLIError(Exception):
    """A problem the user can fix, reported as one line."""


# --------------------------------------------------------------------- files
def _suffix(path):
    name = Path(path).name.lower()
    for suffix in sorted(TABLE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return Path(path).suffix.lower()


def read_table(path):
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    suffix = _suffix(path)
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".csv.gz", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            frame = pd.read_csv(path, sep=sep)
            frame.columns = _header(path, sep, frame.columns)
            return frame
    except CLIError:
        raise
    except ImportError as exc:
        raise CLIError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from exc
    except Exception as exc:  # pandas raises many kinds for a broken file
        hint = "; save it as UTF-8" if isinstance(exc, UnicodeDecodeError) else ""
        raise CLIError(f"{path}: not a readable {suffix} table ({type(exc).__name__}: "
                       f"{_first_line(exc, '')}){hint}") from exc
    raise CLIError(f"{path}: unknown table format {suffix!r}; use one of {', '.join(TABLE_SUFFIXES)}")


def _header(path, sep, parsed):
    """The column names as the file writes them.

    pandas renames a repeated name ("x", "x" -> "x", "x.1") and an empty one
    ("Unnamed: 0", a saved row index); written back, either would change the
    user's header without a word. Repeated names are an error, empty ones stay
    empty.
    """
    import csv
    import gzip

    opener = gzip.open if str(path).lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        raw = next(csv.reader(handle, delimiter=sep), [])
    if len(raw) != len(parsed):  # pandas read it differently (a header-less index): keep its names
        return parsed
    repeated = sorted({name for name in raw if name and raw.count(name) > 1})
    if repeated:
        raise CLIError(f"{path}: the header repeats column names {repeated}; make them unique")
    if raw.count("") > 1:  # several unnamed columns need pandas' names to stay apart
        return parsed
    return [name if name == "" else p for name, p in zip(raw, parsed)]


def _check_output(path, force, suffixes=None, source=None):
    path = Path(path)
    if suffixes is not None and _suffix(path) not in suffixes:
        raise CLIError(f"{path}: output must end in one of {', '.join(suffixes)}")
    if source is not None and path.resolve() == Path(source).resolve():
        raise CLIError(f"{path} is the input table, which is never overwritten (not even with --force); "
                       "write to another file")
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    if not path.parent.exists():
        raise CLIError(f"{path.parent}: no such folder")
    return path


def write_table(frame, path):
    suffix = _suffix(path)
    try:
        if suffix in (".parquet", ".pq"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    except ImportError as exc:
        raise CLIError(f"{path}: writing Parquet needs pyarrow (pip install pyarrow)") from exc


def _split_target(frame, target, path):
    if target not in frame.columns:
        sep = next((c for c in ";\t|" if frame.shape[1] == 1 and c in str(frame.columns[0])), None)
        hint = f"; the file seems separated by {sep!r}, not ','" if sep else ""
        raise CLIError(f"{path}: no column {target!r} (columns: {', '.join(map(str, frame.columns[:10]))}"
                       f"{', ...' if frame.shape[1] > 10 else ''}){hint}")
    if len(frame) == 0:
        raise CLIError(f"{path}: no rows, only a header")
    if frame.shape[1] == 1:
        raise CLIError(f"{path}: no columns besides the target {target!r}")
    y = frame[target]
    if y.isna().any():
        raise CLIError(f"{path}: target column {target!r} has {int(y.isna().sum())} missing values")
    return frame.drop(columns=[target]), y


def _names(text):
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _categorical(X, names, path):
    """``categorical_features`` for the augmenter: "auto", or the automatically
    detected text/bool/category columns plus the ones given with --categorical."""
    from ._table_checks import categorical_mask

    if not names:
        return "auto"
    unknown = [c for c in names if c not in X.columns]
    if unknown:
        raise CLIError(f"{path}: --categorical names unknown columns {unknown}")
    detected = list(X.columns[categorical_mask(X, "auto")])
    return detected + [c for c in names if c not in detected]


def _log(args, message):
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ commands
def cmd_augment(args):
    import numpy as np
    import pandas as pd

    from .over_sampling import CausalMixAugmenter

    out = _check_output(args.output, args.force, TABLE_SUFFIXES, source=args.input)
    frame = read_table(args.input)
    if args.mark and args.mark in frame.columns:  # before the fit, not after it
        raise CLIError(f"--mark {args.mark!r} is already a column name")
    X, y = _split_target(frame, args.target, args.input)
    categorical = _categorical(X, _names(args.categorical), args.input)
    # Options left out keep the augmenter's own defaults, which live in one place.
    options = {k: v for k, v in (("mechanisms", args.mechanisms), ("marginals", args.marginals)) if v is not None}
    aug = CausalMixAugmenter(n_synthetic=args.n_synthetic, discovery=args.discovery, **options,
                             categorical_features=categorical, random_state=args.seed,
                             verbose=0 if args.quiet else 1)
    t0 = time.perf_counter()
    _log(args, f"fitting a causal model on {len(y)} rows x {X.shape[1]} features ...")
    X_res, y_res = aug.fit_resample(X, y)
    mask = aug.synthetic_mask_
    result = X_res.copy()
    result[args.target] = np.asarray(y_res)
    if args.mark:
        result[args.mark] = mask
    if args.synthetic_only:
        result = result[mask]
    # Columns in the input's order, target where it was.
    cols = list(frame.columns) + ([args.mark] if args.mark else [])
    write_table(pd.DataFrame(result)[cols], out)
    _log(args, f"wrote {len(result)} rows ({int(mask.sum())} synthetic) to {out} "
               f"in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_graph(args):
    from .over_sampling import CausalMixAugmenter
    from .plotting import edge_table, graph_to_dot

    out = _check_output(args.output, args.force, (".png", ".svg", ".pdf", ".dot")) \
        if args.output else None
    frame = read_table(args.input)
    X, y = _split_target(frame, args.target, args.input)
    aug = CausalMixAugmenter(n_synthetic=0, discovery=args.discovery, random_state=args.seed,
                             categorical_features=_categorical(X, _names(args.categorical),
                                                               args.input),
                             verbose=0 if args.quiet else 1)
    aug.fit_resample(X, y)
    table = edge_table(aug)
    print(f"causal order: {' -> '.join(map(str, aug.scm_.causal_order_))}")
    print(table.to_string(index=False) if len(table) else "(no edges)")
    if out is not None:
        if _suffix(out) == ".dot":
            out.write_text(graph_to_dot(aug, label=args.target))
        else:
            from .plotting import plot_causal_graph

            fig = _figure(lambda: plot_causal_graph(aug, label=args.target))
            fig.savefig(out, bbox_inches="tight", dpi=120)
        _log(args, f"wrote {out}")
    return 0


def cmd_whatif(args):
    import numpy as np
    import pandas as pd

    from .scm import StructuralCausalModel

    if args.label is not None and args.sample is None:
        raise CLIError("--class chooses the class of sampled rows: give it with --sample")
    out = _check_output(args.output, args.force, TABLE_SUFFIXES, source=args.input)
    frame = read_table(args.input)
    X, y = _split_target(frame, args.target, args.input)
    columns = [c for c, _, _ in args.do]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise CLIError(f"--do sets {', '.join(map(repr, repeated))} more than once")
    labels = None if args.label is None else _label(y, args.label, args.input)
    categorical = _categorical(X, _names(args.categorical), args.input)
    # Checked before the fit, which can take a while.
    do = {column: _intervention(X, categorical, column, op, text) for column, op, text in args.do}
    options = {k: v for k, v in (("mechanisms", args.mechanisms), ("marginals", args.marginals)) if v is not None}
    scm = StructuralCausalModel(discovery=args.discovery, **options, random_state=args.seed,
                                categorical_features=categorical, verbose=0 if args.quiet else 1)
    t0 = time.perf_counter()
    _log(args, f"fitting a causal model on {len(y)} rows x {X.shape[1]} features ...")
    scm.fit(X, y)
    moved = [c for c, _, _ in args.do] + scm.descendants([c for c, _, _ in args.do])
    if args.sample is None:
        result = scm.counterfactual(X, y, do=do)
        summary = _effects(X, result, moved, scm, "the rows")
        what = f"the {len(result)} rows as they would have been"
    else:
        # Against rows sampled without the intervention (the same classes), not the real rows.
        base, y_base = scm.sample(args.sample, y=labels, random_state=args.seed)
        result, y_new = scm.sample(y=y_base, do=do, random_state=args.seed + 1)
        y = pd.Series(y_new, name=args.target)
        summary = _effects(base, result, moved, scm, "rows sampled without it")
        what = f"{len(result)} rows sampled"
    result = result.copy()
    result[args.target] = np.asarray(y)
    write_table(result[list(frame.columns)], out)
    for line in summary:
        _log(args, line)
    _log(args, f"wrote {what} under {', '.join(f'{c}{o}{t}' for c, o, t in args.do)} to {out} "
               f"in {time.perf_counter() - t0:.1f} s")
    return 0


def _do_argument(text):
    import re

    match = re.fullmatch(r"\s*(.+?)\s*(\+=|-=|\*=|=)\s*(.*?)\s*", text)
    if not match or not match.group(3):
        raise argparse.ArgumentTypeError(
            f"expected COLUMN=VALUE, COLUMN+=DELTA, COLUMN-=DELTA or COLUMN*=FACTOR, got {text!r}")
    return match.groups()


def _intervention(X, categorical, column, op, text):
    """``--do``'s value or callable for ``scm.sample`` / ``scm.counterfactual``."""
    import pandas as pd

    from ._table_checks import categorical_mask

    if column not in X.columns:
        raise CLIError(f"--do names unknown column {column!r}")
    numeric = not categorical_mask(X, categorical)[X.columns.get_loc(column)]
    if op == "=":
        if not numeric:
            # A CSV's levels come back as numbers or text: match them as written.
            levels = [v for v in X[column].dropna().unique() if str(v) == text]
            if not levels:
                raise CLIError(f"--do {column}={text}: {column!r} never holds {text!r}")
            return levels[0]
        return _number(column, op, text)
    if not numeric:
        raise CLIError(f"--do {column}{op}{text}: {column!r} is categorical; set a level with {column}=LEVEL")
    amount = _number(column, op, text)
    shift = {"+=": lambda v: v + amount, "-=": lambda v: v - amount, "*=": lambda v: v * amount}[op]
    if pd.api.types.is_integer_dtype(X[column]):
        # A whole-number column stays one: shifted values are rounded.
        return lambda rows: shift(pd.to_numeric(rows[column])).round()
    return lambda rows: shift(pd.to_numeric(rows[column]))


def _number(column, op, text):
    import numpy as np

    try:
        value = float(text)
    except ValueError:
        raise CLIError(f"--do {column}{op}{text}: {column!r} is numeric; {text!r} is not a number") from None
    if not np.isfinite(value):
        raise CLIError(f"--do {column}{op}{text}: expected a finite number")
    return value


def _label(y, text, path):
    labels = [v for v in y.unique() if str(v) == text]
    if not labels:
        raise CLIError(f"{path}: --class {text!r} is not a class of the target (classes: "
                       f"{', '.join(map(str, sorted(map(str, y.unique()))))})")
    return labels[0]


def _effects(before, after, moved, scm, reference):
    """One line per numeric column the intervention reaches, in causal order."""
    import pandas as pd

    lines = [f"mean of each numeric column the intervention reaches, against {reference}:"]
    for column in scm.causal_order_:
        if column not in moved or scm.feature_kinds_[column] in ("categorical", "constant"):
            continue
        old, new = pd.to_numeric(before[column]).mean(), pd.to_numeric(after[column]).mean()
        lines.append(f"  {column}: {old:.4g} -> {new:.4g} ({new - old:+.4g})")
    return lines if len(lines) > 1 else []


def cmd_finetune(args):
    import joblib

    from .finetuning import CausalMixTabPFNClassifier

    out = _check_output(args.model_out, args.force, (".joblib",))
    curves = _check_output(args.curves, args.force, (".png", ".svg", ".pdf")) if args.curves else None
    history = _check_output(args.history, args.force, (".csv",), source=args.input) if args.history else None
    frame = read_table(args.input)
    X, y = _split_target(frame, args.target, args.input)
    augmenter = None
    if args.augmenter == "causalmix":
        from .over_sampling import CausalMixAugmenter

        augmenter = CausalMixAugmenter(
            categorical_features=_categorical(X, _names(args.categorical), args.input))
    # Options left out keep the estimator's own defaults: one set of defaults.
    tuning = {name: getattr(args, name) for name in FINETUNE_OPTIONS if getattr(args, name) is not None}
    clf = CausalMixTabPFNClassifier(
        model_path=args.model, augmenter=augmenter, time_limit=args.time_limit,
        random_state=args.seed, verbose=0 if args.quiet else 1, **tuning,
    )
    clf.fit(X, y)
    best = next((h for h in clf.history_ if h["iter"] == clf.best_iter_), None)
    scores = (f"; validation ROC-AUC {best['valid_roc_auc']:.4f}, log-loss {best['valid_log_loss']:.4f}"
              if best else "")
    _log(args, f"kept step {clf.best_iter_} of {clf.n_iter_} ({clf.stop_reason_}){scores}")
    joblib.dump({"format": MODEL_FORMAT, "target": args.target, "estimator": clf,
                 "columns": list(X.columns)}, out)
    _log(args, f"saved the fine-tuned model to {out}")
    if history is not None:
        import pandas as pd

        pd.DataFrame(clf.history_).to_csv(history, index=False)
    if curves is not None:
        from .plotting import plot_history

        _figure(lambda: plot_history(clf)).savefig(curves, bbox_inches="tight", dpi=120)
    return 0


def cmd_predict(args):
    import joblib
    import numpy as np

    out = _check_output(args.output, args.force, TABLE_SUFFIXES, source=args.input)
    model_file = Path(args.model)
    if not model_file.is_file():
        raise CLIError(f"{model_file}: no such file")
    try:
        bundle = joblib.load(model_file)
    except Exception as exc:
        raise CLIError(f"{model_file}: not a model saved by 'skcausalmix finetune' "
                       f"({type(exc).__name__})") from exc
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise CLIError(f"{model_file}: not a model saved by 'skcausalmix finetune'")
    clf, columns, target = bundle["estimator"], bundle["columns"], bundle["target"]
    frame = read_table(args.input)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CLIError(f"{args.input}: missing columns the model was trained on: {missing[:10]}")
    added = [args.column] + ([f"proba_{c}" for c in clf.classes_] if args.proba else [])
    taken = [c for c in added if c in frame.columns]
    if taken:  # writing them would replace the user's own column (features, labels) in the output
        raise CLIError(f"{args.input} already has column(s) {taken}, which the predictions would "
                       "replace; rename them, or pass another --column")
    X = frame[columns]
    proba = clf.predict_proba(X)
    result = frame.copy()
    result[args.column] = clf.classes_[np.argmax(proba, axis=1)]
    if args.proba:
        for k, c in enumerate(clf.classes_):
            result[f"proba_{c}"] = proba[:, k]
    write_table(result, out)
    _log(args, f"wrote {len(result)} predictions to {out}")
    if target in frame.columns:
        _log_scores(args, clf, frame[target], proba, result[args.column].to_numpy())
    return 0


def _log_scores(args, clf, labels, proba, predicted):
    """How good the predictions are, on the rows whose label the model knows."""
    import numpy as np

    from .finetuning._loop import classification_scores

    present = labels.notna().to_numpy()
    known = present & np.isin(labels.to_numpy(), clf.classes_)
    if not known.any():
        _log(args, f"{labels.name!r} is in the file, but none of its labels is one the model knows: not scored")
        return
    truth = labels.to_numpy()[known]
    accuracy = float(np.mean(predicted[known] == truth))
    scores = classification_scores(np.searchsorted(clf.classes_, truth), proba[known], len(clf.classes_))
    auc = f", ROC-AUC {scores['roc_auc']:.4f}" if np.isfinite(scores["roc_auc"]) else ""
    left = ""
    if not known.all():
        left = (f" on {int(known.sum())} of {len(known)} rows ({int((~present).sum())} without a label, "
                f"{int((present & ~known).sum())} with labels the model never saw)")
    _log(args, f"{labels.name!r} is in the file: accuracy {accuracy:.4f}{auc}{left}")


def cmd_demo(args):
    from ._demo import run_demo

    run_demo(n_train=args.n_train, random_state=args.seed, finetune=not args.no_finetune)
    return 0


def cmd_benchmark(args):
    from .benchmark._cli import run

    return run(args)


def _figure(make):
    import matplotlib

    matplotlib.use("Agg")
    return make()


# -------------------------------------------------------------------- parser
def build_parser():
    parser = argparse.ArgumentParser(
        prog="skcausalmix",
        description="Causal data augmentation (fitted structural causal models) and robust "
                    "TabPFN fine-tuning. Tables are CSV (.csv, .csv.gz, .tsv) or Parquet.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skcausalmix {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, target=True):
        p.add_argument("input", help="input table (CSV or Parquet)")
        if target:
            p.add_argument("--target", "-t", required=True, help="name of the class column")
        p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default: 0)")
        p.add_argument("--force", action="store_true", help="overwrite existing output files")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress messages")

    def discovery(p):
        p.add_argument("--categorical", default=None,
                       help="comma-separated columns to treat as categorical (default: text, "
                            "bool and category columns are detected automatically)")
        p.add_argument("--discovery", default="direct",
                       choices=["direct", "lingam-direct", "ica", "highdim"],
                       help="causal discovery method (default: direct)")

    p = sub.add_parser("augment", help="add synthetic rows from a fitted causal model",
                       description="Fit a structural causal model to a table and write real + "
                                   "synthetic rows (or synthetic rows only).")
    common(p)
    discovery(p)
    p.add_argument("--output", "-o", required=True, help="output table (CSV or Parquet)")
    p.add_argument("--n-synthetic", type=ratio_or_count, default=1.0,
                   help="synthetic rows per real row (1.0, 0.5) or, written without a decimal "
                        "point, a number of rows (500) (default: 1.0)")
    p.add_argument("--synthetic-only", action="store_true", help="write only the synthetic rows")
    p.add_argument("--mark", default=None, metavar="COLUMN",
                   help="add a boolean column COLUMN that is true for synthetic rows")
    p.add_argument("--mechanisms", choices=["per_class", "shared"], default=None,
                   help="per_class: each class with enough rows gets its own equations; shared: one "
                        "equation per column, the label an additive input (default: per_class)")
    p.add_argument("--marginals", choices=["model", "real"], default=None,
                   help="model: numeric values as the equations give them; real: mapped onto each class's "
                        "real distribution (default: model)")
    p.set_defaults(func=cmd_augment)

    p = sub.add_parser("graph", help="show the discovered causal graph",
                       description="Print the causal order and edge table; optionally draw the "
                                   "graph (.png, .svg, .pdf) or write it as Graphviz DOT (.dot).")
    common(p)
    discovery(p)
    p.add_argument("--output", "-o", default=None, help="picture (.png/.svg/.pdf) or .dot file")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("whatif", help="rows under an intervention: counterfactual or sampled",
                       description="Fit a structural causal model and apply interventions (--do): by default "
                                   "write every input row as it would have been (counterfactual: each row keeps "
                                   "its own noise, only what the intervention causes changes); with --sample N, "
                                   "write N new rows sampled under the intervention.")
    common(p)
    discovery(p)
    p.add_argument("--do", action="append", required=True, type=_do_argument, metavar="COLUMN=VALUE",
                   help="an intervention: COLUMN=VALUE sets the column (a number, or a level), COLUMN+=DELTA, "
                        "COLUMN-=DELTA and COLUMN*=FACTOR shift a numeric column (rounded in a column of whole "
                        "numbers); repeat for several columns")
    p.add_argument("--output", "-o", required=True, help="output table (CSV or Parquet)")
    p.add_argument("--sample", type=positive(int), default=None, metavar="N",
                   help="write N rows sampled under the intervention instead of the counterfactual rows")
    p.add_argument("--class", dest="label", default=None,
                   help="with --sample: rows of this class only (default: the table's class frequencies)")
    p.add_argument("--mechanisms", choices=["per_class", "shared"], default=None,
                   help="as for augment (default: per_class)")
    p.add_argument("--marginals", choices=["model", "real"], default=None,
                   help="as for augment (default: model)")
    p.set_defaults(func=cmd_whatif)

    p = sub.add_parser("finetune", help="fine-tune TabPFN with CausalMix and save the model",
                       description="Fine-tune CausalMixTabPFNClassifier on a table and save it "
                                   "(a .joblib file: load only files you trust).")
    common(p)
    p.add_argument("--categorical", default=None,
                   help="comma-separated columns the causal model treats as categorical "
                        "(besides the detected text, bool and category columns)")
    p.add_argument("--model-out", "-o", required=True, help="where to save the model (.joblib)")
    p.add_argument("--model", default="auto",
                   help="TabPFN weights: a checkpoint file, 'auto' or 'bundled' (default: auto)")
    p.add_argument("--augmenter", choices=["causalmix", "none"], default="causalmix")
    p.add_argument("--n-synthetic", type=ratio_or_count, default=None,
                   help="synthetic rows per real row (1.0) or, without a decimal point, a number "
                        "of rows (500) (default: the estimator's, 1.0)")
    p.add_argument("--max-iter", type=non_negative_int, default=None,
                   help="most optimizer steps (default: the estimator's; 0 keeps the pretrained weights)")
    p.add_argument("--learning-rate", type=auto_or(positive(float)), default=None,
                   help="'auto' (the checkpoint's own rate) or a number (default: auto)")
    p.add_argument("--scoring", choices=["log_loss", "roc_auc"], default=None,
                   help="validation score for early stopping (default: log_loss)")
    p.add_argument("--validation-fraction", type=share_or_count, default=None,
                   help="share of the rows (0.2) or number of rows (30) held out for early stopping")
    p.add_argument("--time-limit", type=positive(float), default=None, help="seconds")
    p.add_argument("--history", default=None, help="write the history of validation checks (.csv)")
    p.add_argument("--curves", default=None, help="draw the fine-tuning curves (.png/.svg/.pdf)")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser("predict", help="predict with a model saved by 'finetune'",
                       description="Write the input rows with a prediction column (and class "
                                   "probabilities with --proba).")
    p.add_argument("model", help="a .joblib file written by 'skcausalmix finetune'")
    p.add_argument("input", help="table to predict (CSV or Parquet)")
    p.add_argument("--output", "-o", required=True, help="output table (CSV or Parquet)")
    p.add_argument("--proba", action="store_true", help="add proba_<class> columns")
    p.add_argument("--column", default="prediction", help="prediction column name")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("demo", help="run the offline demo on a bundled real dataset")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--n-train", type=positive(int), default=60, help="training rows per split")
    p.add_argument("--no-finetune", action="store_true", help="skip the TabPFN part")
    p.set_defaults(func=cmd_demo)

    from .benchmark._cli import DESCRIPTION, add_arguments

    p = sub.add_parser("benchmark", help="compare augmenters and fine-tuning on datasets (Dask)",
                       description=DESCRIPTION)
    add_arguments(p)
    p.set_defaults(func=cmd_benchmark)
    return parser


def _first_line(message, fallback):
    # Some libraries start their messages with a newline (sklearn's "All the 5 fits failed").
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else fallback


def _route_warnings(args):
    """Our warnings as one line on stderr (none with --quiet); other libraries' are dropped."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        if not getattr(args, "quiet", False):
            text = _first_line(message, category.__name__)
            print(f"skcausalmix {args.command}: warning: {text}", file=sys.stderr)

    warnings.showwarning = show
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"skcausalmix(\.|$)")


def main(argv=None):
    args = build_parser().parse_args(argv)
    _route_warnings(args)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"skcausalmix {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, ImportError, FileNotFoundError, RuntimeError) as exc:
        # Library validation errors already name the problem.
        message = _first_line(exc, type(exc).__name__)
        print(f"skcausalmix {args.command}: error: {message}", file=sys.stderr)
        return 1
    except MemoryError as exc:
        # numpy's message says how much it wanted; the way out is the user's.
        detail = _first_line(exc, "")
        print(f"skcausalmix {args.command}: error: out of memory{f' ({detail})' if detail else ''}; "
              "ask for fewer rows (--n-synthetic) or use a smaller table", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"skcausalmix {args.command}: interrupted", file=sys.stderr)
        return 130
