"""Acceptance test on the seed article (skipped where ../shared/seed is absent)."""
from __future__ import annotations

import osint_extract
from osint_extract.io.documents import read_jsonl


def test_seed_entity_scores(nlp, seed_path):
    gold_path = seed_path / "tocoron.gold.jsonl"
    scores = osint_extract.evaluate([gold_path])
    strict = scores.entities_strict
    assert strict["micro"].f1 >= 0.85
    gold_labels = {e["label"] for d in read_jsonl(gold_path) for e in d["entities"]}
    for label in gold_labels:
        assert strict[label].f1 >= 0.70, (label, strict[label])


def test_seed_text_matches_its_gold(seed_path):
    """The pipeline scores the gold's own text; the shared .txt is the same article."""
    gold = read_jsonl(seed_path / "tocoron.gold.jsonl")
    text = (seed_path / "tocoron.txt").read_text(encoding="utf-8")
    assert gold[0]["text"].strip() == text.strip()


def test_seed_relation_scores(nlp, seed_path):
    scores = osint_extract.evaluate([seed_path / "tocoron.gold.jsonl"])
    micro = scores.relations["micro"]
    assert micro.f1 >= 0.65 and micro.precision >= 0.75, micro
