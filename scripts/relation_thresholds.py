#!/usr/bin/env python3
"""The threshold curve of the relation classifier on a gold split (the held-out fold: never test).

Runs the full pipeline once with the classifier keeping every fact it predicts (threshold 0),
then cuts its facts by probability and scores: one threshold for all labels, and each label's
F1 at each threshold (the rules' facts are never cut). The thresholds in
configs/train/relations.cfg (`threshold`, `thresholds`) are read off this output on the
held-out fold of the train split (scripts/make_fold.py; README, "Trained components").

    python scripts/relation_thresholds.py MODEL [build/fold/held.jsonl] [--min-precision 0.75]

It ends with a set of thresholds: each label's best F1 on the grid, then, while the micro
precision is under --min-precision, one label raised to its next grid step that changes the
score, the label that loses the least recall per point of precision gained (relations.cfg
takes the last line, with the floor at 0.78: the issue's 0.75 and a margin).

MODEL: a `spacy train` output (its model-best / model-last: the rules come from
configs/config.cfg) or a built osint-extract pipeline that has osint_relation_model.
"""
from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import NamedTuple

import spacy

from osint_extract.evaluation.runs import read_gold
from osint_extract.runs.extraction import extract_many
from osint_extract.pipeline import assemble
from osint_extract.components.relation_model import LABELS
from osint_extract.evaluation.scoring import score_documents

from make_fold import held_out_args

NAME = "osint_relation_model"
GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)
OFF = 2.0  # above any probability: the classifier off for a label


def main() -> None:
    args = held_out_args(
        __doc__.splitlines()[0],
        lambda ap: ap.add_argument("--min-precision", type=float, default=None, help="micro precision floor of the chosen set"),
    )
    nlp = spacy.load(args.model)
    if "osint_relations" not in nlp.pipe_names:  # a training output: the rules come from configs/
        nlp = assemble(trained=args.model, trained_components=[NAME])
    pipe = nlp.get_pipe(NAME)
    print(f"configured: threshold {pipe.threshold}, per label {pipe.thresholds or '{}'}")
    pipe.threshold, pipe.thresholds = 0.0, {}
    gold = read_gold([args.gold])
    preds = [r.to_dict() for r in extract_many(((d["id"], d["text"]) for d in gold), nlp=nlp)]

    @functools.cache
    def scored(cut: tuple[tuple[str, float], ...]) -> dict:
        kept = dict(cut)
        docs = copy.deepcopy(preds)
        for d in docs:
            d["relations"] = [r for r in d["relations"] if r["pattern"] != NAME or r["confidence"] >= kept.get(r["label"], OFF)]
        return score_documents(gold, docs).to_dict()["relations"]

    def relations(cut: dict[str, float]) -> dict:
        """The relation scores with the classifier's facts cut per label (each cut scored once)."""
        return scored(tuple(sorted(cut.items())))

    def prf(row: dict) -> str:
        return f"P {row['precision']:.3f}  R {row['recall']:.3f}  F {row['f1']:.3f}"

    print(f"rules only (no classifier facts): {prf(relations({})['micro'])}")
    print("one threshold for every label: relations micro")
    for th in GRID:
        print(f"  {th:.2f}  {prf(relations(dict.fromkeys(LABELS, th))['micro'])}")
    print("F1 of each label by threshold (last column: the classifier off for that label)")
    print("  " + " " * 12 + " ".join(f"{t:>5}" for t in GRID) + "   off")
    steps = GRID + (OFF,)
    best: dict[str, float] = {}
    for label in LABELS:
        cells = [relations({label: th}).get(label, {}).get("f1", 0.0) for th in steps]
        best[label] = steps[max(range(len(steps)), key=lambda i: (round(cells[i], 4), i))]  # a tie: the higher cut
        print(f"  {label:12s}" + " ".join(f"{f:5.3f}" for f in cells))
    print(f"each label's best: {fmt(best)}  {prf(relations(best)['micro'])}")
    if args.min_precision is not None:
        chosen = raise_to_floor(best, lambda cut: relations(cut)["micro"], args.min_precision, steps)
        for label, cut in chosen.steps:
            print(f"  raise {label:12s} -> {cut[label]}: {prf(relations(cut)['micro'])}")
        print(f"with micro precision >= {args.min_precision}: {fmt(chosen.cut)}  {prf(relations(chosen.cut)['micro'])}")


class Raised(NamedTuple):
    cut: dict[str, float]
    steps: list[tuple[str, dict[str, float]]]


def raise_to_floor(start: dict[str, float], micro: Callable[[dict], dict], floor: float, steps: tuple[float, ...]) -> Raised:
    """Raise one label's threshold at a time, each time to its next grid step that changes the
    score (steps that cut no fact are passed over), choosing the label that gives up the
    least recall per point of precision gained, until the micro precision reaches `floor`
    (or no step gains any)."""
    cut, taken = dict(start), []
    while (now := micro(cut))["precision"] < floor:
        moves = []
        for label in cut:
            for step in steps[steps.index(cut[label]) + 1 :]:
                after = micro({**cut, label: step})
                if after != now:
                    gain = after["precision"] - now["precision"]
                    if gain > 0:
                        moves.append(((now["recall"] - after["recall"]) / gain, label, step))
                    break
        if not moves:
            break
        _, label, step = min(moves)
        cut = {**cut, label: step}
        taken.append((label, cut))
    return Raised(cut, taken)


def fmt(cut: dict[str, float]) -> str:
    return ", ".join(f"{label} {'off' if th == OFF else th}" for label, th in cut.items())


if __name__ == "__main__":
    main()
