"""The relation component (osint_relations): who controls, leads, fights or arms whom.

Rules live in a lexicon (configs/lexicons/relations.yml, checked by `lexicon.py`): a rule
names trigger verbs or nouns and the argument *slots* (`slots.py`) that give the head and
the tail of a relation, or spaCy DependencyMatcher patterns whose "head" and "tail" nodes
are the arguments. Slots are read in active and passive voice, through relative clauses,
participles, coordination, appositions, pronouns and "the group" (`arguments.py`);
negated, denied and hedged triggers state nothing (`negation.py`); constructions without
a trigger word are in `frames.py`. The component knows no trigger words itself.

Identity is not decided here: ALIAS_OF facts and which mentions name one entity come from
the resolver (osint_entity_resolver), which runs before this component.

Facts are appended to ``doc._.osint_relations`` as `RelationFact` objects (Span head, tail
and evidence). Confidence: the rule's base confidence times a penalty for each kind of
inference the relation needed (coordination, anaphora, anaphora across a sentence
boundary, a modifier standing for the actor, every arm of the sentence, a location
inferred from a fight); relations below ``min_confidence`` are dropped. Within a sentence
each fact (head name, label, tail name) is emitted once, with its best confidence.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Span, Token

from ..facts import RelationFact, add_relations
from ..lexicons import LexiconComponent
from ...schema import ARMS, SYMMETRIC
from .arguments import fill, locations, resolve
from .context import Arg, DocContext, name_of
from .frames import arms_lists, name_frames, seizures, where_clauses
from .lexicon import RelationLexicon, Rule, validate_relation_lexicon
from .negation import negated


@Language.factory(
    "osint_relations",
    assigns=["doc._.osint_relations"],
    requires=["doc.ents", "doc.sents", "token.dep", "token.lemma"],
    default_config={"cross_sentence": True},
)
def make_relations(nlp: Language, name: str, cross_sentence: bool) -> "Relations":
    return Relations(nlp, name, cross_sentence)


class Relations(LexiconComponent):
    """Appends to ``doc._.osint_relations`` the facts the lexicon's rules find."""

    def __init__(self, nlp: Language, name: str, cross_sentence: bool = True):
        self.vocab = nlp.vocab
        self.name = name
        self.cross_sentence = cross_sentence

    def validate(self, data: Any, origin: str) -> None:
        validate_relation_lexicon(data, origin)

    def compile(self, data: dict) -> None:
        self.lex = RelationLexicon(data)
        self.dep_matcher: DependencyMatcher | None = None
        self.dep_rules: dict[str, tuple[Rule, list[dict]]] = {}
        for rule in self.lex.rules:
            for n, pattern in enumerate(rule.dependency_patterns):
                if self.dep_matcher is None:
                    self.dep_matcher = DependencyMatcher(self.vocab)
                key = f"{rule.name}#{n}"  # one key per pattern: the match's tokens follow its nodes
                self.dep_matcher.add(key, [pattern])
                self.dep_rules[key] = (rule, pattern)

    # ------------------------------------------------------------------ entry point

    def __call__(self, doc: Doc) -> Doc:
        self._require()
        ents = list(doc.ents)
        if not ents:
            add_relations(doc, [])
            return doc
        ctx = DocContext(doc, ents, self.lex)
        found: dict[tuple] = {}
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        by_sentence = self._dependency_matches(ctx, doc)
        prev: Span | None = None
        for sent in sents:
            rels = [r for r in self._sentence(ctx, sent, prev) if r]
            rels.extend(by_sentence.get(sent.start, []))
            rels.extend(arms_lists(ctx, sent, prev, rels, self.lex.min_confidence))
            for rel in rels:
                self._keep(found, rel)
            prev = sent
        kept = list(found.values())
        if self.lex.subsumed_by:
            # "X controls Y" says more than "X operates in Y": the weaker fact is dropped
            facts = {(name_of(r.head), r.label, name_of(r.tail)) for r in kept}
            kept = [
                r for r in kept
                if not any((name_of(r.head), strong, name_of(r.tail)) in facts for strong in self.lex.subsumed_by.get(r.label, ()))
            ]
        kept.sort(key=lambda r: (r.evidence.start_char, r.head.start_char, r.tail.start_char, r.label))
        add_relations(doc, kept)
        return doc

    def _keep(self, found: dict, rel: RelationFact) -> None:
        if rel.confidence < self.lex.min_confidence:
            return
        h, t = name_of(rel.head), name_of(rel.tail)
        if rel.label in SYMMETRIC:
            h, t = sorted((h, t))
        key = (rel.evidence.start_char, h, rel.label, t)
        old = found.get(key)
        if old is None or rel.confidence > old.confidence:
            found[key] = rel

    # ------------------------------------------------------------------ dependency patterns

    def _dependency_matches(self, ctx: DocContext, doc: Doc) -> dict[int, list[RelationFact]]:
        """Facts of the rules written as DependencyMatcher patterns, by sentence start: the
        "head" and "tail" nodes are resolved like slot tokens; "trigger" (else the head
        node) anchors the evidence and the negation check."""
        out: dict[int, list[RelationFact]] = {}
        if self.dep_matcher is None:
            return out
        for match_id, token_ids in self.dep_matcher(doc):
            rule, pattern = self.dep_rules[self.vocab.strings[match_id]]
            nodes = {node["RIGHT_ID"]: doc[i] for node, i in zip(pattern, token_ids)}
            trigger = nodes.get("trigger", nodes["head"])
            if negated(self.lex, trigger):
                continue
            sent = trigger.sent
            ctx.sent, ctx.prev = sent, None
            heads = _resolve_node(ctx, nodes["head"])
            tails = _resolve_node(ctx, nodes["tail"])
            for h in heads:
                for t in tails:
                    rel = ctx.relation(rule, trigger, h, t)
                    if rel:
                        out.setdefault(sent.start, []).append(rel)
        return out

    # ------------------------------------------------------------------ one sentence

    def _sentence(self, ctx: DocContext, sent: Span, prev: Span | None) -> Iterable[RelationFact]:
        sent_ents = ctx.ents_in(sent)
        if not sent_ents:
            return
        ctx.sent, ctx.prev = sent, (prev if self.cross_sentence else None)
        lex = self.lex
        for tok in sent:
            lemma = tok.lemma_.lower()
            lower = tok.lower_
            candidates: list[tuple[Rule, tuple[str, ...], str]] = []
            if tok.pos_ in ("VERB", "AUX", "ADJ") or tok.tag_.startswith("VB"):
                for key in {lemma, lower}:
                    candidates.extend((r, rest, "verb") for r, rest in lex.verb_index.get(key, []))
            if tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "VERB" and tok.tag_ == "VBG"):
                for key in {lemma, lower}:
                    candidates.extend((r, rest, "noun") for r, rest in lex.noun_index.get(key, []))
            if not candidates:
                continue
            if tok.i in ctx.owner and ctx.owner[tok.i].label_ not in ARMS:
                continue  # "Front" in "Jaime Martínez Front" is a name, not a trigger
            is_negated = None
            for rule, rest, kind in candidates:
                if rest and not _has_words(tok, rest):
                    continue
                if is_negated is None:
                    is_negated = negated(lex, tok)
                if is_negated:
                    break
                yield from self._apply(ctx, rule, tok, kind)
        yield from seizures(ctx, sent, sent_ents)
        yield from name_frames(ctx, sent_ents)
        yield from where_clauses(ctx, sent)

    def _apply(self, ctx: DocContext, rule: Rule, tok: Token, kind: str) -> Iterable[RelationFact]:
        heads = fill(ctx, tok, rule.head, kind)
        tails = fill(ctx, tok, rule.tail, kind)
        for h in heads:
            for t in tails:
                rel = ctx.relation(rule, tok, h, t)
                if rel:
                    yield rel
        pool: list[Arg] = []
        if rule.pairs:
            uniq: dict[tuple[int, int], Arg] = {}
            for a in fill(ctx, tok, rule.pairs, kind):
                uniq.setdefault((a.ent.start, a.ent.end), a)
            pool = list(uniq.values())
            if len(pool) >= 2:
                for i, a in enumerate(pool):
                    for b in pool[i + 1 :]:
                        rel = ctx.relation(rule, tok, a, b, "conjunct")
                        if rel:
                            yield rel
            if pool and not tails:
                # "X was involved in a dispute among Y and Z": X against each of them
                for h in heads:
                    for b in pool:
                        rel = ctx.relation(rule, tok, h, b, "conjunct")
                        if rel:
                            yield rel
        if rule.locate:
            places = locations(ctx, tok, set(rule.locate))
            if places:
                roles = {"head": heads, "tail": tails, "pairs": pool}
                parts = [a for r in rule.locate_roles for a in roles.get(r, []) if a.ent.label_ in self.lex.actor_labels]
                located = self.lex.name_frames.get("located") or {}
                conf = rule.confidence * float(located.get("confidence", 1.0))
                loc_rule = Rule(rule.name + "+located", list(located.get("labels") or ["OPERATES_IN"]), conf, [], [])
                for a in parts:
                    for p in places:
                        rel = ctx.relation(loc_rule, tok, a, p, "located")
                        if rel:
                            yield rel


def _resolve_node(ctx: DocContext, tok: Token) -> list[Arg]:
    return resolve(ctx, tok)


def _has_words(tok: Token, rest: tuple[str, ...]) -> bool:
    near = {c.lower_ for c in tok.children} | {c.lemma_.lower() for c in tok.children}
    for c in tok.children:
        near.update(g.lower_ for g in c.children)
    nxt = [t.lower_ for t in tok.doc[tok.i + 1 : tok.i + 1 + len(rest)]]
    return all(w in near for w in rest) or tuple(nxt) == rest
