"""A trained relation classifier: finds stated facts in constructions the rules do not know.

Candidates are ordered pairs of ``doc.ents`` in the same or adjacent sentences whose labels
the schema allows for some relation (schema.RELATION_TYPES). For each the model predicts one
of the schema's relations, or none, with a probability: its own small CNN tok2vec, pooled
over the head, the tail and the words between them (mean and max), plus the two entity labels,
their order, the distance, the number of entities between and a same-sentence flag. The
labels a pair's entity types do not allow are masked out of the softmax, at training and at
prediction time, so a prediction is always valid for the schema.

ALIAS_OF is not predicted: the resolver owns it (curated ids, brackets and cues say more
about names than a classifier trained on a few dozen documents can).

Policy in the pipeline (it runs after the rules and uses the resolver's entities when they
are there): a fact the rules found stays as they wrote it (rule name, confidence); the model
adds a fact only between two entities the rules did not relate by that label, only when its
probability reaches ``threshold`` (per label, chosen on held-out documents), and never from
a passage with a negation, denial or hedging word of the relation lexicon
(configs/lexicons/relations.yml) between the start of the sentence and the later mention. Such a fact's `pattern` is this
component's name, its confidence the probability. The rules veto their own facts with the
same lexicon, through the parse.

Training: ``spacy train`` with gold entities: the reference documents carry ``doc.ents`` and
``doc.user_data["osint_relations"] = [[head_start, head_end, tail_start, tail_end, label],
...]`` in character offsets (training.gold_to_docs writes them).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy
from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from spacy.vocab import Vocab
from thinc.api import Config, Model
from thinc.types import Floats2d, Ints2d

from ..resources import configs_dir, read_data
from ..schema import ENTITY_LABELS, RELATION_TYPES, SYMMETRIC, relation_allowed
from .encoders import cross_entropy, pooled_classifier, reference_with_tensor
from .facts import RelationFact, add_relations, entity_index

# class 0 is "no relation"
LABELS: tuple[str, ...] = tuple(label for label in RELATION_TYPES if label != "ALIAS_OF")
NO_RELATION = "NONE"
CLASSES: tuple[str, ...] = (NO_RELATION,) + LABELS
GOLD_KEY = "osint_relations"

_ENT_INDEX = {label: i for i, label in enumerate(ENTITY_LABELS)}
_DIST_BUCKETS = (0, 1, 2, 3, 4, 6, 9, 16, 31)  # lower bounds of the token-gap buckets
_BETWEEN_BUCKETS = 4  # 0, 1, 2, 3+ entities between
N_EXTRA = 2 * len(ENTITY_LABELS) + 2 + len(_DIST_BUCKETS) + _BETWEEN_BUCKETS
# columns of a candidate row
HS, HE, TS, TE, HL, TL, SAME, NBETWEEN = range(8)

# the mask of allowed classes for each (head label, tail label)
_ALLOWED = numpy.zeros((len(ENTITY_LABELS), len(ENTITY_LABELS), len(CLASSES)), dtype="f")
for _h, _hl in enumerate(ENTITY_LABELS):
    for _t, _tl in enumerate(ENTITY_LABELS):
        _ALLOWED[_h, _t, 0] = 1.0
        for _c, _label in enumerate(LABELS, start=1):
            _ALLOWED[_h, _t, _c] = float(relation_allowed(_label, _hl, _tl))
_PAIR_ALLOWED = _ALLOWED[:, :, 1:].any(axis=2)

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "osint_extract.RelationClassifier.v1"
hidden_width = 128
dropout = 0.1
nO = null

[model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 2500]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 64
depth = 2
window_size = 1
maxout_pieces = 3
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


# ---------------------------------------------------------------------- the model


@registry.architectures("osint_extract.RelationClassifier.v1")
def build_relation_classifier(
    tok2vec: Model[list[Doc], list[Floats2d]],
    hidden_width: int = 128,
    dropout: float = 0.1,
    nO: int | None = None,
) -> Model[tuple[list[Doc], list[Ints2d]], Floats2d]:
    """(docs, candidate rows per doc) -> one row of class scores (logits) per candidate."""
    return pooled_classifier("osint_relation_classifier", _forward, tok2vec, hidden_width, dropout, nO, lambda width: 4 * width + N_EXTRA)


def _masked(doc: Doc) -> Doc:
    """The doc with every word of an entity replaced by its label: the classifier learns
    how relations are stated, not which names it saw in training."""
    if not doc.ents:
        return doc
    strings = doc.vocab.strings
    arr = doc.to_array([ORTH, SPACY])
    words = [strings[int(o)] for o in arr[:, 0]]
    for ent in doc.ents:
        words[ent.start : ent.end] = [ent.label_] * len(ent)
    masked = Doc(doc.vocab, words=words, spaces=[bool(x) for x in arr[:, 1]])
    masked.tensor = doc.tensor  # the shared tok2vec's vectors, for osint_extract.SharedTensor.v1
    return masked


def _extras(rows: numpy.ndarray, gap: numpy.ndarray) -> numpy.ndarray:
    """One-hot entity labels, same sentence, head first, token-gap bucket, entities between."""
    n = len(ENTITY_LABELS)
    at = numpy.arange(len(rows))
    out = numpy.zeros((len(rows), N_EXTRA), dtype="f")
    out[at, rows[:, HL]] = 1.0
    out[at, n + rows[:, TL]] = 1.0
    out[:, 2 * n] = rows[:, SAME]
    out[:, 2 * n + 1] = rows[:, HS] < rows[:, TS]
    bucket = numpy.searchsorted(numpy.asarray(_DIST_BUCKETS), gap, side="right") - 1
    out[at, 2 * n + 2 + bucket] = 1.0
    out[at, 2 * n + 2 + len(_DIST_BUCKETS) + numpy.minimum(rows[:, NBETWEEN], _BETWEEN_BUCKETS - 1)] = 1.0
    return out


def _pair_features(vecs: numpy.ndarray, rows: numpy.ndarray) -> numpy.ndarray:
    """One doc's candidate rows -> [mean(head), mean(tail), mean(between), max(between),
    extras], vectorised: means from cumulative sums, maxima by `maximum.reduceat`."""
    width = vecs.shape[1]
    cum = numpy.vstack([numpy.zeros((1, width), dtype="f"), numpy.cumsum(vecs, axis=0, dtype="f")])
    hs, he, ts, te = (rows[:, k].astype("i") for k in (HS, HE, TS, TE))
    head_first = he <= ts
    bs = numpy.where(head_first, he, te)
    be = numpy.where(head_first, ts, hs)
    gap = numpy.maximum(be - bs, 0)
    has = gap > 0

    def mean(a: numpy.ndarray, b: numpy.ndarray) -> numpy.ndarray:
        n = numpy.maximum(b - a, 1)[:, None].astype("f")
        return (cum[b] - cum[a]) / n

    between_max = numpy.zeros((len(rows), width), dtype="f")
    if has.any():
        padded = numpy.vstack([vecs, numpy.zeros((1, width), dtype="f")])
        idx = numpy.stack([bs[has], be[has]], axis=1).ravel()
        between_max[has] = numpy.maximum.reduceat(padded, idx, axis=0)[::2]
    between_mean = numpy.where(has[:, None], mean(bs, numpy.maximum(be, bs)), 0.0)
    extras = _extras(rows, gap)
    return numpy.hstack([mean(hs, he), mean(ts, te), between_mean, between_max, extras]).astype("f")


def _forward(model: Model, inputs: tuple[list[Doc], list[Ints2d]], is_train: bool):
    docs, rows = inputs
    classifier = model.get_ref("classifier")
    n_rows = sum(len(r) for r in rows)
    if n_rows == 0:
        # nothing to classify: the tok2vec need not run at all
        return model.ops.alloc2f(0, model.get_dim("nO")), lambda dY: inputs
    tok2vec = model.get_ref("tok2vec")
    tokvecs, bp_tokvecs = tok2vec([_masked(doc) for doc in docs], is_train)
    width = tok2vec.get_dim("nO")
    parts = []
    where: list[tuple[int, int, int, int, int, int, int, numpy.ndarray | None]] = []
    cols = numpy.arange(width)
    for i, (vecs, doc_rows) in enumerate(zip(tokvecs, rows)):
        doc_rows = model.ops.to_numpy(doc_rows)
        if not len(doc_rows):
            continue
        parts.append(_pair_features(model.ops.to_numpy(vecs), doc_rows))
        if is_train:
            for row in doc_rows:
                hs, he, ts, te = (int(x) for x in row[:4])
                bs, be = (he, ts) if he <= ts else (te, hs)
                argmax = vecs[bs:be].argmax(axis=0) if be > bs else None
                where.append((i, hs, he, ts, te, bs, be, argmax))
    feats = numpy.concatenate(parts)
    scores, bp_classifier = classifier(model.ops.asarray2f(feats), is_train)

    def backprop(d_scores: Floats2d) -> tuple[list[Doc], list[Ints2d]]:
        d_feats = model.ops.to_numpy(bp_classifier(d_scores))
        d_vecs = [numpy.zeros(v.shape, dtype="f") for v in tokvecs]
        for k, (i, hs, he, ts, te, bs, be, argmax) in enumerate(where):
            d = d_vecs[i]
            d[hs:he] += d_feats[k, :width] / (he - hs)
            d[ts:te] += d_feats[k, width : 2 * width] / (te - ts)
            if argmax is not None:
                d[bs:be] += d_feats[k, 2 * width : 3 * width] / (be - bs)
                d[bs + argmax, cols] += d_feats[k, 3 * width : 4 * width]
        bp_tokvecs([model.ops.asarray2f(d) for d in d_vecs])
        return inputs

    return scores, backprop


# ---------------------------------------------------------------------- candidates


def _sentence_ids(doc: Doc) -> numpy.ndarray:
    """The sentence number of every token: the parser's or line-break component's
    sentences when set, else breaks after sentence-final punctuation (a training
    document without a parser)."""
    ids = numpy.zeros((len(doc),), dtype="i")
    if doc.has_annotation("SENT_START"):
        for n, sent in enumerate(doc.sents):
            ids[sent.start : sent.end] = n
        return ids
    n = 0
    for tok in doc:
        ids[tok.i] = n
        if tok.text in (".", "!", "?") or "\n\n" in tok.whitespace_ + (tok.text if tok.is_space else ""):
            n += 1
    return ids


class _SentenceBounds:
    """The first and past-the-end token of each token's sentence (as `_sentence_ids` splits)."""

    def __init__(self, doc: Doc):
        self.ids = _sentence_ids(doc)
        n = int(self.ids[-1]) + 1 if len(self.ids) else 0
        self.starts = numpy.zeros((n,), dtype="i")
        self.ends = numpy.zeros((n,), dtype="i")
        for i in range(len(self.ids) - 1, -1, -1):
            self.starts[self.ids[i]] = i
        for i, sid in enumerate(self.ids):
            self.ends[sid] = i + 1

    def start_of(self, i: int) -> int:
        return int(self.starts[self.ids[i]])

    def end_of(self, i: int) -> int:
        return int(self.ends[self.ids[i]])


def candidates(doc: Doc, max_sentence_gap: int = 1) -> tuple[numpy.ndarray, list[tuple[Span, Span]]]:
    """Ordered pairs of entities at most `max_sentence_gap` sentences apart that some
    relation of the schema (ALIAS_OF aside) allows, as model rows and as spans."""
    ents = [e for e in doc.ents if e.label_ in _ENT_INDEX]
    if len(ents) < 2:
        return numpy.zeros((0, 8), dtype="i"), []
    sent = _sentence_ids(doc)
    sent_of = [int(sent[e.start]) for e in ents]
    rows: list[list[int]] = []
    spans: list[tuple[Span, Span]] = []
    for a, head in enumerate(ents):
        hl = _ENT_INDEX[head.label_]
        for b, tail in enumerate(ents):
            if a == b or abs(sent_of[a] - sent_of[b]) > max_sentence_gap:
                continue
            tl = _ENT_INDEX[tail.label_]
            if not _PAIR_ALLOWED[hl, tl]:
                continue
            between = abs(a - b) - 1
            rows.append([head.start, head.end, tail.start, tail.end, hl, tl, int(sent_of[a] == sent_of[b]), between])
            spans.append((head, tail))
    return numpy.asarray(rows, dtype="i").reshape((-1, 8)), spans


def _masked_softmax(scores: numpy.ndarray, rows: numpy.ndarray) -> numpy.ndarray:
    mask = _ALLOWED[rows[:, HL], rows[:, TL]]
    z = numpy.where(mask > 0, scores, -1e9)
    z = z - z.max(axis=1, keepdims=True)
    e = numpy.exp(z) * mask
    return e / e.sum(axis=1, keepdims=True)


def _name(span: Span) -> str:
    return _text_name(span.doc, span.start_char, span.end_char)


def _text_name(doc: Doc, start: int, end: int) -> str:
    """A mention's name as the scorer compares them: lowercased, white space collapsed."""
    return " ".join(doc.text[start:end].lower().split())


def _gold_facts(doc: Doc) -> tuple[Callable[[str], str], dict[tuple[str, str], int]]:
    """The reference's gold facts between entities, as the scorer sees them: mentions with
    the same name and mentions joined by ALIAS_OF are one entity. Returns the name -> entity
    function and (head entity, tail entity) -> class (symmetric facts both ways)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    gold_rels = doc.user_data.get(GOLD_KEY) or []
    for hs, he, ts, te, label in gold_rels:
        if label == "ALIAS_OF":
            parent[find(_text_name(doc, hs, he))] = find(_text_name(doc, ts, te))
    facts: dict[tuple[str, str], int] = {}
    for hs, he, ts, te, label in gold_rels:
        if label in LABELS:
            h, t = find(_text_name(doc, hs, he)), find(_text_name(doc, ts, te))
            facts.setdefault((h, t), CLASSES.index(label))
            if label in SYMMETRIC:
                facts.setdefault((t, h), CLASSES.index(label))
    return find, facts


def _gold_classes(doc: Doc, rows: numpy.ndarray, nearest_pair: bool = False) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The class of each candidate and its weight in the loss. Gold facts are between
    entities, each annotated on one pair of mentions (the first of each name), often far
    from the sentence that states it. By default every candidate pair of two entities a
    gold fact relates is an example of that fact; with `nearest_pair` only the nearest pair
    of their mentions is (the same sentence before adjacent ones, then the fewest words
    apart), and the other pairs of those two entities are left out of the loss (they may or
    may not state it), so the classifier learns the statement, not the pairing."""
    find, facts = _gold_facts(doc)
    out = numpy.zeros((len(rows),), dtype="i")
    weight = numpy.ones((len(rows),), dtype="f")
    nearest: dict[tuple[str, str], tuple[tuple[int, int], int]] = {}
    for k, row in enumerate(rows):
        key = (find(_name(doc[int(row[HS]) : int(row[HE])])), find(_name(doc[int(row[TS]) : int(row[TE])])))
        c = facts.get(key, 0)
        if not _ALLOWED[row[HL], row[TL], c]:
            continue
        out[k] = c
        if nearest_pair and c:
            weight[k] = 0.0
            if key[1] < key[0] and CLASSES[c] in SYMMETRIC:
                key = (key[1], key[0])
            gap = max(int(row[TS]) - int(row[HE]), int(row[HS]) - int(row[TE]), 0)
            rank = (1 - int(row[SAME]), gap)
            if key not in nearest or rank < nearest[key][0]:
                nearest[key] = (rank, k)
    for _, k in nearest.values():
        weight[k] = 1.0
    return out, weight


# ---------------------------------------------------------------------- the component


@Language.factory(
    "osint_relation_model",
    assigns=["doc._.osint_relations"],
    requires=["doc.ents"],
    default_config={"model": DEFAULT_MODEL, "threshold": 0.5, "thresholds": {}, "max_sentence_gap": 1, "nearest_pair": False},
    default_score_weights={"rel_micro_f": 1.0, "rel_micro_p": 0.0, "rel_micro_r": 0.0},
)
def make_relation_model(
    nlp: Language, name: str, model: Model, threshold: float, thresholds: dict[str, float], max_sentence_gap: int, nearest_pair: bool
) -> "RelationModel":
    """`threshold`: the least probability of a fact the model adds; `thresholds`: per label,
    where one differs (above 1: the label is never added); `nearest_pair`: a gold fact
    teaches only the nearest pair of mentions of its two entities (see `_gold_classes`)."""
    return RelationModel(
        nlp.vocab, model, name, threshold=threshold, thresholds=thresholds, max_sentence_gap=max_sentence_gap, nearest_pair=nearest_pair
    )


class RelationModel(TrainablePipe):
    """Adds the facts a trained classifier finds to those of the rules; see the module
    docstring for the policy."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "osint_relation_model",
        *,
        threshold: float = 0.5,
        thresholds: dict[str, float] | None = None,
        max_sentence_gap: int = 1,
        nearest_pair: bool = False,
    ):
        self.vocab = vocab
        self.model = model
        self.name = name
        self.threshold = threshold
        unknown = sorted(set(thresholds or {}) - set(LABELS))
        if unknown:
            raise ValueError(f"{name}: thresholds for labels it does not predict: {', '.join(unknown)} (predicts {', '.join(LABELS)})")
        self.thresholds = dict(thresholds or {})
        self.max_sentence_gap = max_sentence_gap
        self.nearest_pair = nearest_pair
        self.cfg: dict[str, Any] = {"labels": list(CLASSES), "veto_words": [], "veto_phrases": []}

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    # -- training

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None, lexicon: str | None = None) -> None:
        """`lexicon`: the relation lexicon whose negation, denial and hedge words veto facts
        (by default configs/lexicons/relations.yml)."""
        data = read_data(lexicon if lexicon is not None else configs_dir() / "lexicons" / "relations.yml")
        words: set[str] = set()
        for key in ("negation_words", "denial_verbs", "hedge_words"):
            words.update(str(w).lower() for w in data.get(key) or [])
        self.cfg["veto_words"] = sorted(words)
        self.cfg["veto_phrases"] = sorted(str(p).lower() for p in data.get("negation_phrases") or [] if " " in str(p))
        docs, rows = [], []
        for eg in islice(get_examples(), 20):
            r, _ = candidates(eg.reference, self.max_sentence_gap)
            docs.append(reference_with_tensor(eg))
            rows.append(self.model.ops.asarray(r, dtype="i"))
        self.model.set_dim("nO", len(CLASSES))
        self.model.initialize(X=(docs, rows) if docs else None)

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Any = None, losses: dict[str, float] | None = None) -> dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        docs = [reference_with_tensor(eg) for eg in examples]
        rows = [candidates(doc, self.max_sentence_gap)[0] for doc in docs]
        if sum(len(r) for r in rows) == 0:
            return losses
        scores, backprop = self.model.begin_update((docs, [self.model.ops.asarray(r, dtype="i") for r in rows]))
        loss, d_scores = self._loss(docs, rows, self.model.ops.to_numpy(scores))
        backprop(self.model.ops.asarray2f(d_scores))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def _loss(self, docs: list[Doc], rows: list[numpy.ndarray], scores: numpy.ndarray) -> tuple[float, numpy.ndarray]:
        if sum(len(r) for r in rows) == 0:
            return 0.0, numpy.zeros((0, len(CLASSES)), dtype="f")
        all_rows = numpy.concatenate(rows)
        gold, weight = (numpy.concatenate(x) for x in zip(*(_gold_classes(doc, r, self.nearest_pair) for doc, r in zip(docs, rows))))
        return cross_entropy(_masked_softmax(scores, all_rows), gold, weight)

    def get_loss(self, examples: Iterable[Example], scores: Any) -> tuple[float, Any]:
        docs = [eg.reference for eg in examples]
        rows = [candidates(doc, self.max_sentence_gap)[0] for doc in docs]
        return self._loss(docs, rows, self.model.ops.to_numpy(scores))

    # -- prediction

    def predict(self, docs: Iterable[Doc]) -> list[tuple[list[tuple[Span, Span]], numpy.ndarray]]:
        """Per doc: the candidate pairs and their class probabilities (masked to the schema)."""
        docs = list(docs)
        found = [candidates(doc, self.max_sentence_gap) for doc in docs]
        if sum(len(r) for r, _ in found) == 0:
            return [(spans, numpy.zeros((0, len(CLASSES)), dtype="f")) for _, spans in found]
        scores = self.model.ops.to_numpy(self.model.predict((docs, [self.model.ops.asarray(r, dtype="i") for r, _ in found])))
        out = []
        start = 0
        for rows, spans in found:
            part = scores[start : start + len(rows)]
            start += len(rows)
            out.append((spans, _masked_softmax(part, rows) if len(rows) else part))
        return out

    def set_annotations(self, docs: Iterable[Doc], predictions: list[tuple[list[tuple[Span, Span]], numpy.ndarray]]) -> None:
        for doc, (spans, probs) in zip(docs, predictions):
            add_model_facts(doc, self.facts(doc, spans, probs))

    def facts(self, doc: Doc, spans: list[tuple[Span, Span]], probs: numpy.ndarray, threshold: float | None = None) -> list[RelationFact]:
        """The facts to add: at or above the threshold (`threshold` given: for every label),
        not vetoed, not already stated by the rules between the same two entities; a
        symmetric fact once."""
        cut = numpy.array([1.0] + [self.thresholds.get(label, self.threshold) if threshold is None else threshold for label in LABELS])
        entity = entity_keys(doc)
        known = {_fact_key(entity, head, label, tail) for head, label, tail in existing_facts(doc)}
        best: dict[tuple, RelationFact] = {}
        sents: _SentenceBounds | None = None
        text = doc.text
        for (head, tail), p in zip(spans, probs):
            c = int(p.argmax())
            if c == 0 or p[c] < cut[c]:
                continue
            label = CLASSES[c]
            h, t = (head.start_char, head.end_char), (tail.start_char, tail.end_char)
            key = _fact_key(entity, h, label, t)
            if key[0] == key[2] or key in known:
                continue
            sents = sents or _SentenceBounds(doc)
            first, last = (head, tail) if head.start <= tail.start else (tail, head)
            start, end = sents.start_of(first.start), sents.end_of(last.start)
            if self._vetoed(doc[start : max(first.end, last.end)]):
                continue
            if key not in best or p[c] > best[key].confidence:
                best[key] = RelationFact(head, tail, label, round(float(p[c]), 4), _evidence(text, doc[start:end]), self.name)
        return sorted(best.values(), key=lambda f: (f.evidence.start, f.head.start, f.tail.start, f.label))

    def _vetoed(self, region: Span) -> bool:
        """A negation, denial or hedging word of the lexicon in `region` (from the start of
        the first mention's sentence to the end of the later mention)."""
        words = set(self.cfg["veto_words"])
        if any(t.lower_ in words or t.lemma_.lower() in words for t in region):
            return True
        lowered = " " + " ".join(t.lower_ for t in region) + " "
        return any(f" {p} " in lowered for p in self.cfg["veto_phrases"])

    # -- scoring (spacy train's dev evaluation): mention-level facts

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, float]:
        """Facts between entities (names, joined as the scorer joins them), from every source
        on the predicted doc, against the reference's gold. When no predicted doc has an
        entity (a training run with no recogniser before this component), every doc is
        replaced by its reference's gold entities with this component's facts, as in
        training, so that the dev score picks the best checkpoint; a pipeline that found
        entities anywhere is scored on what it found everywhere."""
        examples = list(examples)
        on_gold = not any(eg.predicted.ents for eg in examples)
        tp = fp = fn = 0
        for eg in examples:
            find, facts = _gold_facts(eg.reference)
            gold = {_entity_fact(h, CLASSES[c], t) for (h, t), c in facts.items()}
            doc = eg.predicted
            if on_gold and eg.reference.ents:
                doc = reference_with_tensor(Example(eg.predicted, eg.reference.copy()))
                self.set_annotations([doc], self.predict([doc]))
            pred = set()
            for head, label, tail in existing_facts(doc):
                if label in LABELS:
                    h = find(_text_name(doc, *head))
                    t = find(_text_name(doc, *tail))
                    pred.add(_entity_fact(h, label, t))
            tp += len(pred & gold)
            fp += len(pred - gold)
            fn += len(gold - pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"rel_micro_p": p, "rel_micro_r": r, "rel_micro_f": 2 * p * r / (p + r) if p + r else 0.0}


def _entity_fact(head: str, label: str, tail: str) -> tuple[str, str, str]:
    if label in SYMMETRIC:
        head, tail = sorted((head, tail))
    return (head, label, tail)


def _fact_key(entity: Callable[[tuple], Any], head: tuple, label: str, tail: tuple) -> tuple:
    h, t = entity(tuple(head)), entity(tuple(tail))
    if label in SYMMETRIC:
        h, t = sorted((h, t), key=str)
    return (h, label, t)


def _evidence(text: str, sentences: Span) -> Span:
    """The sentences the fact was read from, without trailing white space."""
    end = len(text[: sentences.end_char].rstrip())
    return sentences.doc.char_span(sentences.start_char, end, alignment_mode="contract") or sentences


# ---------------------------------------------------------------------- the doc's relation output
# The one place that reads and writes the pipeline's relation output and entities (facts.py).


def existing_facts(doc: Doc) -> list[tuple[tuple[int, int], str, tuple[int, int]]]:
    """The facts already on the doc (the rules', the resolver's) as (head, label, tail),
    head and tail as character offsets."""
    return [
        ((f.head.start_char, f.head.end_char), f.label, (f.tail.start_char, f.tail.end_char))
        for f in doc._.osint_relations or []
    ]


def add_model_facts(doc: Doc, facts: list[RelationFact]) -> None:
    add_relations(doc, facts)


def entity_keys(doc: Doc) -> Callable[[tuple], Any]:
    """Mention (start_char, end_char) -> its entity: the resolver's when it has run, else
    the mention's name (so a repeated name is one entity)."""
    index = entity_index(doc) if doc._.osint_clusters is not None else {}
    text = doc.text

    def key(mention: tuple) -> Any:
        mention = tuple(mention)
        return index.get(mention, " ".join(text[mention[0] : mention[1]].lower().split()))

    return key
