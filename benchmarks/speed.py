"""Words per second of the full osint-extract pipeline and of the bare base pipeline on the
same texts, in one run, and the ratio between them.

    python benchmarks/speed.py [--words 100000] [--repeats 3] [--model NAME]

Texts are the bundled corpus documents, repeated until --words is reached. Each pipeline
is timed --repeats times over all texts (single process) and the best time is kept.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import osint_extract
from osint_extract.pipeline import load_base

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


def best_rate(nlp, texts: list[str], repeats: int) -> float:
    n_words = sum(len(t.split()) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=16):
            pass
        best = min(best, time.perf_counter() - start)
    return n_words / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    texts = corpus_texts(args.words)
    n_words = sum(len(t.split()) for t in texts)
    bare = load_base(args.model)
    full = osint_extract.load(args.model)
    # warm up both (first calls build caches)
    list(bare.pipe(texts[:5]))
    list(full.pipe(texts[:5]))
    bare_rate = best_rate(bare, texts, args.repeats)
    full_rate = best_rate(full, texts, args.repeats)
    print(f"texts: {len(texts)} documents, {n_words} words; best of {args.repeats} runs, 1 process")
    print(f"base pipeline ({bare.meta['name']} {bare.meta['version']}): {bare_rate:,.0f} words/s")
    print(f"full osint-extract pipeline: {full_rate:,.0f} words/s")
    print(f"full / base: {full_rate / bare_rate:.1%}")


if __name__ == "__main__":
    main()
