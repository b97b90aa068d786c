"""Words per second of the full osint-extract pipeline and of the bare base pipeline on the
same texts, in one run, and the ratio between them.

    python benchmarks/speed.py [--words 100000] [--repeats 5] [--model NAME]

Texts are the bundled corpus documents, repeated until --words is reached. The two
pipelines are timed in alternation over all texts (single process), bare then full,
--repeats times; the ratio full/bare is taken within each pair and the median of those
ratios is reported, so a change in machine load between runs moves both sides of a
pair alike rather than the ratio. Words/s are the medians over the runs.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import osint_extract
from osint_extract.pipeline import load_base, read_config

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


def rate(nlp, texts: list[str], n_words: int) -> float:
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=16):
        pass
    return n_words / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    texts = corpus_texts(args.words)
    n_words = sum(len(t.split()) for t in texts)
    bare = load_base(args.model, list(read_config()["osint"]["base_models"]))
    full = osint_extract.load(args.model)
    # warm up both (first calls build caches)
    list(bare.pipe(texts[:5]))
    list(full.pipe(texts[:5]))
    pairs = []
    for _ in range(args.repeats):
        bare_rate = rate(bare, texts, n_words)
        full_rate = rate(full, texts, n_words)
        pairs.append((bare_rate, full_rate))
    ratio = statistics.median(f / b for b, f in pairs)
    print(f"texts: {len(texts)} documents, {n_words} words; {args.repeats} interleaved pairs of runs, 1 process")
    print(f"base pipeline ({bare.meta['name']} {bare.meta['version']}): {statistics.median(b for b, _ in pairs):,.0f} words/s (median)")
    print(f"full osint-extract pipeline: {statistics.median(f for _, f in pairs):,.0f} words/s (median)")
    print(f"full / base: {ratio:.1%} (median of per-pair ratios; pairs: {', '.join(f'{f / b:.1%}' for b, f in pairs)})")

if __name__ == "__main__":
    main()
