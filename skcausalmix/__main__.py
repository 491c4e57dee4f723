"""Command line: ``skcausalmix demo``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="skcausalmix", description="Causal data augmentation and robust TabPFN fine-tuning."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the offline demo on a bundled real dataset")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--n-train", type=int, default=60, help="training rows per split")
    demo.add_argument("--no-finetune", action="store_true", help="skip the TabPFN part")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(n_train=args.n_train, random_state=args.seed, finetune=not args.no_finetune)
    return 0


if __name__ == "__main__":
    sys.exit(main())
