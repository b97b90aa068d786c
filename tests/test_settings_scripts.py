"""The scripts that choose the trained components' settings on the held-out fold."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import relation_thresholds  # noqa: E402

STEPS = (0.3, 0.5, 0.7, 0.9, 2.0)
GOLD = 40
# (label, probability, right). CLEAN: right at every probability. CHEAP: its low facts wrong,
# its high ones right. DEAR: its wrong facts sit among right ones, so cutting them costs more
# recall per point of precision. SPARSE: nothing between 0.3 and 0.7, a wrong fact at 0.8.
FACTS = (
    [("CLEAN", p, True) for p in (0.35, 0.55, 0.75, 0.95)]
    + [("CHEAP", p, False) for p in (0.35, 0.4, 0.6)] + [("CHEAP", p, True) for p in (0.8, 0.95)]
    + [("DEAR", 0.35, False), ("DEAR", 0.36, True), ("DEAR", 0.37, True), ("DEAR", 0.95, True)]
    + [("SPARSE", 0.8, False), ("SPARSE", 0.95, True)]
)
RULES = (20, 2)  # the rules' own right and wrong facts, never cut


def micro(cut: dict[str, float]) -> dict:
    kept = [right for label, p, right in FACTS if p >= cut.get(label, 2.0)]
    tp, fp = RULES[0] + sum(kept), RULES[1] + len(kept) - sum(kept)
    return {"precision": tp / (tp + fp), "recall": tp / GOLD}


def test_thresholds_rise_where_precision_costs_least_recall_until_the_floor_holds():
    start = {"CLEAN": 0.3, "CHEAP": 0.3, "DEAR": 0.3}
    assert micro(start)["precision"] < 0.9
    chosen = relation_thresholds.raise_to_floor(start, micro, 0.9, STEPS)
    assert micro(chosen.cut)["precision"] >= 0.9
    # CHEAP's wrong facts go first and cost nothing; DEAR's one wrong fact costs two right ones
    assert [label for label, _ in chosen.steps] == ["CHEAP", "CHEAP"]
    assert chosen.cut == {"CLEAN": 0.3, "CHEAP": 0.7, "DEAR": 0.3}


def test_a_step_that_cuts_nothing_is_passed_over():
    chosen = relation_thresholds.raise_to_floor({"SPARSE": 0.3}, micro, 0.95, STEPS)
    assert chosen.cut == {"SPARSE": 0.9}  # 0.5 and 0.7 cut nothing; 0.9 cuts the wrong fact


def test_a_floor_no_step_can_reach_stops_where_no_step_gains_precision():
    chosen = relation_thresholds.raise_to_floor({"CLEAN": 0.3, "CHEAP": 0.3}, micro, 0.99, STEPS)
    assert chosen.cut == {"CLEAN": 0.3, "CHEAP": 0.7} and micro(chosen.cut)["precision"] < 0.99
