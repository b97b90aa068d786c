"""Writing entity spans into a Doc while remembering where each one came from.

Components disagree; which one wins depends on the evidence behind each span, so every
span written here is tagged with a source whose rank decides conflicts.
"""
from __future__ import annotations

from typing import Iterable

from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

# How much each kind of evidence is trusted when two spans overlap or a surface form gets
# two labels. The statistical NER has no tag of its own: its spans have source "ner".
SOURCE_RANK: dict[str, int] = {
    "gazetteer": 5,
    "arms": 4,
    "shape": 4,
    "alias": 3,
    "cue": 3,
    "credit": 3,
    "head": 3,
    "surname": 2,
    "propagated": 2,
    "world": 2,
    "ner": 1,
    "geo": 0,
}

if not Doc.has_extension("ent_sources"):
    Doc.set_extension("ent_sources", default=None)
# [name start, name end, alias start, alias end, how] for names the text gives as one
# entity: "National Liberation Army (ELN)" (how: "bracket"), "X, alias "Y"" ("cue").
if not Doc.has_extension("alias_links"):
    Doc.set_extension("alias_links", default=None)


def _sources(doc: Doc) -> dict[str, str]:
    """The "start:end" -> source map of the doc (string keys survive serialisation
    between processes), created on first use."""
    if doc._.ent_sources is None:
        doc._.ent_sources = {}
    return doc._.ent_sources


def source_of(span: Span) -> str:
    """Which component put the span there; "ner" for the statistical model."""
    return _sources(span.doc).get(f"{span.start_char}:{span.end_char}", "ner")


def set_source(span: Span, source: str) -> None:
    _sources(span.doc)[f"{span.start_char}:{span.end_char}"] = source


def add_alias_links(doc: Doc, pairs: Iterable[tuple[Span, Span]], how: str) -> None:
    """Remember that each (name, alias) pair names one entity, and what said so."""
    if doc._.alias_links is None:
        doc._.alias_links = []
    doc._.alias_links.extend([a.start_char, a.end_char, b.start_char, b.end_char, how] for a, b in pairs)


def alias_links(doc: Doc) -> list[list]:
    return doc._.alias_links or []


def rank(span: Span) -> int:
    return SOURCE_RANK.get(source_of(span), 1)


def is_statistical(span: Span) -> bool:
    """Whether the span is the statistical NER's as it read it (no rule put or typed it)."""
    return source_of(span) == "ner"


def add_entities(doc: Doc, spans: Iterable[Span], source: str, *, overwrite: bool, keep_statistical: bool = False) -> None:
    """Add spans as entities; with `overwrite` they replace overlapping entities of no
    higher rank, otherwise they only fill gaps. Overlaps among new spans keep the longest.
    With `keep_statistical` (beside a recogniser trained on the schema) a span strictly
    inside a statistical entity does not cut it down: the recogniser read the whole name,
    a list knows a part ("Zulia" in "Autodefensas del Zulia", "Federal Criminal Police" in
    "... Police Office")."""
    new = filter_spans(list(spans))
    if not new:
        return
    kept = list(doc.ents)
    owner = [-1] * len(doc)
    for i, ent in enumerate(kept):
        owner[ent.start : ent.end] = [i] * len(ent)
    dropped: set[int] = set()
    accepted: list[Span] = []
    for span in new:
        clashes = {o for o in owner[span.start : span.end] if o >= 0}
        if not clashes or (overwrite and all(_beats(span, source, kept[i], keep_statistical) for i in clashes)):
            accepted.append(span)
            dropped |= clashes
    for span in accepted:
        set_source(span, source)
    doc.ents = sorted([e for i, e in enumerate(kept) if i not in dropped] + accepted, key=lambda s: s.start)


def _beats(new: Span, source: str, old: Span, keep_statistical: bool = False) -> bool:
    """A rule span replaces an entity of no higher rank, or any entity it strictly
    encloses: "Command of the National ... Armed Forces" beats the listed "Armed Forces".
    A name typed by its head word is replaced only by a span covering it, never cut by a
    match inside or across it: "Darfur" in "Darfur Bar Association", "The Sovereign
    Guard" across "Sovereign Guard Liberation Front"; nor, with `keep_statistical`, is a
    statistical entity by a match strictly inside it."""
    new_rank = SOURCE_RANK[source]
    covers = new.start <= old.start and old.end <= new.end
    if source_of(old) == "head" and not covers:
        return False
    if keep_statistical and strictly_inside(new, old) and is_statistical(old):
        return False
    if new_rank >= rank(old):
        return True
    return covers and len(new) > len(old) and new_rank >= SOURCE_RANK["cue"]


def is_acronym(tok: Token) -> bool:
    """A word of two or more capitals ("WHO", "IT"), not the article "A": a name whatever the
    tagger calls it, and never a capitalised word of a person's name."""
    return tok.is_upper and len(tok) > 1


def strictly_inside(inner: Span, outer: Span) -> bool:
    """Whether `inner` lies within `outer` and is shorter: a part of it."""
    return outer.start <= inner.start and inner.end <= outer.end and len(inner) < len(outer)


def set_label(span: Span, label: str, source: str | None = None) -> Span:
    """A copy of `span` with a new label (and optionally a new source)."""
    new = Span(span.doc, span.start, span.end, label=label, kb_id=span.kb_id, span_id=span.id)
    if source is not None:
        set_source(new, source)
    return new
