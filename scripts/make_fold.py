#!/usr/bin/env python3
"""Split the train gold into a fitting part and a held-out part, to choose the trained
components' thresholds on documents no rule was tuned on (never the test split).

    python scripts/make_fold.py [corpus/threshold-fold.txt] [--out build/fold]

writes OUT/fit.jsonl (train documents not listed) and OUT/held.jsonl (those listed).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from osint_extract.io.documents import read_jsonl, write_jsonl


def held_out_args(description: str, add_options: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """MODEL and GOLD (default: the held-out fold this script writes) of a script that chooses
    settings; a test split is refused, since nothing is chosen on it."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model")
    ap.add_argument("gold", nargs="?", default="build/fold/held.jsonl")
    if add_options is not None:
        add_options(ap)
    args = ap.parse_args()
    if "test" in Path(args.gold).name:
        raise SystemExit(f"{args.gold}: settings are chosen on held-out documents, never on the blind test split")
    return args


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fold", nargs="?", default="corpus/threshold-fold.txt")
    ap.add_argument("--train", default="corpus/gold/train.jsonl")
    ap.add_argument("--out", default="build/fold")
    args = ap.parse_args()
    held_ids = {line.strip() for line in Path(args.fold).read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}
    docs = read_jsonl(args.train)
    missing = held_ids - {d["id"] for d in docs}
    if missing:
        raise SystemExit(f"{args.fold}: not in {args.train}: {', '.join(sorted(missing))}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fit = [d for d in docs if d["id"] not in held_ids]
    held = [d for d in docs if d["id"] in held_ids]
    write_jsonl(fit, out / "fit.jsonl")
    write_jsonl(held, out / "held.jsonl")
    print(f"{len(fit)} documents -> {out / 'fit.jsonl'}, {len(held)} held out -> {out / 'held.jsonl'}")


if __name__ == "__main__":
    main()
