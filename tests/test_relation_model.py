"""The trained relation classifier (osint_relation_model): training, the schema mask, the
veto, the rules' precedence, saving and loading."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Config

from helpers import gold_doc
from osint_extract.components.facts import RelationFact, add_relations
from osint_extract.components.relation_model import CLASSES, GOLD_KEY, _gold_classes, candidates
from osint_extract.schema import relation_allowed

TEXTS = [
    ("The Red Hand Militia controls Dunmore. Its commander Aran Vell leads the Red Hand Militia.", [
        ("Red Hand Militia", "ARMED_GROUP"), ("Dunmore", "PLACE"), ("Aran Vell", "PERSON"), ("Red Hand Militia", "ARMED_GROUP"),
    ], [(0, "CONTROLS", 1), (2, "LEADS", 3)]),
    ("The Blue Lake Front controls Karsk. Soldiers of the 9th Brigade fought the Blue Lake Front near Karsk.", [
        ("Blue Lake Front", "ARMED_GROUP"), ("Karsk", "PLACE"), ("9th Brigade", "UNIT"), ("Blue Lake Front", "ARMED_GROUP"), ("Karsk", "PLACE"),
    ], [(0, "CONTROLS", 1), (2, "FIGHTS", 3)]),
]


def _doc(nlp, text: str, names: list[tuple[str, str]], rels: list[tuple[int, str, int]]) -> Doc:
    """A gold document: entities found in order of `names`, relations by their indexes."""
    doc = gold_doc(nlp, text, names)
    spans = list(doc.ents)
    doc.user_data[GOLD_KEY] = [
        [spans[h].start_char, spans[h].end_char, spans[t].start_char, spans[t].end_char, label] for h, label, t in rels
    ]
    return doc


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A blank English pipeline with only the relation model, trained a few steps."""
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("osint_relation_model", config={"threshold": 0.5})
    docs = [_doc(nlp, *t) for t in TEXTS]
    examples = [Example(nlp.make_doc(d.text), d) for d in docs]
    optimizer = nlp.initialize(lambda: examples)
    assert pipe.cfg["veto_words"], "the lexicon's negation words were not read"
    losses = []
    for _ in range(40):
        step = {}
        nlp.update(examples, sgd=optimizer, losses=step)
        losses.append(step["osint_relation_model"])
    path = tmp_path_factory.mktemp("relmodel") / "nlp"
    nlp.to_disk(path)
    return nlp, docs, losses, path


def test_training_lowers_the_loss(trained):
    _, _, losses, _ = trained
    assert losses[-1] < losses[0] / 2


def test_dev_score_without_a_recogniser_reads_the_gold_entities(trained):
    """spacy train scores this component on dev docs that no recogniser has run on: the
    score must come from the gold entities (as in training), not be 0 for every checkpoint."""
    nlp, docs, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    examples = [Example(nlp.make_doc(d.text), d) for d in docs]
    before = [(list(eg.reference.ents), eg.reference.tensor.size, repr(eg.reference.user_data)) for eg in examples]
    assert pipe.score(examples)["rel_micro_r"] > 0
    assert not any(eg.predicted.ents for eg in examples), "the examples' predicted docs are left as they were"
    after = [(list(eg.reference.ents), eg.reference.tensor.size, repr(eg.reference.user_data)) for eg in examples]
    assert after == before, "the reference docs are left as they were"


def test_a_pipeline_that_found_entities_is_scored_on_them_in_every_document(trained):
    """Where a recogniser ran, a doc in which it found nothing scores nothing: the gold
    entities stand in only for a run with no recogniser at all."""
    nlp, docs, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    gold_only = pipe.score([Example(nlp.make_doc(d.text), d) for d in docs])
    found = [Example(nlp.make_doc(d.text), d) for d in docs]
    first = found[0].predicted
    first.ents = [Span(first, e.start, e.end, e.label_) for e in docs[0].ents]
    pipe(first)
    mixed = pipe.score(found)
    assert mixed["rel_micro_r"] < gold_only["rel_micro_r"]


def test_candidates_are_pairs_the_schema_allows(trained):
    nlp, docs, _, _ = trained
    rows, spans = candidates(docs[1])
    assert len(rows) == len(spans) > 0
    for head, tail in spans:
        assert head != tail
        assert any(relation_allowed(label, head.label_, tail.label_) for label in CLASSES[1:])
    # two places relate by nothing the model predicts
    assert not any(h.label_ == "PLACE" and t.label_ == "PLACE" for h, t in spans)


def test_gold_facts_label_every_mention_pair_of_the_two_entities(trained):
    nlp, docs, _, _ = trained
    doc = docs[1]
    rows, spans = candidates(doc)
    gold, weight = _gold_classes(doc, rows)
    assert (weight == 1).all()
    fights = {(h.text, t.text) for (h, t), c in zip(spans, gold) if CLASSES[c] == "FIGHTS"}
    # symmetric: both directions; the first "Blue Lake Front" is the same entity as the second
    assert ("9th Brigade", "Blue Lake Front") in fights and ("Blue Lake Front", "9th Brigade") in fights
    controls = [(h.start, t.start) for (h, t), c in zip(spans, gold) if CLASSES[c] == "CONTROLS"]
    assert len(controls) == 4  # both Blue Lake Front mentions with both Karsk mentions (adjacent sentences)


def test_nearest_pair_trains_on_the_nearest_mentions_and_leaves_the_others_out(trained):
    nlp, _, _, _ = trained
    # the gold names the first mentions (a sentence apart); the statement is the last sentence
    text = "Karsk is a port. The Blue Lake Front holds the hills. Residents said the Blue Lake Front controls Karsk."
    names = [("Karsk", "PLACE"), ("Blue Lake Front", "ARMED_GROUP"), ("Blue Lake Front", "ARMED_GROUP"), ("Karsk", "PLACE")]
    doc = _doc(nlp, text, names, [(1, "CONTROLS", 0)])
    rows, spans = candidates(doc)
    gold, weight = _gold_classes(doc, rows, nearest_pair=True)
    controls = [(h.start_char, t.start_char) for (h, t), c in zip(spans, gold) if CLASSES[c] == "CONTROLS"]
    counted = [(h.start_char, t.start_char) for (h, t), c, w in zip(spans, gold, weight) if CLASSES[c] == "CONTROLS" and w > 0]
    # every candidate pair of the two entities keeps its class; only the nearest counts in the loss
    assert len(controls) == 3  # the first group with both places (adjacent sentences), the last pair
    assert counted == [(text.rindex("Blue Lake Front"), text.rindex("Karsk"))]
    # pairs no gold fact relates are negatives with full weight
    assert all(w == 1 for c, w in zip(gold, weight) if c == 0)


def test_predictions_are_allowed_by_the_schema(trained):
    nlp, docs, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    doc = nlp.make_doc("Aran Vell of the Blue Lake Front met the 9th Brigade in Dunmore with AK-47 rifles.")
    doc.ents = [
        doc.char_span(0, 9, label="PERSON"),
        doc.char_span(17, 32, label="ARMED_GROUP"),
        doc.char_span(41, 52, label="UNIT"),
        doc.char_span(56, 63, label="PLACE"),
        doc.char_span(69, 74, label="WEAPON"),
    ]
    (spans, probs), = pipe.predict([doc])
    assert numpy.allclose(probs.sum(axis=1), 1.0)
    for (head, tail), p in zip(spans, probs):
        for c in numpy.nonzero(p > 0)[0]:
            assert c == 0 or relation_allowed(CLASSES[c], head.label_, tail.label_)
    facts = pipe.facts(doc, spans, probs, threshold=0.0)
    assert facts
    for fact in facts:
        assert relation_allowed(fact.label, fact.head.label_, fact.tail.label_)
        assert fact.pattern == "osint_relation_model"
        assert fact.evidence.start_char <= min(fact.head.start_char, fact.tail.start_char)


def _forced(pipe, doc: Doc, label: str) -> list[RelationFact]:
    """The facts of `doc` if the model gave `label` probability 0.99 to every candidate."""
    rows, spans = candidates(doc)
    probs = numpy.zeros((len(spans), len(CLASSES)), dtype="f")
    probs[:, 0] = 0.01
    probs[:, CLASSES.index(label)] = 0.99
    return pipe.facts(doc, spans, probs)


def _two(nlp, text: str) -> Doc:
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(0, 13, label="ARMED_GROUP"), doc.char_span(len(text) - 7, len(text) - 1, label="PLACE")]
    return doc


def test_negation_denial_and_hedging_veto_a_model_fact(trained):
    nlp, _, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    stated = _forced(pipe, _two(nlp, "The Red Front holds Dunmor."), "CONTROLS")
    assert [(f.label, f.confidence, f.head.text, f.tail.text) for f in stated] == [("CONTROLS", 0.99, "The Red Front", "Dunmor")]
    for text in ("The Red Front does not hold Dunmor.", "The Red Front could take Dunmor.", "The Red Front no longer holds Dunmor."):
        assert _forced(pipe, _two(nlp, text), "CONTROLS") == [], text


def test_a_fact_the_rules_found_is_not_added_again(trained):
    nlp, _, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    doc = _two(nlp, "The Red Front holds Dunmor.")
    head, tail = doc.ents
    add_relations(doc, [RelationFact(head, tail, "CONTROLS", 0.6, doc[:], "controls")])
    assert _forced(pipe, doc, "CONTROLS") == []
    assert [f.label for f in _forced(pipe, doc, "OPERATES_IN")] == ["OPERATES_IN"]


def test_saved_pipeline_loads_with_spacy_load_and_predicts_the_same(trained):
    nlp, docs, _, path = trained
    loaded = spacy.load(path)
    doc = docs[0]
    (_, before), = nlp.get_pipe("osint_relation_model").predict([doc])
    (_, after), = loaded.get_pipe("osint_relation_model").predict([doc])
    assert numpy.allclose(before, after)
    # a fresh interpreter finds the factory and the architecture by their entry points
    code = (
        "import spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "d = nlp.make_doc('The Red Hand Militia controls Dunmore.'); "
        "d.ents = [d.char_span(4, 20, label='ARMED_GROUP'), d.char_span(30, 37, label='PLACE')]; "
        "nlp.get_pipe('osint_relation_model')(d); print(len(d._.osint_relations or []))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().isdigit()



def test_a_label_above_one_is_never_added(trained):
    nlp, _, _, _ = trained
    pipe = nlp.get_pipe("osint_relation_model")
    doc = _two(nlp, "The Red Front holds Dunmor.")
    saved = pipe.thresholds
    try:
        pipe.thresholds = {"CONTROLS": 1.01}
        assert _forced(pipe, doc, "CONTROLS") == []
        assert [f.label for f in _forced(pipe, doc, "OPERATES_IN")] == ["OPERATES_IN"]
    finally:
        pipe.thresholds = saved


def test_a_threshold_for_a_label_it_does_not_predict_is_an_error():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="ALIAS_OF"):
        nlp.add_pipe("osint_relation_model", config={"thresholds": {"ALIAS_OF": 0.5}})


def test_its_training_config_trains_and_the_output_loads(trained, tmp_path):
    """configs/train/relations.cfg through `spacy train` (a few steps), then spacy.load."""
    from spacy.cli.train import train as spacy_train
    from spacy.tokens import DocBin

    nlp, docs, _, _ = trained
    corpus = tmp_path / "t.spacy"
    DocBin(docs=docs, store_user_data=True).to_disk(corpus)
    config = Path(__file__).resolve().parents[1] / "configs" / "train" / "relations.cfg"
    overrides = {"paths.train": str(corpus), "paths.dev": str(corpus), "training.max_steps": 4, "training.eval_frequency": 2}
    spacy_train(config, tmp_path / "out", overrides=overrides)
    loaded = spacy.load(tmp_path / "out" / "model-last")
    pipe = loaded.get_pipe("osint_relation_model")
    settings = Config().from_disk(config, interpolate=False)["components"]["osint_relation_model"]
    assert pipe.threshold == settings["threshold"] and pipe.thresholds == settings["thresholds"]
    assert pipe.nearest_pair is settings["nearest_pair"]
    (spans, probs), = pipe.predict([docs[0]])
    assert len(spans) == len(probs) > 0
