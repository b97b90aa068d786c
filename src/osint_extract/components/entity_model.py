"""A trained name typer: which kind of actor or place a name is, read from the whole document.

A transition-based NER decides a label from a few words around each mention, so an unknown
insurgent "... Liberation Army" comes out as a state UNIT and a gang named like a person as a
PERSON. This component looks at every mention of a name in the document: the name's own
words (mean and max of their vectors: by default the base pipeline's shared tok2vec output
beside small trainable embeddings, osint_extract.SharedTensor.v1), the words just before and
after it, and its sentence; a softmax over the five name labels (PERSON, ARMED_GROUP, UNIT,
ORG, PLACE); and the probabilities of all mentions of one name (the same words, case aside)
averaged, so the sentences that say what a group does decide for the ones that only name it.

Policy in the pipeline: it runs right after the statistical `ner` and re-types only that
NER's name entities, only where the most likely label (averaged) is another one with a
probability of at least `threshold`, and only by the changes `retype` allows (chosen on
held-out documents: the typer is better at telling armed groups from units and places than
at telling people from places); WEAPON and CALIBRE spans and spans the NER did not find are left alone, and the
curated lists and rules that run later keep their precedence.

Training: `spacy train` on gold entities (configs/train/typing.cfg), with the shared tok2vec
frozen and annotating; the examples are the reference documents' name entities.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from spacy.vocab import Vocab
from thinc.api import Config, Model
from thinc.types import Floats2d, Ints2d

from .relation_model import _sentence_ids
from .encoders import cross_entropy, pooled_classifier, reference_with_tensor
from .spans import is_statistical

NAME_LABELS: tuple[str, ...] = ("PERSON", "ARMED_GROUP", "UNIT", "ORG", "PLACE")
_INDEX = {label: i for i, label in enumerate(NAME_LABELS)}
# columns of a mention row: the name, the windows before and after it, its sentence
S, E, LS, RE_, SS, SE = range(6)
N_BLOCKS = 5  # mean(name), max(name), mean(before), mean(after), mean(sentence)

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "osint_extract.NameTyper.v1"
hidden_width = 128
dropout = 0.1
nO = null

[model.tok2vec]
@architectures = "osint_extract.SharedTensor.v1"
width = 96

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 2500]
include_static_vectors = false
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


@registry.architectures("osint_extract.NameTyper.v1")
def build_name_typer(
    tok2vec: Model[list[Doc], list[Floats2d]],
    hidden_width: int = 128,
    dropout: float = 0.1,
    nO: int | None = None,
) -> Model[tuple[list[Doc], list[Ints2d]], Floats2d]:
    """(docs, mention rows per doc) -> one row of label scores (logits) per mention."""
    return pooled_classifier("osint_name_typer", _forward, tok2vec, hidden_width, dropout, nO, lambda width: N_BLOCKS * width)


def _segments(rows: numpy.ndarray) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
    """The token ranges averaged for each block but the max: name, before, after, sentence."""
    return [(rows[:, S], rows[:, E]), (rows[:, LS], rows[:, S]), (rows[:, E], rows[:, RE_]), (rows[:, SS], rows[:, SE])]


def _features(vecs: numpy.ndarray, rows: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """[mean(name), max(name), mean(before), mean(after), mean(sentence)] per mention, and
    the argmax of the name's max (for the backward pass)."""
    width = vecs.shape[1]
    cum = numpy.vstack([numpy.zeros((1, width), dtype="f"), numpy.cumsum(vecs, axis=0, dtype="f")])
    means = []
    for a, b in _segments(rows):
        n = (b - a)[:, None].astype("f")
        means.append(numpy.where(n > 0, (cum[b] - cum[a]) / numpy.maximum(n, 1), 0.0))
    argmax = numpy.stack([vecs[s:e].argmax(axis=0) + s for s, e in rows[:, [S, E]]])
    name_max = vecs[argmax, numpy.arange(width)]
    return numpy.hstack([means[0], name_max, *means[1:]]).astype("f"), argmax


def _forward(model: Model, inputs: tuple[list[Doc], list[Ints2d]], is_train: bool):
    docs, rows = inputs
    if sum(len(r) for r in rows) == 0:
        return model.ops.alloc2f(0, model.get_dim("nO")), lambda dY: inputs
    tok2vec, classifier = model.get_ref("tok2vec"), model.get_ref("classifier")
    tokvecs, bp_tokvecs = tok2vec(docs, is_train)
    width = tok2vec.get_dim("nO")
    feats, where = [], []
    for i, (vecs, doc_rows) in enumerate(zip(tokvecs, rows)):
        doc_rows = model.ops.to_numpy(doc_rows)
        if len(doc_rows):
            f, argmax = _features(model.ops.to_numpy(vecs), doc_rows)
            feats.append(f)
            where.append((i, doc_rows, argmax))
    scores, bp_classifier = classifier(model.ops.asarray2f(numpy.concatenate(feats)), is_train)

    def backprop(d_scores: Floats2d) -> tuple[list[Doc], list[Ints2d]]:
        d_feats = model.ops.to_numpy(bp_classifier(d_scores))
        d_vecs = [numpy.zeros(v.shape, dtype="f") for v in tokvecs]
        cols = numpy.arange(width)
        k = 0
        for i, doc_rows, argmax in where:
            d = d_vecs[i]
            block = d_feats[k : k + len(doc_rows)]
            k += len(doc_rows)
            for j in range(len(doc_rows)):
                d[argmax[j], cols] += block[j, width : 2 * width]
            for b, (a, e) in zip((0, 2, 3, 4), _segments(doc_rows)):
                for j in range(len(doc_rows)):
                    if e[j] > a[j]:
                        d[a[j] : e[j]] += block[j, b * width : (b + 1) * width] / (e[j] - a[j])
        bp_tokvecs([model.ops.asarray2f(d) for d in d_vecs])
        return inputs

    return scores, backprop


def mention_rows(doc: Doc, spans: list[Span], window: int) -> numpy.ndarray:
    """Model rows of `spans`: the name, `window` tokens of its sentence on each side, the sentence."""
    if not spans:
        return numpy.zeros((0, 6), dtype="i")
    sent = _sentence_ids(doc)  # non-decreasing
    first = numpy.searchsorted(sent, sent, side="left")
    past = numpy.searchsorted(sent, sent, side="right")
    s = numpy.asarray([span.start for span in spans], dtype="i")
    e = numpy.asarray([span.end for span in spans], dtype="i")
    ss, se = first[s], numpy.maximum(past[s], e)
    return numpy.stack([s, e, numpy.maximum(ss, s - window), numpy.minimum(se, e + window), ss, se], axis=1).astype("i")


def _softmax(scores: numpy.ndarray) -> numpy.ndarray:
    z = numpy.exp(scores - scores.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _name(span: Span) -> str:
    return " ".join(span.text.lower().split())


@Language.factory(
    "osint_entity_model",
    assigns=["doc.ents"],
    requires=["doc.ents", "doc.tensor"],
    default_config={"model": DEFAULT_MODEL, "threshold": 0.5, "window": 6, "retype": {}},
    default_score_weights={"name_type_acc": 1.0},
)
def make_entity_model(
    nlp: Language, name: str, model: Model, threshold: float, window: int, retype: dict[str, list[str]]
) -> "EntityModel":
    """`threshold`: the least averaged probability at which a name is re-typed; `window`:
    tokens on each side of a mention read as its context; `retype`: for each NER label, the
    labels it may be changed to (a label not listed: any; chosen on held-out documents)."""
    return EntityModel(nlp.vocab, model, name, threshold=threshold, window=window, retype=retype)


class EntityModel(TrainablePipe):
    """Re-types the statistical NER's names from all their mentions; see the module docstring."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "osint_entity_model",
        *,
        threshold: float = 0.5,
        window: int = 6,
        retype: dict[str, list[str]] | None = None,
    ):
        self.vocab = vocab
        self.model = model
        self.name = name
        self.threshold = threshold
        self.window = window
        unknown = sorted({label for k, v in (retype or {}).items() for label in [k, *v]} - set(NAME_LABELS))
        if unknown:
            raise ValueError(f"{name}: retype names labels it does not type: {', '.join(unknown)} (types {', '.join(NAME_LABELS)})")
        self.retype = {k: set(v) for k, v in (retype or {}).items()}
        self.cfg: dict[str, Any] = {"labels": list(NAME_LABELS)}

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    def _spans(self, doc: Doc) -> list[Span]:
        return [e for e in doc.ents if e.label_ in _INDEX]

    # -- training

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None) -> None:
        docs, rows = [], []
        for eg in islice(get_examples(), 20):
            docs.append(reference_with_tensor(eg))
            rows.append(self.model.ops.asarray(mention_rows(eg.reference, self._spans(eg.reference), self.window), dtype="i"))
        self.model.set_dim("nO", len(NAME_LABELS))
        self.model.initialize(X=(docs, rows) if docs else None)

    def _gold(self, docs: list[Doc]) -> tuple[list[numpy.ndarray], numpy.ndarray]:
        spans = [self._spans(doc) for doc in docs]
        rows = [mention_rows(doc, s, self.window) for doc, s in zip(docs, spans)]
        gold = numpy.asarray([_INDEX[span.label_] for s in spans for span in s], dtype="i")
        return rows, gold

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Any = None, losses: dict[str, float] | None = None) -> dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        docs = [reference_with_tensor(eg) for eg in examples]
        rows, gold = self._gold(docs)
        if not len(gold):
            return losses
        scores, backprop = self.model.begin_update((docs, [self.model.ops.asarray(r, dtype="i") for r in rows]))
        loss, d_scores = cross_entropy(_softmax(self.model.ops.to_numpy(scores)), gold)
        backprop(self.model.ops.asarray2f(d_scores))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Any) -> tuple[float, Any]:
        rows, gold = self._gold([eg.reference for eg in examples])
        if not len(gold):
            return 0.0, numpy.zeros((0, len(NAME_LABELS)), dtype="f")
        return cross_entropy(_softmax(self.model.ops.to_numpy(scores)), gold)

    # -- prediction

    def probabilities(self, docs: list[Doc]) -> list[tuple[list[Span], numpy.ndarray]]:
        """Per doc: its name entities and their label probabilities, averaged over the
        mentions of each name."""
        spans = [self._spans(doc) for doc in docs]
        rows = [mention_rows(doc, s, self.window) for doc, s in zip(docs, spans)]
        if sum(len(r) for r in rows) == 0:
            return [(s, numpy.zeros((0, len(NAME_LABELS)), dtype="f")) for s in spans]
        probs = _softmax(self.model.ops.to_numpy(self.model.predict((docs, [self.model.ops.asarray(r, dtype="i") for r in rows]))))
        out, at = [], 0
        for doc_spans in spans:
            part = probs[at : at + len(doc_spans)]
            at += len(doc_spans)
            groups: dict[str, list[int]] = defaultdict(list)
            for k, span in enumerate(doc_spans):
                groups[_name(span)].append(k)
            averaged = part.copy()
            for members in groups.values():
                averaged[members] = part[members].mean(axis=0)
            out.append((doc_spans, averaged))
        return out

    def predict(self, docs: Iterable[Doc]) -> list[tuple[list[Span], numpy.ndarray]]:
        return self.probabilities(list(docs))

    def set_annotations(self, docs: Iterable[Doc], predictions: list[tuple[list[Span], numpy.ndarray]]) -> None:
        for doc, (spans, probs) in zip(docs, predictions):
            changed = {}
            for span, p in zip(spans, probs):
                best = int(p.argmax())
                if self._may_retype(span, NAME_LABELS[best]) and p[best] >= self.threshold:
                    changed[(span.start, span.end)] = NAME_LABELS[best]
            if changed:
                doc.ents = [
                    Span(doc, e.start, e.end, label=changed.get((e.start, e.end), e.label_), kb_id=e.kb_id, span_id=e.id)
                    for e in doc.ents
                ]

    def _may_retype(self, span: Span, label: str) -> bool:
        allowed = self.retype.get(span.label_)
        return label != span.label_ and is_statistical(span) and (allowed is None or label in allowed)

    # -- scoring (spacy train's dev evaluation): typing of the reference's names

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, float]:
        """How often the averaged prediction names the gold label of a gold name."""
        right = total = 0
        for spans, probs in self.probabilities([reference_with_tensor(eg) for eg in examples]):
            for span, p in zip(spans, probs):
                right += NAME_LABELS[int(p.argmax())] == span.label_
                total += 1
        return {"name_type_acc": right / total if total else 0.0}
