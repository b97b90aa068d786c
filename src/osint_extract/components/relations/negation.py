"""Whether a trigger is asserted: a trigger with a negation child ("not", "never"), after a
negation phrase ("no longer"), under a denial verb ("officials denied that ...", "lost
control of") or a hedge ("could seize") states no fact. Every word is in the lexicon."""
from __future__ import annotations

from spacy.tokens import Token

from .lexicon import RelationLexicon


def _is_negation_phrase(lex: RelationLexicon, tok: Token) -> bool:
    """A negation phrase of the lexicon parsed as a head and its modifiers ("no longer"
    after the verb: "longer" with the child "no")."""
    children = {c.lower_ for c in tok.children}
    return any(p[-1] == tok.lower_ and set(p[:-1]) <= children for p in lex.negation_phrases if len(p) > 1)


def negated(lex: RelationLexicon, tok: Token) -> bool:
    first = tok.sent.start
    before = [t.lower_ for t in tok.doc[max(first, tok.i - 4) : tok.i]]
    for phrase in lex.negation_phrases:
        n = len(phrase)
        for i in range(len(before) - n + 1):
            if tuple(before[i : i + n]) == phrase:
                return True
    cur = tok
    direct = True
    for _ in range(12):
        if direct:
            for c in cur.children:
                if c.dep_ == "neg" or (c.dep_ in ("advmod", "aux", "det", "preconj") and c.lower_ in lex.negation_words):
                    return True
                if c.dep_ == "advmod" and _is_negation_phrase(lex, c):
                    return True
        if cur is not tok:
            lemma = cur.lemma_.lower()
            if lemma in lex.denial_verbs:
                return True
            if direct and lemma in lex.hedge_words:
                return True
            if direct and any(c.dep_ == "aux" and c.lower_ in lex.hedge_words for c in cur.children):
                return True
        if direct and cur is tok and any(c.dep_ == "aux" and c.lower_ in lex.hedge_words for c in cur.children):
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


def has_negative_determiner(lex: RelationLexicon, tok: Token) -> bool:
    """"has no RPG-7 launchers": the noun itself is negated."""
    return any(c.dep_ == "det" and c.lower_ in lex.negation_words for c in tok.children)
