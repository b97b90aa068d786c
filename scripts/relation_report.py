"""Relation precision, recall and F1 of the osint_relations component on gold files.

    python scripts/relation_report.py GOLD.jsonl [GOLD2.jsonl ...] [--lexicon PATH] [--show]

The full pipeline finds the entities; the relation component is added on top. Each doc is
turned into a gold-format prediction (entities m1..mN, relations by entity id) and scored
with osint_extract.score_documents. --show prints every predicted relation as
"ok"/"FP" and every missed gold fact.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import osint_extract
from osint_extract.components import relations as _relations  # noqa: F401  (registers the factory)
from osint_extract.names import mention_name
from osint_extract.pipeline import base_name

ROOT = Path(__file__).resolve().parents[1]


def build(lexicon: str | None = None):
    nlp = osint_extract.load(base_name())  # the rules only: no classifier facts, no trained typing
    if lexicon:  # the rules pipeline's relation component, re-initialised from another lexicon
        nlp.get_pipe("osint_relations").initialize(lexicon=str(lexicon))
    return nlp


def to_prediction(doc, doc_id: str) -> dict:
    ents = list(doc.ents)
    ids = {(e.start_char, e.end_char): f"m{i}" for i, e in enumerate(ents, 1)}
    return {
        "id": doc_id,
        "text": doc.text,
        "entities": [{"id": ids[(e.start_char, e.end_char)], "start": e.start_char, "end": e.end_char, "label": e.label_} for e in ents],
        "relations": [
            {"head": ids[h], "tail": ids[t], "label": r.label, "pattern": r.pattern,
             "confidence": r.confidence, "evidence": r.evidence.text}
            for r in doc._.osint_relations or []
            if (h := (r.head.start_char, r.head.end_char)) in ids and (t := (r.tail.start_char, r.tail.end_char)) in ids
        ],
    }


def show(gold: list[dict], preds: list[dict]) -> None:
    """Predicted facts marked against gold names (approximate: alias clusters of gold)."""
    for g, p in zip(gold, preds):
        text = g["text"]
        gname = {e["id"]: mention_name(text, e["start"], e["end"]) for e in g["entities"]}
        # gold clusters by alias and equal names
        parent = {n: n for n in gname.values()}

        def find(x):
            while parent[x] != x:
                x = parent[x]
            return x

        for r in g["relations"]:
            if r["label"] == "ALIAS_OF":
                a, b = find(gname[r["head"]]), find(gname[r["tail"]])
                if a != b:
                    parent[a] = b
        gfacts = set()
        for r in g["relations"]:
            if r["label"] != "ALIAS_OF":
                gfacts.add((find(gname[r["head"]]), r["label"], find(gname[r["tail"]])))
        pname = {e["id"]: mention_name(text, e["start"], e["end"]) for e in p["entities"]}
        print(f"===== {g['id']}")
        hit = set()
        for r in p["relations"]:
            h, t = pname[r["head"]], pname[r["tail"]]
            ch, ct = find(h) if h in parent else None, find(t) if t in parent else None
            key = (ch, r["label"], ct)
            ok = key in gfacts or (r["label"] in ("FIGHTS", "ALLIED_WITH") and (ct, r["label"], ch) in gfacts)
            if r["label"] == "ALIAS_OF":
                ok = ch is not None and ch == ct
            if ok:
                hit.add(key)
                hit.add((ct, r["label"], ch))
            print(f"  {'ok' if ok else 'FP'} {r['label']:12} {h!r} -> {t!r} [{r['pattern']} {r['confidence']}] | {r['evidence'][:200]!r}")
        for f in sorted(gfacts - hit):
            print(f"  MISS {f[1]:12} {f[0]!r} -> {f[2]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--lexicon")
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    gold = []
    for path in args.gold:
        gold.extend(osint_extract.read_jsonl(path))
    nlp = build(args.lexicon)
    start = time.perf_counter()
    preds = [to_prediction(doc, doc_id) for doc, doc_id in nlp.pipe(((d["text"], d["id"]) for d in gold), as_tuples=True)]
    elapsed = time.perf_counter() - start
    if args.show:
        show(gold, preds)
    scores = osint_extract.score_documents(gold, preds)
    lines = scores.format_table().split("\n")
    print("\n".join(lines[lines.index("relations"):]))
    print(f"{len(gold)} documents in {elapsed:.2f}s")


if __name__ == "__main__":
    main()
