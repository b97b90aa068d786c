"""Acceptance test on the seed article (skipped where ../shared/seed is absent), for the
rules-only pipeline and for the default, trained one."""
from __future__ import annotations

from collections import Counter

import pytest

import osint_extract
from helpers import RULES
from osint_extract.io.documents import read_jsonl

# (model, entity micro-F1 floor, F1 floor of every label with at least `min_mentions` gold
# mentions, relation micro-F1 floor, relation precision floor). The trained pipeline's floors
# sit just under what it measures today (README, "Trained pipeline and rules side by side":
# entities 0.9730, its weakest label ORG at 0.75; relations 0.8571 at precision 0.875): a
# regression guard, a little below issue 10's targets (0.97 / 0.85), which it meets.
# The previous model measured 0.9730 and 0.8511.
PIPELINES = [
    pytest.param(RULES, 0.85, 0.70, 0, 0.65, 0.75, id="rules"),
    pytest.param(None, 0.95, 0.70, 0, 0.84, 0.85, id="trained"),
]


@pytest.mark.parametrize("model, entity_f1, label_f1, min_mentions, relation_f1, relation_p", PIPELINES)
def test_seed_scores(seed_path, model, entity_f1, label_f1, min_mentions, relation_f1, relation_p):
    gold_path = seed_path / "tocoron.gold.jsonl"
    scores = osint_extract.evaluate([gold_path], model=model)
    strict = scores.entities_strict
    assert strict["micro"].f1 >= entity_f1
    mentions = Counter(e["label"] for d in read_jsonl(gold_path) for e in d["entities"])
    for label, n in mentions.items():
        if n >= min_mentions:
            assert strict[label].f1 >= label_f1, (label, strict[label])
    micro = scores.relations["micro"]
    assert micro.f1 >= relation_f1 and micro.precision >= relation_p, micro


def test_seed_text_matches_its_gold(seed_path):
    """The pipeline scores the gold's own text; the shared .txt is the same article."""
    gold = read_jsonl(seed_path / "tocoron.gold.jsonl")
    text = (seed_path / "tocoron.txt").read_text(encoding="utf-8")
    assert gold[0]["text"].strip() == text.strip()
