#!/usr/bin/env python3
"""Which re-typings of the name typer help, on a gold split (the held-out fold of train:
never test).

For every name the statistical NER finds on a gold span, the NER's label, the name typer's
choice (averaged over the name's mentions; where it reaches the typer's threshold) and the
gold label: per (NER label -> typer label),
mentions where the typer is right and where the NER was. The `retype` map of
configs/train/typing.cfg (the changes the typer may make) is read off this table.

    python scripts/name_typer_changes.py MODEL [GOLD]

MODEL: a built osint-extract pipeline with osint_entity_model (e.g. the output of
`osint-extract train`).
"""
from __future__ import annotations

from collections import defaultdict

from osint_extract.components.entity_model import NAME_LABELS
from osint_extract.evaluation.runs import read_gold
from osint_extract.pipeline import load

from make_fold import held_out_args

NAME = "osint_entity_model"


def main() -> None:
    args = held_out_args(__doc__.splitlines()[0])
    nlp = load(args.model)
    typer = nlp.get_pipe(NAME)
    before = nlp.pipe_names[: nlp.pipe_names.index(NAME)]
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    items = read_gold([args.gold])
    with nlp.select_pipes(enable=before):
        docs = list(nlp.pipe(item["text"] for item in items))
    for item, doc in zip(items, docs):
        gold = {(e["start"], e["end"]): e["label"] for e in item["entities"]}
        [(spans, probs)] = typer.probabilities([doc])
        for span, p in zip(spans, probs):
            label, choice = gold.get((span.start_char, span.end_char)), NAME_LABELS[int(p.argmax())]
            if label is None or choice == span.label_ or p.max() < typer.threshold:
                continue  # not on a gold span, or a change the typer would not make at its threshold
            row = counts[(span.label_, choice)]
            row[0] += 1
            row[1] += label == choice
            row[2] += label == span.label_
    print(f"{'NER label':12s} -> {'typer label':12s} {'mentions':>8s} {'typer right':>12s} {'NER right':>10s}")
    for (ner, choice), (n, typer_right, ner_right) in sorted(counts.items(), key=lambda kv: -kv[1][0]):
        print(f"{ner:12s} -> {choice:12s} {n:8d} {typer_right:12d} {ner_right:10d}")


if __name__ == "__main__":
    main()
