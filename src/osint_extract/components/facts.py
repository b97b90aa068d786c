"""What the pipeline found, on the Doc as spaCy users expect it: entity mentions are
`doc.ents`, and the project's own results are extensions holding Span references.

- `doc._.osint_clusters`: the document's entities, each a list of its mention Spans,
  canonical mention first (set by the resolver; None when it did not run).
- `doc._.osint_relations`: a list of `RelationFact` (ALIAS_OF facts added by the resolver,
  the others appended by the relation extractor; None when neither ran).
- `span._.osint_entity`: the index into `doc._.osint_clusters` of the entity a mention
  belongs to (None when it is no mention), so a component can ask "same entity?".

Spans cannot travel through msgpack, which `Doc.to_bytes` (and so `nlp.pipe(n_process=...)`)
uses for extensions, so a Span is packed as its token offsets and label and bound to its
new Doc again on the first read of the extension there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import srsly
from spacy.tokens import Doc, Span

__all__ = ["RelationFact", "clusters_of", "relations_of", "entity_index", "add_relations"]


@dataclass(slots=True)
class RelationFact:
    """A directed fact between two entity mentions, with the evidence (the sentence
    window it was read from) and the rule that produced it; `confidence` in [0, 1]."""

    head: Span
    tail: Span
    label: str
    confidence: float
    evidence: Span
    pattern: str


class _PackedSpan(NamedTuple):
    """A Span unpacked without its Doc: bound again on the first read of the extension."""

    start: int
    end: int
    label: str
    kb_id: str

    def bind(self, doc: Doc) -> Span:
        return Span(doc, self.start, self.end, label=self.label, kb_id=self.kb_id)


_SPAN, _FACT = "__osint_span__", "__osint_fact__"


def _encode(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, Span):
        return {_SPAN: [obj.start, obj.end, obj.label_, obj.kb_id_]}
    if isinstance(obj, RelationFact):
        return {_FACT: [obj.head, obj.tail, obj.label, obj.confidence, obj.evidence, obj.pattern]}
    return obj if chain is None else chain(obj)


def _decode(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, dict):
        if _SPAN in obj:
            return _PackedSpan(*obj[_SPAN])
        if _FACT in obj:
            return RelationFact(*obj[_FACT])
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("osint_extract_spans", func=_encode)
srsly.msgpack_decoders.register("osint_extract_spans", func=_decode)


def _bound(doc: Doc, span: Any) -> Span:
    return span.bind(doc) if isinstance(span, _PackedSpan) else span


def _get_clusters(doc: Doc) -> list[list[Span]] | None:
    clusters = doc.user_data.get(_CLUSTERS_KEY)
    if clusters and clusters[0] and isinstance(clusters[0][0], _PackedSpan):
        clusters[:] = [[_bound(doc, s) for s in c] for c in clusters]
    return clusters


def _set_clusters(doc: Doc, value: list[list[Span]] | None) -> None:
    doc.user_data[_CLUSTERS_KEY] = value


def _get_relations(doc: Doc) -> list[RelationFact] | None:
    facts = doc.user_data.get(_RELATIONS_KEY)
    if facts and isinstance(facts[0].head, _PackedSpan):
        for f in facts:
            f.head, f.tail, f.evidence = _bound(doc, f.head), _bound(doc, f.tail), _bound(doc, f.evidence)
    return facts


def _set_relations(doc: Doc, value: list[RelationFact] | None) -> None:
    doc.user_data[_RELATIONS_KEY] = value


# the keys spaCy itself would use for plain attribute extensions
_CLUSTERS_KEY = ("._.", "osint_clusters", None, None)
_RELATIONS_KEY = ("._.", "osint_relations", None, None)

_index_cache: tuple[Any, int, dict[tuple[int, int], int]] | None = None


def entity_index(doc: Doc) -> dict[tuple[int, int], int]:
    """(start_char, end_char) of each mention -> its entity's index in `osint_clusters`
    (one-slot cache: components work one document at a time)."""
    global _index_cache
    clusters = doc._.osint_clusters or []
    if _index_cache is not None and _index_cache[0] is clusters and _index_cache[1] == len(clusters):
        return _index_cache[2]
    index = {(s.start_char, s.end_char): n for n, c in enumerate(clusters) for s in c}
    _index_cache = (clusters, len(clusters), index)
    return index


def _span_entity(span: Span) -> int | None:
    return entity_index(span.doc).get((span.start_char, span.end_char))


if not Doc.has_extension("osint_clusters"):
    Doc.set_extension("osint_clusters", getter=_get_clusters, setter=_set_clusters)
if not Doc.has_extension("osint_relations"):
    Doc.set_extension("osint_relations", getter=_get_relations, setter=_set_relations)
if not Span.has_extension("osint_entity"):
    Span.set_extension("osint_entity", getter=_span_entity)


def clusters_of(doc: Doc) -> list[list[Span]]:
    """The doc's entities, or each mention its own entity when the resolver did not run."""
    clusters = doc._.osint_clusters
    return clusters if clusters is not None else [[e] for e in doc.ents]


def relations_of(doc: Doc) -> list[RelationFact]:
    """The doc's fact list, created on first use, so components append to one list."""
    if doc._.osint_relations is None:
        doc._.osint_relations = []
    return doc._.osint_relations


def add_relations(doc: Doc, facts: list[RelationFact]) -> None:
    """Append facts to the doc's list (never replacing what another component added)."""
    relations_of(doc).extend(facts)
