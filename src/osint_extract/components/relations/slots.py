"""Argument slots: where, around a trigger word, the parse puts the head or tail of a relation.

A rule in relations.yml names its slots ("agent", "prep:in", "referent", ...). Each slot is
a function registered here under "<kind>:<name>" (kind "verb" or "noun"), so a new
construction is a new registered function, not an edit of the component. Other packages
register slots through the ``osint_extract_relation_slots`` entry point group, or in code::

    from osint_extract.components.relations.slots import slot_registry

    @slot_registry.register("noun:sponsor")
    def sponsor(ctx, tok):  # -> the tokens that name the argument
        ...

A slot function takes the document context (``ctx.owner``: token index -> entity span;
``ctx.lex``: the compiled lexicon) and the trigger token, and returns tokens; the
component resolves them to entities (names, pronouns, "the group", "X fighters", ...).
"prep:WORD" is built in for both kinds: the object of the preposition WORD.
"""
from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING, Callable

import catalogue
from spacy.tokens import Token

if TYPE_CHECKING:
    from .context import DocContext

SlotFunc = Callable[["DocContext", Token], list[Token]]

slot_registry = catalogue.create("osint_extract", "relation_slots", entry_points=True)

SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
KINDS = ("verb", "noun")


def slot_names(kind: str) -> set[str]:
    """Names of the slots registered for triggers of `kind` (without the kind prefix)."""
    prefix = kind + ":"
    return {name[len(prefix):] for name in slot_registry.get_all() if name.startswith(prefix)}


def get_slot(kind: str, name: str) -> SlotFunc | None:
    if name.startswith("prep:"):
        word = name[5:]
        return lambda ctx, tok: prep_objects(tok, word, ctx.lex.noun_index)
    try:
        return slot_registry.get(f"{kind}:{name}")
    except catalogue.RegistryError:
        return None


# ---------------------------------------------------------------- verb slots


@slot_registry.register("verb:agent")
def verb_agent(ctx: "DocContext", tok: Token) -> list[Token]:
    """The logical subject: "X controls", "controlled by X"."""
    return agent(ctx, tok)


@slot_registry.register("verb:patient")
def verb_patient(ctx: "DocContext", tok: Token) -> list[Token]:
    """The logical object: "controls Y", "Y is controlled"."""
    return patient(ctx, tok)


@slot_registry.register("verb:subject")
def verb_subject(ctx: "DocContext", tok: Token) -> list[Token]:
    """The surface subject, active or passive: "X is based in"."""
    return subject(ctx, tok)


@slot_registry.register("verb:modifier")
def verb_modifier(ctx: "DocContext", tok: Token) -> list[Token]:
    """A name modifying a participle: "the Varnak-based group"."""
    return [c for c in tok.children if c.dep_ in ("npadvmod", "compound", "nmod") and c.i in ctx.owner]


# ---------------------------------------------------------------- noun slots


@slot_registry.register("noun:agent")
@slot_registry.register("noun:poss")
def noun_poss(ctx: "DocContext", tok: Token) -> list[Token]:
    """A possessive: "X's takeover"."""
    return [c for c in tok.children if c.dep_ == "poss"]


@slot_registry.register("noun:compound")
def noun_compound(ctx: "DocContext", tok: Token) -> list[Token]:
    """A name modifying the noun: "XYZ commander"."""
    return [c for c in tok.children if c.dep_ in ("compound", "nmod", "amod") and c.i in ctx.owner]


@slot_registry.register("noun:referent")
def noun_referent(ctx: "DocContext", tok: Token) -> list[Token]:
    """What a role noun ("leader", "stronghold") stands for."""
    return referent(ctx, tok)


@slot_registry.register("noun:governor")
def noun_governor(ctx: "DocContext", tok: Token) -> list[Token]:
    """"X had been under the leadership of": what the phrase of the noun describes."""
    if tok.dep_ != "pobj":
        return []
    gov = tok.head.head
    if gov.pos_ in ("VERB", "AUX"):
        return subject(ctx, gov)
    if gov.pos_ in ("NOUN", "PROPN"):
        return [gov]
    return []


@slot_registry.register("noun:doer")
def noun_doer(ctx: "DocContext", tok: Token) -> list[Token]:
    """"X launched an offensive against Y": the agent of the verb the noun is the object of."""
    if tok.dep_ in ("dobj", "obj") and tok.head.pos_ in ("VERB", "AUX"):
        return agent(ctx, tok.head)
    return []


@slot_registry.register("noun:patient")
def noun_patient(ctx: "DocContext", tok: Token) -> list[Token]:
    return prep_objects(tok, "of", ctx.lex.noun_index)


# ---------------------------------------------------------------- the grammar they share


def prep_objects(tok: Token, word: str, trigger_nouns: Container[str] = ()) -> list[Token]:
    """Objects of the preposition `word` on `tok` (or on its object, unless that object is
    a trigger noun with a fact of its own: "struck a deal with Y" is not a strike on Y)."""
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
            if o.dep_ == "dobj" and o.lemma_.lower() not in trigger_nouns:
                for c in o.children:
                    if c.dep_ == "prep" and c.lower_ == word:
                        out.extend(g for g in c.children if g.dep_ == "pobj")
    if not out:
        # a preposition tagged as a verb ("including")
        for c in tok.children:
            if c.lower_ == word and c.dep_ not in ("prep", "agent", "dative", "prt"):
                out.extend(g for g in c.children if g.dep_ in ("dobj", "pobj"))
    return out


def is_passive(tok: Token, depth: int = 0) -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass", "csubjpass") for c in tok.children):
        return True
    if tok.tag_ != "VBN" or any(c.dep_ in ("aux", "nsubj") for c in tok.children):
        return False
    if tok.dep_ in ("acl", "relcl", "amod", "advcl"):
        return True
    # "weapons displayed by X and attributed to Y"
    return tok.dep_ == "conj" and depth < 4 and is_passive(tok.head, depth + 1)


def subject(ctx: "DocContext", tok: Token, depth: int = 0) -> list[Token]:
    subj = [c for c in tok.children if c.dep_ in SUBJ_DEPS]
    if subj:
        s = subj[0]
        if tok.dep_ == "relcl" and (s.lower_ in ctx.lex.relative_words or s.tag_ in ("WDT", "WP")):
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
        return subject(ctx, tok.head, depth + 1)
    if tok.dep_ in ("conj", "advcl", "acomp", "ccomp", "pcomp", "prep"):
        return subject(ctx, tok.head, depth + 1)
    return []


def agent(ctx: "DocContext", tok: Token) -> list[Token]:
    if is_passive(tok):
        return [g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    return subject(ctx, tok)


def patient(ctx: "DocContext", tok: Token) -> list[Token]:
    if is_passive(tok):
        return subject(ctx, tok)
    objs = [c for c in tok.children if c.dep_ in ("dobj", "obj")]
    if not objs:
        # "take over X": the object hangs off the particle
        objs = [g for c in tok.children if c.dep_ == "prt" for g in c.children if g.dep_ in ("dobj", "pobj")]
    if not objs and tok.dep_ == "conj":
        objs = [c for c in tok.head.children if c.dep_ in ("dobj", "obj")]
    return objs


def referent(ctx: "DocContext", tok: Token) -> list[Token]:
    out = [c for c in tok.children if c.dep_ == "appos"]
    if tok.dep_ == "appos":
        out.append(tok.head)
    if tok.dep_ == "conj" and tok.head.dep_ == "appos":
        out.append(tok.head.head)
    if tok.dep_ in ("compound", "nmod") and tok.head.pos_ == "PROPN":
        out.append(tok.head)
    if tok.dep_ in ("attr", "oprd"):
        out.extend(subject(ctx, tok.head))
    if tok.dep_ == "pobj" and tok.head.lower_ == "as" and tok.head.head.pos_ in ("VERB", "AUX"):
        out.extend(subject(ctx, tok.head.head))
    if tok.dep_ in ("nsubj", "nsubjpass"):
        out.extend(c for c in tok.head.children if c.dep_ in ("attr", "oprd", "acomp") and c is not tok)
    return out


def relative_pronoun(tok: Token) -> Token | None:
    """The relative pronoun of the clause `tok` heads (through conjuncts and xcomp)."""
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
