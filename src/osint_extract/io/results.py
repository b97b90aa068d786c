"""Typed results: what the pipeline found in one document, independent of spaCy objects,
so results can be stored, compared and turned into tables."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from collections.abc import Iterator
from typing import Any

from spacy.tokens import Doc, Span

from ..components.facts import RelationFact
from ..names import mention_name
from ..schema import SYMMETRIC
from ..components.segmentation import Sentences, sentence_text


@dataclass(frozen=True, slots=True)
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
    """A distinct entity of a document: all mentions that name it, under its canonical
    (longest) name; `aliases` are its other names."""

    id: str
    name: str
    label: str
    mentions: list[Mention] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Relation:
    """A directed fact between two entities (head and tail entity ids), with the mentions
    it was found between, the evidence sentence and the rule that fired. For ALIAS_OF the
    two mentions are names of one entity."""

    head: str
    tail: str
    label: str
    confidence: float
    evidence: str
    evidence_start: int
    evidence_end: int
    pattern: str
    head_mention: str
    tail_mention: str
    head_name: str
    tail_name: str
    support: int = 1


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

    def entity(self, entity_id: str) -> Entity:
        return next(e for e in self.entities if e.id == entity_id)

    def to_dict(self) -> dict[str, Any]:
        """The document in the schema's gold JSONL format, so any output can be scored or
        corrected and reused as gold. Mention ids are the schema's entity ids; `entity`
        groups mentions of one distinct entity."""
        return {
            "id": self.id,
            "text": self.text,
            "entities": list(self.entity_dicts()),
            "relations": list(self.relation_dicts()),
        }

    def entity_dicts(self) -> Iterator[dict[str, Any]]:
        """The `entities` of `to_dict`, one at a time."""
        for m in self.mentions:
            yield {"id": m.id, "start": m.start, "end": m.end, "label": m.label, "text": m.text, "entity": m.entity_id}

    def relation_dicts(self) -> Iterator[dict[str, Any]]:
        """The `relations` of `to_dict`, one at a time."""
        for r in self.relations:
            yield {
                "head": r.head_mention,
                "tail": r.tail_mention,
                "label": r.label,
                "confidence": r.confidence,
                "evidence": r.evidence,
                "evidence_start": r.evidence_start,
                "evidence_end": r.evidence_end,
                "pattern": r.pattern,
                "head_name": r.head_name,
                "tail_name": r.tail_name,
            }


def _clusters(doc: Doc) -> list[list[Span]]:
    """Mentions grouped into entities: by the resolver (`doc._.osint_clusters`) when it
    ran, else by label and gazetteer id or name."""
    ents = {(e.start_char, e.end_char) for e in doc.ents}
    if doc._.osint_clusters is not None:
        groups = [[s for s in c if (s.start_char, s.end_char) in ents] for c in doc._.osint_clusters]
        seen = {(s.start_char, s.end_char) for g in groups for s in g}
        groups += [[e] for e in doc.ents if (e.start_char, e.end_char) not in seen]
        return [g for g in groups if g]
    keyed: dict[tuple[str, str], list[Span]] = {}
    for ent in doc.ents:
        keyed.setdefault((ent.label_, ent.ent_id_ or mention_name(ent.text, 0, len(ent.text))), []).append(ent)
    return [sorted(g, key=lambda s: (-len(s.text), s.start_char)) for g in keyed.values()]


def doc_to_result(doc: Doc, doc_id: str) -> Result:
    """The doc's entities (each named by the first span of its cluster, the canonical
    name) and relations, with mention ids m1.. in text order and entity ids E1.. in
    order of first mention."""
    clusters = sorted(_clusters(doc), key=lambda c: min(s.start_char for s in c))
    text = doc.text  # Doc.text joins every token on each access: once per document
    sentences = Sentences(doc)
    shown: dict[tuple[int, int], str] = {}  # one string per sentence window, shared by its mentions
    order = sorted((s.start_char, s.end_char) for c in clusters for s in c)
    mention_id = {offsets: f"m{n}" for n, offsets in enumerate(order, 1)}
    entity_of: dict[tuple[int, int], Entity] = {}
    entities: list[Entity] = []
    for n, spans in enumerate(clusters, 1):
        entity = Entity(id=f"E{n}", name=spans[0].text, label=spans[0].label_)
        seen_names = {mention_name(spans[0].text, 0, len(spans[0].text))}
        for span in sorted(spans, key=lambda s: s.start_char):
            bounds = sentences.window(span.start_char, span.end_char)
            sent = shown.get(bounds) or shown.setdefault(bounds, sentence_text(text, *bounds))
            key = (span.start_char, span.end_char)
            entity.mentions.append(Mention(mention_id[key], *key, span.label_, span.text, entity.id, sent))
            entity_of[key] = entity
            name = mention_name(span.text, 0, len(span.text))
            if name not in seen_names:
                seen_names.add(name)
                entity.aliases.append(span.text)
        entities.append(entity)
    return Result(id=doc_id, text=text, entities=entities, relations=_relations(doc, text, entity_of, mention_id))


def _relations(doc: Doc, text: str, entity_of: dict, mention_id: dict) -> list[Relation]:
    """The doc's relations between its entities, one per fact (the most confident
    instance, with the number of instances found as `support`). ALIAS_OF joins two distinct
    names of one entity; no other relation joins an entity to itself."""
    best: dict[tuple, tuple[RelationFact, int]] = {}
    for fact in doc._.osint_relations or []:
        head, tail = _offsets(fact.head), _offsets(fact.tail)
        if head not in entity_of or tail not in entity_of:
            continue
        h, t = entity_of[head], entity_of[tail]
        label = fact.label
        if label == "ALIAS_OF":
            alias = mention_name(text, *tail)
            if h.id != t.id or alias == mention_name(h.name, 0, len(h.name)):
                continue  # identity is the resolver's: names of one entity, never a name itself
            key = (label, h.id, alias)
        elif h.id == t.id:
            continue
        elif label in SYMMETRIC:
            key = (label, *sorted((h.id, t.id)))
        else:
            key = (label, h.id, t.id)
        old, count = best.get(key, (None, 0))
        if old is None or fact.confidence > old.confidence:
            old = fact
        best[key] = (old, count + 1)
    relations = []
    for (label, *_), (fact, count) in best.items():
        head, tail = _offsets(fact.head), _offsets(fact.tail)
        h, t = entity_of[head], entity_of[tail]
        ev_start, ev_end = _offsets(fact.evidence)
        relations.append(
            Relation(
                head=h.id,
                tail=t.id,
                label=label,
                confidence=round(float(fact.confidence), 4),
                evidence=text[ev_start:ev_end],
                evidence_start=ev_start,
                evidence_end=ev_end,
                pattern=fact.pattern,
                head_mention=mention_id[head],
                tail_mention=mention_id[tail],
                head_name=h.name,
                tail_name=text[tail[0] : tail[1]] if label == "ALIAS_OF" else t.name,
                support=count,
            )
        )
    return sorted(relations, key=lambda r: (r.evidence_start, int(r.head_mention[1:]), int(r.tail_mention[1:]), r.label))


def _offsets(span: Span) -> tuple[int, int]:
    return span.start_char, span.end_char


def as_dict(obj: Any) -> dict[str, Any]:
    """Plain-dict view of any result dataclass."""
    return asdict(obj)


def result_from_dict(data: dict[str, Any]) -> Result:
    """A Result back from `as_dict`: results travel between processes and machines, and
    wait in a run's cache, as plain JSON."""
    entities = [
        Entity(e["id"], e["name"], e["label"], [Mention(**m) for m in e["mentions"]], list(e["aliases"]))
        for e in data["entities"]
    ]
    return Result(data["id"], data["text"], entities, [Relation(**r) for r in data["relations"]])


def merge_results(doc_id: str, parts: list[tuple[int, Result]]) -> Result:
    """One document's result from the results of its consecutive chunks (start offset,
    result)."""
    merger = ResultMerger(doc_id)
    for offset, part in parts:
        merger.add(offset, part)
    return merger.result()


class ResultMerger:
    """Joins the results of a document's consecutive chunks as they come: offsets shifted
    back, entities with the same label and name joined, mentions and entities numbered in
    text order. Each chunk's result can be dropped once added, so a long document costs
    the memory of its result, not of its chunks' results as well."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.texts: list[str] = []
        self.by_key: dict[tuple[str, str], Entity] = {}
        self.entities: list[Entity] = []
        self.relations: list[Relation] = []
        self.n_mentions = 0

    def add(self, offset: int, part: Result) -> None:
        self.texts.append(part.text)
        local: dict[str, Entity] = {}
        for entity in part.entities:
            key = (entity.label, mention_name(entity.name, 0, len(entity.name)))
            merged = self.by_key.get(key)
            if merged is None:
                merged = self.by_key[key] = Entity("", entity.name, entity.label)
            for alias in entity.aliases:
                if alias not in merged.aliases and alias != merged.name:
                    merged.aliases.append(alias)
            local[entity.id] = merged
        mentions = sorted(((m, local[e.id]) for e in part.entities for m in e.mentions), key=lambda p: (p[0].start, p[0].end))
        mention_ids: dict[str, str] = {}
        for m, merged in mentions:
            if not merged.id:
                self.entities.append(merged)
                merged.id = f"E{len(self.entities)}"
            self.n_mentions += 1
            mention_ids[m.id] = f"m{self.n_mentions}"
            merged.mentions.append(
                Mention(f"m{self.n_mentions}", m.start + offset, m.end + offset, m.label, m.text, merged.id, m.sentence)
            )
        for r in part.relations:
            self.relations.append(
                Relation(
                    head=local[r.head].id,
                    tail=local[r.tail].id,
                    label=r.label,
                    confidence=r.confidence,
                    evidence=r.evidence,
                    evidence_start=r.evidence_start + offset,
                    evidence_end=r.evidence_end + offset,
                    pattern=r.pattern,
                    head_mention=mention_ids[r.head_mention],
                    tail_mention=mention_ids[r.tail_mention],
                    head_name=r.head_name,
                    tail_name=r.tail_name,
                    support=r.support,
                )
            )

    def result(self) -> Result:
        return Result(self.doc_id, "".join(self.texts), self.entities, self.relations)
