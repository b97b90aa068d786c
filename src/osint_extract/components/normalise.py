"""Span normalisation: entity spans cut to what the schema annotates.

The statistical NER includes determiners, titles, possessives and line breaks that the
schema leaves out; strict scoring counts such spans as wrong, so they are cut here.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from .lexicons import LexiconComponent
from .spans import is_statistical, set_source, source_of


@Language.factory("osint_span_normaliser", assigns=["doc.ents"], requires=["doc.ents"])
def make_span_normaliser(nlp: Language, name: str) -> "SpanNormaliser":
    return SpanNormaliser(name)


class SpanNormaliser(LexiconComponent):
    """Cuts leading determiners, titles of people, trailing possessives and punctuation,
    an event's name off its place, and keeps only the last line of a span that crosses a
    line break that ends a sentence."""

    def __init__(self, name: str):
        self.name = name

    def compile(self, data: dict) -> None:
        self.leading = {w.lower() for w in data.get("leading", [])}
        self.titles = {w.lower() for w in data.get("titles", [])}
        self.trailing = {w.lower() for w in data.get("trailing", [])}
        self.leading_pos = set(data.get("leading_pos", []))
        self.named_labels = set(data.get("named_labels", []))
        events = data.get("events") or {}
        self.event_words = {w.lower() for w in events.get("words", [])}
        self.event_label = events.get("label", "PLACE")

    def __call__(self, doc: Doc) -> Doc:
        ents = []
        for ent in doc.ents:
            span = self.normalise(ent)
            if span is None:
                continue
            if span is not ent:
                set_source(span, source_of(ent))
            ents.append(span)
        doc.ents = ents
        return doc

    def normalise(self, ent: Span) -> Span | None:
        doc = ent.doc
        start, end = ent.start, ent.end
        # keep the last line: NER spans can swallow a headline above the name; the line
        # breaks of hard-wrapped text (no sentence start after them) are spaces
        for i in range(end - 1, start, -1):
            if doc[i].is_sent_start is not False and (doc[i - 1].is_space or "\n" in doc[i - 1].text):
                start = i
                break
        while start < end and doc[start].is_space:
            start += 1
        while end > start and doc[end - 1].is_space:
            end -= 1
        label = ent.label_
        # a capitalised sentence opener the NER or a shape took in: "Later FK", "At Lumëz
        # Prison"; a curated list matched its words whole ("Before Dawn Brigade")
        listed = source_of(ent) == "gazetteer"
        while not listed and end - start > 1 and doc[start].is_sent_start and doc[start].pos_ in self.leading_pos:
            start += 1
        start = self._past_leading_words(doc, start, end, label)
        if (
            is_statistical(ent)
            and label != "PERSON"
            and end - start >= 2
            and doc[start].lower_ in self.event_words
            and doc[start + 1].lower_ == "of"
        ):  # "the Siege of Tocorón": the event's place; "Siege of" cut before it: nothing
            label = self.event_label
            start = self._past_leading_words(doc, start + 2, end, label)
        while end > start and (doc[end - 1].lower_ in self.trailing or doc[end - 1].is_punct):
            end -= 1
        if start >= end:
            return None
        if is_statistical(ent) and label in self.named_labels and not _looks_like_a_name(doc[start:end]):
            return None
        if (start, end, label) == (ent.start, ent.end, ent.label_):
            return ent
        return Span(doc, start, end, label=label, kb_id=ent.kb_id, span_id=ent.id)

    def _past_leading_words(self, doc: Doc, start: int, end: int, label: str) -> int:
        """Past determiners, punctuation and (for a person) titles at the start of a span."""
        while start < end and (
            doc[start].lower_ in self.leading
            or (label == "PERSON" and doc[start].lower_ in self.titles and end - start > 1)
            or doc[start].is_punct
        ):
            start += 1
        return start


def _looks_like_a_name(span: Span) -> bool:
    """A capital letter somewhere ("Los Pumas", "al-Shabaab"), a letter of a script without
    case ("حزب الله") or a word of letters and digits only ("187th"); "n't", "43", "rain",
    a decade ("60s") and a run-together "46%)—fiefdoms" are none."""
    return any(c.isupper() or (c.isalpha() and c.lower() == c.upper()) for c in span.text) or any(
        _alphanumeric(t.text) for t in span
    )


def _alphanumeric(word: str) -> bool:
    return (
        word.isalnum()
        and any(c.isdigit() for c in word)
        and any(c.isalpha() for c in word)
        and not (word.endswith("s") and word[:-1].isdigit())
    )
