"""What every part of the relation extractor shares while it reads one document: which
entity owns a token, the entities of a sentence, antecedents, and how a candidate fact
(head, tail, rule, inferences) becomes a relation with a confidence and its evidence."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from ..facts import RelationFact
from ...schema import relation_allowed
from ..segmentation import Sentences, window
from .lexicon import RelationLexicon, Rule


@dataclass
class Arg:
    """An entity found in a slot and the inferences it took (kind -> penalty)."""

    ent: Span
    penalties: dict[str, float] = field(default_factory=dict)

    def with_penalty(self, kind: str, value: float) -> "Arg":
        pen = dict(self.penalties)
        pen[kind] = min(pen.get(kind, 1.0), value)
        return Arg(self.ent, pen)


def name_of(ent: Span) -> str:
    return " ".join(ent.text.split()).lower()


class DocContext:
    """Per-document lookups: which entity owns a token; entities per sentence; antecedents."""

    def __init__(self, doc: Doc, ents: list[Span], lex: RelationLexicon):
        self.doc = doc
        self.lex = lex
        self.text = doc.text  # Doc.text joins every token on each access
        self.sentences = Sentences(doc)
        self.ents = ents
        self.owner: dict[int, Span] = {}
        for e in ents:
            for i in range(e.start, e.end):
                self.owner[i] = e
        self.starts = [e.start for e in ents]
        self.sent: Span | None = None
        self.prev: Span | None = None

    def penalty(self, kind: str) -> float:
        return self.lex.penalties.get(kind, 1.0)

    def ents_in(self, span: Span) -> list[Span]:
        lo = bisect.bisect_left(self.starts, span.start)
        hi = bisect.bisect_left(self.starts, span.end)
        return self.ents[lo:hi]

    def antecedent(self, tok: Token, labels: list[str]) -> tuple[Span, bool] | None:
        """The nearest entity of `labels` before `tok` in its sentence, else the subject
        (or last such entity) of the previous sentence; True when across sentences."""
        sent = tok.sent
        before = [e for e in self.ents_in(sent) if e.end <= tok.i and e.label_ in labels]
        if before:
            subj = [e for e in before if is_subjectish(e)]
            return (subj[-1] if subj else before[-1]), False
        if self.prev is not None and self.prev.end == sent.start:
            cands = [e for e in self.ents_in(self.prev) if e.label_ in labels]
            if cands:
                subj = [e for e in cands if is_subjectish(e)]
                return (subj[0] if subj else cands[-1]), True
        return None

    def relation(self, rule: Rule, tok: Token, h: Arg, t: Arg, extra: str | None = None) -> RelationFact | None:
        """The fact `rule` states between `h` and `t` at trigger `tok`, if the schema allows
        one of its labels for their entity labels; None otherwise."""
        he, te = h.ent, t.ent
        if he.start < te.end and te.start < he.end:
            return None
        hname, tname = name_of(he), name_of(te)
        if hname == tname:
            return None
        for label in rule.labels:
            if relation_allowed(label, he.label_, te.label_):
                break
        else:
            return None
        pen: dict[str, float] = {}
        for a in (h, t):
            for k, v in a.penalties.items():
                pen[k] = min(pen.get(k, 1.0), v)
        if extra:
            pen[extra] = min(pen.get(extra, 1.0), self.penalty(extra))
        conf = rule.confidence
        for k in sorted(pen):  # a fixed order: products that round at .5 must not depend on it
            conf *= pen[k]
        # the trigger's sentence, around the mentions in it (at most a window of it)
        ss, se = self.sentences.bounds(tok.idx)
        points = [(he.start_char, he.end_char), (te.start_char, te.end_char), (tok.idx, tok.idx + len(tok))]
        inside = [(a, b) for a, b in points if ss <= a and b <= se]
        ev_start, ev_end = window(self.text, min(a for a, _ in inside), max(b for _, b in inside), ss, se)
        evidence = self.doc.char_span(ev_start, ev_end, alignment_mode="expand")
        return RelationFact(he, te, label, round(max(0.0, min(1.0, conf)), 4), evidence, rule.name)


def is_subjectish(ent: Span) -> bool:
    root = ent.root
    for _ in range(3):
        if root.dep_ in ("nsubj", "nsubjpass"):
            return True
        if root.dep_ in ("appos", "conj", "compound"):
            root = root.head
            continue
        return False
    return False
