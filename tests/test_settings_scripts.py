"""The scripts that choose the trained components' settings on the held-out fold."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
relation_thresholds = pytest.importorskip("relation_thresholds")

STEPS = (0.3, 0.5, 0.7, 0.9, 2.0)
GOLD = 20
# (label, probability, right): CLEAN's facts are right at every probability, NOISY's low ones wrong
FACTS = [("CLEAN", p, True) for p in (0.35, 0.55, 0.75, 0.95)] + [
    ("NOISY", 0.35, False), ("NOISY", 0.4, False), ("NOISY", 0.6, False), ("NOISY", 0.8, True), ("NOISY", 0.95, True),
]
RULES = (6, 1)  # the rules' own right and wrong facts, never cut


def micro(cut: dict[str, float]) -> dict:
    kept = [right for label, p, right in FACTS if p >= cut[label]]
    tp, fp = RULES[0] + sum(kept), RULES[1] + len(kept) - sum(kept)
    return {"precision": tp / (tp + fp), "recall": tp / GOLD}


def test_thresholds_rise_on_the_label_that_costs_least_recall_until_the_floor_holds():
    start = {"CLEAN": 0.3, "NOISY": 0.3}
    assert micro(start)["precision"] < 0.9
    chosen = relation_thresholds.raise_to_floor(start, micro, 0.9, STEPS)
    assert micro(chosen.cut)["precision"] >= 0.9
    assert chosen.cut == {"CLEAN": 0.3, "NOISY": 0.7}  # the clean label keeps every fact
    assert [label for label, _ in chosen.steps] == ["NOISY", "NOISY"]


def test_a_floor_no_step_can_reach_stops_where_no_step_gains_precision():
    chosen = relation_thresholds.raise_to_floor({"CLEAN": 0.3, "NOISY": 0.3}, micro, 0.99, STEPS)
    assert chosen.cut == {"CLEAN": 0.3, "NOISY": 0.7} and micro(chosen.cut)["precision"] < 0.99
