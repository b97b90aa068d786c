"""Relation extraction: who controls, leads, fights, arms or is another name of whom.

Rules live in a lexicon (configs/lexicons/relations.yml): a rule names trigger verbs or
nouns and the argument *slots* that give the head and the tail of a relation (the agent
of "X controls Y", the possessive of "X's takeover of Y", what an apposition "X, the
leader of Y" stands for, ...). This module knows how to read those slots off spaCy's
dependency parse, in active and passive voice, through relative clauses, participles,
coordination, appositions, pronouns and "the group"; it knows no trigger words itself.

Each relation is a dict (see `Relations.__call__`), stored in ``doc._.relations``:
``head``/``tail`` are character offsets of entity spans of ``doc.ents``.

Confidence: the rule's base confidence (from the lexicon) times a penalty for each kind
of inference the relation needed (coordination, anaphora, anaphora across a sentence
boundary, a modifier standing for the actor, every arm of the sentence, a location
inferred from a fight, a short form of a name); relations below ``min_confidence`` are
dropped. Within a sentence each fact (head name, label, tail name) is emitted once, with
its best confidence.

Negation: a trigger with a negation child ("not", "never"), preceded by a negation phrase
("no longer"), or under a denial verb ("officials denied that ...", "lost control of")
produces nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .lexicons import LexiconComponent
from .relation_lexicon import validate_relation_lexicon
from .schema import ARMS, SYMMETRIC, relation_allowed
from .segmentation import Sentences, window

if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=None)

ACTOR_LABELS = ("PERSON", "ARMED_GROUP", "UNIT", "ORG")
SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
MOD_DEPS = ("compound", "amod", "nmod", "poss", "npadvmod")
CLAUSE_UP = ("xcomp", "conj", "advcl", "ccomp", "pcomp")


@dataclass
class Rule:
    name: str
    labels: list[str]
    confidence: float
    head: list[str]
    tail: list[str]
    pairs: list[str] = field(default_factory=list)
    locate: list[str] = field(default_factory=list)
    locate_roles: list[str] = field(default_factory=lambda: ["head", "tail", "pairs"])


@dataclass
class Arg:
    """An entity found in a slot and the inferences it took (kind -> penalty)."""

    ent: Span
    penalties: dict[str, float] = field(default_factory=dict)

    def with_penalty(self, kind: str, value: float) -> "Arg":
        pen = dict(self.penalties)
        pen[kind] = min(pen.get(kind, 1.0), value)
        return Arg(self.ent, pen)


def _words(values: Iterable[Any]) -> set[str]:
    return {str(v).lower() for v in values or []}


def _split_triggers(values: Iterable[Any]) -> dict[str, list[tuple[str, ...]]]:
    """"take over" -> {"take": [("over",)]}: the first word is a lemma, the rest must be
    words attached to the trigger (particles, prepositions, objects)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for value in values or []:
        words = str(value).lower().split()
        if words:
            out.setdefault(words[0], []).append(tuple(words[1:]))
    return out


@Language.factory(
    "osint_relations",
    assigns=["doc._.relations"],
    requires=["doc.ents", "doc.sents", "token.dep", "token.lemma"],
    default_config={"cross_sentence": True},
)
def make_relations(nlp: Language, name: str, cross_sentence: bool) -> "Relations":
    return Relations(name, cross_sentence)


class Relations(LexiconComponent):
    """Sets ``doc._.relations`` from the lexicon's rules; see the module docstring."""

    def __init__(self, name: str, cross_sentence: bool = True):
        self.name = name
        self.cross_sentence = cross_sentence

    def validate(self, data: Any, origin: str) -> None:
        validate_relation_lexicon(data, origin)

    def compile(self, data: dict) -> None:
        self.rules: list[Rule] = []
        self.verb_index: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        self.noun_index: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        for raw in data.get("rules", []):
            rule = Rule(
                name=raw["name"],
                labels=list(raw["labels"]),
                confidence=float(raw.get("confidence", 0.7)),
                head=list(raw.get("head", [])),
                tail=list(raw.get("tail", [])),
                pairs=list(raw.get("pairs", [])),
                locate=[str(p).lower() for p in raw.get("locate", [])],
                locate_roles=list(raw.get("locate_roles") or ["head", "tail", "pairs"]),
            )
            self.rules.append(rule)
            for lemma, rest in _split_triggers(raw.get("verbs")).items():
                self.verb_index.setdefault(lemma, []).extend((rule, r) for r in rest)
            for lemma, rest in _split_triggers(raw.get("nouns")).items():
                self.noun_index.setdefault(lemma, []).extend((rule, r) for r in rest)
        self.member_nouns = _words(data.get("member_nouns"))
        self.facility_nouns = _words(data.get("facility_nouns"))
        self.facility_owner_verbs = _words(data.get("facility_owner_verbs"))
        self.seizure_verbs = _words(data.get("seizure_verbs"))
        self.arms_nouns = _words(data.get("arms_nouns"))
        self.container_nouns = _words(data.get("container_nouns"))
        self.place_nouns = _words(data.get("place_nouns"))
        self.place_preps = _words(data.get("place_preps") or ["of", "around", "in"])
        self.include_words = _words(data.get("include_words") or ["including"])
        self.arms_list = data.get("arms_list") or {}
        self.subsumed_by = {str(k): set(v) for k, v in (data.get("subsumed_by") or {}).items()}
        self.name_frames = data.get("name_frames") or {}
        self.alias_skip = set(data.get("alias_skip_labels") or [])
        self.relative_words = _words(data.get("relative_words"))
        self.pronouns = {k.lower(): list(v) for k, v in (data.get("pronouns") or {}).items()}
        self.generic_nouns = {k.lower(): list(v) for k, v in (data.get("generic_nouns") or {}).items()}
        self.negation_words = _words(data.get("negation_words"))
        self.negation_phrases = [tuple(p.lower().split()) for p in data.get("negation_phrases") or []]
        self.denial_verbs = _words(data.get("denial_verbs"))
        self.hedge_words = _words(data.get("hedge_words"))
        cues = data.get("alias_cues") or []
        self.alias_cue = re.compile(r"^(?:" + "|".join(f"(?:{c})" for c in cues) + r")$") if cues else None
        self.short_forms = data.get("short_forms") or {}
        self.penalties = {k: float(v) for k, v in (data.get("penalties") or {}).items()}
        self.min_confidence = float(data.get("min_confidence", 0.0))

    # ------------------------------------------------------------------ entry point

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not ents:
            doc._.relations = []
            return doc
        ctx = _DocContext(doc, ents)
        found: dict[tuple, dict] = {}
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        prev: Span | None = None
        for sent in sents:
            rels = [r for r in self._sentence(ctx, sent, prev) if r]
            rels.extend(self._arms_lists(ctx, sent, prev, rels))
            for rel in rels:
                self._keep(found, rel)
            prev = sent
        for rel in self._aliases(ctx, ents):
            self._keep(found, rel)
        for rel in self._short_forms(ctx):
            self._keep(found, rel)
        if self.subsumed_by:
            # "X controls Y" says more than "X operates in Y": the weaker fact is dropped
            facts = {(r["_hname"], r["label"], r["_tname"]) for r in found.values()}
            found = {
                k: r
                for k, r in found.items()
                if not any((r["_hname"], strong, r["_tname"]) in facts for strong in self.subsumed_by.get(r["label"], ()))
            }
        rels = [{k: v for k, v in r.items() if not k.startswith("_")} for r in found.values()]
        doc._.relations = sorted(rels, key=lambda r: (r["evidence_start"], r["head"], r["tail"], r["label"]))
        return doc

    def _keep(self, found: dict, rel: dict) -> None:
        if not rel or rel["confidence"] < self.min_confidence:
            return
        h, t = rel["_hname"], rel["_tname"]
        if rel["label"] in SYMMETRIC:
            h, t = sorted((h, t))
        key = (rel["evidence_start"], h, rel["label"], t)
        old = found.get(key)
        if old is None or rel["confidence"] > old["confidence"]:
            found[key] = rel

    # ------------------------------------------------------------------ one sentence

    def _sentence(self, ctx: "_DocContext", sent: Span, prev: Span | None) -> Iterable[dict]:
        sent_ents = ctx.ents_in(sent)
        if not sent_ents:
            return
        ctx.sent, ctx.prev = sent, (prev if self.cross_sentence else None)
        for tok in sent:
            lemma = tok.lemma_.lower()
            lower = tok.lower_
            candidates: list[tuple[Rule, tuple[str, ...], str]] = []
            if tok.pos_ in ("VERB", "AUX", "ADJ") or tok.tag_.startswith("VB"):
                for key in {lemma, lower}:
                    candidates.extend((r, rest, "verb") for r, rest in self.verb_index.get(key, []))
            if tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "VERB" and tok.tag_ == "VBG"):
                for key in {lemma, lower}:
                    candidates.extend((r, rest, "noun") for r, rest in self.noun_index.get(key, []))
            if not candidates:
                continue
            if tok.i in ctx.owner and ctx.owner[tok.i].label_ not in ARMS:
                continue  # "Front" in "Jaime Martínez Front" is a name, not a trigger
            negated = None
            for rule, rest, kind in candidates:
                if rest and not self._has_words(tok, rest):
                    continue
                if negated is None:
                    negated = self._negated(tok)
                if negated:
                    break
                yield from self._apply(ctx, rule, tok, kind)
        yield from self._seizures(ctx, sent, sent_ents)
        yield from self._name_frames(ctx, sent_ents)
        yield from self._where_clauses(ctx, sent)

    def _where_clauses(self, ctx, sent: Span) -> Iterable[dict]:
        """"Y, where X operates / where the gang runs rackets": the actors of a clause
        introduced by "where" are in the place it describes."""
        spec = self.name_frames.get("where")
        if not spec:
            return
        rule = Rule("where_clause", list(spec["labels"]), float(spec.get("confidence", 0.65)), [], [])
        for tok in sent:
            if tok.dep_ not in ("relcl", "advcl") or tok.pos_ not in ("VERB", "AUX"):
                continue
            if not any(c.dep_ == "advmod" and c.lower_ == "where" for c in tok.children):
                continue
            places = [a for a in self._resolve(ctx, tok.head) if a.ent.label_ == "PLACE"]
            if not places or self._negated(tok):
                continue
            actors = []
            for slot in ("agent", "subject"):
                actors.extend(a for a in self._slot(ctx, tok, slot, "verb") if a.ent.label_ in ACTOR_LABELS)
            for a in actors:
                for p in places:
                    rel = self._relation(ctx, rule, tok, a, p)
                    if rel:
                        yield rel

    def _arms_lists(self, ctx, sent: Span, prev: Span | None, rels: list[dict]) -> list[dict]:
        """Arms named in a sentence whose arms belong to one actor only are that actor's:
        "X fighters carry A and B rifles, mount C guns on trucks and have used D mortars"
        (a list the parser breaks up). A sentence that names arms but no actor at all
        takes the actor that is the subject of the previous sentence."""
        spec = self.arms_list
        if not spec:
            return []
        arms = [e for e in ctx.ents_in(sent) if e.label_ in ARMS]
        if not arms:
            return []
        min_conf = self.min_confidence
        poss = [r for r in rels if r["label"] == "POSSESSES" and r["confidence"] >= min_conf]
        by_start = {e.start_char: e for e in ctx.ents_in(sent)}
        extra = None
        if poss:
            heads = {r["_hname"] for r in poss}
            if len(heads) != 1:
                return []
            owner = by_start.get(poss[0]["head"][0])
            if owner is None:
                return []
            done = {tuple(r["tail"]) for r in poss}
            conf = float(spec.get("confidence", 0.7))
            if spec.get("single_actor"):
                # another possible owner named in the sentence: the list may be split
                for e in ctx.ents_in(sent):
                    if e.label_ in ("ARMED_GROUP", "UNIT", "PERSON") and _name(e) != _name(owner):
                        if not (e.start > owner.start and e.start - owner.end <= 2):  # "Name (ACRONYM)"
                            return []
        else:
            if not spec.get("previous_subject") or prev is None or prev.end != sent.start:
                return []
            if any(e.label_ in ACTOR_LABELS for e in ctx.ents_in(sent)):
                return []
            cands = [e for e in ctx.ents_in(prev) if e.label_ in ("ARMED_GROUP", "UNIT", "PERSON") and _is_subjectish(e)]
            if not cands:
                return []
            owner, done = cands[0], set()
            conf = float(spec.get("previous_confidence", 0.6))
            extra = "cross_sentence"
        rule = Rule("arms_list", ["POSSESSES"], conf, [], [])
        out = []
        for a in arms:
            if (a.start_char, a.end_char) in done:
                continue
            noun = a.root
            while noun.dep_ in MOD_DEPS + ("nummod",) and noun.head is not noun and noun.head.pos_ in ("NOUN", "PROPN", "NUM"):
                noun = noun.head  # "no RPG-7 launchers": the negation is on the noun
            if self._negated(a.root) or self._negated(noun):
                continue
            rel = self._relation(ctx, rule, sent.root, Arg(owner), Arg(a), extra)
            if rel:
                out.append(rel)
        return out

    def _name_frames(self, ctx, sent_ents: list[Span]) -> Iterable[dict]:
        """"the Northern Army's Fifth Division" (possessive), "the Ostrava Brigade of the
        Red Hand Front" ("of"): two names joined without a trigger word."""
        poss = self.name_frames.get("possessive")
        of = self.name_frames.get("of")
        for ent in sent_ents:
            if ent.label_ in ARMS:
                continue
            root = ent.root
            for c in root.children:
                frame, other = None, None
                if poss and c.dep_ == "poss" and c.i in ctx.owner:
                    frame, other = ("possessive", poss), ctx.owner[c.i]
                elif of and c.dep_ == "prep" and c.lower_ == "of":
                    objs = [g for g in c.children if g.dep_ == "pobj" and g.i in ctx.owner]
                    if objs:
                        frame, other = ("of", of), ctx.owner[objs[0].i]
                if frame is None or other is ent:
                    continue
                name, spec = frame
                rule = Rule(f"name_{name}", list(spec["labels"]), float(spec.get("confidence", 0.6)), [], [])
                if self._negated(root):
                    continue
                rel = self._relation(ctx, rule, root, Arg(ent), Arg(other))
                if rel:
                    yield rel

    @staticmethod
    def _has_words(tok: Token, rest: tuple[str, ...]) -> bool:
        near = {c.lower_ for c in tok.children} | {c.lemma_.lower() for c in tok.children}
        for c in tok.children:
            near.update(g.lower_ for g in c.children)
        nxt = [t.lower_ for t in tok.doc[tok.i + 1 : tok.i + 1 + len(rest)]]
        return all(w in near for w in rest) or tuple(nxt) == rest

    # ------------------------------------------------------------------ negation

    def _is_negation_phrase(self, tok: Token) -> bool:
        """A negation phrase of the lexicon parsed as a head and its modifiers ("no
        longer" after the verb: "longer" with the child "no")."""
        children = {c.lower_ for c in tok.children}
        return any(p[-1] == tok.lower_ and set(p[:-1]) <= children for p in self.negation_phrases if len(p) > 1)

    def _negated(self, tok: Token) -> bool:
        first = tok.sent.start
        before = [t.lower_ for t in tok.doc[max(first, tok.i - 4) : tok.i]]
        for phrase in self.negation_phrases:
            n = len(phrase)
            for i in range(len(before) - n + 1):
                if tuple(before[i : i + n]) == phrase:
                    return True
        cur = tok
        direct = True
        for _ in range(12):
            if direct:
                for c in cur.children:
                    if c.dep_ == "neg" or (c.dep_ in ("advmod", "aux", "det", "preconj") and c.lower_ in self.negation_words):
                        return True
                    if c.dep_ == "advmod" and self._is_negation_phrase(c):
                        return True
            if cur is not tok:
                lemma = cur.lemma_.lower()
                if lemma in self.denial_verbs:
                    return True
                if direct and lemma in self.hedge_words:
                    return True
                if direct and any(c.dep_ == "aux" and c.lower_ in self.hedge_words for c in cur.children):
                    return True
            if direct and cur is tok and any(c.dep_ == "aux" and c.lower_ in self.hedge_words for c in cur.children):
                return True
            if cur.head is cur:
                break
            # negation of the governing clause carries over only through xcomp ("did not
            # continue to lead") and from a noun to its verb ("has no control over")
            if cur.dep_ == "xcomp" or (cur.pos_ in ("NOUN", "PROPN") and cur.dep_ in ("dobj", "attr", "nsubj", "nsubjpass")):
                direct = True
            elif cur.dep_ == "pobj" or cur.dep_ == "prep":
                direct = cur.dep_ == "prep" or direct
            else:
                direct = False
            cur = cur.head
        return False

    # ------------------------------------------------------------------ applying rules

    def _apply(self, ctx: "_DocContext", rule: Rule, tok: Token, kind: str) -> Iterable[dict]:
        heads = self._slots(ctx, tok, rule.head, kind)
        tails = self._slots(ctx, tok, rule.tail, kind)
        for h in heads:
            for t in tails:
                rel = self._relation(ctx, rule, tok, h, t)
                if rel:
                    yield rel
        pool: list[Arg] = []
        if rule.pairs:
            pool = self._slots(ctx, tok, rule.pairs, kind)
            uniq = {}
            for a in pool:
                uniq.setdefault((a.ent.start, a.ent.end), a)
            pool = list(uniq.values())
            if len(pool) >= 2:
                for i, a in enumerate(pool):
                    for b in pool[i + 1 :]:
                        rel = self._relation(ctx, rule, tok, a, b, "conjunct")
                        if rel:
                            yield rel
            if pool and not tails:
                # "X was involved in a dispute among Y and Z": X against each of them
                for h in heads:
                    for b in pool:
                        rel = self._relation(ctx, rule, tok, h, b, "conjunct")
                        if rel:
                            yield rel
        if rule.locate:
            places = self._locations(ctx, tok, set(rule.locate))
            if places:
                roles = {"head": heads, "tail": tails, "pairs": pool}
                parts = [a for r in rule.locate_roles for a in roles.get(r, []) if a.ent.label_ in ACTOR_LABELS]
                loc_rule = Rule(rule.name + "+located", ["OPERATES_IN"], rule.confidence, [], [])
                for a in parts:
                    for p in places:
                        rel = self._relation(ctx, loc_rule, tok, a, p, "located")
                        if rel:
                            yield rel

    def _locations(self, ctx, tok: Token, preps: set[str]) -> list[Arg]:
        """PLACE objects of the given prepositions in the phrase of the trigger, not
        crossing into other clauses: "fought X near Y", "a dispute ... for control in Y"."""
        out: list[Arg] = []
        stack = [tok]
        while stack:
            cur = stack.pop()
            for c in cur.children:
                if c.dep_ in ("relcl", "ccomp", "advcl", "acl", "parataxis", "nsubj", "nsubjpass"):
                    continue
                if c.dep_ == "conj" and (c.pos_ in ("VERB", "AUX") or cur is tok):
                    continue  # another clause, not another noun of this phrase
                if c.dep_ == "prep" and c.lower_ in preps:
                    for g in c.children:
                        if g.dep_ == "pobj":
                            out.extend(a for a in self._resolve(ctx, g) if a.ent.label_ == "PLACE")
                            stack.append(g)
                elif c.dep_ in ("prep", "pobj", "dobj", "compound", "amod", "conj", "appos"):
                    stack.append(c)
        return out

    def _relation(self, ctx, rule: Rule, tok: Token, h: Arg, t: Arg, extra: str | None = None) -> dict | None:
        he, te = h.ent, t.ent
        if he.start < te.end and te.start < he.end:
            return None
        hname, tname = _name(he), _name(te)
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
            pen[extra] = min(pen.get(extra, 1.0), self.penalties.get(extra, 1.0))
        conf = rule.confidence
        for k in sorted(pen):  # a fixed order: products that round at .5 must not depend on it
            conf *= pen[k]
        # the trigger's sentence, around the mentions in it (at most a window of it)
        ss, se = ctx.sentences.bounds(tok.idx)
        points = [(he.start_char, he.end_char), (te.start_char, te.end_char), (tok.idx, tok.idx + len(tok))]
        inside = [(a, b) for a, b in points if ss <= a and b <= se]
        ev_start, ev_end = window(ctx.text, min(a for a, _ in inside), max(b for _, b in inside), ss, se)
        return {
            "head": (he.start_char, he.end_char),
            "tail": (te.start_char, te.end_char),
            "label": label,
            "confidence": round(max(0.0, min(1.0, conf)), 4),
            "evidence": ctx.text[ev_start:ev_end],
            "evidence_start": ev_start,
            "evidence_end": ev_end,
            "pattern": rule.name,
            "_hname": hname,
            "_tname": tname,
        }

    # ------------------------------------------------------------------ slots

    def _slots(self, ctx, tok: Token, slots: list[str], kind: str) -> list[Arg]:
        out: list[Arg] = []
        seen: set[tuple[int, int]] = set()
        for slot in slots:
            for arg in self._slot(ctx, tok, slot, kind):
                key = (arg.ent.start, arg.ent.end)
                if key not in seen:
                    seen.add(key)
                    out.append(arg)
        return out

    def _slot(self, ctx, tok: Token, slot: str, kind: str) -> list[Arg]:
        toks: list[Token] = []
        if slot.startswith("prep:"):
            word = slot[5:]
            toks = self._prep_objects(tok, word)
        elif kind == "verb":
            if slot == "agent":
                toks = self._agent(tok)
            elif slot == "patient":
                toks = self._patient(tok)
            elif slot == "subject":
                toks = self._subject(tok)
            elif slot == "modifier":
                # "the Varnak-based group": a name modifying the participle
                toks = [c for c in tok.children if c.dep_ in ("npadvmod", "compound", "nmod") and c.i in ctx.owner]
        else:
            if slot in ("agent", "poss"):
                toks = [c for c in tok.children if c.dep_ == "poss"]
            elif slot == "compound":
                toks = [c for c in tok.children if c.dep_ in ("compound", "nmod", "amod") and c.i in ctx.owner]
            elif slot == "referent":
                toks = self._referent(tok)
            elif slot == "governor":
                toks = self._governor(tok)
            elif slot == "doer":
                # "X launched an offensive against Y", "X struck a deal with Y"
                if tok.dep_ in ("dobj", "obj") and tok.head.pos_ in ("VERB", "AUX"):
                    toks = self._agent(tok.head)
            elif slot == "patient":
                toks = self._prep_objects(tok, "of")
        args: list[Arg] = []
        for t in toks:
            if any(c.dep_ == "det" and c.lower_ in self.negation_words for c in t.children):
                continue  # "has no RPG-7 launchers"
            args.extend(self._resolve(ctx, t, conj=True))
        if not args and kind == "verb" and slot in ("agent", "subject") and not (slot == "agent" and self._is_passive(tok)):
            # "X, the brigade trained with support, which has fought": the relative
            # pronoun hung on the wrong noun; it stands for the nearest actor before it
            rel = self._relative_pronoun(tok)
            if rel is not None:
                before = [e for e in ctx.ents_in(rel.sent) if e.end <= rel.i and e.label_ in ACTOR_LABELS]
                if before:
                    args.append(Arg(before[-1], {"anaphora": self.penalties.get("anaphora", 1.0)}))
        return args

    def _relative_pronoun(self, tok: Token) -> Token | None:
        cur = tok
        for _ in range(4):
            if cur.dep_ == "relcl":
                for c in cur.children:
                    if c.dep_ in ("nsubj", "nsubjpass") and c.tag_ in ("WDT", "WP"):
                        return c
                return None
            if cur.dep_ not in ("conj", "xcomp") or cur.head is cur:
                return None
            cur = cur.head
        return None

    @staticmethod
    def _prep_objects(tok: Token, word: str) -> list[Token]:
        out = []
        for c in tok.children:
            if c.dep_ in ("prep", "agent", "dative") and c.lower_ == word:
                out.extend(g for g in c.children if g.dep_ in ("pobj", "pcomp"))
                # "such as", "out of": a nested preposition
                out.extend(gg for g in c.children if g.dep_ == "prep" for gg in g.children if gg.dep_ == "pobj")
            elif c.dep_ == "prt" and c.lower_ == word:
                out.extend(g for g in tok.children if g.dep_ == "dobj")
        if not out and tok.dep_ == "acomp":
            # "X is strongest in Y": the phrase hangs on the copula
            for c in tok.head.children:
                if c.dep_ == "prep" and c.lower_ == word:
                    out.extend(g for g in c.children if g.dep_ == "pobj")
        if not out:
            # "seized ammunition from X": the phrase attached to the object
            for o in tok.children:
                if o.dep_ == "dobj":
                    for c in o.children:
                        if c.dep_ == "prep" and c.lower_ == word:
                            out.extend(g for g in c.children if g.dep_ == "pobj")
        # "including" is tagged as a verb sometimes
        if word in ("including",):
            for c in tok.children:
                if c.lower_ == word:
                    out.extend(g for g in c.children if g.dep_ in ("dobj", "pobj"))
        return out

    def _is_passive(self, tok: Token, depth: int = 0) -> bool:
        if any(c.dep_ in ("nsubjpass", "auxpass", "csubjpass") for c in tok.children):
            return True
        if tok.tag_ != "VBN" or any(c.dep_ in ("aux", "nsubj") for c in tok.children):
            return False
        if tok.dep_ in ("acl", "relcl", "amod", "advcl"):
            return True
        # "weapons displayed by X and attributed to Y"
        return tok.dep_ == "conj" and depth < 4 and self._is_passive(tok.head, depth + 1)

    def _subject(self, tok: Token, depth: int = 0) -> list[Token]:
        subj = [c for c in tok.children if c.dep_ in SUBJ_DEPS]
        if subj:
            s = subj[0]
            if tok.dep_ == "relcl" and (s.lower_ in self.relative_words or s.tag_ in ("WDT", "WP")):
                return [tok.head]
            return [s]
        if depth > 4:
            return []
        if tok.dep_ in ("relcl", "acl"):
            return [tok.head]
        if tok.dep_ in ("amod",) and tok.head.pos_ in ("NOUN", "PROPN"):
            return [tok.head]
        if tok.dep_ == "xcomp":
            objs = [c for c in tok.head.children if c.dep_ == "dobj"]
            if objs and not any(c.dep_ == "nsubjpass" for c in tok.head.children):
                return objs
            return self._subject(tok.head, depth + 1)
        if tok.dep_ in ("conj", "advcl", "acomp", "ccomp", "pcomp", "prep"):
            return self._subject(tok.head, depth + 1)
        return []

    def _agent(self, tok: Token) -> list[Token]:
        if self._is_passive(tok):
            return [g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        return self._subject(tok)

    def _patient(self, tok: Token) -> list[Token]:
        if self._is_passive(tok):
            return self._subject(tok)
        objs = [c for c in tok.children if c.dep_ in ("dobj", "obj")]
        if not objs:
            # "take over X": the object hangs off the particle
            objs = [g for c in tok.children if c.dep_ == "prt" for g in c.children if g.dep_ in ("dobj", "pobj")]
        if not objs and tok.dep_ == "conj":
            objs = [c for c in tok.head.children if c.dep_ in ("dobj", "obj")]
        return objs

    def _referent(self, tok: Token) -> list[Token]:
        """What a role noun ("leader", "stronghold") stands for."""
        out = [c for c in tok.children if c.dep_ == "appos"]
        if tok.dep_ == "appos":
            out.append(tok.head)
        if tok.dep_ == "conj" and tok.head.dep_ == "appos":
            out.append(tok.head.head)
        if tok.dep_ in ("compound", "nmod") and tok.head.pos_ == "PROPN":
            out.append(tok.head)
        if tok.dep_ in ("attr", "oprd"):
            out.extend(self._subject(tok.head))
        if tok.dep_ == "pobj" and tok.head.lower_ == "as" and tok.head.head.pos_ in ("VERB", "AUX"):
            out.extend(self._subject(tok.head.head))
        if tok.dep_ in ("nsubj", "nsubjpass"):
            out.extend(c for c in tok.head.children if c.dep_ in ("attr", "oprd", "acomp") and c is not tok)
        return out

    def _governor(self, tok: Token) -> list[Token]:
        """"X had been under the leadership of": the subject of the clause the phrase
        modifies (or the noun it modifies)."""
        if tok.dep_ != "pobj":
            return []
        prep = tok.head
        gov = prep.head
        if gov.pos_ in ("VERB", "AUX"):
            return self._subject(gov)
        if gov.pos_ in ("NOUN", "PROPN"):
            return [gov]
        return []

    # ------------------------------------------------------------------ resolving tokens to entities

    def _resolve(self, ctx, tok: Token, conj: bool = True, depth: int = 0) -> list[Arg]:
        out = self._resolve_one(ctx, tok, depth)
        if conj:
            others = list(tok.conjuncts)
            # "AKM rifles, ... RPG-7 launchers" parsed as an apposition of a list
            for c in tok.children:
                if c.dep_ == "appos" and c.i not in ctx.owner:
                    others.append(c)
                    others.extend(c.conjuncts)
            for c in others:
                for a in self._resolve_one(ctx, c, depth):
                    out.append(a.with_penalty("conjunct", self.penalties.get("conjunct", 1.0)))
            # "controls most of X, including Y and Z": the items the phrase includes
            if depth < 3:
                for c in [tok] + others:
                    for p in c.children:
                        if p.dep_ == "prep" and p.lower_ in self.include_words:
                            for g in p.children:
                                if g.dep_ in ("pobj", "dobj"):
                                    for a in self._resolve(ctx, g, True, depth + 1):
                                        out.append(a.with_penalty("conjunct", self.penalties.get("conjunct", 1.0)))
        return out

    def _resolve_one(self, ctx, tok: Token, depth: int = 0) -> list[Arg]:
        if depth > 3:
            return []
        ent = ctx.owner.get(tok.i)
        if ent is not None:
            out = [Arg(ent)]
            if ent.label_ in ARMS:
                # "9mm pistols": the calibre modifies the weapon
                for c in ent.root.children:
                    m = ctx.owner.get(c.i)
                    if m is not None and m is not ent and m.label_ in ARMS and c.dep_ in MOD_DEPS + ("nummod", "quantmod"):
                        out.append(Arg(m))
                # "Glock pistols chambered in 9 mm"
            return out
        lower, lemma = tok.lower_, tok.lemma_.lower()
        # pronouns and "the group"
        if lower in self.pronouns or (
            lemma in self.generic_nouns and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children)
        ):
            labels = self.pronouns.get(lower) or self.generic_nouns.get(lemma, [])
            found = ctx.antecedent(tok, labels)
            if found is not None:
                ent, cross = found
                kind = "cross_sentence" if cross else "anaphora"
                return [Arg(ent, {kind: self.penalties.get(kind, 1.0)})]
            return []
        out: list[Arg] = []
        # an apposition names the noun: "the group, X"; a noun in apposition to a name
        for c in tok.children:
            if c.dep_ == "appos" and c.i in ctx.owner:
                out.append(Arg(ctx.owner[c.i]))
        if tok.dep_ == "appos" and tok.head.i in ctx.owner:
            out.append(Arg(ctx.owner[tok.head.i]))
        if out:
            return out
        if lemma in self.arms_nouns or lower in self.arms_nouns:
            arms = self._arms_content(ctx, tok, depth)
            if arms:
                return arms
        if lemma in self.container_nouns or lower in self.container_nouns or lemma in self.arms_nouns:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    for g in c.children:
                        if g.dep_ == "pobj":
                            out.extend(self._resolve(ctx, g, True, depth + 1))
            if out:
                return out
        if lemma in self.place_nouns or lower in self.place_nouns:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in self.place_preps:
                    for g in c.children:
                        if g.dep_ == "pobj":
                            out.extend(a for a in self._resolve(ctx, g, True, depth + 1) if a.ent.label_ == "PLACE")
            if out:
                return out
        pen = self.penalties.get("modifier", 1.0)
        # "XYZ fighters", "Brevik's gunmen", "a Red Hand safe house", "the Brevik government"
        for c in tok.children:
            if c.dep_ == "nummod" and c.i in ctx.owner and ctx.owner[c.i].label_ in ARMS:
                out.append(Arg(ctx.owner[c.i]))  # "AK-47 rifles" parsed as a number
            elif c.dep_ in MOD_DEPS and c.i in ctx.owner:
                m = ctx.owner[c.i]
                if m.label_ in ARMS:
                    out.append(Arg(m))
                elif lemma in self.member_nouns or lemma in self.facility_nouns or c.dep_ in ("compound", "nmod", "amod"):
                    out.append(Arg(m, {"modifier": pen}))
            elif c.dep_ == "poss" and c.lower_ in self.pronouns and (lemma in self.member_nouns or lemma in self.facility_nouns):
                out.extend(a.with_penalty("modifier", pen) for a in self._resolve_one(ctx, c, depth + 1))
        if not out and (lemma in self.member_nouns or lemma in self.facility_nouns):
            # "gunmen from X and from Y", "troops of X and Y"
            preps = [c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("of", "from", "under")]
            preps += [cc for c in preps for cc in c.conjuncts if cc.dep_ in ("conj", "prep")]
            for c in preps:
                for g in c.children:
                    if g.dep_ == "pobj":
                        for gg in [g, *g.conjuncts]:
                            if gg.i in ctx.owner:
                                out.append(Arg(ctx.owner[gg.i], {"modifier": pen}))
        if not out and tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ in ("NOUN", "PRON", "NUM"):
            # "a unit of roughly 150 fighters that controls": the phrase the "of" belongs to
            out.extend(self._resolve_one(ctx, tok.head.head, depth + 1))
        if not out and lemma in self.facility_nouns:
            for c in tok.children:
                if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in self.facility_owner_verbs:
                    for a in self._agent(c):
                        out.extend(x.with_penalty("modifier", pen) for x in self._resolve_one(ctx, a, depth + 1))
        return out

    def _arms_content(self, ctx, tok: Token, depth: int = 0) -> list[Arg]:
        """What a noun like "weapons" or "materiel" stands for."""
        out: list[Arg] = []
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("including", "of", "like"):
                for g in c.children:
                    if g.dep_ == "pobj":
                        out.extend(self._resolve(ctx, g, True, depth + 1))
            if c.dep_ == "prep" and c.lower_ == "such":
                for g in c.children:
                    if g.dep_ == "prep":
                        for gg in g.children:
                            if gg.dep_ == "pobj":
                                out.extend(self._resolve(ctx, gg, True, depth + 1))
            if c.dep_ == "relcl" and c.lemma_.lower() in ("include", "comprise", "contain"):
                for g in c.children:
                    if g.dep_ == "dobj":
                        out.extend(self._resolve(ctx, g, True, depth + 1))
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lemma_.lower() in ("include", "comprise", "contain", "be"):
            for g in tok.head.children:
                if g.dep_ in ("dobj", "attr"):
                    out.extend(self._resolve(ctx, g, True, depth + 1))
        out = [a for a in out if a.ent.label_ in ARMS]
        if out:
            return out
        pen = self.penalties.get("sentence_arms", 1.0)
        return [Arg(e, {"sentence_arms": pen}) for e in ctx.ents_in(tok.sent) if e.label_ in ARMS]

    # ------------------------------------------------------------------ seizures from facilities

    def _seizures(self, ctx, sent: Span, sent_ents: list[Span]) -> Iterable[dict]:
        """"A raid on a Red Hand safe house recovered an AK-47": arms seized from an
        actor's facility are the actor's."""
        arms = [e for e in sent_ents if e.label_ in ARMS]
        if not arms:
            return
        if not any(t.lemma_.lower() in self.seizure_verbs for t in sent):
            return
        owners: list[Arg] = []
        for tok in sent:
            if tok.lemma_.lower() in self.facility_nouns and tok.i not in ctx.owner:
                if self._negated(tok):
                    continue
                owners.extend(a for a in self._resolve_one(ctx, tok) if a.ent.label_ in ("ARMED_GROUP", "PERSON", "UNIT"))
        if not owners:
            return
        rule = Rule("seizure_from_facility", ["POSSESSES"], 0.75, [], [])
        for o in owners:
            for a in arms:
                rel = self._relation(ctx, rule, sent.root, o, Arg(a))
                if rel:
                    yield rel

    # ------------------------------------------------------------------ aliases

    def _aliases(self, ctx, sent_ents: list[Span]) -> Iterable[dict]:
        """"Name (ACRONYM)", "Name, known as "Nick"", "Name a.k.a. Nick": checked on the
        whole document, since "a.k.a." can end a sentence for the parser."""
        if self.alias_cue is None:
            return
        text = ctx.text
        rule = Rule("alias_cue", ["ALIAS_OF"], self.penalties.get("alias", 0.95), [], [])
        for i, a in enumerate(sent_ents):
            if a.label_ in self.alias_skip:
                continue
            for b in sent_ents[i + 1 : i + 3]:
                if b.label_ != a.label_ or b.start - a.end > 12:
                    continue
                between = text[a.end_char : b.start_char]
                if between.strip() in ("(", "(\"", "(“", "(‘", "('"):
                    close = text[b.end_char : b.end_char + 3]
                    if ")" not in close:
                        continue
                else:
                    norm = " ".join(re.sub(r"[\"'“”‘’«»,;:—–()]", " ", between).lower().split())
                    if not norm or not self.alias_cue.match(norm):
                        continue
                rel = self._relation(ctx, rule, a.root, Arg(a), Arg(b))
                if rel:
                    yield rel

    def _short_forms(self, ctx) -> Iterable[dict]:
        """A shorter name that starts or ends a longer name of the same label in the
        document: "Brevik" / "Tomas Brevik"."""
        by_label: dict[str, dict[str, Span]] = {}
        for e in ctx.ents:
            by_label.setdefault(e.label_, {}).setdefault(_name(e), e)
        rule = Rule("short_form", ["ALIAS_OF"], self.penalties.get("short_form", 0.8), [], [])
        for label, names in by_label.items():
            allowed = self.short_forms.get(label)
            if not allowed:
                continue
            words_ok = None if allowed == "any" else {str(w).lower() for w in allowed}
            split = {n: n.split() for n in names}
            for short, sw in split.items():
                matches = []
                for long, lw in split.items():
                    if len(lw) <= len(sw):
                        continue
                    if lw[: len(sw)] == sw:
                        rest = lw[len(sw) :]
                    elif lw[-len(sw) :] == sw:
                        rest = lw[: -len(sw)]
                    else:
                        continue
                    if words_ok is not None and not all(w in words_ok for w in rest):
                        continue
                    matches.append(long)
                if len(matches) != 1:
                    continue
                s, l = names[short], names[matches[0]]
                rel = self._relation(ctx, rule, s.root, Arg(s), Arg(l))
                if rel:
                    yield rel


def _name(ent: Span) -> str:
    return " ".join(ent.text.split()).lower()


class _DocContext:
    """Per-document lookups: which entity owns a token; entities per sentence; antecedents."""

    def __init__(self, doc: Doc, ents: list[Span]):
        self.doc = doc
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

    def ents_in(self, span: Span) -> list[Span]:
        import bisect

        lo = bisect.bisect_left(self.starts, span.start)
        hi = bisect.bisect_left(self.starts, span.end)
        return self.ents[lo:hi]

    def antecedent(self, tok: Token, labels: list[str]) -> tuple[Span, bool] | None:
        """The nearest entity of `labels` before `tok` in its sentence, else the subject
        (or last such entity) of the previous sentence; True when across sentences."""
        sent = tok.sent
        before = [e for e in self.ents_in(sent) if e.end <= tok.i and e.label_ in labels]
        if before:
            subj = [e for e in before if _is_subjectish(e)]
            return (subj[-1] if subj else before[-1]), False
        if self.prev is not None and self.prev.end == sent.start:
            cands = [e for e in self.ents_in(self.prev) if e.label_ in labels]
            if cands:
                subj = [e for e in cands if _is_subjectish(e)]
                return (subj[0] if subj else cands[-1]), True
        return None


def _is_subjectish(ent: Span) -> bool:
    root = ent.root
    for _ in range(3):
        if root.dep_ in ("nsubj", "nsubjpass"):
            return True
        if root.dep_ in ("appos", "conj", "compound"):
            root = root.head
            continue
        return False
    return False
