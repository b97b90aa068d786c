"""Document-level consistency: one name, one label, every mention found.

The NER labels the same name differently from sentence to sentence and misses some
repeats; an analyst reads a document as a whole, so the strongest evidence for a name
anywhere in it decides the label of all its mentions.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from spacy.language import Language
from spacy.tokens import Doc, Span

from .spans import SOURCE_RANK, add_entities, rank, set_label


@Language.factory(
    "osint_consistency",
    default_config={"parenthetical_aliases": True, "surnames": True, "propagate": True},
)
def make_consistency(nlp: Language, name: str, parenthetical_aliases: bool, surnames: bool, propagate: bool) -> "Consistency":
    return Consistency(name, parenthetical_aliases, surnames, propagate)


class Consistency:
    """Parenthetical aliases take their name's label; each surface form gets the label of
    its strongest evidence; unlabelled repeats of labelled names and surname-only
    references to people become mentions."""

    def __init__(self, name: str, parenthetical_aliases: bool, surnames: bool, propagate: bool):
        self.name = name
        self.parenthetical_aliases = parenthetical_aliases
        self.surnames = surnames
        self.propagate = propagate

    def __call__(self, doc: Doc) -> Doc:
        if not doc.ents:
            return doc
        if self.parenthetical_aliases:
            add_entities(doc, list(self._aliases(doc)), "alias", overwrite=True)
        labels = self._vote(doc)
        doc.ents = [
            set_label(e, labels[e.text]) if labels.get(e.text, e.label_) != e.label_ else e for e in doc.ents
        ]
        if self.surnames:
            for surname, label in self._surnames(doc).items():
                labels.setdefault(surname, label)
        if self.propagate:
            add_entities(doc, self._repeats(doc, labels), "propagated", overwrite=False)
            # a surname the NER typed otherwise ("Guerrero" as a place) follows the full name
            doc.ents = [
                set_label(e, labels[e.text], "surname")
                if e.text in labels and labels[e.text] != e.label_ and rank(e) <= SOURCE_RANK["surname"]
                else e
                for e in doc.ents
            ]
        return doc

    @staticmethod
    def _aliases(doc: Doc):
        """"National Liberation Army (ELN)", "Niño Guerrero (Warchild)": a capitalised name in
        brackets right after an entity names the same thing."""
        for ent in doc.ents:
            if ent.end + 2 >= len(doc) or doc[ent.end].text != "(":
                continue
            close = next((i for i in range(ent.end + 1, min(ent.end + 8, len(doc))) if doc[i].text == ")"), None)
            if close is None or close == ent.end + 1:
                continue
            inner = doc[ent.end + 1 : close]
            if all(t.text[:1].isupper() or t.is_punct or t.like_num for t in inner) and inner[0].text[:1].isupper():
                yield Span(doc, inner.start, inner.end, label=ent.label_)

    @staticmethod
    def _vote(doc: Doc) -> dict[str, str]:
        """Per surface form, the label with the strongest source; ties go to the majority."""
        votes: dict[str, Counter] = defaultdict(Counter)
        for ent in doc.ents:
            votes[ent.text][(rank(ent), ent.label_)] += 1
        return {text: max(counter.items(), key=lambda kv: (kv[0][0], kv[1]))[0][1] for text, counter in votes.items()}

    @staticmethod
    def _surnames(doc: Doc) -> dict[str, str]:
        """The last word of a multi-word person name refers to that person on its own."""
        found = {}
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent) > 1 and ent[-1].is_title and len(ent[-1]) > 2:
                found.setdefault(ent[-1].text, "PERSON")
        return found

    @staticmethod
    def _repeats(doc: Doc, labels: dict[str, str]) -> list[Span]:
        names = [n for n in labels if any(c.isupper() for c in n)]
        if not names:
            return []
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])"
        )
        spans = []
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), label=labels[match.group()])
            if span is not None:
                spans.append(span)
        return spans
