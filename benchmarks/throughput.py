"""Batch throughput and memory: words per second and peak memory of real `osint-extract
extract` runs over a large corpus built from the bundled one.

    python benchmarks/throughput.py [--words 1000000] [--skip-dask]

In one run it prints, for the same corpus of at least --words words (the bundled
documents copied into sub-folders until the count is reached):
  - the bare base pipeline (nlp.pipe in this process, for reference);
  - the full pipeline through the CLI with 1 process, with --n-process 2, and with the
    dask engine on a LocalCluster of 2 workers;
and the peak memory (sum of the resident memory of the run's process tree, sampled every
50 ms) of 1-process runs over the large corpus and over a small one (at least a tenth of
--words: one copy or more of the bundled documents).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from cli_runs import run

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(folder: Path, words: int) -> int:
    """Copies of corpus/docs in numbered sub-folders until `words` words; returns the count."""
    docs = sorted((ROOT / "corpus" / "docs").glob("*.txt"))
    per_copy = sum(len(p.read_text(encoding="utf-8").split()) for p in docs)
    copies = -(-words // per_copy)
    for k in range(copies):
        target = folder / f"copy{k:04d}"
        target.mkdir(parents=True)
        for path in docs:
            shutil.copy(path, target / path.name)
    return copies * per_copy


def bare_rate(folder: Path) -> float:
    import osint_extract  # noqa: F401  (the same base pipeline the CLI builds on)
    from osint_extract.pipeline import load_base

    nlp = load_base()
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    n_words = sum(len(t.split()) for t in texts)
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    return n_words / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="osint-throughput-") as tmp:
        tmp_path = Path(tmp)
        big, small = tmp_path / "large", tmp_path / "small"
        n_big = build_corpus(big, args.words)
        n_small = build_corpus(small, args.words // 10)
        print(f"corpus: {n_big:,} words (large), {n_small:,} words (small), from corpus/docs; {psutil.cpu_count()} CPUs")
        print(f"bare base pipeline (in process): {bare_rate(big):,.0f} words/s")
        rates = {}
        runs = [("full pipeline, 1 process", []), ("full pipeline, --n-process 2", ["--n-process", "2"])]
        if not args.skip_dask:
            runs.append(("full pipeline, dask engine, 2 local workers", ["--engine", "dask", "--workers", "2"]))
        for name, extra in runs:
            seconds, peak = run(["extract", str(big), "--out", str(tmp_path / f"out-{len(rates)}"), *extra])
            rates[name] = n_big / seconds
            print(f"{name}: {rates[name]:,.0f} words/s ({seconds:.1f} s, peak memory {peak:,.0f} MiB)")
            if len(rates) == 1:
                peak_large = peak
        one = rates["full pipeline, 1 process"]
        print(f"--n-process 2 / 1 process: {rates['full pipeline, --n-process 2'] / one:.2f}x")
        _, peak_small = run(["extract", str(small), "--out", str(tmp_path / "out-small")])
        print(
            f"peak memory, 1 process: {peak_small:,.0f} MiB for the small corpus, {peak_large:,.0f} MiB for the large one "
            f"({n_big / n_small:.1f}x the words, {peak_large / peak_small:.2f}x the memory)"
        )


if __name__ == "__main__":
    main()
