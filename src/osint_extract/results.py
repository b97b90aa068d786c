"""Typed results: what the pipeline found in one document, independent of spaCy objects,
so results can be stored, compared and turned into tables."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.tokens import Doc

from .scoring import mention_name


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity in the text (character offsets, end exclusive)."""

    id: str
    start: int
    end: int
    label: str
    text: str
    entity_id: str
    sentence: str


@dataclass
class Entity:
    """A distinct entity of a document: all mentions with the same label that name it."""

    id: str
    name: str
    label: str
    mentions: list[Mention] = field(default_factory=list)


@dataclass(frozen=True)
class Relation:
    """A directed fact between two entities, with the evidence that supports it."""

    head: str
    tail: str
    label: str
    confidence: float
    evidence: str
    evidence_start: int
    evidence_end: int
    pattern: str


@dataclass
class Result:
    """Everything extracted from one document."""

    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @property
    def mentions(self) -> list[Mention]:
        return sorted((m for e in self.entities for m in e.mentions), key=lambda m: (m.start, m.end))

    def to_dict(self) -> dict[str, Any]:
        """The document in the schema's gold JSONL format, so any output can be scored or
        corrected and reused as gold. Mention ids are the schema's entity ids; `entity`
        groups mentions of one distinct entity."""
        ids = {e.id: e for e in self.entities}
        first_mention = {e.id: e.mentions[0].id for e in self.entities if e.mentions}
        return {
            "id": self.id,
            "text": self.text,
            "entities": [
                {"id": m.id, "start": m.start, "end": m.end, "label": m.label, "text": m.text, "entity": m.entity_id}
                for m in self.mentions
            ],
            "relations": [
                {
                    "head": first_mention[r.head],
                    "tail": first_mention[r.tail],
                    "label": r.label,
                    "confidence": r.confidence,
                    "evidence": r.evidence,
                    "evidence_start": r.evidence_start,
                    "evidence_end": r.evidence_end,
                    "pattern": r.pattern,
                    "head_name": ids[r.head].name,
                    "tail_name": ids[r.tail].name,
                }
                for r in self.relations
            ],
        }


def doc_to_result(doc: Doc, doc_id: str) -> Result:
    """Group the doc's entity spans into distinct entities.

    Mentions join when they carry the same label and either the same gazetteer id (so
    "ELN" and "National Liberation Army" are one entity) or the same name.
    """
    groups: dict[tuple[str, str], list] = {}
    for ent in doc.ents:
        key = (ent.label_, ent.ent_id_ or mention_name(ent.text, 0, len(ent.text)))
        groups.setdefault(key, []).append(ent)
    entities: list[Entity] = []
    for n, spans in enumerate(sorted(groups.values(), key=lambda s: s[0].start_char), 1):
        entity_id = f"E{n}"
        name = max((s.text for s in spans), key=lambda t: (len(t), t))
        entity = Entity(id=entity_id, name=name, label=spans[0].label_)
        entities.append(entity)
        for span in spans:
            sent = " ".join(span.sent.text.split()) if doc.has_annotation("SENT_START") else ""
            entity.mentions.append(
                Mention("", span.start_char, span.end_char, span.label_, span.text, entity_id, sent)
            )
    order = sorted((m.start, m.end, e_i, m_i) for e_i, e in enumerate(entities) for m_i, m in enumerate(e.mentions))
    for n, (_, _, e_i, m_i) in enumerate(order, 1):
        old = entities[e_i].mentions[m_i]
        entities[e_i].mentions[m_i] = Mention(f"m{n}", old.start, old.end, old.label, old.text, old.entity_id, old.sentence)
    return Result(id=doc_id, text=doc.text, entities=entities, relations=[])


def as_dict(obj: Any) -> dict[str, Any]:
    """Plain-dict view of any result dataclass."""
    return asdict(obj)
