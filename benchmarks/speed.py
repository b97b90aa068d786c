"""Words per second of the full osint-extract pipeline and of the bare base pipeline on the
same texts, in one run, and the ratio between them.

    python benchmarks/speed.py [--words 100000] [--repeats 3] [--slice-words 2000] [--model NAME]

Texts are the bundled corpus documents, repeated until --words is reached, and cut into
slices of about --slice-words words. The two pipelines run in alternation on each slice
(single process), bare then full, and this --repeats times over all slices; the ratio
full/bare is taken within each pair and the median of those ratios is reported, so a
change in machine load between runs moves both sides of a pair alike rather than the
ratio. Words/s are the totals over all runs.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import osint_extract
from osint_extract.pipeline import is_osint_pipeline, load_base

ROOT = Path(__file__).resolve().parents[1]


def corpus_texts(words: int) -> list[str]:
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "docs").glob("*.txt"))]
    if not docs:
        raise SystemExit("no documents under corpus/docs")
    texts, total = [], 0
    while total < words:
        for text in docs:
            texts.append(text)
            total += len(text.split())
            if total >= words:
                break
    return texts


def seconds(nlp, texts: list[str]) -> float:
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=16):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slice-words", type=int, default=2000)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    texts = corpus_texts(args.words)
    n_words = sum(len(t.split()) for t in texts)
    bare = load_base(args.model)
    full = osint_extract.load(args.model)
    if is_osint_pipeline(bare):  # a trained or built osint-extract pipeline: time it against the config's base
        bare = load_base()
    # warm up both (first calls build caches)
    list(bare.pipe(texts[:5]))
    list(full.pipe(texts[:5]))
    slices: list[list[str]] = [[]]
    for text in texts:
        if sum(len(t.split()) for t in slices[-1]) >= args.slice_words:
            slices.append([])
        slices[-1].append(text)
    pairs = []
    bare_s = full_s = 0.0
    for _ in range(args.repeats):
        for part in slices:
            b, f = seconds(bare, part), seconds(full, part)
            pairs.append((b, f))
            bare_s, full_s = bare_s + b, full_s + f
    ratio = statistics.median(b / f for b, f in pairs)
    print(
        f"texts: {len(texts)} documents, {n_words} words; {len(pairs)} interleaved pairs "
        f"({args.repeats} passes over {len(slices)} slices of ~{args.slice_words} words), 1 process"
    )
    print(f"base pipeline ({bare.meta['name']} {bare.meta['version']}): {args.repeats * n_words / bare_s:,.0f} words/s")
    print(f"full osint-extract pipeline: {args.repeats * n_words / full_s:,.0f} words/s")
    quartiles = statistics.quantiles([b / f for b, f in pairs], n=4)
    print(f"full / base: {ratio:.1%} (median of per-pair speed ratios; quartiles {quartiles[0]:.1%} - {quartiles[2]:.1%})")

if __name__ == "__main__":
    main()
