"""The trained name typer (osint_entity_model): training through its config, the averaging
over a name's mentions, the re-typing policy, saving and loading."""
from __future__ import annotations

from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from thinc.api import Config

from helpers import ROOT, gold_doc
from osint_extract.components.entity_model import NAME_LABELS
from osint_extract.components.spans import set_source

CONFIG = ROOT / "configs" / "train" / "typing.cfg"
TEXTS = [
    ("Fighters of the Red Hand Militia attacked Dunmore. The Red Hand Militia holds the hills near Dunmore.",
     [("Red Hand Militia", "ARMED_GROUP"), ("Dunmore", "PLACE"), ("Red Hand Militia", "ARMED_GROUP"), ("Dunmore", "PLACE")]),
    ("Colonel Aran Vell commands the 9th Brigade, which patrols Karsk. Vell said the 9th Brigade will stay in Karsk.",
     [("Aran Vell", "PERSON"), ("9th Brigade", "UNIT"), ("Karsk", "PLACE"), ("Vell", "PERSON"), ("9th Brigade", "UNIT"), ("Karsk", "PLACE")]),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """configs/train/typing.cfg through `spacy train` (a few steps) on two documents."""
    from spacy.cli.train import train as spacy_train

    tmp = tmp_path_factory.mktemp("typer")
    docs = [gold_doc(spacy.blank("en"), *t) for t in TEXTS]
    DocBin(docs=docs).to_disk(tmp / "t.spacy")
    overrides = {"paths.train": str(tmp / "t.spacy"), "paths.dev": str(tmp / "t.spacy"), "training.max_steps": 30, "training.eval_frequency": 10}
    spacy_train(CONFIG, tmp / "out", overrides=overrides)
    return spacy.load(tmp / "out" / "model-last"), docs


def test_its_training_config_trains_and_the_output_loads_with_its_settings(trained):
    nlp, docs = trained
    pipe = nlp.get_pipe("osint_entity_model")
    settings = Config().from_disk(CONFIG, interpolate=False)["components"]["osint_entity_model"]
    assert pipe.threshold == settings["threshold"] and pipe.window == settings["window"]
    assert pipe.retype == {label: set(allowed) for label, allowed in settings["retype"].items()}
    # it learned its two training documents
    assert nlp.get_pipe("osint_entity_model").score([_example(nlp, doc) for doc in docs])["name_type_acc"] == 1.0


def _example(nlp, doc):
    from spacy.training import Example

    return Example(nlp.get_pipe("tok2vec")(nlp.make_doc(doc.text)), doc)


def _ner_doc(nlp, text, names):
    """`text` through the shared tok2vec, with `names` as the statistical NER's entities."""
    doc = gold_doc(nlp, text, names)
    return nlp.get_pipe("tok2vec")(doc)


def test_every_mention_of_a_name_gets_the_same_probabilities(trained):
    nlp, _ = trained
    pipe = nlp.get_pipe("osint_entity_model")
    doc = _ner_doc(nlp, "The Red Hand Militia attacked Dunmore. Later the Red Hand Militia left.",
                   [("Red Hand Militia", "ORG"), ("Dunmore", "PLACE"), ("Red Hand Militia", "ORG")])
    [(spans, probs)] = pipe.probabilities([doc])
    assert [s.text for s in spans] == ["Red Hand Militia", "Dunmore", "Red Hand Militia"]
    assert numpy.allclose(probs[0], probs[2]) and numpy.allclose(probs.sum(axis=1), 1.0)
    assert not numpy.allclose(probs[0], probs[1])


def _forced(pipe, doc, label):
    """set_annotations as if the typer gave every name `label` with probability 0.9."""
    spans = [e for e in doc.ents if e.label_ in NAME_LABELS]
    probs = numpy.full((len(spans), len(NAME_LABELS)), 0.025, dtype="f")
    probs[:, NAME_LABELS.index(label)] = 0.9
    pipe.set_annotations([doc], [(spans, probs)])
    return [(e.text, e.label_) for e in doc.ents]


def test_it_retypes_only_the_ner_s_names_and_only_as_retype_allows(trained):
    nlp, _ = trained
    pipe = nlp.get_pipe("osint_entity_model")
    names = [("Red Hand Militia", "UNIT"), ("Dunmore", "PLACE"), ("Aran Vell", "PERSON")]
    text = "The Red Hand Militia attacked Dunmore, said Aran Vell."
    saved = pipe.retype, pipe.threshold
    try:
        pipe.retype = {"UNIT": {"ARMED_GROUP"}, "PLACE": set(), "PERSON": {"ARMED_GROUP"}}
        pipe.threshold = 0.5
        assert _forced(pipe, _ner_doc(nlp, text, names), "ARMED_GROUP") == [
            ("Red Hand Militia", "ARMED_GROUP"), ("Dunmore", "PLACE"), ("Aran Vell", "ARMED_GROUP")]
        # a change the map does not allow, and one below the threshold, are not made
        assert _forced(pipe, _ner_doc(nlp, text, names), "ORG") == names
        pipe.threshold = 0.95
        assert _forced(pipe, _ner_doc(nlp, text, names), "ARMED_GROUP") == names
        # a name a rule or list put there keeps its label
        pipe.threshold = 0.5
        doc = _ner_doc(nlp, text, names)
        set_source(doc.ents[0], "gazetteer")
        assert _forced(pipe, doc, "ARMED_GROUP")[0] == ("Red Hand Militia", "UNIT")
    finally:
        pipe.retype, pipe.threshold = saved


def test_a_retype_label_it_does_not_type_is_an_error():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="WEAPON"):
        nlp.add_pipe("osint_entity_model", config={"retype": {"PERSON": ["WEAPON"]}})


def test_without_the_shared_vectors_it_says_what_is_missing(trained):
    nlp, docs = trained
    pipe = nlp.get_pipe("osint_entity_model")
    doc = gold_doc(nlp, *TEXTS[0])  # no tok2vec has run
    with pytest.raises(ValueError, match="tok2vec"):
        pipe.probabilities([doc])


def test_the_default_pipeline_runs_it_after_the_ner_and_the_rules_only_one_does_not(trained_nlp, nlp):
    names = trained_nlp.pipe_names
    assert names.index("osint_entity_model") == names.index("ner") + 1
    assert "osint_entity_model" not in nlp.pipe_names
