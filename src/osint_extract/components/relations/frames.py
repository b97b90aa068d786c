"""Constructions that state a relation without a trigger rule of their own: two names
joined by a possessive or "of", a "where" clause, a list of arms belonging to one actor,
arms seized from an actor's facility. Their labels, confidences and words are in the
lexicon (name_frames, arms_list, seizure)."""
from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span

from ..facts import RelationFact
from ...schema import ARMS
from .arguments import MOD_DEPS, fill_one, resolve, resolve_one
from .context import Arg, DocContext, is_subjectish, name_of
from .lexicon import Rule
from .negation import negated


def where_clauses(ctx: DocContext, sent: Span) -> Iterable[RelationFact]:
    """"Y, where X operates / where the gang runs rackets": the actors of a clause
    introduced by "where" are in the place it describes."""
    lex = ctx.lex
    spec = lex.name_frames.get("where")
    if not spec:
        return
    words = {str(w).lower() for w in spec.get("words") or ["where"]}
    rule = Rule("where_clause", list(spec["labels"]), float(spec.get("confidence", 0.65)), [], [])
    for tok in sent:
        if tok.dep_ not in ("relcl", "advcl") or tok.pos_ not in ("VERB", "AUX"):
            continue
        if not any(c.dep_ == "advmod" and c.lower_ in words for c in tok.children):
            continue
        places = [a for a in resolve(ctx, tok.head) if a.ent.label_ in lex.place_labels]
        if not places or negated(lex, tok):
            continue
        actors = []
        for slot in ("agent", "subject"):
            actors.extend(a for a in fill_one(ctx, tok, slot, "verb") if a.ent.label_ in lex.actor_labels)
        for a in actors:
            for p in places:
                rel = ctx.relation(rule, tok, a, p)
                if rel:
                    yield rel


def arms_lists(ctx: DocContext, sent: Span, prev: Span | None, rels: list[RelationFact], min_conf: float) -> list[RelationFact]:
    """Arms named in a sentence whose arms belong to one actor only are that actor's:
    "X fighters carry A and B rifles, mount C guns on trucks and have used D mortars"
    (a list the parser breaks up). A sentence that names arms but no actor at all
    takes the actor that is the subject of the previous sentence."""
    lex = ctx.lex
    spec = lex.arms_list
    if not spec:
        return []
    arms = [e for e in ctx.ents_in(sent) if e.label_ in ARMS]
    if not arms:
        return []
    owners = set(spec.get("owner_labels") or lex.owner_labels)
    label = spec.get("label", "POSSESSES")
    poss = [r for r in rels if r.label == label and r.confidence >= min_conf]
    extra = None
    if poss:
        if len({name_of(r.head) for r in poss}) != 1:
            return []
        owner = poss[0].head
        if not sent.start <= owner.start < sent.end:
            return []  # the owner was found through anaphora in another sentence
        done = {(r.tail.start, r.tail.end) for r in poss}
        conf = float(spec.get("confidence", 0.7))
        if spec.get("single_actor"):
            # another possible owner named in the sentence: the list may be split
            gap = int(spec.get("acronym_gap", 2))
            for e in ctx.ents_in(sent):
                if e.label_ in owners and name_of(e) != name_of(owner):
                    if not (e.start > owner.start and e.start - owner.end <= gap):  # "Name (ACRONYM)"
                        return []
    else:
        if not spec.get("previous_subject") or prev is None or prev.end != sent.start:
            return []
        if any(e.label_ in lex.actor_labels for e in ctx.ents_in(sent)):
            return []
        cands = [e for e in ctx.ents_in(prev) if e.label_ in owners and is_subjectish(e)]
        if not cands:
            return []
        owner, done = cands[0], set()
        conf = float(spec.get("previous_confidence", 0.6))
        extra = "cross_sentence"
    rule = Rule("arms_list", [label], conf, [], [])
    skip_deps = set(spec.get("skip_deps") or ())
    out = []
    for a in arms:
        if (a.start, a.end) in done:
            continue
        noun = a.root
        while noun.dep_ in MOD_DEPS + ("nummod",) and noun.head is not noun and noun.head.pos_ in ("NOUN", "PROPN", "NUM"):
            noun = noun.head  # "no RPG-7 launchers": the negation is on the noun
        if negated(lex, a.root) or negated(lex, noun):
            continue
        if extra is None and _about_other_arms(_first_conjunct(noun), skip_deps, owner):
            continue  # "Rifles and pistols were scarce, ... the group's machine guns"
        rel = ctx.relation(rule, sent.root, Arg(owner), Arg(a), extra)
        if rel:
            out.append(rel)
    return out


def _first_conjunct(tok):
    while tok.dep_ == "conj" and tok.head is not tok:
        tok = tok.head
    return tok


CLAUSE_DEPS = ("advcl", "ccomp", "xcomp", "relcl", "acl", "conj", "parataxis")


def _about_other_arms(noun, skip_deps: set[str], owner: Span) -> bool:
    """Arms that are the subject (a dependency in `skip_deps`) of a clause that names neither
    the owner nor a possessive ("Rifles and pistols were scarce, but the gang kept its PKMs";
    not "PKMs are also part of its arsenal"): the clause says something else about them."""
    if noun.dep_ not in skip_deps:
        return False
    clause, todo = [], [noun.head]
    while todo:  # the clause's own words, not those of the clauses inside it
        tok = todo.pop()
        clause.append(tok)
        todo.extend(c for c in tok.children if c.dep_ not in CLAUSE_DEPS)
    return not any(owner.start <= t.i < owner.end or (t.dep_ == "poss" and t.pos_ == "PRON") for t in clause)


def name_frames(ctx: DocContext, sent_ents: list[Span]) -> Iterable[RelationFact]:
    """"the Northern Army's Fifth Division" (possessive), "the Ostrava Brigade of the
    Red Hand Front" ("of"): two names joined without a trigger word."""
    lex = ctx.lex
    poss = lex.name_frames.get("possessive")
    of = lex.name_frames.get("of")
    of_words = {str(w).lower() for w in (of or {}).get("words") or ["of"]}
    for ent in sent_ents:
        if ent.label_ in ARMS:
            continue
        root = ent.root
        for c in root.children:
            frame, other = None, None
            if poss and c.dep_ == "poss" and c.i in ctx.owner:
                frame, other = ("possessive", poss), ctx.owner[c.i]
            elif of and c.dep_ == "prep" and c.lower_ in of_words:
                objs = [g for g in c.children if g.dep_ == "pobj" and g.i in ctx.owner]
                if objs:
                    frame, other = ("of", of), ctx.owner[objs[0].i]
            if frame is None or other is ent:
                continue
            name, spec = frame
            rule = Rule(f"name_{name}", list(spec["labels"]), float(spec.get("confidence", 0.6)), [], [])
            if negated(lex, root):
                continue
            rel = ctx.relation(rule, root, Arg(ent), Arg(other))
            if rel:
                yield rel


def seizures(ctx: DocContext, sent: Span, sent_ents: list[Span]) -> Iterable[RelationFact]:
    """"A raid on a Red Hand safe house recovered an AK-47": arms seized from an
    actor's facility are the actor's."""
    lex = ctx.lex
    spec = lex.seizure
    if not spec:
        return
    arms = [e for e in sent_ents if e.label_ in ARMS]
    if not arms:
        return
    if not any(t.lemma_.lower() in lex.seizure_verbs for t in sent):
        return
    owners_ok = set(spec.get("owner_labels") or lex.owner_labels)
    owners: list[Arg] = []
    for tok in sent:
        if tok.lemma_.lower() in lex.facility_nouns and tok.i not in ctx.owner:
            if negated(lex, tok):
                continue
            owners.extend(a for a in resolve_one(ctx, tok) if a.ent.label_ in owners_ok)
    if not owners:
        return
    rule = Rule("seizure_from_facility", list(spec.get("labels") or ["POSSESSES"]), float(spec.get("confidence", 0.75)), [], [])
    for o in owners:
        for a in arms:
            rel = ctx.relation(rule, sent.root, o, Arg(a))
            if rel:
                yield rel
