"""Training: gold to DocBins, `osint-extract train` end to end (a few steps), and the
trained pipeline loaded by plain spaCy in a fresh interpreter."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import registry

from osint_extract.pipeline import base_name, load_base
from osint_extract.schema import ENTITY_LABELS
from osint_extract.training import RELATIONS_KEY, gold_to_docs, ConversionReport

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "corpus" / "gold" / "train.jsonl"
DEV = ROOT / "corpus" / "gold" / "dev.jsonl"
SCHEMA_LABELS = set(ENTITY_LABELS)


def _lines(path: Path, n: int) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(next(fh)) for _ in range(n)]


def test_gold_to_docs_keeps_entities_and_relation_offsets():
    text = "The Wolves, led by Ana Ruiz, hold Puerto Lindo. Counterinsurgency"
    gold = {
        "id": "d1",
        "text": text,
        "entities": [
            {"id": "e1", "start": 4, "end": 10, "label": "ARMED_GROUP"},
            {"id": "e2", "start": 19, "end": 27, "label": "PERSON"},
            {"id": "e3", "start": 34, "end": 46, "label": "PLACE"},
            {"id": "e4", "start": 19, "end": 22, "label": "PERSON"},  # overlaps e2
            {"id": "e5", "start": 53, "end": 56, "label": "ORG"},  # deep inside a token: not widened
        ],
        "relations": [
            {"head": "e2", "tail": "e1", "label": "LEADS"},
            {"head": "e1", "tail": "e3", "label": "CONTROLS"},
            {"head": "e4", "tail": "e1", "label": "MEMBER_OF"},
        ],
    }
    report = ConversionReport()
    (doc,) = gold_to_docs([gold], spacy.blank("en"), report)
    assert [(e.text, e.label_) for e in doc.ents] == [("Wolves", "ARMED_GROUP"), ("Ana Ruiz", "PERSON"), ("Puerto Lindo", "PLACE")]
    assert doc.user_data[RELATIONS_KEY] == [[19, 27, 4, 10, "LEADS"], [4, 10, 34, 46, "CONTROLS"]]
    assert report.skipped["overlapping_entity"] == 1
    assert report.relations == 2 and report.skipped["relation_without_entity"] == 1
    assert report.entities == 3 and report.skipped["misaligned_entity"] == 1


def test_gold_to_docs_round_trips_through_docbin(tmp_path):
    gold = _lines(TRAIN, 2)
    docs = gold_to_docs(gold, load_base())
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "t.spacy")
    back = list(DocBin().from_disk(tmp_path / "t.spacy").get_docs(spacy.blank("en").vocab))
    for item, doc in zip(gold, back):
        gold_spans = {(e["start"], e["end"], e["label"]) for e in item["entities"]}
        assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} <= gold_spans
        assert len(doc.ents) >= 0.95 * len(gold_spans)
        assert len(doc.user_data[RELATIONS_KEY]) >= 0.9 * len(item["relations"])


def test_train_smoke_cnn(tmp_path):
    """A few training steps on two documents through the CLI; the saved pipeline loads
    with spacy.load in a fresh interpreter without importing osint_extract, and extracts."""
    train, dev = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    train.write_text("".join(json.dumps(d) + "\n" for d in _lines(TRAIN, 2)), encoding="utf-8")
    dev.write_text("".join(json.dumps(d) + "\n" for d in _lines(DEV, 1)), encoding="utf-8")
    out = tmp_path / "model"
    exe = Path(sys.executable).with_name("osint-extract")
    run = subprocess.run(
        [str(exe), "train", str(train), "--dev", str(dev), "--output", str(out), "--max-steps", "3", "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "work" / "corpus" / "train.spacy").is_file()
    info = _in_fresh_interpreter(
        out, "The Sinaloa Cartel fought the 41st Armored Brigade near Culiacán with AK-47 rifles.", tmp_path,
        "'labels': list(nlp.get_pipe('ner').labels)",
    )
    assert "ner" in info["pipe"] and "osint_typer" in info["pipe"] and "osint_relations" in info["pipe"]
    assert info["pipe"].index("osint_relation_model") == info["pipe"].index("osint_relations") + 1
    assert info["pipe"].index("osint_entity_model") == info["pipe"].index("ner") + 1
    # a `ner` built anew: the schema's labels only, none of the base's OntoNotes ones
    assert {"ARMED_GROUP", "UNIT", "WEAPON"} <= set(info["labels"]) <= SCHEMA_LABELS
    labels = {label for _, label in info["ents"]}
    assert labels <= SCHEMA_LABELS
    # the rules still run on the trained pipeline: the curated list and the arms rules
    assert ["Sinaloa Cartel", "ARMED_GROUP"] in info["ents"]
    assert any("AK-47" in text and label == "WEAPON" for text, label in info["ents"])


def test_copy_base_weights_starts_a_new_ner_from_the_base():
    """cnn.cfg's [initialize.after_init]: the label-independent layers of a `ner` built
    anew hold the base's weights, its output layer only the new labels."""
    base = load_base()
    nlp = spacy.blank("en", vocab=base.vocab)
    ner = nlp.add_pipe("ner", config={"model": base.config["components"]["ner"]["model"]})
    ner.add_label("ARMED_GROUP")
    nlp.initialize()
    source = base.get_pipe("ner").model
    assert ner.model.get_ref("lower").to_bytes() != source.get_ref("lower").to_bytes()
    copy = registry.callbacks.get("osint_extract.copy_base_weights.v1")
    copy(base=base_name(), component="ner", layers=["tok2vec"])(nlp)
    assert ner.model.get_ref("tok2vec").to_bytes() == source.get_ref("tok2vec").to_bytes()
    assert ner.model.get_ref("lower").to_bytes() != source.get_ref("lower").to_bytes(), "only the layers named are copied"
    copy(base=base_name(), component="ner", layers=["tok2vec", "lower"])(nlp)
    for layer in ("tok2vec", "lower"):
        assert ner.model.get_ref(layer).to_bytes() == source.get_ref(layer).to_bytes()
    # nothing label-dependent came with them: the output layer and the actions are the new ones
    assert ner.labels == ("ARMED_GROUP",)
    assert ner.model.get_ref("upper").get_dim("nO") < source.get_ref("upper").get_dim("nO")


def test_train_reports_bad_gold(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "abc", "entities": [{"id": "e1", "start": 0, "end": 9, "label": "PERSON"}], "relations": []}\n', encoding="utf-8")
    exe = Path(sys.executable).with_name("osint-extract")
    run = subprocess.run([str(exe), "train", str(bad), "--dev", str(bad), "--output", str(tmp_path / "m")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert "bad.jsonl:1" in run.stderr and "outside text" in run.stderr
    assert not (tmp_path / "m").exists()


def test_committed_trained_pipeline_loads_with_plain_spacy(tmp_path):
    """models/osint-extract-trained loads with spacy.load in a fresh interpreter (entry points, no
    import of osint_extract) and finds a group on no list with the trained NER."""
    model = ROOT / "models" / "osint-extract-trained"
    assert (model / "meta.json").is_file(), "the trained pipeline is committed under models/"
    info = _in_fresh_interpreter(
        model, "The Red Heron Brotherhood is led by commander Tomas Varga and controls the port of Kelvara.", tmp_path,
        "'facts': [[f.head.text, f.label, f.tail.text, f.pattern] for f in doc._.osint_relations or []]",
    )
    assert {"ner", "osint_entity_model", "osint_relations", "osint_relation_model"} <= set(info["pipe"])
    ents = {text: label for text, label in info["ents"]}
    assert ents.get("Tomas Varga") == "PERSON"
    assert ents.get("Red Heron Brotherhood") == "ARMED_GROUP"
    assert ents.get("Kelvara") == "PLACE"
    assert any(label == "LEADS" and head == "Tomas Varga" for head, label, _, _ in info["facts"])


def _in_fresh_interpreter(model: Path, text: str, cwd: Path, extra: str) -> dict:
    """spacy.load(model) in a new interpreter (entry points only, no import of osint_extract):
    its pipe names, the entities of `text`, and `extra` (more dict items, as source)."""
    script = (
        "import json, spacy\n"
        f"nlp = spacy.load({str(model)!r})\n"
        f"doc = nlp({text!r})\n"
        "print(json.dumps({'pipe': nlp.pipe_names, 'ents': [[e.text, e.label_] for e in doc.ents], " + extra + "}))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=cwd)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    return json.loads(loaded.stdout.strip().splitlines()[-1])
