"""Label maps: loading the YAML files, mapping both sides, what the scorer is told."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from osint_extract.io.formats import read_documents
from osint_extract.io.labelmaps import LabelMap
from osint_extract.schema import SYMMETRIC

TEXT = "Niño Guerrero leads Tren de Aragua, which controls Tocorón and fights the ELN in May."


def mention(eid: str, needle: str, label: str) -> dict[str, Any]:
    start = TEXT.index(needle)
    return {"id": eid, "start": start, "end": start + len(needle), "label": label}


def pred_doc() -> dict[str, Any]:
    return {
        "id": "p",
        "text": TEXT,
        "entities": [
            mention("e1", "Niño Guerrero", "PERSON"),
            mention("e2", "Tren de Aragua", "ARMED_GROUP"),
            mention("e3", "Tocorón", "PLACE"),
            mention("e4", "ELN", "ARMED_GROUP"),
            mention("e5", "May", "DATE"),
        ],
        "relations": [
            {"head": "e1", "tail": "e2", "label": "LEADS"},
            {"head": "e1", "tail": "e2", "label": "MEMBER_OF"},
            {"head": "e2", "tail": "e3", "label": "CONTROLS"},
            {"head": "e2", "tail": "e3", "label": "OPERATES_IN"},
            {"head": "e2", "tail": "e4", "label": "FIGHTS"},
            {"head": "e2", "tail": "e5", "label": "SEEN_IN"},
        ],
    }


def test_re3d_map_by_name() -> None:
    lm = LabelMap.load("re3d")
    assert lm.name == "re3d"
    assert lm.entity_labels == ("Person", "Organisation", "Location", "Weapon")
    assert set(lm.relation_labels) == {"InChargeOf", "BelongsTo", "FightingAgainst", "AlliesOf", "CoLocated", "IsSynonymOf"}
    assert lm.symmetric == {"FightingAgainst", "AlliesOf", "IsSynonymOf"}
    assert lm.alias == "IsSynonymOf"
    assert lm.labels == lm.entity_labels + lm.relation_labels
    assert lm.pred_entities["CALIBRE"] == "Weapon" and lm.pred_relations["ALIAS_OF"] == "IsSynonymOf"
    assert lm.gold_entities is not None and lm.gold_entities["Temporal"] is None
    assert LabelMap.load("labelmaps/re3d.yml") == lm


def test_apply_pred_maps_and_drops() -> None:
    lm = LabelMap.load("re3d")
    left_out: Counter[str] = Counter()
    (doc,) = lm.apply_pred([pred_doc()], left_out)
    assert [e["label"] for e in doc["entities"]] == ["Person", "Organisation", "Location", "Organisation"]
    assert [(r["head"], r["label"], r["tail"]) for r in doc["relations"]] == [
        ("e1", "InChargeOf", "e2"),
        ("e1", "BelongsTo", "e2"),
        ("e2", "InChargeOf", "e3"),
        ("e2", "CoLocated", "e3"),
        ("e2", "FightingAgainst", "e4"),
    ]
    assert left_out == {"DATE": 1, "SEEN_IN": 1}
    assert pred_doc()["entities"][0]["label"] == "PERSON"  # input untouched


def test_apply_merges_relations_mapped_to_one_label() -> None:
    lm = LabelMap.from_dict({"predicted": {"entities": ["PERSON", "ARMED_GROUP"], "relations": {"LEADS": "LINK", "MEMBER_OF": "LINK"}}})
    (doc,) = lm.apply_pred([pred_doc()])
    assert doc["relations"] == [{"head": "e1", "tail": "e2", "label": "LINK"}]


def test_apply_gold_leaves_out_unnamed_labels() -> None:
    lm = LabelMap.load("re3d")
    gold = {
        "id": "g",
        "text": TEXT,
        "entities": [mention("a", "Tren de Aragua", "Organisation"), mention("b", "May", "Temporal"), mention("c", "ELN", "Organisation")],
        "relations": [
            {"head": "a", "tail": "b", "label": "CoLocated"},  # endpoint left out
            {"head": "a", "tail": "c", "label": "FightingAgainst"},
            {"head": "a", "tail": "c", "label": "CommWith"},
        ],
    }
    left_out: Counter[str] = Counter()
    (doc,) = lm.apply_gold([gold], left_out)
    assert [e["id"] for e in doc["entities"]] == ["a", "c"]
    assert doc["relations"] == [{"head": "a", "tail": "c", "label": "FightingAgainst"}]
    assert left_out == {"Temporal": 1, "CommWith": 1}


def test_spacy_ner_map_older_form() -> None:
    lm = LabelMap.load("spacy_ner")
    assert lm.pred_entities["GPE"] == "PLACE"
    assert lm.gold_entities is None and lm.gold_source_labels() is None
    assert lm.symmetric == SYMMETRIC and lm.alias == "ALIAS_OF"
    gold = pred_doc()
    assert lm.apply_gold([gold]) == [gold]  # no gold section: passed through
    (doc,) = lm.apply_pred([{**gold, "entities": [mention("x", "Tocorón", "GPE"), mention("y", "May", "DATE")], "relations": []}])
    assert [e["label"] for e in doc["entities"]] == ["PLACE"]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("predicted:\n  entities: {A: B}\nextra: 1\n", "unknown keys"),
        ("predicted:\n  entities: {A: 3}\n", "labels must be strings"),
        ("predicted:\n  entities: nope\n", "expected a mapping or a list"),
        ("predicted:\n  relations: {R: S}\nsymmetric: [T]\n", "symmetric labels ['T']"),
        ("predicted:\n  relations: {R: S}\nalias: T\n", "alias 'T'"),
        ("entities: {A: B}\npredicted: {}\n", "not both"),
        ("gold:\n  people: [A]\n", "unknown keys"),
    ],
)
def test_bad_label_map_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        LabelMap.load(path)
    assert "broken.yml" in str(info.value) and problem in str(info.value)


def test_missing_label_map() -> None:
    with pytest.raises(FileNotFoundError, match="no-such-map"):
        LabelMap.load("no-such-map")


def test_read_documents_pred_side(tmp_path: Path) -> None:
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps(pred_doc(), ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="unknown label 'DATE'"):
        read_documents(path)  # no map: the schema's labels
    docs, report = read_documents(path, label_map="re3d", side="pred")
    assert {e["label"] for e in docs[0]["entities"]} == {"Person", "Organisation", "Location"}
    assert report.labels_left_out == {"DATE": 1, "SEEN_IN": 1}
    assert report.relations == 5


def test_mapped_documents_score(tmp_path: Path) -> None:
    """Mapped gold and predictions go through the scorer restricted to the shared labels."""
    from osint_extract.evaluation.scoring import score_documents

    lm = LabelMap.load("re3d")
    pred = lm.apply_pred([pred_doc()])
    gold = [{**pred[0], "relations": pred[0]["relations"][:2]}]
    scores = score_documents(gold, pred, labels=lm.labels)
    assert scores.entities_strict["micro"].f1 == 1.0
    # Only shared labels are counted (rows for unseen shared labels need scoring.py's help).
    assert set(scores.entities_strict) <= {*lm.entity_labels, "micro"}
    assert scores.relations["InChargeOf"].tp == 1 and scores.relations["CoLocated"].fp == 1


def test_gold_spans_follow_the_schema_conventions() -> None:
    text = "We met the United States envoy. The  Coalition struck Raqqa."
    lm = LabelMap.from_dict({
        "predicted": {"entities": {"PLACE": "Location"}, "relations": {}},
        "gold": {"entities": ["Location", "Organisation"], "relations": ["CoLocated"]},
        "gold_spans": {"strip_leading": ["the"], "drop": ["we"]},
    })
    doc = {"id": "d", "text": text, "relations": [{"head": "e1", "tail": "e2", "label": "CoLocated"}], "entities": [
        {"id": "e1", "start": 0, "end": 2, "label": "Organisation"},
        {"id": "e2", "start": 7, "end": 24, "label": "Location"},
        {"id": "e3", "start": 32, "end": 46, "label": "Organisation"},
        {"id": "e4", "start": 54, "end": 59, "label": "Location"}]}
    left_out: Counter = Counter()
    [out] = lm.apply_gold([doc], left_out)
    assert [(text[e["start"]:e["end"]], e["label"]) for e in out["entities"]] == [
        ("United States", "Location"), ("Coalition", "Organisation"), ("Raqqa", "Location")]
    assert out["relations"] == []  # its head, "We", was dropped
    assert left_out == {"gold_spans:cut": 2, "gold_spans:dropped": 1}
    assert lm.apply_pred([doc]) != [out]  # predictions keep their spans
