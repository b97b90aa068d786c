"""From a token in a slot to the entities it stands for: a name, a list of names, a pronoun
or "the group" (anaphora), "XYZ fighters" (a modifier standing for the actor), "weapons
including X" (what an arms noun holds), "the port of Y" (a place noun). Each inference
lowers the confidence by its penalty in the lexicon."""
from __future__ import annotations

from spacy.tokens import Token

from ...schema import ARMS
from .context import Arg, DocContext
from .negation import has_negative_determiner
from .slots import agent, is_passive, relative_pronoun

MOD_DEPS = ("compound", "amod", "nmod", "poss", "npadvmod")


def fill(ctx: DocContext, tok: Token, slots: list[str], kind: str) -> list[Arg]:
    """The entities of every slot in `slots` around trigger `tok`, each once."""
    out: list[Arg] = []
    seen: set[tuple[int, int]] = set()
    for slot in slots:
        for arg in fill_one(ctx, tok, slot, kind):
            key = (arg.ent.start, arg.ent.end)
            if key not in seen:
                seen.add(key)
                out.append(arg)
    return out


def fill_one(ctx: DocContext, tok: Token, slot: str, kind: str) -> list[Arg]:
    func = ctx.lex.slot(kind, slot)
    toks = func(ctx, tok) if func is not None else []
    args: list[Arg] = []
    for t in toks:
        if has_negative_determiner(ctx.lex, t):
            continue  # "has no RPG-7 launchers"
        args.extend(resolve(ctx, t, conj=True))
    if not args and kind == "verb" and slot in ("agent", "subject") and not (slot == "agent" and is_passive(tok)):
        # "X, the brigade trained with support, which has fought": the relative
        # pronoun hung on the wrong noun; it stands for the nearest actor before it
        rel = relative_pronoun(tok)
        if rel is not None:
            before = [e for e in ctx.ents_in(rel.sent) if e.end <= rel.i and e.label_ in ctx.lex.actor_labels]
            if before:
                args.append(Arg(before[-1], {"anaphora": ctx.penalty("anaphora")}))
    return args


def resolve(ctx: DocContext, tok: Token, conj: bool = True, depth: int = 0) -> list[Arg]:
    out = resolve_one(ctx, tok, depth)
    if conj:
        others = list(tok.conjuncts)
        # "AKM rifles, ... RPG-7 launchers" parsed as an apposition of a list
        for c in tok.children:
            if c.dep_ == "appos" and c.i not in ctx.owner:
                others.append(c)
                others.extend(c.conjuncts)
        pen = ctx.penalty("conjunct")
        for c in others:
            for a in resolve_one(ctx, c, depth):
                out.append(a.with_penalty("conjunct", pen))
        # "controls most of X, including Y and Z": the items the phrase includes
        if depth < 3:
            for c in [tok] + others:
                for p in c.children:
                    if p.dep_ == "prep" and p.lower_ in ctx.lex.include_words:
                        for g in p.children:
                            if g.dep_ in ("pobj", "dobj"):
                                for a in resolve(ctx, g, True, depth + 1):
                                    out.append(a.with_penalty("conjunct", pen))
    return out


def _objects(tok: Token, preps: set[str], deps: tuple[str, ...] = ("pobj",)) -> list[Token]:
    return [g for c in tok.children if c.dep_ == "prep" and c.lower_ in preps for g in c.children if g.dep_ in deps]


def resolve_one(ctx: DocContext, tok: Token, depth: int = 0) -> list[Arg]:
    if depth > 3:
        return []
    lex = ctx.lex
    ent = ctx.owner.get(tok.i)
    if ent is not None:
        out = [Arg(ent)]
        if ent.label_ in ARMS:
            # "9mm pistols": the calibre modifies the weapon
            for c in ent.root.children:
                m = ctx.owner.get(c.i)
                if m is not None and m is not ent and m.label_ in ARMS and c.dep_ in MOD_DEPS + ("nummod", "quantmod"):
                    out.append(Arg(m))
        return out
    lower, lemma = tok.lower_, tok.lemma_.lower()
    # pronouns and "the group"
    if lower in lex.pronouns or (
        lemma in lex.generic_nouns and any(c.dep_ == "det" and c.lower_ in lex.definite_determiners for c in tok.children)
    ):
        labels = lex.pronouns.get(lower) or lex.generic_nouns.get(lemma, [])
        found = ctx.antecedent(tok, labels)
        if found is not None:
            ent, cross = found
            kind = "cross_sentence" if cross else "anaphora"
            return [Arg(ent, {kind: ctx.penalty(kind)})]
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
    if lemma in lex.arms_nouns or lower in lex.arms_nouns:
        arms = arms_content(ctx, tok, depth)
        if arms:
            return arms
    if lemma in lex.container_nouns or lower in lex.container_nouns or lemma in lex.arms_nouns:
        for g in _objects(tok, lex.container_preps):
            out.extend(resolve(ctx, g, True, depth + 1))
        if out:
            return out
    if lemma in lex.place_nouns or lower in lex.place_nouns:
        for g in _objects(tok, lex.place_preps):
            out.extend(a for a in resolve(ctx, g, True, depth + 1) if a.ent.label_ in lex.place_labels)
        if out:
            return out
    pen = ctx.penalty("modifier")
    member_or_facility = lemma in lex.member_nouns or lemma in lex.facility_nouns
    # "XYZ fighters", "Brevik's gunmen", "a Red Hand safe house", "the Brevik government"
    for c in tok.children:
        if c.dep_ == "nummod" and c.i in ctx.owner and ctx.owner[c.i].label_ in ARMS:
            out.append(Arg(ctx.owner[c.i]))  # "AK-47 rifles" parsed as a number
        elif c.dep_ in MOD_DEPS and c.i in ctx.owner:
            m = ctx.owner[c.i]
            if m.label_ in ARMS:
                out.append(Arg(m))
            elif member_or_facility or c.dep_ in ("compound", "nmod", "amod"):
                out.append(Arg(m, {"modifier": pen}))
        elif c.dep_ == "poss" and c.lower_ in lex.pronouns and member_or_facility:
            out.extend(a.with_penalty("modifier", pen) for a in resolve_one(ctx, c, depth + 1))
    if not out and member_or_facility:
        # "gunmen from X and from Y", "troops of X and Y"
        preps = [c for c in tok.children if c.dep_ == "prep" and c.lower_ in lex.member_preps]
        preps += [cc for c in preps for cc in c.conjuncts if cc.dep_ in ("conj", "prep")]
        for c in preps:
            for g in c.children:
                if g.dep_ == "pobj":
                    for gg in [g, *g.conjuncts]:
                        if gg.i in ctx.owner:
                            out.append(Arg(ctx.owner[gg.i], {"modifier": pen}))
    if not out and tok.dep_ == "pobj" and tok.head.lower_ in lex.container_preps and tok.head.head.pos_ in ("NOUN", "PRON", "NUM"):
        # "a unit of roughly 150 fighters that controls": the phrase the "of" belongs to
        out.extend(resolve_one(ctx, tok.head.head, depth + 1))
    if not out and lemma in lex.facility_nouns:
        for c in tok.children:
            if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in lex.facility_owner_verbs:
                for a in agent(ctx, c):
                    out.extend(x.with_penalty("modifier", pen) for x in resolve_one(ctx, a, depth + 1))
    return out


def arms_content(ctx: DocContext, tok: Token, depth: int = 0) -> list[Arg]:
    """What a noun like "weapons" or "materiel" stands for."""
    lex = ctx.lex
    out: list[Arg] = []
    for g in _objects(tok, lex.arms_content_preps):
        out.extend(resolve(ctx, g, True, depth + 1))
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in lex.arms_content_outer_preps:  # "such as"
            for g in c.children:
                if g.dep_ == "prep":
                    for gg in g.children:
                        if gg.dep_ == "pobj":
                            out.extend(resolve(ctx, gg, True, depth + 1))
        if c.dep_ == "relcl" and c.lemma_.lower() in lex.arms_content_verbs:
            for g in c.children:
                if g.dep_ == "dobj":
                    out.extend(resolve(ctx, g, True, depth + 1))
    if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lemma_.lower() in lex.arms_content_verbs | lex.copulas:
        for g in tok.head.children:
            if g.dep_ in ("dobj", "attr"):
                out.extend(resolve(ctx, g, True, depth + 1))
    out = [a for a in out if a.ent.label_ in ARMS]
    if out:
        return out
    pen = ctx.penalty("sentence_arms")
    return [Arg(e, {"sentence_arms": pen}) for e in ctx.ents_in(tok.sent) if e.label_ in ARMS]


def locations(ctx: DocContext, tok: Token, preps: set[str]) -> list[Arg]:
    """PLACE objects of the given prepositions in the phrase of the trigger, not crossing
    into other clauses: "fought X near Y", "a dispute ... for control in Y"."""
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
                        out.extend(a for a in resolve(ctx, g) if a.ent.label_ in ctx.lex.place_labels)
                        stack.append(g)
            elif c.dep_ in ("prep", "pobj", "dobj", "compound", "amod", "conj", "appos"):
                stack.append(c)
    return out

